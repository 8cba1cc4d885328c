import type { Engine } from './model';

/**
 * Amazon MQ's support calendar for broker engine versions, by minor version (`major.minor`).
 *
 * A date is the day support ends (00:00 UTC); `null` means supported with no end announced. Amazon MQ announces an
 * end of support at least 90 days ahead, and after that date upgrades the remaining brokers in their maintenance
 * window within 45 days. The authoritative runtime answer is DescribeBrokerEngineTypes; this table is what mqops
 * knows offline and must be updated when AWS announces new dates.
 */
const SUPPORT_CALENDAR: Record<Engine, Readonly<Record<string, string | null>>> = {
  ACTIVEMQ: {
    '5.15': '2024-09-16',
    '5.16': '2024-11-15',
    '5.17': '2025-06-16',
    '5.18': null,
    '5.19': null,
  },
  RABBITMQ: {
    // Amazon MQ lists 3.8 only as "unsupported", without a date. It ended no later than 3.9 did, so we use the
    // earliest end-of-support date we know of (2024-09-16, shared by RabbitMQ 3.9 and ActiveMQ 5.15): already past.
    '3.8': '2024-09-16',
    '3.9': '2024-09-16',
    '3.10': '2024-10-15',
    '3.11': '2025-02-17',
    '3.12': '2025-03-17',
    '3.13': null,
    '4.2': null,
    // Amazon MQ's developer guide lists RabbitMQ 4.3 (upgrade path 4.2 → 4.3) as supported; no end announced.
    '4.3': null,
  },
};

/** What mqops knows about the support of an engine version. */
export interface EngineSupport {
  /** `major.minor` of the version ("5.17" for "5.17.6"), or '' when the version cannot be read. */
  minor: string;
  /** The day support ends or ended; absent when supported with no end announced, or when not known. */
  endOfSupport?: Date;
  /** True when the minor version is in mqops' calendar (or older than every version in it, see below). */
  known: boolean;
}

/** A version's major and minor numbers. */
export interface MinorVersion {
  major: number;
  minor: number;
}

/** Reads `major.minor` from "5.17.6", "5.18", "3.11.28" or "4.2"; undefined for anything else. */
export function parseMinor(version: string): MinorVersion | undefined {
  const match = /^\s*(\d+)\.(\d+)(?:\.\d+)?\s*$/.exec(version);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareMinor(a: MinorVersion, b: MinorVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

const utcDay = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * The support status of an engine version on Amazon MQ.
 *
 * A minor version older than every one in the calendar (ActiveMQ 5.14, RabbitMQ 3.7) is not offered by Amazon MQ
 * any more: it is reported as known, with the oldest calendar entry's date (it ended no later than that). A version
 * newer than the calendar, or one that cannot be read, is not known.
 *
 * @example
 * engineSupport('ACTIVEMQ', '5.17.6'); // { minor: '5.17', endOfSupport: 2025-06-16, known: true }
 * engineSupport('RABBITMQ', '4.2'); // { minor: '4.2', known: true }
 * engineSupport('ACTIVEMQ', '5.20.0'); // { minor: '5.20', known: false }
 */
export function engineSupport(engine: Engine, version: string): EngineSupport {
  const parsed = parseMinor(version);
  if (!parsed) return { minor: '', known: false };
  const minor = `${parsed.major}.${parsed.minor}`;
  const calendar = SUPPORT_CALENDAR[engine];
  if (minor in calendar) {
    const date = calendar[minor];
    return date ? { minor, endOfSupport: utcDay(date), known: true } : { minor, known: true };
  }
  const oldest = Object.entries(calendar)
    .map(([m, date]) => ({ version: parseMinor(m), date }))
    .filter((e): e is { version: MinorVersion; date: string } => e.version !== undefined && e.date !== null)
    .sort((a, b) => compareMinor(a.version, b.version))[0];
  if (oldest && compareMinor(parsed, oldest.version) < 0) {
    return { minor, endOfSupport: utcDay(oldest.date), known: true };
  }
  return { minor, known: false };
}

/** The minor versions in mqops' calendar for an engine, oldest first (for messages and docs). */
export function knownMinors(engine: Engine): string[] {
  return Object.keys(SUPPORT_CALENDAR[engine]).sort((a, b) =>
    compareMinor(parseMinor(a) as MinorVersion, parseMinor(b) as MinorVersion),
  );
}

/** How Amazon MQ's documentation writes each engine's name. */
export const ENGINE_NAMES: Readonly<Record<Engine, string>> = { ACTIVEMQ: 'ActiveMQ', RABBITMQ: 'RabbitMQ' };

/** A date as YYYY-MM-DD (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
