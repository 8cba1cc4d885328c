/**
 * DynamoDB and S3 for the local cloud, served by maintained open-source servers rather than emulated here:
 * `dynalite` (DynamoDB on an in-memory LevelDB, awsJson1_0) and `s3rver` (S3 on a temporary directory, restXml).
 *
 * Each local cloud owns its own pair ({@link createProxiedEmulators}): the servers start lazily, on the first
 * request for their service, on ephemeral loopback ports, and `stop()` closes them (and removes s3rver's
 * temporary directory). A persistent local cloud gives them directories of its own (`dynamodbPath`, `s3Directory`):
 * dynalite then keeps its LevelDB there, s3rver its files, and both are left in place at `stop()`. The emulators forward the raw request (method, path and query, headers, body) and return the
 * backing server's status, headers and body unchanged, so the SDK sees those servers' real wire format; the
 * local cloud still does the routing, the request log and fault injection, with each service's own throttling,
 * failure and access-denied errors.
 *
 * S3 clients should use path-style addressing (`forcePathStyle: true`, see `cloud.s3ClientConfig()`).
 * Virtual-hosted requests (`<bucket>.localhost`) are turned into path-style ones before forwarding.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, type OutgoingHttpHeaders, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalRequest, LocalResponse, ServiceEmulator } from '../types';

const require = createRequire(import.meta.url);

/** The part of dynalite's API used here (it has no type declarations). */
type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  /** A LevelDB directory; unset (as here) means an in-memory store. */
  path?: string;
}) => Server;

/** The part of s3rver's API used here (it has no type declarations). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
  allowMismatchedSignatures: boolean;
  vhostBuckets: boolean;
}) => S3rverInstance;

/** s3rver only knows this access key (it does not verify SigV4 signatures, only that the key exists). */
const S3RVER_ACCESS_KEY = 'S3RVER';

/** The DynamoDB and S3 emulators of one local cloud, and how to stop their servers. */
export interface ProxiedEmulators {
  readonly emulators: readonly ServiceEmulator[];
  /** Closes the backing servers that were started (and removes s3rver's directory). Idempotent. */
  stop(): Promise<void>;
}

interface Running {
  port: number;
  close(): Promise<void>;
}

/** Starts a backing server on first use (memoized; a failed start is retried next time). */
class LazyServer {
  private started: Promise<Running> | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly start: () => Promise<Running>,
  ) {}

  get(): Promise<Running> {
    if (this.stopped) return Promise.reject(new Error(`${this.name} is stopped`));
    this.started ??= this.start().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running = await this.started?.catch(() => undefined);
    this.started = undefined;
    await running?.close();
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

async function startDynalite(path?: string): Promise<Running> {
  const dynalite = require('dynalite') as Dynalite;
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(path ? { path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { port, close: () => closeServer(server) };
}

async function startS3rver(kept?: string): Promise<Running> {
  const S3rver = require('s3rver') as S3rverConstructor;
  if (kept) await mkdir(kept, { recursive: true });
  const directory = kept ?? (await mkdtemp(join(tmpdir(), 'mqops-s3rver-')));
  const remove = () => (kept ? Promise.resolve() : rm(directory, { recursive: true, force: true }));
  try {
    const s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory,
      silent: true,
      resetOnClose: false,
      allowMismatchedSignatures: true,
      vhostBuckets: false,
    });
    const { port } = await s3rver.run();
    return {
      port,
      close: async () => {
        const closed = s3rver.close();
        s3rver.httpServer?.closeAllConnections();
        await closed;
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Request headers that belong to one hop (and host and length, which are set again for the backing server). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
]);

/** Response headers the local cloud's own HTTP layer sets (content-length is kept: HEAD answers need it). */
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade']);

interface Forward {
  method: string;
  /** Path and query, already URL-encoded. */
  target: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

function forward(
  agent: Agent,
  port: number,
  { method, target, headers, body }: Forward,
): Promise<LocalResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        agent,
        headers: { ...headers, host: `127.0.0.1:${port}`, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined || RESPONSE_HOP_BY_HOP.has(name)) continue;
            responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 502, headers: responseHeaders, body: Buffer.concat(chunks) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function requestHeaders(req: LocalRequest): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}

function header(req: LocalRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** RFC 3986 encoding of one query component. */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query string again (`?uploads`, not `?uploads=`: S3 subresources are bare names). */
function queryString(query: URLSearchParams): string {
  const parts = [...query].map(([name, value]) =>
    value === '' ? encode(name) : `${encode(name)}=${encode(value)}`,
  );
  return parts.length ? `?${parts.join('&')}` : '';
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB (awsJson1_0)

/** Operations on items, which DynamoDB throttles against table capacity (the rest: the control-plane rate). */
const DYNAMODB_DATA_PLANE = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

function dynamodbError(
  status: number,
  code: string,
  message: string,
  namespace = 'com.amazonaws.dynamodb.v20120810',
): LocalResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ __type: `${namespace}#${code}`, message }),
  };
}

function dynamodbEmulator(server: LazyServer, agent: Agent): ServiceEmulator {
  return {
    signingNames: ['dynamodb'],
    operation: (req) => /^DynamoDB_\d{8}\.(\w+)$/.exec(header(req, 'x-amz-target') ?? '')?.[1],
    handle: async (operation, req) => {
      try {
        const { port } = await server.get();
        return await forward(agent, port, {
          method: req.method,
          target: req.path + queryString(req.query),
          headers: requestHeaders(req),
          body: req.body,
        });
      } catch (error) {
        return dynamodbError(500, 'InternalServerError', `${operation}: ${String(error)}`);
      }
    },
    throttled: (operation) =>
      DYNAMODB_DATA_PLANE.has(operation)
        ? dynamodbError(
            400,
            'ProvisionedThroughputExceededException',
            'The level of configured provisioned throughput for the table was exceeded. ' +
              'Consider increasing your provisioning level with the UpdateTable API.',
          )
        : dynamodbError(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'),
    failure: (_operation, message) => dynamodbError(500, 'InternalServerError', message),
    denied: (operation) =>
      dynamodbError(
        400,
        'AccessDeniedException',
        `User is not authorized to perform: dynamodb:${operation}`,
        'com.amazon.coral.service',
      ),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// S3 (restXml)

const xmlEscape = (value: string) =>
  value.replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`);

function s3Error(status: number, code: string, message: string): LocalResponse {
  const requestId = crypto.randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
      `<RequestId>${requestId}</RequestId><HostId>local</HostId></Error>`,
  };
}

/** Bucket and key of a request, path-style or virtual-hosted (`<bucket>.localhost`); still URL-encoded. */
function s3Target(req: LocalRequest): { bucket?: string; key?: string; path: string } {
  const hostname = (header(req, 'host') ?? '').replace(/:\d+$/, '');
  const vhost = /^(.+)\.localhost$/i.exec(hostname)?.[1];
  const path = vhost ? `/${encode(vhost)}${req.path}` : req.path;
  const slash = path.indexOf('/', 1);
  const bucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const key = slash < 0 ? '' : path.slice(slash + 1);
  return { ...(bucket ? { bucket } : {}), ...(key ? { key } : {}), path };
}

/** Bucket subresources (`?tagging`, …) and the operation-name stem each maps to. */
const BUCKET_SUBRESOURCES: Record<string, string> = {
  tagging: 'BucketTagging',
  cors: 'BucketCors',
  policy: 'BucketPolicy',
  versioning: 'BucketVersioning',
  website: 'BucketWebsite',
  acl: 'BucketAcl',
  lifecycle: 'BucketLifecycleConfiguration',
  notification: 'BucketNotificationConfiguration',
  encryption: 'BucketEncryption',
  logging: 'BucketLogging',
  location: 'BucketLocation',
  replication: 'BucketReplication',
  ownershipControls: 'BucketOwnershipControls',
  publicAccessBlock: 'PublicAccessBlock',
  accelerate: 'BucketAccelerateConfiguration',
  requestPayment: 'BucketRequestPayment',
};
const VERB: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete' };

/** The S3 operation of a request, from the SDK's `x-id` hint or from method, path and query. */
export function s3Operation(req: LocalRequest): string | undefined {
  const hinted = req.query.get('x-id');
  if (hinted) return hinted;
  const { bucket, key } = s3Target(req);
  const has = (name: string) => req.query.has(name);
  const method = req.method.toUpperCase();
  if (!bucket) return method === 'GET' ? 'ListBuckets' : undefined;
  if (!key) {
    const sub = Object.keys(BUCKET_SUBRESOURCES).find(has);
    if (sub && VERB[method]) return `${VERB[method]}${BUCKET_SUBRESOURCES[sub]}`;
    switch (method) {
      case 'PUT':
        return 'CreateBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'POST':
        return has('delete') ? 'DeleteObjects' : undefined;
      case 'GET':
        if (has('uploads')) return 'ListMultipartUploads';
        if (has('versions')) return 'ListObjectVersions';
        return req.query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      default:
        return undefined;
    }
  }
  const copy = header(req, 'x-amz-copy-source') !== undefined;
  switch (method) {
    case 'PUT':
      if (has('uploadId')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (has('tagging')) return 'PutObjectTagging';
      if (has('acl')) return 'PutObjectAcl';
      return copy ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (has('uploadId')) return 'ListParts';
      if (has('tagging')) return 'GetObjectTagging';
      if (has('acl')) return 'GetObjectAcl';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      if (has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      if (has('restore')) return 'RestoreObject';
      if (has('select')) return 'SelectObjectContent';
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The payload of an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n<trailers>\r\n`),
 * which the SDK sends for stream bodies and s3rver does not decode. The trailing checksum is not verified.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('aws-chunked body: chunk header without CRLF');
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new Error('aws-chunked body: bad chunk size');
    if (size === 0) return Buffer.concat(chunks);
    const start = lineEnd + 2;
    if (start + size + 2 > body.length) throw new Error('aws-chunked body: truncated chunk');
    chunks.push(body.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** Headers and body of an S3 request as s3rver can take them: any access key, no aws-chunked framing. */
function s3Forwarded(req: LocalRequest): { headers: OutgoingHttpHeaders; body: Buffer } {
  const headers = requestHeaders(req);
  // Any credentials: s3rver checks only that the access key is one it knows, not the signature.
  const authorization = header(req, 'authorization');
  if (authorization)
    headers['authorization'] = authorization.replace(
      /Credential=[^/]+\//,
      `Credential=${S3RVER_ACCESS_KEY}/`,
    );
  const encodings = (header(req, 'content-encoding') ?? '').split(',').map((e) => e.trim());
  if (!encodings.includes('aws-chunked')) return { headers, body: req.body };
  const rest = encodings.filter((e) => e !== 'aws-chunked' && e !== '');
  if (rest.length) headers['content-encoding'] = rest.join(',');
  else delete headers['content-encoding'];
  delete headers['x-amz-decoded-content-length'];
  delete headers['x-amz-trailer'];
  headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return { headers, body: decodeAwsChunked(req.body) };
}

/** Operations that change an object: serialised per key. */
const OBJECT_WRITES = new Set(['PutObject', 'CopyObject', 'DeleteObject', 'CompleteMultipartUpload']);

/** Runs tasks one after another per key (a promise chain per key, dropped when it drains). */
class KeyLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** The headers of a write that a HEAD of its key keeps: its credentials (never its conditions or content). */
function headHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token'])
    if (headers[name] !== undefined) kept[name] = headers[name];
  kept['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  return kept;
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

/**
 * S3's conditional writes, which s3rver does not know: `If-None-Match: *` (write only if the key is absent) and
 * `If-Match: <ETag>` (write only over that version) on PutObject and CompleteMultipartUpload. Answers as S3 does:
 * 412 PreconditionFailed when the condition does not hold, 404 NoSuchKey for If-Match on a missing key.
 * @returns the error response, or undefined when the write may go ahead.
 */
async function s3Precondition(
  operation: string,
  req: LocalRequest,
  head: (method: string) => Promise<LocalResponse>,
): Promise<LocalResponse | undefined> {
  if (operation !== 'PutObject' && operation !== 'CompleteMultipartUpload') return undefined;
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')
    return s3Error(501, 'NotImplemented', 'If-None-Match supports only the value *');
  const current = await head('HEAD');
  const exists = current.status >= 200 && current.status < 300;
  const failed = () =>
    s3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  if (ifNoneMatch !== undefined && exists) return failed();
  if (ifMatch !== undefined) {
    if (!exists) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    const etag = current.headers?.etag;
    if (etag === undefined || unquote(etag) !== unquote(ifMatch)) return failed();
  }
  return undefined;
}

function s3Emulator(server: LazyServer, agent: Agent): ServiceEmulator {
  const keyLocks = new KeyLocks();
  return {
    signingNames: ['s3'],
    operation: s3Operation,
    handle: async (operation, req) => {
      let forwarded: ReturnType<typeof s3Forwarded>;
      try {
        forwarded = s3Forwarded(req);
      } catch (error) {
        return s3Error(400, 'IncompleteBody', String(error));
      }
      const target = s3Target(req);
      const send = async () => {
        const { port } = await server.get();
        const precondition = await s3Precondition(operation, req, (method) =>
          forward(agent, port, {
            method,
            target: target.path,
            headers: headHeaders(forwarded.headers),
            body: Buffer.alloc(0),
          }),
        );
        if (precondition) return precondition;
        return forward(agent, port, {
          method: req.method,
          target: target.path + queryString(req.query),
          ...forwarded,
        });
      };
      try {
        // Writes to one key are serialised, so a conditional write's check and its write are one step (as in S3).
        return await (OBJECT_WRITES.has(operation) && target.key ? keyLocks.run(target.path, send) : send());
      } catch (error) {
        return s3Error(500, 'InternalError', `${operation}: ${String(error)}`);
      }
    },
    throttled: () => s3Error(503, 'SlowDown', 'Please reduce your request rate.'),
    failure: (_operation, message) => s3Error(500, 'InternalError', message),
    denied: () => s3Error(403, 'AccessDenied', 'Access Denied'),
  };
}

/**
 * The DynamoDB (dynalite) and S3 (s3rver) emulators of one local cloud. Their servers start on first use; call
 * `stop()` when the cloud stops.
 */
export function createProxiedEmulators(
  options: { dynamodbPath?: string; s3Directory?: string } = {},
): ProxiedEmulators {
  const agent = new Agent({ keepAlive: true });
  const dynamodb = new LazyServer('dynalite', () => startDynalite(options.dynamodbPath));
  const s3 = new LazyServer('s3rver', () => startS3rver(options.s3Directory));
  return {
    emulators: [dynamodbEmulator(dynamodb, agent), s3Emulator(s3, agent)],
    stop: async () => {
      agent.destroy();
      await Promise.all([dynamodb.stop(), s3.stop()]);
    },
  };
}
