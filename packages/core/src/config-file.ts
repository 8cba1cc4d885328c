import { type CapacityPolicy, capacityPolicyOf } from './capacity/policy';
import { CHECKS } from './checks';
import { type MqopsConfig, parseConfig } from './config';
import { InvalidInputError } from './errors';
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
  const config = read(() => parseConfig(value, { knownChecks: CHECKS.map((c) => c.id) }));
  // The sections as written, even when a common section is wrong: one error names every mistake of the file.
  const raw = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const sections = {
    capacity: (raw as { capacity?: unknown }).capacity,
    rotations: (raw as { rotations?: unknown }).rotations,
  };
  const capacity = read(() => capacityPolicyOf({ sections }));
  const rotations = read(() => rotationSchedulesOf({ sections }));
  if (!config || !capacity || !rotations || issues.length)
    throw new InvalidInputError('invalid mqops configuration', issues);
  return { config, capacity, rotations };
}
