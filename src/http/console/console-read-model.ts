/**
 * What the console's pages read, gathered from the store and the running parts. Reads only:
 * every change goes through src/services/*, as the API's do.
 */
import type { Context } from '../../context.js';
import type { CircuitSnapshot } from '../../domain/circuit-breaker.js';
import { DESTINATIONS, type Destination } from '../../domain/decision.js';
import type { HandoverState } from '../../domain/handover-states.js';
import type { AuditEvent } from '../../domain/audit-chain.js';
import type { AckRecord, AttemptRecord, HandoverRecord, ReferralRecord } from '../../store/store.js';
import { storeCheckpoints, type AuditCheckpointSummary, type CheckpointSource } from './checkpoint-source.js';

/** The running parts the overview reports on; absent ones are shown as unknown. */
export interface ConsoleParts {
  /** The destination adapters in use; without them, "configured" is read from the settings. */
  adapters?: Partial<Record<Destination, unknown>>;
  breakers?: { for(destination: Destination): { state(): CircuitSnapshot } };
  jobs?: { jobs: readonly { name: string; definition: { schedule: string } }[] };
  /** Where the last audit checkpoint is read; the store's own checkpoints when absent. */
  checkpoints?: CheckpointSource;
}

const DAY = 86_400_000;
/** More needs_review handovers than this and the queue shows the oldest ones only. */
export const REVIEW_QUEUE_READ_LIMIT = 2_000;

interface DestinationHealth {
  destination: Destination;
  configured: boolean;
  circuit: CircuitSnapshot | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastErrorClass: string | null;
  recentAttempts: number;
  recentFailures: number;
}

interface JobStatus {
  name: string;
  schedule: string | null;
  lastSuccessAt: number | null;
  runsOk: number;
  runsFailed: number;
}

export interface Overview {
  states: HandoverState[];
  columns: string[];
  counts: Record<string, Record<string, number>>;
  total: number;
  /** Each queue's length and its handover waiting longest (the queue's first card). */
  queues: Record<QueueName, { length: number; oldest: HandoverRecord | null }>;
  overdue: { label: string; byDestination: Record<string, number>; total: number }[];
  destinations: DestinationHealth[];
  jobs: JobStatus[];
  checkpoint: AuditCheckpointSummary | null;
}

/** When a handover began to wait for a person: its last change (entering review is one). */
export const waitingSince = (h: HandoverRecord): number => h.updatedAt;

/** The queues of handovers waiting for a person, and the state each holds. */
const QUEUE_STATES = { review: 'needs_review', failed: 'failed' } as const satisfies Record<string, HandoverState>;
export type QueueName = keyof typeof QUEUE_STATES;

/**
 * A queue's handovers, longest waiting first (the order the overview's "oldest" is taken in),
 * at most REVIEW_QUEUE_READ_LIMIT of them; with `waitingSince`, only those waiting since then.
 */
export async function waitingQueue(
  ctx: Context,
  queue: QueueName,
  options: { waitingSince?: number } = {},
): Promise<{ items: HandoverRecord[]; truncated: boolean }> {
  const items = await ctx.store.findHandovers({
    states: [QUEUE_STATES[queue]],
    order: 'longest-waiting',
    ...(options.waitingSince !== undefined ? { updatedBefore: options.waitingSince } : {}),
    limit: REVIEW_QUEUE_READ_LIMIT + 1,
  });
  return { items: items.slice(0, REVIEW_QUEUE_READ_LIMIT), truncated: items.length > REVIEW_QUEUE_READ_LIMIT };
}

async function longestWaiting(ctx: Context, queue: QueueName): Promise<HandoverRecord | null> {
  return (await ctx.store.findHandovers({ states: [QUEUE_STATES[queue]], order: 'longest-waiting', limit: 1 }))[0] ?? null;
}

const OVERDUE_BANDS: { label: string; minDays: number; maxDays: number }[] = [
  { label: 'less than 1 day', minDays: 0, maxDays: 1 },
  { label: '1 to 2 days', minDays: 1, maxDays: 3 },
  { label: '3 to 6 days', minDays: 3, maxDays: 7 },
  { label: '7 to 29 days', minDays: 7, maxDays: 30 },
  { label: '30 days or more', minDays: 30, maxDays: Number.POSITIVE_INFINITY },
];

async function jobStatuses(ctx: Context, parts: ConsoleParts): Promise<JobStatus[]> {
  const lastSuccess = new Map<string, number>();
  for (const v of (await ctx.metrics.jobLastSuccess.get()).values) lastSuccess.set(String(v.labels.job), v.value * 1000);
  const runs = new Map<string, { ok: number; failed: number }>();
  for (const v of (await ctx.metrics.jobRuns.get()).values) {
    const job = String(v.labels.job);
    const r = runs.get(job) ?? { ok: 0, failed: 0 };
    if (v.labels.outcome === 'ok') r.ok += v.value;
    if (v.labels.outcome === 'failed') r.failed += v.value;
    runs.set(job, r);
  }
  const names = new Map<string, string | null>((parts.jobs?.jobs ?? []).map((j) => [j.name, j.definition.schedule]));
  for (const name of [...lastSuccess.keys(), ...runs.keys()]) if (!names.has(name)) names.set(name, null);
  return [...names.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, schedule]) => ({
      name,
      schedule,
      lastSuccessAt: lastSuccess.get(name) ?? null,
      runsOk: runs.get(name)?.ok ?? 0,
      runsFailed: runs.get(name)?.failed ?? 0,
    }));
}

export async function overview(ctx: Context, parts: ConsoleParts): Promise<Overview> {
  const now = ctx.clock.now().getTime();
  const [rows, oldestReview, oldestFailed, overdue, attempts, jobs, checkpoint] = await Promise.all([
    ctx.store.countByStateAndDestination(),
    longestWaiting(ctx, 'review'),
    longestWaiting(ctx, 'failed'),
    ctx.store.listHandovers({ overdue: true, limit: 5_000 }),
    ctx.store.summariseDestinationAttempts(now - DAY),
    jobStatuses(ctx, parts),
    (parts.checkpoints ?? storeCheckpoints(ctx.store)).lastCheckpoint(),
  ]);
  const counts: Record<string, Record<string, number>> = {};
  const columns = new Set<string>();
  let total = 0;
  for (const r of rows) {
    const column = r.destination ?? 'none';
    columns.add(column);
    counts[r.state] ??= {};
    counts[r.state]![column] = r.count;
    total += r.count;
  }
  const states = Object.keys(counts) as HandoverState[];
  const inState = (state: HandoverState) => Object.values(counts[state] ?? {}).reduce((a, b) => a + b, 0);
  const bands = OVERDUE_BANDS.map((b) => ({ label: b.label, byDestination: {} as Record<string, number>, total: 0 }));
  for (const h of overdue) {
    // overdueAt is when the overdue check flagged it, i.e. when it fell due.
    const days = (now - (h.overdueAt ?? now)) / DAY;
    const band = bands[OVERDUE_BANDS.findIndex((b) => days >= b.minDays && days < b.maxDays)] ?? bands[0]!;
    const d = h.destination ?? 'none';
    band.byDestination[d] = (band.byDestination[d] ?? 0) + 1;
    band.total++;
  }
  const destinations = DESTINATIONS.map((destination): DestinationHealth => {
    const a = attempts.find((x) => x.destination === destination);
    return {
      destination,
      configured: parts.adapters ? Boolean(parts.adapters[destination]) : ctx.config.destinations[destination] !== null,
      circuit: parts.breakers ? parts.breakers.for(destination).state() : null,
      lastSuccessAt: a?.lastSuccessAt ?? null,
      lastFailureAt: a?.lastFailureAt ?? null,
      lastErrorClass: a?.lastErrorClass ?? null,
      recentAttempts: a?.recentAttempts ?? 0,
      recentFailures: a?.recentFailures ?? 0,
    };
  });
  return {
    states,
    columns: [...columns].sort(),
    counts,
    total,
    queues: {
      review: { length: inState('needs_review'), oldest: oldestReview },
      failed: { length: inState('failed'), oldest: oldestFailed },
    },
    overdue: bands,
    destinations,
    jobs,
    checkpoint,
  };
}

export interface HandoverStory {
  handover: HandoverRecord;
  audit: AuditEvent[];
  attempts: AttemptRecord[];
  acks: AckRecord[];
  predecessor: HandoverRecord | null;
  successors: HandoverRecord[];
  /** The URL referred again (issue #15): the case this duplicate joined, the case it reappeared after, and the other way round. */
  duplicateOf: HandoverRecord | null;
  reappearanceOf: HandoverRecord | null;
  duplicates: HandoverRecord[];
  reappearances: HandoverRecord[];
  referral: ReferralRecord | null;
  siblings: HandoverRecord[];
}

export async function handoverStory(ctx: Context, id: string): Promise<HandoverStory | null> {
  const handover = await ctx.store.getHandover(id);
  if (!handover) return null;
  const [audit, attempts, acks, predecessor, successors, referral, duplicateOf, reappearanceOf, links] = await Promise.all([
    ctx.store.listAuditEvents(id),
    ctx.store.listAttempts(id),
    ctx.store.listAcks(id),
    handover.parentId ? ctx.store.getHandover(handover.parentId) : Promise.resolve(null),
    ctx.store.listSuccessors(id),
    ctx.store.getReferralByReportId(handover.reportId),
    handover.duplicateOf ? ctx.store.getHandover(handover.duplicateOf) : Promise.resolve(null),
    handover.reappearanceOf ? ctx.store.getHandover(handover.reappearanceOf) : Promise.resolve(null),
    ctx.store.listUrlLinks(id),
  ]);
  return {
    handover,
    audit,
    attempts,
    acks,
    predecessor,
    successors,
    duplicateOf,
    reappearanceOf,
    duplicates: links.duplicates,
    reappearances: links.reappearances,
    referral: referral?.referral ?? null,
    siblings: (referral?.handovers ?? []).filter((h) => h.id !== id),
  };
}
