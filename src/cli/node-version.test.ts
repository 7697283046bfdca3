import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config/project-paths.js';
import { isSupportedNode, SUPPORTED_NODE, SUPPORTED_NODE_RANGE } from './node-version.js';

describe('supported Node versions', () => {
  it('are 22 from 22.12, and 24', () => {
    expect(['v22.12.0', 'v22.23.3', 'v24.0.0', 'v24.21.0'].filter(isSupportedNode)).toHaveLength(4);
    expect(['v20.20.2', 'v22.11.0', 'v23.1.0', 'v25.0.0', 'v26.1.0', 'v18.0.0'].filter(isSupportedNode)).toEqual([]);
  });

  it('agree with package.json engines, the README and .ci/run', () => {
    const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(SUPPORTED_NODE_RANGE);
    const readme = readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
    expect(readme).toContain(`\`${SUPPORTED_NODE_RANGE}\``);
    const ci = readFileSync(`${PROJECT_ROOT}/.ci/run`, 'utf8');
    for (const { major } of SUPPORTED_NODE) expect(ci).toContain(`node@${major}`);
  });

  it('are what the npm scripts run on: the pinned runtime is one of them, and every script that runs the service or the suite chooses', () => {
    const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    expect(isSupportedNode(pkg.dependencies.node ?? '')).toBe(true);
    expect(pkg.allowScripts.node).toBe(true);
    for (const name of ['start', 'referral', 'test', 'bench', 'demo']) expect(pkg.scripts[name]).toMatch(/^sh bin\/on-supported-node\.sh '/);
    expect(readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8')).toContain(`the \`node\` dependency, ${pkg.dependencies.node}`);
  });
});
