/**
 * The only place that touches process.env: merges a `.env` file (when present) under the real
 * environment, so an exported variable always wins over the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export function readEnvironment(envFile = '.env', env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...env };
}

function parseEnvFile(text: string): Record<string, string> {
  // util.parseEnv exists from Node 20.12; it follows the dotenv syntax.
  return parseEnv(text) as Record<string, string>;
}
