/**
 * A stand-in for the Belgian federal police export (contract §4), for tests, reliability runs
 * and `npm run demo`. It keeps one case per Idempotency-Key, checks the body's SHA-256 the way
 * the police do, advances each case received → registered (→ closed) on a timer, says when the
 * content was taken down (`contentRemovedAt`: when a case closes, or when a test says so), and
 * can misbehave on demand (see ChaosBehaviour).
 *
 *   node --import tsx scripts/sandbox/police-standin.ts --port 8091 [--token T] [--seed 1]
 *     [--fail-rate 0.2] [--ack-after-ms 500] [--callback-url U --callback-secret S]
 */
import type { Random } from '../../src/domain/clock.js';
import { policeExportBodyHash } from '../../src/delivery/destinations/police-export-body.js';
import {
  CallbackTimers,
  DEFAULT_CHAOS,
  INVALID_JSON,
  applyChaos,
  behaviourFromFlags,
  headerValue,
  isEntryPoint,
  readFlags,
  seededRandom,
  sendSignedCallback,
  startJsonServer,
  type CallbackRecord,
  type ChaosBehaviour,
  type StandinReply,
  type StandinRequest,
} from './standin-kit.js';

export type PoliceStandinBehaviour = ChaosBehaviour;

export interface PoliceStandinOptions {
  host?: string;
  port?: number;
  /** Bearer token to require; any token is accepted when omitted. */
  token?: string;
  behaviour?: Partial<PoliceStandinBehaviour>;
  /** Chaos randomness; `seed` builds a reproducible one (default seed 1). */
  random?: Random;
  seed?: number;
  /** The stand-in's sense of time for "ack after" (real time by default). */
  now?: () => Date;
  /** A closed case reports its content removed when it closed (default true); false: closed, removal never said. */
  reportsRemoval?: boolean;
}

export interface PoliceCase {
  handoverId: string;
  receiptId: string;
  caseNumber: string;
  createdAt: Date;
  /** POSTs received for this Idempotency-Key (1 = no duplicates). */
  posts: number;
  /** The body's own sha256, as verified. */
  sha256: string;
  /** The last status a callback was sent for. */
  notifiedStatus: string | null;
  /** When the content was taken down, when a test said so (removeContent). */
  contentRemovedAt: Date | null;
  /** The removal time a callback was last sent with. */
  notifiedRemoval: string | null;
  /** The body's `reappearanceOf`: our earlier handover of the URL when the content is back. */
  reappearanceOf: string | null;
}

export interface PoliceStandin {
  url: string;
  /** One entry per distinct Idempotency-Key. */
  readonly cases: ReadonlyMap<string, PoliceCase>;
  readonly callbacks: readonly CallbackRecord[];
  /** Requests seen, per route, including the ones chaos answered. */
  readonly requests: { exports: number; status: number };
  setBehaviour(change: Partial<PoliceStandinBehaviour>): void;
  /** Send the callbacks that are due now (timers do this too; useful with an injected now()). */
  flushCallbacks(): Promise<void>;
  /** The content of this case was taken down at `at`: its status answer and callbacks say so from now on. */
  removeContent(handoverId: string, at: Date): void;
  close(): Promise<void>;
}

export async function startPoliceStandin(options: PoliceStandinOptions = {}): Promise<PoliceStandin> {
  let behaviour: PoliceStandinBehaviour = { ...DEFAULT_CHAOS, ...options.behaviour };
  const random = options.random ?? seededRandom(options.seed ?? 1);
  const now = options.now ?? (() => new Date());
  const cases = new Map<string, PoliceCase>();
  const byHandoverId = new Map<string, PoliceCase>();
  const callbacks: CallbackRecord[] = [];
  const requests = { exports: 0, status: 0 };
  let sequence = 0;

  function statusOf(c: PoliceCase): 'received' | 'registered' | 'closed' {
    if (behaviour.dropAcks) return 'received';
    const age = now().getTime() - c.createdAt.getTime();
    if (behaviour.closeAfterMs !== null && age >= behaviour.closeAfterMs) return 'closed';
    if (behaviour.ackAfterMs !== null && age >= behaviour.ackAfterMs) return 'registered';
    return 'received';
  }

  /** When the content came down, as the police know it: said by a test, or when the case closed. */
  function removedAtOf(c: PoliceCase): string | null {
    if (c.contentRemovedAt) return c.contentRemovedAt.toISOString();
    if (options.reportsRemoval === false || statusOf(c) !== 'closed' || behaviour.closeAfterMs === null) return null;
    return new Date(c.createdAt.getTime() + behaviour.closeAfterMs).toISOString();
  }

  async function flushCallbacks(): Promise<void> {
    const target = behaviour.callback;
    if (!target) return;
    for (const c of cases.values()) {
      const status = statusOf(c);
      const removedAt = removedAtOf(c);
      if ((status === 'received' || status === c.notifiedStatus) && removedAt === c.notifiedRemoval) continue;
      c.notifiedStatus = status;
      c.notifiedRemoval = removedAt;
      const answeredWith = await sendSignedCallback(
        target,
        { handoverId: c.handoverId, status, reference: c.caseNumber, ...(removedAt ? { contentRemovedAt: removedAt } : {}) },
        now(),
      );
      callbacks.push({ handoverId: c.handoverId, status, answeredWith, at: now().toISOString() });
    }
  }
  const callbackTimers = new CallbackTimers(flushCallbacks);

  function authorised(req: StandinRequest): boolean {
    return options.token === undefined || headerValue(req.headers, 'authorization') === `Bearer ${options.token}`;
  }

  async function handle(req: StandinRequest): Promise<StandinReply | 'hang'> {
    if (req.method === 'POST' && req.path === '/exports') {
      requests.exports += 1;
      return receiveExport(req);
    }
    const match = /^\/exports\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && match?.[1]) {
      requests.status += 1;
      return reportStatus(decodeURIComponent(match[1]), req);
    }
    return { status: 404, body: { error: 'not_found' } };
  }

  async function receiveExport(req: StandinRequest): Promise<StandinReply | 'hang'> {
    if (!authorised(req)) return { status: 401, body: { error: 'unauthorized' } };
    const chaos = await applyChaos(behaviour, random);
    if (chaos) return chaos;
    const body = req.body;
    if (body === undefined || body === INVALID_JSON || typeof body !== 'object' || body === null) {
      return { status: 400, body: { error: 'invalid_json' } };
    }
    const record = body as Record<string, unknown>;
    const handoverId = typeof record.handoverId === 'string' ? record.handoverId : null;
    if (!handoverId) return { status: 400, body: { error: 'handover_id_required' } };
    if (typeof record.sha256 !== 'string' || record.sha256 !== policeExportBodyHash(record)) {
      return { status: 422, body: { error: 'sha256_mismatch' } };
    }
    const key = headerValue(req.headers, 'idempotency-key') ?? handoverId;
    const known = cases.get(key);
    if (known) {
      known.posts += 1;
      return { status: 200, body: { receiptId: known.receiptId, handoverId: known.handoverId, duplicate: true } };
    }
    if (behaviour.reject !== false) return { status: behaviour.reject, body: { error: 'export_rejected', handoverId } };
    sequence += 1;
    const created: PoliceCase = {
      handoverId,
      receiptId: `PR-${String(sequence).padStart(6, '0')}`,
      caseNumber: `PV/${now().getUTCFullYear()}/${String(sequence).padStart(5, '0')}`,
      createdAt: now(),
      posts: 1,
      sha256: record.sha256,
      notifiedStatus: null,
      contentRemovedAt: null,
      notifiedRemoval: null,
      reappearanceOf: typeof record.reappearanceOf === 'string' ? record.reappearanceOf : null,
    };
    cases.set(key, created);
    byHandoverId.set(handoverId, created);
    callbackTimers.schedule(behaviour);
    if (behaviour.hangAfterRecording) return 'hang';
    if (random() < behaviour.lostReplyRate) return { status: 201, dropConnection: true };
    return { status: 201, body: { receiptId: created.receiptId, handoverId } };
  }

  async function reportStatus(handoverId: string, req: StandinRequest): Promise<StandinReply | 'hang'> {
    if (!authorised(req)) return { status: 401, body: { error: 'unauthorized' } };
    const chaos = await applyChaos(behaviour, random);
    if (chaos) return chaos;
    const found = byHandoverId.get(handoverId);
    if (!found) return { status: 404, body: { error: 'not_found' } };
    const status = statusOf(found);
    const removedAt = removedAtOf(found);
    return {
      status: 200,
      body: {
        status,
        ...(status === 'received' ? {} : { caseNumber: found.caseNumber }),
        ...(removedAt ? { contentRemovedAt: removedAt } : {}),
        updatedAt: now().toISOString(),
      },
    };
  }

  const server = await startJsonServer(handle, { host: options.host, port: options.port });
  return {
    url: server.url,
    cases,
    callbacks,
    requests,
    setBehaviour(change) {
      behaviour = { ...behaviour, ...change };
    },
    flushCallbacks,
    removeContent(handoverId, at) {
      const found = byHandoverId.get(handoverId);
      if (!found) throw new Error(`no police case for handover ${handoverId}`);
      found.contentRemovedAt = at;
    },
    async close() {
      callbackTimers.clear();
      await server.close();
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  const flags = readFlags(process.argv.slice(2));
  const standin = await startPoliceStandin({
    host: flags.get('host') ?? '127.0.0.1',
    port: Number(flags.get('port') ?? 8091),
    token: flags.get('token'),
    seed: flags.has('seed') ? Number(flags.get('seed')) : undefined,
    behaviour: behaviourFromFlags(flags),
  });
  console.log(`police export stand-in listening on ${standin.url}`);
  const stop = () => void standin.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
