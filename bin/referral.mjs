#!/usr/bin/env node
// The `referral` command. It runs the JavaScript that `npm ci` / `npm install` built into dist/
// (the `prepare` script), so a call starts without compiling TypeScript.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli/', import.meta.url);
if (!existsSync(new URL('main.js', dist))) {
  process.stderr.write('referral is not built: run `npm run build` (npm ci and npm install run it through `prepare`).\n');
  process.exit(2);
}
const { refuseUnsupportedNode } = await import(new URL('node-version.js', dist).href);
refuseUnsupportedNode();
await import(new URL('main.js', dist).href);
