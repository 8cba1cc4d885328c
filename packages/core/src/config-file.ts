import { type CapacityPolicy, capacityPolicyOf } from './capacity/policy';
import { CHECKS } from './checks';
import { type MqopsConfig, parseConfig } from './config';
import { ConfigurationError, InvalidInputError } from './errors';
import { parseJsonText } from './json';
import { type RotationSchedule, rotationSchedulesOf } from './rotation/enable';

/** A whole `mqops.config.json`, every section read. */
export interface ConfigFile {
  config: MqopsConfig;
  /** Its `capacity` section, or the defaults. */
  capacity: CapacityPolicy;
  /** Its `rotations` section, or none. */
  rotations: RotationSchedule[];
}

/**
 * Reads a whole configuration file: the common sections (`parseConfig`) and every section only some
 * functions read (`capacity`, `rotations`), so the CLI and `sst deploy` refuse a mistake in any of them before
 * anything runs or is deployed. The deployed functions read only the sections they use. A suppression must name a
 * check of the catalog (`CHECKS`) or `*`: a misspelled id would otherwise suppress nothing, silently.
 * @throws InvalidInputError naming every wrong field of every section.
 */
export function parseConfigFile(text: string, origin = 'configuration'): ConfigFile {
  const value = parseJsonText(text, origin);
  const issues: string[] = [];
  const read = <T>(section: () => T): T | undefined => {
    try {
      return section();
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const knownChecks = CHECKS.map((c) => c.id);
  const config = read(() =>
    parseConfig(value, { knownChecks, suggest: (id) => nearestCheckId(id, knownChecks) }),
  );
  // The sections as written, even when a common section is wrong: one error names every mistake of the file.
  const raw = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const sections = {
    capacity: (raw as { capacity?: unknown }).capacity,
    rotations: (raw as { rotations?: unknown }).rotations,
  };
  const capacity = read(() => capacityPolicyOf({ sections }));
  const rotations = read(() => rotationSchedulesOf({ sections }));
  if (!config || !capacity || !rotations || issues.length)
    throw new ConfigurationError('invalid mqops configuration', issues);
  return { config, capacity, rotations };
}

/** Edits (insert, delete, replace) from one text to the other. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] as number;
}

/**
 * The known check id nearest to `id`, when it is near enough to be what was meant (a typo): for the CLI's and
 * `sst deploy`'s errors only, so the deployed functions do not carry it.
 */
export function nearestCheckId(id: string, known: readonly string[]): string | undefined {
  const typed = id.toLowerCase();
  let best: { id: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { id: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(id.length / 4)) ? best.id : undefined;
}
