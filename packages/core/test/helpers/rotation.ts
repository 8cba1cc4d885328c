import { expect } from 'vitest';
import { parseRotationSecret, type RotationSecret, type SecretStore } from '../../src/rotation/index';

/** The rotated secret's name and ARN in the rotation tests (mqops rotates only secrets named `mqops/…`). */
export const NAME = 'mqops/orders/app';
export const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${NAME}-AbCdEf`;
/** An admin secret (`masterarn`). */
export const MASTER = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mqops/orders/admin-AbCdEf';
/** The n-th ClientRequestToken. */
export const token = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * Secrets Manager's stage semantics for the secret {@link ARN} (also found by {@link NAME}), in memory; other secrets
 * (`others`) are plain values, which DescribeSecret does not find. Records what a test may check: every call
 * (`calls`, by Secrets Manager operation), every password it generated, every PutSecretValue and its RotationToken.
 */
export class MemorySecretStore implements SecretStore {
  rotationEnabled = true;
  /** The secret's tags: mqops' own by default. */
  tags: Record<string, string> = { 'mqops:engine': 'rabbitmq', 'mqops:broker': 'b-1' };
  /** Every call, as the Secrets Manager operation it stands for (`DescribeSecret`, `PutSecretValue`…). */
  readonly calls: string[] = [];
  readonly versions = new Map<string, { value?: string; stages: string[] }>();
  readonly others = new Map<string, string>();
  readonly rotationTokens: (string | undefined)[] = [];
  readonly generated: string[] = [];
  puts = 0;
  private n = 0;

  constructor(initial: object) {
    this.versions.set('v0', { value: JSON.stringify(initial), stages: ['AWSCURRENT'] });
  }
  /** What RotateSecret does before invoking the function: a stub version labelled AWSPENDING. */
  startRotation(): string {
    const id = token(++this.n);
    for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPENDING');
    this.versions.set(id, { stages: ['AWSPENDING'] });
    return id;
  }
  current(): RotationSecret {
    const v = [...this.versions.values()].find((x) => x.stages.includes('AWSCURRENT'));
    return parseRotationSecret(v?.value);
  }
  async describe(secretId: string) {
    this.calls.push('DescribeSecret');
    if (secretId !== ARN && secretId !== NAME) return undefined;
    return {
      arn: ARN,
      rotationEnabled: this.rotationEnabled,
      versions: Object.fromEntries([...this.versions].map(([id, v]) => [id, [...v.stages]])),
      tags: { ...this.tags },
    };
  }
  async getValue(secretId: string, ref: { versionId?: string; stage?: string }) {
    this.calls.push('GetSecretValue');
    if (secretId !== ARN && secretId !== NAME) return this.others.get(secretId);
    const v = ref.versionId
      ? this.versions.get(ref.versionId)
      : [...this.versions.values()].find((x) => ref.stage && x.stages.includes(ref.stage));
    if (!v || (ref.stage && !v.stages.includes(ref.stage))) return undefined;
    return v.value;
  }
  async putPending(_id: string, id: string, value: string, rotationToken?: string) {
    this.calls.push('PutSecretValue');
    this.rotationTokens.push(rotationToken);
    const v = this.versions.get(id);
    if (v?.value !== undefined && v.value !== value) throw new Error('ResourceExistsException');
    this.puts++;
    if (v) v.value = value;
    else this.versions.set(id, { value, stages: ['AWSPENDING'] });
  }
  async moveCurrent(_id: string, id: string, from: string | undefined) {
    this.calls.push('UpdateSecretVersionStage');
    for (const [vid, v] of this.versions) {
      v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
      if (vid === from) v.stages = v.stages.filter((s) => s !== 'AWSCURRENT').concat('AWSPREVIOUS');
    }
    const target = this.versions.get(id);
    if (target) target.stages = ['AWSCURRENT'];
  }
  /** A password that looks like one (so scans for it mean something), never with a URI-breaking `:`. */
  async randomPassword(options: { length: number; excludeCharacters: string }) {
    this.calls.push('GetRandomPassword');
    expect(options.excludeCharacters).toContain(':');
    const password = `Gen${++this.n}-Secret-`.padEnd(options.length, 'q');
    this.generated.push(password);
    return password;
  }
}
