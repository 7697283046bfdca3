/**
 * The real service as a child process (`node bin/referral.mjs serve`), for tests that need what
 * only a process has: signals, a crash, a restart on the same file. PORT=0 binds a free port;
 * the child tells us which through its `listening` log line (`bind: "127.0.0.1:PORT"`).
 * Also runs one-shot CLI commands the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../src/config/project-paths.js';
import { apiKeysEnv } from './test-service.js';

export const REFERRAL_BIN = join(PROJECT_ROOT, 'bin', 'referral.mjs');

/** A temporary directory with a SQLite file path in it; `remove()` when done. */
export function tempDatabase(): { dir: string; databaseUrl: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-child-'));
  const file = join(dir, 'referrals.db');
  return { dir, file, databaseUrl: `sqlite:${file}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The settings most tests want: a database, one key per role (test-service KEYS), no
 * scheduled jobs, info logs (the `listening` line), no registry lookups.
 */
export function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, API_KEYS: apiKeysEnv(), JOBS_ENABLED: 'false', LOG_LEVEL: 'info', REGISTRY_LOOKUPS: 'false', ...extra };
}

/**
 * The child's whole environment: nothing inherited but PATH, so the developer's own settings
 * cannot leak in (nor a .env file: the child runs in an empty temporary directory).
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
}

export type LogLine = Record<string, unknown> & { message?: string; level?: string };

/** The exit code, or the name of the signal that ended the process. */
export type ChildExit = number | NodeJS.Signals;

export interface ChildService {
  process: ChildProcess;
  port: number;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Every JSON log line the child wrote to stdout so far. */
  logs: LogLine[];
  /** Non-JSON output (stderr, stray stdout), for failure messages. */
  otherOutput: string[];
  exited: Promise<ChildExit>;
  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (unless it already exited) and waits for the exit. */
  stop(): Promise<ChildExit>;
}

/**
 * Starts `referral serve` with `env` (DATABASE_URL at least; PORT=0, HOST=127.0.0.1, API_KEYS
 * for test-service KEYS and LOG_LEVEL=info unless given) and resolves once it listens, with the
 * port it bound. Jobs run unless env says JOBS_ENABLED=false (serviceEnv does).
 */
export async function startChildService(env: Record<string, string>, options: { startTimeoutMs?: number } = {}): Promise<ChildService> {
  const cwd = mkdtempSync(join(tmpdir(), 'hrr-cwd-'));
  const child = spawn(process.execPath, [REFERRAL_BIN, 'serve'], {
    cwd,
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', API_KEYS: apiKeysEnv(), LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const otherOutput: string[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let exit: ChildExit | null = null;

  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      otherOutput.push(text);
      return;
    }
    logs.push(line);
    for (const w of waiters) {
      if (w.match(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (text) => otherOutput.push(text));

  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = code ?? signal ?? -1;
      rmSync(cwd, { recursive: true, force: true });
      resolve(exit);
    });
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (l: LogLine) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(`no matching log line within ${timeoutMs} ms${exit !== null ? ` (child exited: ${exit})` : ''}; other output:\n${otherOutput.join('\n')}`),
        );
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then(() => {
        // Let the last lines drain before giving up on a child that is gone.
        setTimeout(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`child exited (${exit}) before the log line; other output:\n${otherOutput.join('\n')}`));
        }, 100);
      });
    });
  };

  const listening = await waitForLog((l) => l.message === 'listening', options.startTimeoutMs ?? 15_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const port = Number(/:(\d+)$/.exec(String(listening.bind))?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`cannot read the port from ${JSON.stringify(listening)}`);

  return {
    process: child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    otherOutput,
    exited,
    waitForLog,
    kill: (signal) => {
      child.kill(signal);
    },
    stop: async () => {
      if (exit === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** One request on a connection of its own (no agent, no keep-alive), JSON in and out. */
export function httpJson(port: number, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `referral <args>` to its end, with PATH and `env` only, in an empty temporary directory. */
export function runCli(args: string[], env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const cwd = mkdtempSync(join(tmpdir(), 'hrr-cwd-'));
    const child = spawn(process.execPath, [REFERRAL_BIN, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`referral ${args.join(' ')} did not finish within ${options.timeoutMs ?? 20_000} ms; stderr:\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr });
    });
  });
}
