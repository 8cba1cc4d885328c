import { type CapacityPolicy, capacityPolicyOf } from './capacity/policy';
import { type MqopsConfig, parseConfigText } from './config';
import { InvalidInputError } from './errors';
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
 * Reads a whole configuration file: the common sections ({@link parseConfigText}) and every section only some
 * functions read (`capacity`, `rotations`), so the CLI and `sst deploy` refuse a mistake in any of them before
 * anything runs or is deployed. The deployed functions read only the sections they use.
 * @throws InvalidInputError naming every wrong field of every section.
 */
export function parseConfigFile(text: string, origin = 'configuration'): ConfigFile {
  const config = parseConfigText(text, origin);
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
  const capacity = read(() => capacityPolicyOf(config));
  const rotations = read(() => rotationSchedulesOf(config));
  if (!capacity || !rotations || issues.length)
    throw new InvalidInputError('invalid mqops configuration', issues);
  return { config, capacity, rotations };
}
