import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  type LambdaClientConfig,
} from '@aws-sdk/client-lambda';
import { errorText, MqopsError } from '@mqops/core';
import type { AuditPort } from '@mqops/core/runbooks/ports';

type AuditSummary = Awaited<ReturnType<AuditPort['run']>>;

/**
 * The audit-now runbook's audit: a manual invoke of the deployed Audit function (`{"brokerIds": [...]}`), which
 * audits and reports as it does on its schedule. The runbook so carries none of the audit's code or permissions.
 * IAM: `lambda:InvokeFunction` on the Audit function.
 */
export class LambdaAuditPort implements AuditPort {
  private readonly client: LambdaClient;

  constructor(
    private readonly functionName: string,
    client: LambdaClient | LambdaClientConfig = {},
  ) {
    this.client = client instanceof LambdaClient ? client : new LambdaClient(client);
  }

  async run(brokers?: readonly string[]): Promise<AuditSummary> {
    let out: InvokeCommandOutput;
    try {
      out = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          Payload: new TextEncoder().encode(
            JSON.stringify(brokers?.length ? { brokerIds: [...brokers] } : {}),
          ),
        }),
      );
    } catch (error) {
      throw new MqopsError(
        `invoking the Audit function ${this.functionName} failed: ${(error as { name?: string } | null)?.name ?? 'Error'}: ${errorText(error)}`,
        { cause: error },
      );
    }
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      let message = text;
      try {
        message = (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
      } catch {
        // Not JSON: keep the text.
      }
      throw new MqopsError(`the Audit function failed: ${message}`);
    }
    const result = JSON.parse(text || '{}') as Partial<AuditSummary>;
    return {
      brokersAudited: result.brokersAudited ?? 0,
      findings: result.findings ?? 0,
      ...(result.new !== undefined ? { new: result.new } : {}),
      ...(result.fixed !== undefined ? { fixed: result.fixed } : {}),
      notified: result.notified ?? [],
      errors: result.errors ?? 0,
    };
  }
}
