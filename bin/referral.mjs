#!/usr/bin/env node
// The `referral` command. The service runs its TypeScript through tsx (no build step), so a
// fresh clone works after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
