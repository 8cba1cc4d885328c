import { ConfigurationError } from './errors';

/**
 * JSON text (a configuration file, an environment variable), parsed.
 * @throws ConfigurationError (an InvalidInputError) "<origin> is not valid JSON", with the parser's reason.
 */
export function parseJsonText(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${origin} is not valid JSON`, [(error as Error).message]);
  }
}
