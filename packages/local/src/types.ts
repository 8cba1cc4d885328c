import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from './clock';
import type { World } from './world';

/** One HTTP request as a service emulation sees it, after routing. */
export interface LocalRequest {
  method: string;
  /** Path without the query string, URL-decoded per segment by the service if it needs to. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** SigV4 signing name from the Authorization header's credential scope (e.g. `mq`, `monitoring`). */
  signingName: string;
  region: string;
}

/** What a service emulation answers. */
export interface LocalResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Everything a service emulation may touch. */
export interface ServiceContext {
  world: World;
  clock: Clock;
  region: string;
  accountId: string;
}

/**
 * One emulated AWS service. `operation` names the API operation a request is for (used for the request log,
 * fault injection and throttling); `handle` answers it on the service's real wire protocol.
 */
export interface ServiceEmulator {
  /** SigV4 signing names this emulator answers (CloudWatch signs as `monitoring`). */
  readonly signingNames: readonly string[];
  operation(req: LocalRequest): string | undefined;
  handle(operation: string, req: LocalRequest, ctx: ServiceContext): Promise<LocalResponse> | LocalResponse;
  /** The service's own throttling error, on its own protocol. */
  throttled(operation: string): LocalResponse;
  /** A generic server-side failure on the service's own protocol (for fault injection). */
  failure(operation: string, message: string): LocalResponse;
  /** The service's access-denied error (default: a generic 403 AccessDeniedException). */
  denied?(operation: string): LocalResponse;
}

/** A request the local cloud answered; tests read these to see which API calls code made. */
export interface RequestRecord {
  service: string;
  operation: string;
  status: number;
  at: string;
}

export type { IncomingHttpHeaders };

/** A broker user as the real broker should hold it. */
export interface BackingUser {
  username: string;
  password: string;
  consoleAccess: boolean;
  groups: string[];
}

/** What a real broker behind an emulated one must be told. */
export interface BackingBroker {
  brokerId: string;
  brokerName: string;
  engineType: 'ACTIVEMQ' | 'RABBITMQ';
  /** The users that are live (after a reboot for ActiveMQ; the provisioning admin for RabbitMQ). */
  users: BackingUser[];
}

/**
 * A real local broker process that emulated brokers map onto (RabbitMQ: one vhost per broker; ActiveMQ: users in
 * its JAAS property files, reloaded without a restart).
 */
export interface BrokerBacking {
  readonly engineType: 'ACTIVEMQ' | 'RABBITMQ';
  /** Makes the broker exist on the real process with exactly these live users. Idempotent. */
  apply(broker: BackingBroker): Promise<void>;
  /** Removes what `apply` made for this broker. */
  remove(brokerId: string, brokerName: string): Promise<void>;
  /** Releases what the backing holds open for this cloud (servers, connections); optional. */
  close?(): Promise<void>;
  /** Endpoints and console URL that DescribeBroker reports for a broker mapped onto this process. */
  endpoints(brokerName: string): { consoleURL: string; endpoints: string[]; ipAddress: string };
}
