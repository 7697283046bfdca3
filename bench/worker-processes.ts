/**
 * Benchmark workers as child processes (`node --import tsx <script>`), started together:
 * each gets its task, prepares (connects, builds its context), says ready; the clock starts
 * when every one is ready and told to go. A worker reports progress as it goes and its report
 * when done; the parent may tell all to stop once a target count is reached (for queues whose
 * workers cannot tell on their own that the others finished the last job).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

type ToWorker<T> = { type: 'task'; task: T } | { type: 'go' } | { type: 'stop' };
type FromWorker<R> = { type: 'ready' } | { type: 'progress'; n: number } | { type: 'done'; report: R } | { type: 'error'; message: string };

export interface WorkersResult<R> {
  /** From "go" to the target count (when given), else to the last worker's report. */
  ms: number;
  reports: R[];
  progressed: number;
  /** Date.now() when "go" was sent, to compare with times the workers report. */
  goAt: number;
  /**
   * How many of the machine's cores were busy, on average, from "go" to the end: every process
   * (the workers, the database, the stand-ins), not only ours. What a run leaves idle is what
   * more processes could still use.
   */
  machineBusyCores: number;
}

/** CPU time all cores have spent busy since boot, ms (the OS's counters: user, nice, sys, irq). */
function machineBusyMs(): number {
  return cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

export async function runWorkers<T, R>(
  script: string,
  tasks: readonly T[],
  options: { target?: number; timeoutMs?: number; execArgv?: string[] } = {},
): Promise<WorkersResult<R>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const children: ChildProcess[] = [];
  const reports: R[] = [];
  let progressed = 0;
  let reachedAt: number | null = null;
  let ready = 0;
  let failure: Error | null = null;
  let wake: () => void = () => {};
  const changed = () => wake();

  for (const task of tasks) {
    const child = fork(path, [], { execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    child.on('message', (raw) => {
      const message = raw as FromWorker<R>;
      if (message.type === 'ready') ready += 1;
      else if (message.type === 'progress') {
        progressed += message.n;
        if (options.target !== undefined && reachedAt === null && progressed >= options.target) {
          reachedAt = performance.now();
          for (const c of children) c.send({ type: 'stop' } satisfies ToWorker<T>);
        }
      } else if (message.type === 'done') reports.push(message.report);
      else failure = new Error(`benchmark worker failed: ${message.message}`);
      changed();
    });
    child.once('exit', (code) => {
      if (code !== 0 && reports.length < tasks.length) failure ??= new Error(`benchmark worker exited with ${code}`);
      changed();
    });
    child.send({ type: 'task', task } satisfies ToWorker<T>);
  }

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const until = async (condition: () => boolean, what: string) => {
    while (!condition()) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`benchmark workers: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200).unref();
      });
    }
  };
  try {
    await until(() => ready === tasks.length, 'ready');
    const started = performance.now();
    const goAt = Date.now();
    const busyAtGo = machineBusyMs();
    for (const c of children) c.send({ type: 'go' } satisfies ToWorker<T>);
    await until(() => reports.length === tasks.length, 'reports');
    const ended = reachedAt ?? performance.now();
    const machineBusyCores = (machineBusyMs() - busyAtGo) / (performance.now() - started);
    return { ms: ended - started, reports, progressed, goAt, machineBusyCores };
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}

/** The worker side: wait for the task, prepare, say ready, run on "go", report, exit. */
export function serveWorker<T, R>(
  prepare: (task: T) => Promise<{ run(io: { progress(n: number): void; stopped: Promise<void> }): Promise<R>; close(): Promise<void> }>,
): void {
  const send = (message: FromWorker<R>) => process.send!(message);
  let go: () => void = () => {};
  let stop: () => void = () => {};
  const going = new Promise<void>((resolve) => (go = resolve));
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.on('message', (raw) => {
    const message = raw as ToWorker<T>;
    if (message.type === 'go') go();
    else if (message.type === 'stop') stop();
    else
      void (async () => {
        try {
          const worker = await prepare(message.task);
          send({ type: 'ready' });
          await going;
          const report = await worker.run({ progress: (n) => send({ type: 'progress', n }), stopped });
          await worker.close();
          send({ type: 'done', report });
          process.disconnect();
          // A handle some library left open must not keep the worker alive.
          setTimeout(() => process.exit(0), 2_000).unref();
        } catch (error) {
          send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          process.exitCode = 1;
          process.disconnect();
        }
      })();
  });
}
