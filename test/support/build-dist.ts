/**
 * vitest global setup: compiles src/ to dist/ (incrementally) before any test runs, because the
 * `referral` bin that child-process tests spawn runs dist/. A test run therefore always
 * exercises the current sources; a stale build can neither pass nor fail it.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PROJECT_ROOT } from '../../src/config/project-paths.js';

export default function buildDist(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  // Type errors still emit JavaScript (and `npm test` type-checks first); a build that cannot
  // run at all stops the suite here rather than in every child-process test.
  if (result.error) throw result.error;
  if (result.status !== 0) process.stderr.write(`tsc -p tsconfig.build.json reported problems:\n${result.stdout}${result.stderr}`);
}
