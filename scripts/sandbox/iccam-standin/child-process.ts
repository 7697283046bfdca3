/**
 * The stand-in as its own process: the options a command line can carry, turned into flags and
 * back, and `startIccamStandinProcess`, which spawns the CLI and drives it over its control
 * endpoint. The child's clock is the wall clock (a clock function cannot cross a process).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { IccamActionName, IccamFault, IccamProgressionStep, IccamStandinControl, IccamStandinOptions } from '../iccam-standin.js';
import { controlClient } from './control-http.js';
import { isFault } from './faults.js';

export type IccamStandinProcessOptions = Omit<IccamStandinOptions, 'now' | 'pacingNow' | 'random' | 'lookups' | 'controlPort' | 'inbound'> & {
  /** The default partner items (a list of one's own cannot cross the process boundary). */
  inbound?: boolean;
  /** Extra environment for the child. */
  env?: Record<string, string>;
};

export interface IccamStandinProcess extends IccamStandinControl {
  controlUrl: string;
  pid: number;
  /** Send a signal (SIGKILL to crash it); `close()` ends it with SIGTERM and waits. */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | NodeJS.Signals>;
}

const CLI = fileURLToPath(new URL('../iccam-standin.ts', import.meta.url));

/** `ReportedToLEA:1000,Removed:5000` ⇄ progression steps. */
export function parseProgression(text: string): IccamProgressionStep[] {
  return text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const [action, afterMs] = part.split(':');
      return { action: (action ?? '').trim() as IccamActionName, afterMs: Number(afterMs) };
    });
}

export function optionsToFlags(options: IccamStandinProcessOptions): string[] {
  const flags: string[] = [];
  const add = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) flags.push(`--${name}`, String(value));
  };
  add('host', options.host);
  add('port', options.port ?? 0);
  add('username', options.username);
  add('password', options.password);
  add('token-lifetime-ms', options.tokenLifetimeMs);
  add('refresh-token-lifetime-ms', options.refreshTokenLifetimeMs);
  add('not-ready-after-login-ms', options.notReadyAfterLoginMs);
  add('content-settles-after-ms', options.contentSettlesAfterMs);
  add('min-interval-ms', options.minIntervalMs);
  add('pacing-tolerance-ms', options.pacingToleranceMs);
  add('retry-after-seconds', options.retryAfterSeconds);
  add('send-valid-to', options.sendBearerTokenValidTo);
  add('seed', options.seed);
  add('hotline-country', options.hotlineCountry);
  add('lookup-names', options.lookupNames);
  if (options.inbound) add('inbound', true);
  if (options.progression?.length) add('progression', options.progression.map((s) => `${s.action}:${s.afterMs}`).join(','));
  if (options.chaos) {
    add('chaos-probability', options.chaos.probability);
    if (options.chaos.faults) add('chaos-faults', options.chaos.faults.join(','));
    add('chaos-seed', options.chaos.seed);
    add('refuse-for-ms', options.chaos.refuseForMs);
  }
  return flags;
}

export function optionsFromFlags(flags: Map<string, string>): IccamStandinOptions {
  const num = (name: string) => (flags.has(name) ? Number(flags.get(name)) : undefined);
  const options: IccamStandinOptions = {
    host: flags.get('host') ?? '127.0.0.1',
    port: num('port') ?? 8092,
    controlPort: num('control-port') ?? 0,
    username: flags.get('username'),
    password: flags.get('password'),
    tokenLifetimeMs: num('token-lifetime-ms'),
    refreshTokenLifetimeMs: num('refresh-token-lifetime-ms'),
    notReadyAfterLoginMs: num('not-ready-after-login-ms'),
    contentSettlesAfterMs: num('content-settles-after-ms'),
    minIntervalMs: num('min-interval-ms'),
    pacingToleranceMs: num('pacing-tolerance-ms'),
    retryAfterSeconds: num('retry-after-seconds'),
    seed: num('seed'),
    hotlineCountry: flags.get('hotline-country'),
    lookupNames: flags.get('lookup-names') === 'earlier' ? 'earlier' : 'scart',
    inbound: flags.get('inbound') === 'true',
  };
  if (flags.has('send-valid-to')) options.sendBearerTokenValidTo = flags.get('send-valid-to') !== 'false';
  const progression = flags.get('progression');
  if (progression) options.progression = parseProgression(progression);
  const probability = num('chaos-probability');
  if (probability !== undefined) {
    const faults = flags.get('chaos-faults')?.split(',').filter(isFault) as IccamFault[] | undefined;
    options.chaos = { probability, ...(faults ? { faults } : {}), seed: num('chaos-seed'), refuseForMs: num('refuse-for-ms') };
  }
  return options;
}

export async function startIccamStandinProcess(options: IccamStandinProcessOptions = {}): Promise<IccamStandinProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...optionsToFlags(options), '--control-port', '0'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const announced = await new Promise<{ url: string; controlUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ICCAM stand-in did not start: ${stderr}`)), 20_000);
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { iccamStandin?: { url: string; controlUrl: string } };
        if (parsed.iccamStandin) {
          clearTimeout(timer);
          resolve(parsed.iccamStandin);
        }
      } catch {
        // not the announcement
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`ICCAM stand-in exited (${String(how)}) before listening: ${stderr}`));
    });
  });
  return {
    ...controlClient(announced.url, announced.controlUrl),
    controlUrl: announced.controlUrl,
    pid: child.pid ?? -1,
    kill: (signal) => child.kill(signal),
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
