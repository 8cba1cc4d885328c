import { Logger } from '@aws-lambda-powertools/logger';

/** One Powertools logger per function, named after it. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, persistentKeys: { app: 'mqops' } });
}
