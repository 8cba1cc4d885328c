/**
 * Emulated AWS Lambda Invoke (signing name `lambda`) on its wire protocol, REST-JSON:
 * `POST /2015-03-31/functions/{FunctionName}/invocations`, the payload as the body, `X-Amz-Invocation-Type`
 * (`RequestResponse`, `Event`, `DryRun`), `X-Amz-Log-Type`, `X-Amz-Client-Context`, `X-Amz-Tenant-Id` headers and a
 * `Qualifier` query parameter. Errors carry their type in `x-amzn-errortype` and a `{ Type, Message | message }` body,
 * as Lambda sends them (the member's case follows each error shape of the model).
 *
 * Functions are not deployed code but in-process handlers registered on the world
 * (`cloud.world.lambda.register(name, handler)`), called the way the Node.js runtime calls them: `handler(event,
 * context, callback)` with a Lambda context. What the runtime makes of the outcome is reproduced: a result is sent as
 * JSON (`undefined` as `null`); a thrown error (or rejected promise, or an error passed to the callback) is a 200 with
 * `X-Amz-Function-Error: Unhandled` and the runtime's error document `{ errorType, errorMessage, trace }`; a handler
 * that outlives its timeout answers `Sandbox.Timedout`. `Event` invocations answer 202 and run in the background
 * (once: the retries of asynchronous invocation are not emulated); `DryRun` answers 204 without running anything.
 *
 * Every invocation that ran (or runs) is appended to {@link LambdaState.invocations}; listeners registered with
 * {@link LambdaState.onFinish} hear of each one that finished (the world publishes Lambda's CloudWatch metrics
 * `Invocations`, `Errors` and `Duration` by `FunctionName` from it).
 */
import { ApiError, stableHex } from '../protocols/json';
import type { LocalRequest, LocalResponse, ServiceContext, ServiceEmulator } from '../types';
import type { WorldOptions } from '../world';

/**
 * The context object a handler receives: the members of the Node.js runtime's context (structurally the `Context` of
 * `@types/aws-lambda`, so handlers typed with it can be registered).
 */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  /** The ARN the caller invoked: with the qualifier when one was given. */
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  tenantId?: string | undefined;
  getRemainingTimeInMillis(): number;
  /** @deprecated as in the runtime: use the callback or a promise. */
  done(error?: unknown, result?: unknown): void;
  /** @deprecated as in the runtime. */
  fail(error: unknown): void;
  /** @deprecated as in the runtime. */
  succeed(messageOrObject: unknown, object?: unknown): void;
}

/** The runtime's callback for callback-style handlers. */
export type LambdaCallback = (error?: unknown, result?: unknown) => void;

/**
 * A function's handler. Async handlers resolve with the result; callback-style handlers (three parameters) call the
 * callback. `E` is the event type the handler declares.
 */
export type LambdaHandler<E = unknown> = (
  event: E,
  context: LambdaContext,
  callback: LambdaCallback,
) => unknown;

/** Options of {@link LambdaState.register}. */
export interface LambdaFunctionOptions {
  /** Seconds before an invocation answers `Sandbox.Timedout`; default 900 (Lambda's maximum). */
  timeoutSeconds?: number;
  /** `context.memoryLimitInMB`; default 128. */
  memoryMb?: number;
  /** Aliases (or version numbers) accepted as a qualifier; all run the handler as `$LATEST`. */
  aliases?: readonly string[];
}

/** A registered function. */
export interface LambdaFunction {
  name: string;
  /** Unqualified ARN: `arn:aws:lambda:<region>:<account>:function:<name>`. */
  arn: string;
  handler: LambdaHandler<never>;
  timeoutSeconds: number;
  memoryMb: number;
  aliases: ReadonlySet<string>;
}

/** The runtime's error document (the payload of an invocation whose handler failed). */
export interface LambdaFunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/** One invocation a caller made (DryRun requests, which run nothing, are not recorded). */
export interface LambdaInvocation {
  requestId: string;
  functionName: string;
  functionArn: string;
  /** The ARN as invoked (with the qualifier, when one was given). */
  invokedFunctionArn: string;
  qualifier?: string;
  invocationType: 'RequestResponse' | 'Event';
  /** The payload as sent (UTF-8), and the event the handler received (the parsed payload, `{}` when empty). */
  payload: string;
  event: unknown;
  clientContext?: string;
  /** ISO 8601, from the local cloud's clock. */
  at: string;
  status: 'running' | 'succeeded' | 'failed';
  /** The handler's result (once succeeded). */
  result?: unknown;
  /** The error document (once failed). */
  error?: LambdaFunctionError;
  /** Settles when the handler has finished (never rejects). */
  done: Promise<void>;
}

type Outcome = { ok: true; body: string } | { ok: false; error: LambdaFunctionError };

const DEFAULT_TIMEOUT_SECONDS = 900;
const SYNC_PAYLOAD_LIMIT = 6_291_456;
const ASYNC_PAYLOAD_LIMIT = 1_048_576;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const QUALIFIER = /^(\$LATEST|[A-Za-z0-9_-]{1,128})$/;
const FULL_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([^:]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([^:]+))?$/;
const INVOCATIONS_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** Lambda's error shapes: which member carries the message, and the `Type` (who is at fault). */
const MESSAGE_MEMBER: Record<string, 'Message' | 'message'> = {
  ResourceNotFoundException: 'Message',
  ServiceException: 'Message',
  AccessDeniedException: 'Message',
};

const lambdaError = (status: number, code: string, message: string, fields: Record<string, unknown> = {}) =>
  new ApiError(status, code, message, fields);

function errorResponse(error: ApiError, headers: Record<string, string> = {}): LocalResponse {
  const member = MESSAGE_MEMBER[error.code] ?? 'message';
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code, ...headers },
    body: JSON.stringify({
      Type: error.fault === 'Receiver' ? 'Service' : 'User',
      [member]: error.message,
      ...error.fields,
    }),
  };
}

const validation = (value: string, member: string, constraint: string) =>
  lambdaError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );

function header(req: LocalRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The runtime's error document for anything a handler throws, rejects with or passes to its callback. */
function runtimeError(thrown: unknown): LambdaFunctionError {
  if (thrown instanceof Error) {
    return {
      errorType: thrown.name,
      errorMessage: thrown.message,
      trace: typeof thrown.stack === 'string' ? thrown.stack.split('\n') : [],
    };
  }
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** State of the emulated Lambda: registered functions and every invocation. */
export class LambdaState {
  readonly accountId: string;
  readonly region: string;
  /** Functions by name. */
  readonly functions = new Map<string, LambdaFunction>();
  /** Every invocation, oldest first. */
  readonly invocations: LambdaInvocation[] = [];
  private readonly clock: WorldOptions['clock'];
  private readonly finishListeners: ((invocation: LambdaInvocation, durationMs: number) => void)[] = [];

  constructor(options: WorldOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.clock = options.clock;
  }

  /** ARN of the function called `name`. */
  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /**
   * Registers (or replaces) the function `name`, run by `handler`.
   * @throws Error when `name` is not a valid function name.
   */
  register<E = unknown>(
    name: string,
    handler: LambdaHandler<E>,
    options: LambdaFunctionOptions = {},
  ): LambdaFunction {
    if (!NAME.test(name)) throw new Error(`not a valid Lambda function name: ${name}`);
    for (const alias of options.aliases ?? []) {
      if (!QUALIFIER.test(alias) || alias === '$LATEST') throw new Error(`not a valid alias: ${alias}`);
    }
    const fn: LambdaFunction = {
      name,
      arn: this.functionArn(name),
      handler: handler as LambdaHandler<never>,
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      memoryMb: options.memoryMb ?? 128,
      aliases: new Set(options.aliases ?? []),
    };
    this.functions.set(name, fn);
    return fn;
  }

  /**
   * Calls `listener` when an invocation has finished (succeeded or failed), with how long its handler ran (wall
   * time). Returns a function that removes it.
   */
  onFinish(listener: (invocation: LambdaInvocation, durationMs: number) => void): () => void {
    this.finishListeners.push(listener);
    return () => {
      const i = this.finishListeners.indexOf(listener);
      if (i >= 0) this.finishListeners.splice(i, 1);
    };
  }

  /** Removes the function `name`; true when it existed. */
  unregister(name: string): boolean {
    return this.functions.delete(name);
  }

  /** Invocations of the function `name`, oldest first. */
  invocationsOf(name: string): LambdaInvocation[] {
    return this.invocations.filter((i) => i.functionName === name);
  }

  /** Resolves when every invocation started so far has finished (Event invocations run in the background). */
  async settled(): Promise<void> {
    await Promise.all(this.invocations.map((i) => i.done));
  }

  /**
   * Finds the function a `FunctionName` (name, `name:qualifier`, partial or full ARN) and `Qualifier` designate.
   * @throws ApiError ValidationException, InvalidParameterValueException or ResourceNotFoundException, as Lambda.
   */
  resolve(
    functionName: string,
    qualifierParam?: string,
  ): { fn: LambdaFunction; qualifier?: string; invokedArn: string } {
    let name: string | undefined;
    let qualifier: string | undefined;
    let region = this.region;
    let account = this.accountId;
    const full = FULL_ARN.exec(functionName);
    const partial = full ? null : PARTIAL_ARN.exec(functionName);
    if (full) {
      [, region = '', account = '', name, qualifier] = full;
    } else if (partial) {
      [, account = '', name, qualifier] = partial;
    } else if (!functionName.startsWith('arn:')) {
      const parts = functionName.split(':');
      if (parts.length <= 2) [name, qualifier] = parts;
    }
    if (!name || !NAME.test(name) || (qualifier !== undefined && !QUALIFIER.test(qualifier))) {
      throw validation(
        functionName,
        'functionName',
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
      );
    }
    if (qualifierParam !== undefined) {
      if (!QUALIFIER.test(qualifierParam))
        throw validation(
          qualifierParam,
          'qualifier',
          'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)',
        );
      if (qualifier !== undefined && qualifier !== qualifierParam) {
        throw lambdaError(
          400,
          'InvalidParameterValueException',
          'The derived qualifier from the function name does not match the specified qualifier.',
        );
      }
      qualifier = qualifierParam;
    }
    const invokedArn = `arn:aws:lambda:${region}:${account}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
    const fn = this.functions.get(name);
    const known =
      fn !== undefined &&
      region === this.region &&
      account === this.accountId &&
      (qualifier === undefined || qualifier === '$LATEST' || fn.aliases.has(qualifier));
    if (!fn || !known)
      throw lambdaError(404, 'ResourceNotFoundException', `Function not found: ${invokedArn}`);
    return qualifier === undefined ? { fn, invokedArn } : { fn, qualifier, invokedArn };
  }

  /** Starts an invocation; its `done` settles when the handler has finished. */
  start(
    target: { fn: LambdaFunction; qualifier?: string; invokedArn: string },
    input: {
      invocationType: 'RequestResponse' | 'Event';
      payload: string;
      event: unknown;
      clientContext?: string;
      tenantId?: string;
    },
  ): { invocation: LambdaInvocation; outcome: Promise<Outcome> } {
    const now = this.clock.now();
    const requestId = crypto.randomUUID();
    const { fn } = target;
    const invocation: LambdaInvocation = {
      requestId,
      functionName: fn.name,
      functionArn: fn.arn,
      invokedFunctionArn: target.invokedArn,
      ...(target.qualifier !== undefined ? { qualifier: target.qualifier } : {}),
      invocationType: input.invocationType,
      payload: input.payload,
      event: input.event,
      ...(input.clientContext !== undefined ? { clientContext: input.clientContext } : {}),
      at: now.toISOString(),
      status: 'running',
      done: Promise.resolve(),
    };
    const startedMs = Date.now();
    const outcome = this.run(fn, input.event, this.context(target, requestId, now, input.tenantId)).then(
      (result) => {
        if (result.ok) {
          invocation.status = 'succeeded';
          invocation.result = JSON.parse(result.body);
        } else {
          invocation.status = 'failed';
          invocation.error = result.error;
        }
        const durationMs = Date.now() - startedMs;
        for (const listener of [...this.finishListeners]) {
          try {
            listener(invocation, durationMs);
          } catch (error) {
            // A listener's failure is not the invocation's: report it outside, as an event emitter would.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
        return result;
      },
    );
    invocation.done = outcome.then(() => undefined);
    this.invocations.push(invocation);
    return { invocation, outcome };
  }

  private context(
    target: { fn: LambdaFunction; invokedArn: string },
    requestId: string,
    now: Date,
    tenantId: string | undefined,
  ): LambdaContext {
    const { fn } = target;
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: target.invokedArn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `${day}/[$LATEST]${stableHex(`${fn.arn}|${day}`, 32)}`,
      ...(tenantId !== undefined ? { tenantId } : {}),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      // Replaced by run() with ones that settle the invocation.
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** Calls the handler as the Node.js runtime does and turns what happens into the invocation's outcome. */
  private async run(fn: LambdaFunction, event: unknown, context: LambdaContext): Promise<Outcome> {
    let settle: (outcome: Promise<unknown>) => void = () => undefined;
    const viaCallback = new Promise<unknown>((resolve) => {
      settle = resolve;
    });
    // An error passed to the callback of a handler that already settled is ignored, as in the runtime.
    viaCallback.catch(() => undefined);
    const callback: LambdaCallback = (error, result) =>
      settle(error !== undefined && error !== null ? Promise.reject(error) : Promise.resolve(result));
    context.done = callback;
    context.fail = (error) => callback(error ?? 'fail');
    context.succeed = (result) => callback(null, result);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            },
          }),
        fn.timeoutSeconds * 1000,
      );
      timer.unref();
    });
    const handled = (async (): Promise<Outcome> => {
      try {
        const handler = fn.handler as LambdaHandler;
        const returned = handler(event, context, callback);
        const result = isThenable(returned)
          ? await Promise.race([returned, viaCallback])
          : handler.length >= 3 && returned === undefined
            ? await viaCallback
            : returned;
        return marshal(result);
      } catch (error) {
        return { ok: false, error: runtimeError(error) };
      }
    })();
    try {
      return await Promise.race([handled, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function marshal(result: unknown): Outcome {
  let body: string | undefined;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    return {
      ok: false,
      error: {
        errorType: 'Runtime.MarshalError',
        errorMessage: `Unable to stringify response body: ${error instanceof Error ? error.message : String(error)}`,
        trace: [],
      },
    };
  }
  if (body === undefined) body = 'null';
  if (Buffer.byteLength(body) > SYNC_PAYLOAD_LIMIT) {
    return {
      ok: false,
      error: {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).`,
      },
    };
  }
  return { ok: true, body };
}

/** The base64 log tail (`X-Amz-Log-Type: Tail`): the platform's START / END / REPORT lines. */
function logTail(invocation: LambdaInvocation, fn: LambdaFunction, ms: number): string {
  const id = invocation.requestId;
  const lines = [
    `START RequestId: ${id} Version: $LATEST`,
    ...(invocation.error ? [JSON.stringify(invocation.error)] : []),
    `END RequestId: ${id}`,
    `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(ms))} ms\tMemory Size: ${fn.memoryMb} MB\tMax Memory Used: ${Math.min(fn.memoryMb, 64)} MB\t`,
  ];
  return Buffer.from(`${lines.join('\n')}\n`).toString('base64');
}

async function invoke(req: LocalRequest, ctx: ServiceContext): Promise<LocalResponse> {
  const match = INVOCATIONS_PATH.exec(req.path);
  if (!match?.[1]) throw lambdaError(404, 'UnknownOperationException', 'Unknown operation');
  const state = ctx.world.lambda;
  let functionName: string;
  try {
    functionName = decodeURIComponent(match[1]);
  } catch {
    throw validation(match[1], 'functionName', 'Member must be a valid function name');
  }
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
    throw validation(
      type,
      'invocationType',
      'Member must satisfy enum value set: [Event, RequestResponse, DryRun]',
    );
  }
  const logType = header(req, 'x-amz-log-type');
  if (logType !== undefined && logType !== 'None' && logType !== 'Tail')
    throw validation(logType, 'logType', 'Member must satisfy enum value set: [None, Tail]');
  const target = state.resolve(functionName, req.query.get('Qualifier') ?? undefined);

  const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
  if (req.body.length > limit) {
    throw lambdaError(
      413,
      'RequestTooLargeException',
      `Request must be smaller than ${limit} bytes for the ${type === 'Event' ? 'InvokeAsync' : 'InvokeFunction'} operation`,
    );
  }
  const payload = req.body.toString('utf8');
  let event: unknown = {};
  if (payload.trim() !== '') {
    try {
      event = JSON.parse(payload);
    } catch (error) {
      throw lambdaError(
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (type === 'DryRun') return { status: 204 };

  const clientContext = header(req, 'x-amz-client-context');
  const tenantId = header(req, 'x-amz-tenant-id');
  const started = Date.now();
  const { invocation, outcome } = state.start(target, {
    invocationType: type,
    payload,
    event,
    ...(clientContext !== undefined ? { clientContext } : {}),
    ...(tenantId !== undefined ? { tenantId } : {}),
  });
  if (type === 'Event') return { status: 202 };

  const result = await outcome;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': '$LATEST',
  };
  if (logType === 'Tail') headers['x-amz-log-result'] = logTail(invocation, target.fn, Date.now() - started);
  if (result.ok) return { status: 200, headers, body: result.body };
  headers['x-amz-function-error'] = 'Unhandled';
  return { status: 200, headers, body: JSON.stringify(result.error) };
}

/** Lambda's Invoke on REST-JSON. */
export const lambdaEmulator: ServiceEmulator = {
  signingNames: ['lambda'],
  operation: (req: LocalRequest) =>
    req.method === 'POST' && INVOCATIONS_PATH.test(req.path) ? 'Invoke' : undefined,
  async handle(_operation, req, ctx): Promise<LocalResponse> {
    try {
      return await invoke(req, ctx);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      throw error;
    }
  },
  throttled: () =>
    errorResponse(
      lambdaError(429, 'TooManyRequestsException', 'Rate Exceeded.', {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      }),
      { 'retry-after': '1' },
    ),
  failure: (_operation, message) => errorResponse(lambdaError(500, 'ServiceException', message)),
  denied: (operation) =>
    errorResponse(
      lambdaError(
        403,
        'AccessDeniedException',
        `User is not authorized to perform: lambda:${operation === 'Invoke' ? 'InvokeFunction' : operation}`,
      ),
    ),
};
