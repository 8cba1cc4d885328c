/**
 * What differs between stages (`sst deploy --stage NAME`): production keeps its data and logs longer and is protected
 * from removal; every other stage is cheap and removable.
 */
export interface StageSettings {
  stage: string;
  production: boolean;
  /** CloudWatch Logs retention of every function (SST's `logging.retention`). */
  logRetention: '1 week' | '1 month' | '3 months' | '1 year';
  /** Keep buckets and tables when the stage is removed, and refuse to remove protected resources. */
  retain: boolean;
}

/** `prod` and `production` are production stages. */
export function stageSettings(stage: string): StageSettings {
  const production = stage === 'prod' || stage === 'production';
  return {
    stage,
    production,
    logRetention: production ? '3 months' : '1 week',
    retain: production,
  };
}
