import type { SstComponents } from '../../infra/sst';

/** One SST component construction, as recorded. */
export interface Recorded {
  type: string;
  name: string;
  args: unknown;
}

/**
 * Stand-ins for SST's globals that record what `sst.config.ts` would create. Outputs are placeholder strings
 * (`$ref:AlertTopic.arn`) so wiring between resources can be checked.
 */
export function recordingSst(): { sst: SstComponents; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  const component = (type: string, attributes: string[]) =>
    class {
      [key: string]: unknown;
      constructor(name: string, args?: unknown) {
        recorded.push({ type, name, args });
        for (const a of attributes) this[a] = `$ref:${name}.${a}`;
      }
    };
  const sst = {
    aws: {
      Function: component('sst.aws.Function', ['arn', 'name']),
      Cron: component('sst.aws.Cron', ['nodes']),
      SnsTopic: component('sst.aws.SnsTopic', ['arn', 'name']),
    },
    Secret: component('sst.Secret', ['value', 'name']),
  } as unknown as SstComponents;
  return { sst, recorded };
}
