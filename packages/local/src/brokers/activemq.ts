import { join } from 'node:path';
import type { BackingBroker, BackingUser, BrokerBacking } from '../types';
import { type ActiveMqInfo, writeFileAtomic } from './setup';

/** JAAS group every user with console access joins (as on Amazon MQ, where console users are admins). */
export const ACTIVEMQ_ADMIN_GROUP = 'admins';

/** How far in the future the property files' modification time is set (see `write`). */
const MTIME_LEAD_MS = 2_000;

/**
 * Maps every emulated ActiveMQ broker onto one real ActiveMQ instance whose JAAS PropertiesLoginModule reads
 * DIR/conf/users.properties and groups.properties with reload=true: rewriting the files changes who can log in for
 * the next connection, without a restart.
 *
 * The files hold the union of all brokers' live users. One username defined by two brokers is one JAAS user: the
 * definition from the most recent `apply` wins (password and groups), because the real instance cannot tell which
 * emulated broker a client meant. Tests that need distinct credentials should use distinct usernames.
 */
export class ActiveMqBacking implements BrokerBacking {
  readonly engineType = 'ACTIVEMQ' as const;
  readonly info: ActiveMqInfo;
  /** brokerId → live users, in apply order (re-applying moves a broker to the end). */
  private readonly brokers = new Map<string, BackingUser[]>();
  /** Serializes file writes so the last write always reflects the latest state. */
  private writing: Promise<void> = Promise.resolve();

  constructor(info: ActiveMqInfo) {
    this.info = info;
  }

  get usersFile(): string {
    return join(this.info.dir, 'conf', 'users.properties');
  }

  get groupsFile(): string {
    return join(this.info.dir, 'conf', 'groups.properties');
  }

  /** Replaces this broker's live users and rewrites the property files. */
  async apply(broker: BackingBroker): Promise<void> {
    for (const user of broker.users) {
      if (user.username === '') {
        throw new Error(`ActiveMQ broker ${broker.brokerName}: a user has an empty username`);
      }
    }
    this.brokers.delete(broker.brokerId);
    const users = broker.users.map((u) => ({ ...u, groups: [...u.groups] }));
    this.brokers.set(broker.brokerId, users);
    await this.write();
  }

  async remove(brokerId: string, _brokerName: string): Promise<void> {
    this.brokers.delete(brokerId);
    await this.write();
  }

  endpoints(_brokerName: string): { consoleURL: string; endpoints: string[]; ipAddress: string } {
    return { consoleURL: this.info.consoleURL, endpoints: [...this.info.endpoints], ipAddress: '127.0.0.1' };
  }

  /** The users the property files hold now (after the union), by username. */
  liveUsers(): Map<string, BackingUser> {
    const users = new Map<string, BackingUser>();
    for (const brokerUsers of this.brokers.values()) {
      for (const user of brokerUsers) {
        users.delete(user.username);
        users.set(user.username, user);
      }
    }
    return users;
  }

  /** users.properties and groups.properties content for the current state. */
  render(): { users: string; groups: string } {
    const users = this.liveUsers();
    const groups = new Map<string, Set<string>>();
    const addMember = (group: string, username: string): void => {
      const members = groups.get(group) ?? new Set<string>();
      members.add(username);
      groups.set(group, members);
    };
    const userLines: string[] = [];
    for (const user of users.values()) {
      userLines.push(`${escapeKey(user.username)}=${escapeValue(user.password)}`);
      for (const group of user.groups) addMember(group, user.username);
      if (user.consoleAccess) addMember(ACTIVEMQ_ADMIN_GROUP, user.username);
    }
    const groupLines = [...groups].map(
      ([group, members]) => `${escapeKey(group)}=${escapeValue([...members].join(','))}`,
    );
    const header = '# Written by mqops local cloud (ActiveMqBacking); rewritten on every broker apply.\n';
    return {
      users: header + userLines.map((l) => `${l}\n`).join(''),
      groups: header + groupLines.map((l) => `${l}\n`).join(''),
    };
  }

  private write(): Promise<void> {
    const next = this.writing.then(async () => {
      const { users, groups } = this.render();
      // The login module reloads a file only when its modification time is later than its last load (JVM clock,
      // milliseconds), but file times come from the kernel's coarse clock and can trail the JVM's by several ms: a
      // file rewritten just after a reload looked unchanged, forever. A modification time a little in the future
      // makes every login within the window reload (cheap: two small files), so no rewrite can be missed.
      const mtime = new Date(Date.now() + MTIME_LEAD_MS);
      // Groups first: a new user's groups exist by the time the user can log in.
      await writeFileAtomic(this.groupsFile, groups, { mode: 0o600, mtime });
      await writeFileAtomic(this.usersFile, users, { mode: 0o600, mtime });
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}

/**
 * java.util.Properties escaping. ActiveMQ loads the files as ISO-8859-1, so everything outside printable ASCII is a
 * \uXXXX escape; keys also escape spaces, values only a leading one.
 */
function escapeProperty(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = text[i] ?? '';
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if (ch === ' ' && (isKey || i === 0)) out += '\\ ';
    else if (ch === '#' || ch === '!' || ch === '=' || ch === ':') out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

function escapeKey(key: string): string {
  return escapeProperty(key, true);
}

function escapeValue(value: string): string {
  return escapeProperty(value, false);
}
