import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from './config.js';
import { PROJECT_ROOT } from './project-paths.js';

describe('.env.example', () => {
  const text = readFileSync(`${PROJECT_ROOT}/.env.example`, 'utf8');

  it('lists every setting the service reads, and nothing else', () => {
    const listed = Object.keys(parseEnv(text)).sort();
    expect(listed).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('is itself a valid configuration', () => {
    expect(() => loadConfig(parseEnv(text) as Record<string, string>)).not.toThrow();
  });
});
