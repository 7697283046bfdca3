/**
 * The in-process ICCAM v3 stand-in: routes, tokens, reports and contents, faults and pacing.
 * Types and the documentation of behaviour are in ../iccam-standin.ts.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type http from 'node:http';
import type {
  IccamActionName,
  IccamCallRecord,
  IccamFault,
  IccamLookupEntry,
  IccamLookupName,
  IccamProgressionStep,
  IccamStandin,
  IccamStandinOptions,
  IccamStandinState,
  IccamStoredAction,
  IccamStoredContent,
  IccamStoredReport,
} from '../iccam-standin.js';
import { startControlServer } from './control-http.js';
import { FaultPlan, type ChosenFault } from './faults.js';
import { defaultInboundReports, InboundDesk } from './inbound.js';
import { ACTION_TYPE_IDS, hasCountryCode, isLookupName, lookupWire, seedLookups } from './lookups.js';
import { PacingMeter } from './pacing.js';
import { RefusableServer } from './refusable-server.js';
import { validateReport, type IccamErrors } from './report-validation.js';

/** ICCAM's texts, as SCARt recognises them (ICCAMerrors). */
export const ICCAM_MESSAGES = {
  tokenUnknown: 'Authorization bearer empty or unknown',
  tokenExpired: 'token expired',
  notInCorrectState: 'Report not in correct state for assessments',
} as const;

interface Reply {
  status: number;
  /** JSON value to send; undefined = empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

interface IssuedToken {
  expiresAt: number;
  /** Calls before this time get the not-ready answer (after a login only). */
  readyAt: number;
  refreshToken: string;
}

type Route =
  | { kind: 'login' }
  | { kind: 'refresh' }
  | { kind: 'lookup'; list: IccamLookupName }
  | { kind: 'create-report' }
  | { kind: 'get-report'; id: number }
  | { kind: 'get-content'; id: number }
  | { kind: 'put-hosting'; id: number }
  | { kind: 'put-assigned-country'; id: number }
  | { kind: 'no-reference' }
  | { kind: 'put-hotline-reference'; id: number }
  | { kind: 'put-assessment'; id: number }
  | { kind: 'post-action'; id: number };

const errors = (code: string, message: string): { errors: IccamErrors } => ({ errors: { [code]: [message] } });

/** Routing as ASP.NET does it: case-insensitive, integer ids by route constraint (else 404). */
function route(method: string, path: string): Route | null {
  const p = path.toLowerCase();
  if (method === 'POST' && p === 'authentication') return { kind: 'login' };
  if (method === 'POST' && p === 'authentication/refresh') return { kind: 'refresh' };
  if (method === 'POST' && p === 'rest/reports') return { kind: 'create-report' };
  let m: RegExpExecArray | null;
  if (method === 'GET' && (m = /^rest\/([a-z-]+)$/.exec(p)) && m[1] !== undefined && isLookupName(m[1])) return { kind: 'lookup', list: m[1] };
  if (method === 'GET' && (m = /^rest\/reports\/(\d{1,9})$/.exec(p))) return { kind: 'get-report', id: Number(m[1]) };
  if (method === 'GET' && p === 'rest/content/no-reference') return { kind: 'no-reference' };
  if (method === 'GET' && (m = /^rest\/content\/(\d{1,9})$/.exec(p))) return { kind: 'get-content', id: Number(m[1]) };
  if (method === 'PUT' && (m = /^rest\/content\/(\d{1,9})\/hotline-reference$/.exec(p))) return { kind: 'put-hotline-reference', id: Number(m[1]) };
  if (method === 'PUT' && (m = /^rest\/content\/(\d{1,9})\/assessment$/.exec(p))) return { kind: 'put-assessment', id: Number(m[1]) };
  if (method === 'POST' && (m = /^rest\/content\/(\d{1,9})\/actions$/.exec(p))) return { kind: 'post-action', id: Number(m[1]) };
  if (method === 'PUT' && (m = /^rest\/content\/(\d{1,9})\/url\/hosting$/.exec(p))) return { kind: 'put-hosting', id: Number(m[1]) };
  if (method === 'PUT' && (m = /^rest\/content\/(\d{1,9})\/assigned-country$/.exec(p))) return { kind: 'put-assigned-country', id: Number(m[1]) };
  return null;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: http.IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value.join(',') : value) ?? '';
}

const isJsonMediaType = (value: string) => /^application\/json\s*(;|$)/i.test(value.trim());

export async function startIccamStandin(options: IccamStandinOptions = {}): Promise<IccamStandin> {
  const now = options.now ?? (() => new Date());
  const pacingNow = options.pacingNow ?? (() => performance.now());
  const username = options.username ?? 'standin';
  const password = options.password ?? 'standin';
  const tokenLifetimeMs = options.tokenLifetimeMs ?? 300_000;
  const refreshTokenLifetimeMs = options.refreshTokenLifetimeMs ?? 24 * 3_600_000;
  const notReadyAfterLoginMs = options.notReadyAfterLoginMs ?? 2_000;
  const contentSettlesAfterMs = options.contentSettlesAfterMs ?? 0;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const sendValidTo = options.sendBearerTokenValidTo ?? true;
  const seed = options.seed ?? 1;
  const minIntervalMs = options.minIntervalMs ?? 1_000;

  const hotlineCountry = options.hotlineCountry ?? 'BE';
  const lookups = seedLookups(options.lookupNames ?? 'scart');
  for (const [name, list] of Object.entries(options.lookups ?? {}) as [IccamLookupName, IccamLookupEntry[]][]) {
    lookups[name] = list.map((entry) => ({ ...entry }));
  }
  const tokens = new Map<string, IssuedToken>();
  /** refresh token → the bearer token it was issued with. */
  const refreshTokens = new Map<string, { bearerToken: string; expiresAt: number }>();
  const reports = new Map<number, IccamStoredReport>();
  const contents = new Map<number, IccamStoredContent>();
  const assignmentRules = new Map<string, string | null>();
  let progression: IccamProgressionStep[] = [...(options.progression ?? [])];
  const faults = new FaultPlan(seed);
  if (options.chaos) faults.setChaos(options.chaos);
  const pacing = new PacingMeter(minIntervalMs, options.pacingToleranceMs ?? Math.min(25, Math.floor(minIntervalMs / 4)), pacingNow, now);
  const callLog: IccamCallRecord[] = [];
  const counters = { logins: 0, refreshes: 0, unauthorised: 0, notReady: 0, refusedReports: 0 };
  const faultsServed: Partial<Record<IccamFault, number>> = {};
  let nextReportId = 40_001;
  let nextContentId = 900_001;
  const desk = new InboundDesk({ reports, contents, lookups, hotlineCountry, now, actionsOf: (c) => actionsOf(c) });
  if (options.inbound) desk.seed(options.inbound === true ? defaultInboundReports(hotlineCountry) : options.inbound);

  const iso = (ms: number) => new Date(ms).toISOString();

  function issueToken(afterLogin: boolean): Record<string, unknown> {
    const at = now().getTime();
    const bearerToken = `iccam-bearer-${randomBytes(12).toString('hex')}`;
    const refreshToken = `iccam-refresh-${randomBytes(12).toString('hex')}`;
    tokens.set(bearerToken, { expiresAt: at + tokenLifetimeMs, readyAt: afterLogin ? at + notReadyAfterLoginMs : at, refreshToken });
    refreshTokens.set(refreshToken, { bearerToken, expiresAt: at + refreshTokenLifetimeMs });
    return {
      bearerToken,
      refreshToken,
      bearerTokenExpiresIn: Math.floor(tokenLifetimeMs / 1000),
      ...(sendValidTo ? { bearerTokenValidTo: iso(at + tokenLifetimeMs) } : {}),
    };
  }

  /** null when the call may go on; else the 401 to give. */
  function checkToken(req: http.IncomingMessage): Reply | null {
    const auth = header(req, 'authorization');
    const token = /^Bearer (\S+)$/.exec(auth)?.[1];
    const issued = token === undefined ? undefined : tokens.get(token);
    const at = now().getTime();
    if (issued === undefined) {
      counters.unauthorised += 1;
      return { status: 401, body: errors('Authorization', ICCAM_MESSAGES.tokenUnknown) };
    }
    if (at >= issued.expiresAt) {
      counters.unauthorised += 1;
      return { status: 401, body: errors('Authorization', ICCAM_MESSAGES.tokenExpired) };
    }
    // Not yet known to ICCAM's back end: it answers as for a token it has never seen.
    if (at < issued.readyAt) {
      counters.notReady += 1;
      return { status: 401, body: errors('Authorization', ICCAM_MESSAGES.tokenUnknown) };
    }
    return null;
  }

  function actionsOf(content: IccamStoredContent): IccamStoredAction[] {
    const created = Date.parse(content.createdAt);
    const at = now().getTime();
    const due = progression
      .filter((step) => created + step.afterMs <= at)
      .map((step) => ({
        actionType: ACTION_TYPE_IDS[step.action],
        actionName: step.action,
        analystName: step.analystName ?? 'Partner Analyst',
        actionDate: iso(created + step.afterMs),
      }));
    return [...content.actions, ...due].sort((a, b) => a.actionDate.localeCompare(b.actionDate));
  }

  function login(body: unknown): Reply {
    const b = asRecord(body);
    const problems: IccamErrors = {};
    for (const field of ['username', 'password'] as const) {
      if (typeof b?.[field] !== 'string' || b[field] === '') problems[field] = [`The ${field} field is required.`];
    }
    if (Object.keys(problems).length > 0) return { status: 400, body: { errors: problems } };
    if (b?.username !== username || b.password !== password) return { status: 401, body: errors('Authentication', 'Invalid username or password') };
    counters.logins += 1;
    return { status: 200, body: issueToken(true) };
  }

  function refresh(body: unknown): Reply {
    const b = asRecord(body);
    const problems: IccamErrors = {};
    for (const field of ['bearerToken', 'refreshToken'] as const) {
      if (typeof b?.[field] !== 'string' || b[field] === '') problems[field] = [`The ${field} field is required.`];
    }
    if (Object.keys(problems).length > 0) return { status: 400, body: { errors: problems } };
    const known = refreshTokens.get(String(b?.refreshToken));
    if (!known || known.bearerToken !== b?.bearerToken || now().getTime() >= known.expiresAt) {
      return { status: 401, body: errors('Authentication', 'Invalid refresh token') };
    }
    // Single use; the bearer token it renews ends with it.
    refreshTokens.delete(String(b.refreshToken));
    tokens.delete(known.bearerToken);
    counters.refreshes += 1;
    return { status: 200, body: issueToken(false) };
  }

  function createReport(body: unknown): Reply {
    const problems = validateReport(body, lookups);
    if (Object.keys(problems).length > 0) {
      counters.refusedReports += 1;
      return { status: 400, body: { errors: problems } };
    }
    const b = body as Record<string, unknown>;
    const receivedAt = now().toISOString();
    const reportId = nextReportId++;
    const report: IccamStoredReport = {
      reportId,
      hotlineReference: String(b.hotlineReference),
      receivedAt,
      body: structuredClone(b),
      contentIds: [],
    };
    for (const u of b.urls as Record<string, unknown>[]) {
      const contentId = nextContentId++;
      const hostingCountryCode = String(u.hostingCountryCode);
      const assigned = assignmentRules.has(hostingCountryCode) ? (assignmentRules.get(hostingCountryCode) ?? null) : hostingCountryCode;
      const assessment = u.assessment as Record<string, unknown>;
      contents.set(contentId, {
        contentId,
        reportId,
        urlString: String(u.urlString),
        hostingCountryCode,
        hostingIpAddress: String(u.hostingIpAddress),
        assignedCountryCode: assigned,
        countryAssignmentDate: assigned === null ? null : receivedAt,
        createdAt: receivedAt,
        actions: [],
        corrections: [],
        hotlineReference: null,
        referencePuts: [],
        isSourceUrl: u.isSourceUrl === true,
        memo: null,
        assessments: [
          {
            assessingAnalystName: String(assessment.assessingAnalystName),
            classification: assessment.classification as number,
            ageCategorization: assessment.ageCategorization as number,
            genderCategorization: assessment.genderCategorization as number,
            assessmentDate: receivedAt,
          },
        ],
      });
      report.contentIds.push(contentId);
    }
    reports.set(reportId, report);
    return { status: 200, body: reportId };
  }

  function getReport(id: number): Reply {
    const report = reports.get(id);
    if (!report) return { status: 404, body: errors('Report', `Report ${id} not found`) };
    const b = report.body;
    return {
      status: 200,
      body: {
        reportId: report.reportId,
        hotlineReference: report.hotlineReference,
        // A partner's report names the hotline that made it; ours are made by the API user's hotline.
        reportingHotlineId: b.reportingHotlineId ?? null,
        reportingAnalystName: b.reportingAnalystName,
        referrerUrl: b.referrerUrl ?? null,
        hotlineReceivedDate: b.hotlineReceivedDate,
        sourceUrlSiteType: b.sourceUrlSiteType,
        sourceUrlCommerciality: b.sourceUrlCommerciality,
        sourceUrlPaymentMethods: b.sourceUrlPaymentMethods,
        memo: b.memo ?? null,
        reportContents: report.contentIds.map((contentId) => {
          const c = contents.get(contentId);
          return { contentId, urlString: c?.urlString ?? null };
        }),
      },
    };
  }

  function contentWire(c: IccamStoredContent): Record<string, unknown> {
    return {
      contentId: c.contentId,
      reportId: c.reportId,
      hotlineReference: c.hotlineReference,
      assignedCountryCode: c.assignedCountryCode,
      countryAssignmentDate: c.countryAssignmentDate,
      memo: c.memo,
      url: { urlString: c.urlString, isSourceUrl: c.isSourceUrl, hostingCountryCode: c.hostingCountryCode, hostingIpAddress: c.hostingIpAddress },
      assessments: c.assessments.map((a) => ({ ...a })),
      actions: actionsOf(c).map((a) => ({
        actionType: a.actionType,
        analystName: a.analystName,
        actionDate: a.actionDate,
        ...(a.reasonId === undefined ? {} : { reasonId: a.reasonId, reasonText: a.reasonText }),
      })),
    };
  }

  function getContent(id: number): Reply {
    const c = contents.get(id);
    if (!c) return { status: 404, body: errors('Content', `Content ${id} not found`) };
    return { status: 200, body: contentWire(c) };
  }

  function assignmentPut(kind: 'hosting' | 'assigned-country', id: number, query: URLSearchParams): Reply {
    const refused = desk.refuseUnlessOurs(id);
    if (refused) return refused;
    const c = contents.get(id)!;
    // ICCAM needs time to take in a new report before its contents can be re-assigned.
    if (now().getTime() < Date.parse(c.createdAt) + contentSettlesAfterMs) {
      return { status: 400, body: errors('Report', ICCAM_MESSAGES.notInCorrectState) };
    }
    const problems: IccamErrors = {};
    const country = query.get('newCountryCode') ?? '';
    if (country === '') problems.newCountryCode = ['The newCountryCode field is required.'];
    else if (!hasCountryCode(lookups.countries, country)) problems.newCountryCode = [`Unknown country code '${country}'.`];
    const ip = query.get('newIpAddress') ?? '';
    if (kind === 'hosting') {
      if (ip === '') problems.newIpAddress = ['The newIpAddress field is required.'];
      else if (isIP(ip) === 0) problems.newIpAddress = [`'${ip}' is not an IP address.`];
    }
    if (Object.keys(problems).length > 0) return { status: 400, body: { errors: problems } };
    const at = now().toISOString();
    if (kind === 'hosting') {
      c.hostingIpAddress = ip;
      c.hostingCountryCode = country;
    } else {
      c.assignedCountryCode = country;
      c.countryAssignmentDate = at;
    }
    c.corrections.push({ kind, query: Object.fromEntries(query), at });
    return { status: 200 };
  }

  function processCall(r: Route, body: unknown, query: URLSearchParams): Reply {
    switch (r.kind) {
      case 'login':
        return login(body);
      case 'refresh':
        return refresh(body);
      case 'lookup':
        return { status: 200, body: lookupWire(r.list, lookups[r.list]) };
      case 'create-report':
        return createReport(body);
      case 'get-report':
        return getReport(r.id);
      case 'get-content':
        return getContent(r.id);
      case 'put-hosting':
        return assignmentPut('hosting', r.id, query);
      case 'put-assigned-country':
        return assignmentPut('assigned-country', r.id, query);
      case 'no-reference':
        return desk.listNoReference(query);
      case 'put-hotline-reference':
        return desk.putHotlineReference(r.id, query);
      case 'put-assessment':
        return desk.putAssessment(r.id, body);
      case 'post-action':
        return desk.postAction(r.id, body);
    }
  }

  function send(res: http.ServerResponse, reply: Reply, closeAfter: boolean): void {
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
      'Content-Length': String(Buffer.byteLength(payload)),
      // While refusing, no answer may leave a connection open for the client to reuse.
      ...(closeAfter || server.refusing ? { Connection: 'close' } : {}),
      ...reply.headers,
    });
    res.end(payload);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://iccam.invalid');
    const path = url.pathname.replace(/^\/+/, '');
    const done = pacing.start(method, path);
    // Over once the answer is handed to the OS (before the client can read it), or abandoned.
    res.on('finish', done);
    res.on('close', done);
    const log = (status: IccamCallRecord['status'], fault: IccamFault | null) => {
      callLog.push({ method, path, status, fault, at: now().toISOString() });
      if (fault) faultsServed[fault] = (faultsServed[fault] ?? 0) + 1;
    };
    const text = await readBody(req);

    const r = route(method, path);
    if (r === null) {
      log(404, null);
      return send(res, { status: 404, body: errors('Route', `No endpoint ${method} ${path}`) }, false);
    }
    if (!isJsonMediaType(header(req, 'content-type'))) {
      log(415, null);
      return send(res, { status: 415, body: errors('Content-Type', 'Content-Type must be application/json') }, false);
    }
    if (!header(req, 'accept').toLowerCase().includes('application/json')) {
      log(406, null);
      return send(res, { status: 406, body: errors('Accept', 'accept must be application/json') }, false);
    }

    const chosen: ChosenFault | null = faults.choose(method, path);
    const fault = chosen?.fault ?? null;
    if (fault === 'unavailable') {
      log(503, fault);
      return send(res, { status: 503, body: errors('Service', 'Service Unavailable') }, false);
    }
    if (fault === 'rate-limited') {
      log(429, fault);
      return send(res, { status: 429, body: errors('RateLimit', 'Too many requests'), headers: { 'Retry-After': String(retryAfterSeconds) } }, false);
    }
    if (fault === 'not-in-correct-state') {
      log(400, fault);
      return send(res, { status: 400, body: errors('Report', ICCAM_MESSAGES.notInCorrectState) }, false);
    }
    if (fault === 'bad-request') {
      log(400, fault);
      return send(res, { status: 400, body: errors('Request', 'The request was refused.') }, false);
    }

    let reply: Reply | null = r.kind === 'login' || r.kind === 'refresh' ? null : checkToken(req);
    if (reply === null) {
      let body: unknown;
      let badJson = false;
      if (text.length > 0) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          badJson = true;
        }
      }
      reply = badJson ? { status: 400, body: errors('$', 'The request body is not valid JSON.') } : processCall(r, body, url.searchParams);
    }

    const processed = reply.status >= 200 && reply.status < 300;
    if (processed && fault === 'error-after-processing') {
      log(500, fault);
      return send(res, { status: 500, body: errors('Server', 'An unexpected error occurred.') }, false);
    }
    if (processed && fault === 'drop-after-commit') {
      log('dropped', fault);
      req.socket.destroy();
      return;
    }
    if (processed && fault === 'hang-after-commit') {
      log('hung', fault);
      return;
    }
    if (fault === 'slow-answer') {
      log(reply.status, fault);
      const answer = reply;
      setTimeout(() => send(res, answer, false), chosen?.answerAfterMs ?? 500).unref();
      return;
    }
    if (fault === 'connection-refused') {
      // Answer this call, then refuse: the client's next connection is refused by the kernel.
      log(reply.status, fault);
      res.on('finish', () => server.refuse(chosen?.refuseForMs));
      return send(res, reply, true);
    }
    log(reply.status, null);
    send(res, reply, false);
  }

  const server = new RefusableServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: errors('Server', 'stand-in error') }, false);
      else res.destroy();
    });
  }, options.host ?? '127.0.0.1');
  await server.listen(options.port ?? 0);

  function snapshot(): IccamStandinState {
    const perReference: Record<string, number> = {};
    for (const report of reports.values()) perReference[report.hotlineReference] = (perReference[report.hotlineReference] ?? 0) + 1;
    return {
      url: server.url,
      calls: pacing.calls,
      callLog: callLog.map((c) => ({ ...c })),
      pacingViolations: pacing.violations.map((v) => ({ ...v })),
      ...counters,
      reports: [...reports.values()].map((r) => structuredClone(r)),
      contents: [...contents.values()].map((c) => ({ ...structuredClone(c), actions: actionsOf(c) })),
      reportsPerHotlineReference: perReference,
      faultsServed: { ...faultsServed },
      refusing: server.refusing,
      lookups: structuredClone(lookups),
    };
  }

  const standin: IccamStandin = {
    url: server.url,
    controlUrl: null,
    snapshot,
    state: async () => snapshot(),
    async failNext(rule) {
      faults.queueRule(rule);
    },
    async clearFaults() {
      faults.clear();
    },
    async setChaos(chaos) {
      faults.setChaos(chaos);
    },
    async refuseConnections(forMs) {
      server.refuse(forMs);
    },
    async acceptConnections() {
      await server.accept();
    },
    async renameLookup(list, id, newName) {
      const entry = lookups[list].find((e) => e.id === id);
      if (!entry) throw new Error(`no ${list} entry with id ${id}`);
      entry.name = newName;
    },
    async setCountryAssignment(rule) {
      if ('clear' in rule) assignmentRules.clear();
      else assignmentRules.set(rule.hostingCountryCode, rule.assignedCountryCode);
    },
    async reassignContent(contentId, countryCode) {
      const c = contents.get(contentId);
      if (!c) throw new Error(`no content ${contentId}`);
      c.assignedCountryCode = countryCode;
      c.countryAssignmentDate = countryCode === null ? null : now().toISOString();
    },
    async addAction(contentId, action: IccamActionName, opts = {}) {
      const c = contents.get(contentId);
      if (!c) throw new Error(`no content ${contentId}`);
      c.actions.push({
        actionType: ACTION_TYPE_IDS[action],
        actionName: action,
        analystName: opts.analystName ?? 'Partner Analyst',
        actionDate: opts.actionDate ?? now().toISOString(),
      });
    },
    async setProgression(steps) {
      progression = [...steps];
    },
    async expireTokens() {
      const at = now().getTime();
      for (const token of tokens.values()) token.expiresAt = Math.min(token.expiresAt, at);
    },
    async resetCounters() {
      pacing.reset();
      callLog.length = 0;
      for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] = 0;
      for (const key of Object.keys(faultsServed) as IccamFault[]) delete faultsServed[key];
    },
    async close() {
      await control?.close();
      await server.close();
    },
  };
  const control =
    options.controlPort === undefined ? null : await startControlServer(standin, { host: options.host ?? '127.0.0.1', port: options.controlPort });
  if (control) standin.controlUrl = control.url;
  return standin;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
