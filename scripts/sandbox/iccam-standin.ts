/**
 * A stand-in for the ICCAM partner-hotline exchange (contract §4), for tests, reliability runs
 * and `npm run demo`. Token authentication with expiry and refresh, one report per
 * Idempotency-Key / reportingHotlineReference (a repeat gets a 409 naming the same
 * reference), actions that appear on a timer (LEA after ackAfterMs, then `closeAction` after
 * closeAfterMs), and misbehaviour on demand (see ChaosBehaviour). No mutual TLS: it speaks
 * plain HTTP on loopback.
 *
 *   node --import tsx scripts/sandbox/iccam-standin.ts --port 8092 [--username U --password P]
 *     [--seed 1] [--fail-rate 0.2] [--ack-after-ms 500] [--close-after-ms 2000]
 *     [--token-ttl-seconds 300] [--callback-url U --callback-secret S]
 */
import type { Random } from '../../src/domain/clock.js';
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

export type IccamClosingAction = 'CR' | 'CU' | 'MO' | 'NI';

export interface IccamStandinBehaviour extends ChaosBehaviour {
  /** The action taken at closeAfterMs (default CR, content removed). */
  closeAction: IccamClosingAction;
  /** The acknowledging action at ackAfterMs (default LEA). */
  ackAction: 'LEA' | 'ISP';
}

export interface IccamStandinOptions {
  host?: string;
  port?: number;
  /** Credentials to require; any are accepted when omitted. */
  username?: string;
  password?: string;
  /** Life of an issued token (expiresIn), default 300 s. */
  tokenTtlSeconds?: number;
  behaviour?: Partial<IccamStandinBehaviour>;
  random?: Random;
  seed?: number;
  now?: () => Date;
}

export interface IccamReport {
  reportingHotlineReference: string;
  reportId: string;
  contentId: string;
  /** null for an orphan (no assigned country in the body). */
  assignedCountry: string | null;
  hostingCountry: string | null;
  /** Whether the body carried the key at all (an orphan must not). */
  hadAssignedCountry: boolean;
  createdAt: Date;
  /** POSTs received for this reference (1 = no duplicates). */
  posts: number;
  notifiedStatus: string | null;
}

export interface IccamStandinStats {
  authentications: number;
  refreshes: number;
  /** Calls refused for a missing, unknown, expired or revoked token. */
  unauthorised: number;
  reports: number;
  contentQueries: number;
}

export interface IccamStandin {
  url: string;
  /** One entry per distinct Idempotency-Key / reportingHotlineReference. */
  readonly cases: ReadonlyMap<string, IccamReport>;
  readonly callbacks: readonly CallbackRecord[];
  readonly stats: IccamStandinStats;
  setBehaviour(change: Partial<IccamStandinBehaviour>): void;
  /** Invalidate every issued token (the next call gets a 401), as after a server-side logout. */
  revokeTokens(): void;
  flushCallbacks(): Promise<void>;
  close(): Promise<void>;
}

interface IssuedToken {
  expiresAt: number;
}

export async function startIccamStandin(options: IccamStandinOptions = {}): Promise<IccamStandin> {
  let behaviour: IccamStandinBehaviour = { ...DEFAULT_CHAOS, closeAction: 'CR', ackAction: 'LEA', ...options.behaviour };
  const random = options.random ?? seededRandom(options.seed ?? 1);
  const now = options.now ?? (() => new Date());
  const ttlMs = (options.tokenTtlSeconds ?? 300) * 1000;
  const cases = new Map<string, IccamReport>();
  const byContentId = new Map<string, IccamReport>();
  const tokens = new Map<string, IssuedToken>();
  const refreshTokens = new Set<string>();
  const callbacks: CallbackRecord[] = [];
  const stats: IccamStandinStats = { authentications: 0, refreshes: 0, unauthorised: 0, reports: 0, contentQueries: 0 };
  let sequence = 0;
  let tokenSequence = 0;

  function actionsOf(report: IccamReport): { type: string; date: string; reason?: string }[] {
    if (behaviour.dropAcks) return [];
    const created = report.createdAt.getTime();
    const age = now().getTime() - created;
    const actions: { type: string; date: string; reason?: string }[] = [];
    if (behaviour.ackAfterMs !== null && age >= behaviour.ackAfterMs) {
      actions.push({ type: behaviour.ackAction, date: new Date(created + behaviour.ackAfterMs).toISOString() });
    }
    if (behaviour.closeAfterMs !== null && age >= behaviour.closeAfterMs) {
      const action = { type: behaviour.closeAction, date: new Date(created + behaviour.closeAfterMs).toISOString() };
      actions.push(behaviour.closeAction === 'NI' ? { ...action, reason: 'not illegal in the hosting country' } : action);
    }
    return actions;
  }

  function issueToken(): { token: string; refreshToken: string; expiresIn: number } {
    tokenSequence += 1;
    const token = `tok-${tokenSequence}`;
    const refreshToken = `ref-${tokenSequence}`;
    tokens.set(token, { expiresAt: now().getTime() + ttlMs });
    refreshTokens.add(refreshToken);
    return { token, refreshToken, expiresIn: ttlMs / 1000 };
  }

  function authorised(req: StandinRequest): boolean {
    const header = headerValue(req.headers, 'authorization');
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
    const issued = token === null ? undefined : tokens.get(token);
    const ok = issued !== undefined && now().getTime() < issued.expiresAt;
    if (!ok) stats.unauthorised += 1;
    return ok;
  }

  async function flushCallbacks(): Promise<void> {
    const target = behaviour.callback;
    if (!target) return;
    for (const report of cases.values()) {
      const latest = actionsOf(report).at(-1);
      if (!latest || latest.type === report.notifiedStatus) continue;
      report.notifiedStatus = latest.type;
      const answeredWith = await sendSignedCallback(
        target,
        { handoverId: report.reportingHotlineReference, status: latest.type, reference: report.reportId },
        now(),
      );
      callbacks.push({ handoverId: report.reportingHotlineReference, status: latest.type, answeredWith, at: now().toISOString() });
    }
  }
  const callbackTimers = new CallbackTimers(flushCallbacks);

  async function handle(req: StandinRequest): Promise<StandinReply | 'hang'> {
    if (req.method === 'POST' && req.path === '/Authentication') return authenticate(req);
    if (req.method === 'POST' && req.path === '/Authentication/refresh') return refresh(req);
    if (req.method === 'POST' && req.path === '/rest/Reports') return receiveReport(req);
    const match = /^\/rest\/Content\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && match?.[1]) return reportContent(decodeURIComponent(match[1]), req);
    return { status: 404, body: { error: 'not_found' } };
  }

  async function authenticate(req: StandinRequest): Promise<StandinReply | 'hang'> {
    const chaos = await applyChaos(behaviour, random);
    if (chaos) return chaos;
    stats.authentications += 1;
    const body = asRecord(req.body);
    if (typeof body?.username !== 'string' || typeof body.password !== 'string') return { status: 400, body: { error: 'credentials_required' } };
    if (options.username !== undefined && (body.username !== options.username || body.password !== options.password)) {
      return { status: 401, body: { error: 'invalid_credentials' } };
    }
    return { status: 200, body: issueToken() };
  }

  async function refresh(req: StandinRequest): Promise<StandinReply | 'hang'> {
    const chaos = await applyChaos(behaviour, random);
    if (chaos) return chaos;
    stats.refreshes += 1;
    const refreshToken = asRecord(req.body)?.refreshToken;
    if (typeof refreshToken !== 'string' || !refreshTokens.has(refreshToken)) return { status: 401, body: { error: 'invalid_refresh_token' } };
    refreshTokens.delete(refreshToken); // single use
    return { status: 200, body: issueToken() };
  }

  async function receiveReport(req: StandinRequest): Promise<StandinReply | 'hang'> {
    stats.reports += 1;
    if (!authorised(req)) return { status: 401, body: { error: 'unauthorized' } };
    const chaos = await applyChaos(behaviour, random);
    if (chaos) return chaos;
    const body = asRecord(req.body);
    const reference = typeof body?.reportingHotlineReference === 'string' ? body.reportingHotlineReference : null;
    if (body === null || !reference || typeof body.url !== 'string') {
      return { status: 400, body: { error: 'reportingHotlineReference_and_url_required' } };
    }
    const key = headerValue(req.headers, 'idempotency-key') ?? reference;
    const known = cases.get(key);
    if (known) {
      known.posts += 1;
      return {
        status: 409,
        body: { error: 'duplicate_report', reportingHotlineReference: known.reportingHotlineReference, reportId: known.reportId, contentId: known.contentId },
      };
    }
    if (behaviour.reject !== false) return { status: behaviour.reject, body: { error: 'report_rejected' } };
    sequence += 1;
    const report: IccamReport = {
      reportingHotlineReference: reference,
      reportId: `RPT-${sequence}`,
      contentId: `CNT-${sequence}`,
      assignedCountry: typeof body.assignedCountry === 'string' ? body.assignedCountry : null,
      hadAssignedCountry: 'assignedCountry' in body,
      hostingCountry: typeof body.hostingCountry === 'string' ? body.hostingCountry : null,
      createdAt: now(),
      posts: 1,
      notifiedStatus: null,
    };
    cases.set(key, report);
    byContentId.set(report.contentId, report);
    callbackTimers.schedule(behaviour);
    if (behaviour.hangAfterRecording) return 'hang';
    if (random() < behaviour.lostReplyRate) return { status: 201, dropConnection: true };
    return { status: 201, body: { reportId: report.reportId, contentId: report.contentId } };
  }

  async function reportContent(contentId: string, req: StandinRequest): Promise<StandinReply | 'hang'> {
    stats.contentQueries += 1;
    if (!authorised(req)) return { status: 401, body: { error: 'unauthorized' } };
    const chaos = await applyChaos(behaviour, random);
    if (chaos) return chaos;
    const report = byContentId.get(contentId);
    if (!report) return { status: 404, body: { error: 'not_found' } };
    return {
      status: 200,
      body: {
        assignedCountry: report.assignedCountry,
        ...(report.assignedCountry ? { assignedHotline: `hotline-${report.assignedCountry.toLowerCase()}` } : {}),
        actions: actionsOf(report),
      },
    };
  }

  const server = await startJsonServer(handle, { host: options.host, port: options.port });
  return {
    url: server.url,
    cases,
    callbacks,
    stats,
    setBehaviour(change) {
      behaviour = { ...behaviour, ...change };
    },
    revokeTokens() {
      tokens.clear();
    },
    flushCallbacks,
    async close() {
      callbackTimers.clear();
      await server.close();
    },
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && value !== INVALID_JSON && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

if (isEntryPoint(import.meta.url)) {
  const flags = readFlags(process.argv.slice(2));
  const closeAction = flags.get('close-action');
  const standin = await startIccamStandin({
    host: flags.get('host') ?? '127.0.0.1',
    port: Number(flags.get('port') ?? 8092),
    username: flags.get('username'),
    password: flags.get('password'),
    tokenTtlSeconds: flags.has('token-ttl-seconds') ? Number(flags.get('token-ttl-seconds')) : undefined,
    seed: flags.has('seed') ? Number(flags.get('seed')) : undefined,
    behaviour: {
      ...behaviourFromFlags(flags),
      ...(closeAction === 'CR' || closeAction === 'CU' || closeAction === 'MO' || closeAction === 'NI' ? { closeAction } : {}),
    },
  });
  console.log(`ICCAM exchange stand-in listening on ${standin.url}`);
  const stop = () => void standin.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
