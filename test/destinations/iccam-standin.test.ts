/**
 * The strict ICCAM v3 stand-in over real HTTP on 127.0.0.1: it must refuse what a real ICCAM
 * would (contract §4 `inhope`), keep duplicates, count pacing violations and fail on demand in
 * each way, since the adapter's tests trust it to.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import {
  ICCAM_MESSAGES,
  startIccamStandin,
  startIccamStandinProcess,
  type IccamStandin,
  type IccamStandinControl,
  type IccamStandinOptions,
} from '../../scripts/sandbox/iccam-standin.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Answer {
  status: number;
  text: string;
  json: unknown;
  headers: http.IncomingHttpHeaders;
}

/** One call on a fresh connection; a transport failure comes back as its error code. */
function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer | { error: string }> {
  const payload = options.body === undefined ? '' : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    accept: 'application/json',
    'Content-Length': String(Buffer.byteLength(payload)),
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
  for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
  return new Promise((resolve) => {
    const req = http.request(`${base}/${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
      });
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(payload);
  });
}

function answered(a: Answer | { error: string }): Answer {
  if ('error' in a) throw new Error(`no answer: ${a.error}`);
  return a;
}

/** A pacing clock the test moves by hand, so pacing is asserted without waiting. */
function handClock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function setup(options: IccamStandinOptions = {}) {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const pacing = handClock();
  const standin = await startIccamStandin({ username: 'be-hotline', password: 'secret', now: () => clock.now(), pacingNow: pacing.now, ...options });
  cleanups.push(() => standin.close());
  const ready = async (): Promise<string> => {
    const login = answered(await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline', password: 'secret' } }));
    clock.advance(2_000);
    return (login.json as { bearerToken: string }).bearerToken;
  };
  return { clock, pacing, standin, ready };
}

/** A report body with every field name of contract §4. */
function reportBody(
  reference = 'ho_01STANDIN',
  overrides: { url?: Record<string, unknown>; assessment?: Record<string, unknown>; top?: Record<string, unknown> } = {},
) {
  return {
    hotlineReference: reference,
    reportingAnalystName: 'A. Analyst',
    hotlineReceivedDate: '2026-03-02T09:00:00Z',
    memo: 'memo',
    sourceUrlSiteType: 2,
    sourceUrlCommerciality: 1,
    sourceUrlPaymentMethods: [1],
    urls: [
      {
        urlString: 'https://content.example/a.jpg',
        isSourceUrl: true,
        hotlineReference: reference,
        contentType: 1,
        hostingCountryCode: 'NL',
        hostingIpAddress: '192.0.2.10',
        hostingIsp: 'Example Hosting BV',
        hostingOrganization: { organizationName: 'Example Hosting BV' },
        assessment: { assessingAnalystName: 'A. Analyst', classification: 1, ageCategorization: 3, genderCategorization: 2, ...overrides.assessment },
        ...overrides.url,
      },
    ],
    ...overrides.top,
  };
}

async function createReport(s: IccamStandin, token: string, reference = 'ho_01STANDIN'): Promise<{ reportId: number; contentId: number }> {
  const created = answered(await call(s.url, 'POST', 'rest/Reports', { token, body: reportBody(reference) }));
  expect(created.status).toBe(200);
  const reportId = created.json as number;
  const report = answered(await call(s.url, 'GET', `rest/Reports/${reportId}`, { token }));
  const contents = (report.json as { reportContents: { contentId: number; urlString: string }[] }).reportContents;
  return { reportId, contentId: contents[0]!.contentId };
}

describe('ICCAM stand-in: login and tokens', () => {
  it('answers a login with bearerToken, refreshToken, bearerTokenExpiresIn and bearerTokenValidTo; refuses bad credentials', async () => {
    const { standin, clock } = await setup({ tokenLifetimeMs: 600_000 });
    const wrong = answered(await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline', password: 'nope' } }));
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ errors: expect.any(Object) });
    const missing = answered(await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline' } }));
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ errors: { password: [expect.any(String)] } });

    const login = answered(await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline', password: 'secret' } }));
    expect(login.status).toBe(200);
    expect(login.json).toEqual({
      bearerToken: expect.any(String),
      refreshToken: expect.any(String),
      bearerTokenExpiresIn: 600,
      bearerTokenValidTo: new Date(clock.now().getTime() + 600_000).toISOString(),
    });
    expect(standin.snapshot().logins).toBe(1);
  });

  it('is not ready for notReadyAfterLoginMs after a login: the new token gets a 401 until then', async () => {
    const { standin, clock } = await setup({ notReadyAfterLoginMs: 2_000 });
    const login = answered(await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline', password: 'secret' } }));
    const token = (login.json as { bearerToken: string }).bearerToken;
    const early = answered(await call(standin.url, 'GET', 'rest/classifications', { token }));
    expect(early.status).toBe(401);
    expect(early.json).toEqual({ errors: { Authorization: [ICCAM_MESSAGES.tokenUnknown] } });
    clock.advance(1_999);
    expect(answered(await call(standin.url, 'GET', 'rest/classifications', { token })).status).toBe(401);
    clock.advance(1);
    expect(answered(await call(standin.url, 'GET', 'rest/classifications', { token })).status).toBe(200);
    expect(standin.snapshot()).toMatchObject({ notReady: 2, unauthorised: 0 });
  });

  it('lets tokens expire; a refresh with { bearerToken, refreshToken } renews once; unknown tokens get 401', async () => {
    const { standin, clock } = await setup({ tokenLifetimeMs: 60_000 });
    const login = answered(await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline', password: 'secret' } }));
    const { bearerToken, refreshToken } = login.json as { bearerToken: string; refreshToken: string };
    clock.advance(60_000);
    const expired = answered(await call(standin.url, 'GET', 'rest/countries', { token: bearerToken }));
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({ errors: { Authorization: [ICCAM_MESSAGES.tokenExpired] } });

    const noBearer = answered(await call(standin.url, 'POST', 'Authentication/refresh', { body: { refreshToken } }));
    expect(noBearer.status).toBe(400);
    const renewed = answered(await call(standin.url, 'POST', 'Authentication/refresh', { body: { bearerToken, refreshToken } }));
    expect(renewed.status).toBe(200);
    const fresh = (renewed.json as { bearerToken: string }).bearerToken;
    expect(fresh).not.toBe(bearerToken);
    // A refreshed token is ready at once; the refresh token was single use.
    expect(answered(await call(standin.url, 'GET', 'rest/countries', { token: fresh })).status).toBe(200);
    expect(answered(await call(standin.url, 'POST', 'Authentication/refresh', { body: { bearerToken, refreshToken } })).status).toBe(401);
    expect(answered(await call(standin.url, 'GET', 'rest/countries', { token: 'made-up' })).status).toBe(401);
    expect(answered(await call(standin.url, 'GET', 'rest/countries')).status).toBe(401);

    await standin.expireTokens();
    expect(answered(await call(standin.url, 'GET', 'rest/countries', { token: fresh })).json).toEqual({
      errors: { Authorization: [ICCAM_MESSAGES.tokenExpired] },
    });
    expect(standin.snapshot()).toMatchObject({ logins: 1, refreshes: 1, unauthorised: 4 });
  });

  it('refuses every call, the login included, without Content-Type and accept: application/json', async () => {
    const { standin, ready } = await setup();
    const noType = answered(
      await call(standin.url, 'POST', 'Authentication', { body: { username: 'be-hotline', password: 'secret' }, headers: { 'Content-Type': 'text/plain' } }),
    );
    expect(noType.status).toBe(415);
    const token = await ready();
    expect(answered(await call(standin.url, 'GET', 'rest/classifications', { token, headers: { 'Content-Type': '' } })).status).toBe(415);
    expect(answered(await call(standin.url, 'GET', 'rest/classifications', { token, headers: { accept: '*/*' } })).status).toBe(406);
    expect(
      answered(await call(standin.url, 'GET', 'rest/classifications', { token, headers: { 'Content-Type': 'application/json; charset=utf-8' } })).status,
    ).toBe(200);
  });
});

describe('ICCAM stand-in: lookup lists', () => {
  it('serves the nine lists named as SCARt names them (action-types and site-types name the id `type`) and can rename an entry', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    const get = async (list: string) => answered(await call(standin.url, 'GET', `rest/${list}`, { token })).json as Record<string, unknown>[];
    expect(await get('classifications')).toEqual([
      { id: 1, name: 'Baseline CSAM' },
      { id: 2, name: 'National CSAM' },
      { id: 4, name: 'Ignore' },
    ]);
    expect(await get('site-types')).toContainEqual({ type: 7, name: 'Banner site' });
    expect(await get('gender-categories')).toContainEqual({ id: 1, name: 'Not Determined' });
    expect(await get('action-reasons')).toEqual(
      expect.arrayContaining([
        { id: 2, name: 'ContentNotFound' },
        { id: 21, name: 'AgeOverNationalThreshold' },
      ]),
    );
    expect(await get('age-categories')).toContainEqual({ id: 3, name: 'Pre-pubescent' });
    expect(await get('gender-categories')).toContainEqual({ id: 4, name: 'Both' });
    expect(await get('commercialities')).toContainEqual({ id: 3, name: 'Non-Commercial' });
    expect(await get('payment-methods')).toContainEqual({ id: 1, name: 'Not Determined' });
    expect(await get('site-types')).toContainEqual({ type: 24, name: 'Not Applicable' });
    expect(await get('action-types')).toEqual(
      expect.arrayContaining([
        { type: 1, name: 'ReportedToLEA' },
        { type: 2, name: 'ReportedToISP' },
        { type: 3, name: 'Removed' },
        { type: 4, name: 'Unavailable' },
        { type: 6, name: 'NotIllegal' },
        { type: 7, name: 'Moved' },
      ]),
    );
    const countries = await get('countries');
    expect(countries).toContainEqual({ id: expect.any(Number), name: 'Belgium', code: 'BE' });
    expect(countries).toContainEqual({ id: expect.any(Number), name: 'United States', code: 'US' });
    expect(countries.some((c) => c.code === 'ZZ' || c.code === 'EU')).toBe(false);
    expect(new Set(countries.map((c) => c.id)).size).toBe(countries.length);

    await standin.renameLookup('classifications', 2, 'National (local law)');
    expect(await get('classifications')).toContainEqual({ id: 2, name: 'National (local law)' });
    await expect(standin.renameLookup('classifications', 99, 'x')).rejects.toThrow();
  });

  it('serves the names this service used before behind a switch', async () => {
    const { standin, ready } = await setup({ lookupNames: 'earlier' });
    const token = await ready();
    const get = async (list: string) => answered(await call(standin.url, 'GET', `rest/${list}`, { token })).json as Record<string, unknown>[];
    expect(await get('classifications')).toEqual([
      { id: 1, name: 'Baseline' },
      { id: 2, name: 'National' },
    ]);
    expect(await get('site-types')).toContainEqual({ type: 7, name: 'Banner' });
  });
});

describe('ICCAM stand-in: creating reports', () => {
  it('refuses a missing field, a string where an id belongs and an unknown id, with ICCAM error codes, storing nothing', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    const post = async (body: unknown) => answered(await call(standin.url, 'POST', 'rest/Reports', { token, body }));

    const missing = await post(reportBody('r', { assessment: { classification: undefined } }));
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ errors: { 'urls[0].assessment.classification': [expect.stringContaining('required')] } });

    const asString = await post(reportBody('r', { top: { sourceUrlSiteType: '2' } }));
    expect(asString.status).toBe(400);
    expect(asString.json).toEqual({ errors: { sourceUrlSiteType: [expect.stringContaining('could not be converted')] } });

    const unknownId = await post(reportBody('r', { assessment: { ageCategorization: 9 } }));
    expect(unknownId.status).toBe(400);
    expect(unknownId.json).toEqual({ errors: { 'urls[0].assessment.ageCategorization': ['Unknown age-categories id 9.'] } });

    const unknownCountry = await post(reportBody('r', { url: { hostingCountryCode: 'ZZ' } }));
    expect(unknownCountry.json).toEqual({ errors: { 'urls[0].hostingCountryCode': ["Unknown country code 'ZZ'."] } });

    const several = await post(reportBody('r', { top: { hotlineReceivedDate: '2026-03-02 09:00', urls: [] }, url: {} }));
    expect(Object.keys((several.json as { errors: object }).errors).sort()).toEqual(['hotlineReceivedDate', 'urls']);

    const flat = await post({ reportingHotlineReference: 'r', url: 'https://content.example/a.jpg' });
    expect(flat.status).toBe(400);
    expect(Object.keys((flat.json as { errors: object }).errors)).toEqual(
      expect.arrayContaining(['hotlineReference', 'reportingAnalystName', 'sourceUrlSiteType', 'urls']),
    );

    expect(standin.snapshot()).toMatchObject({ reports: [], refusedReports: 6, reportsPerHotlineReference: {} });
  });

  it('answers a create with the report id as a bare JSON number, and GET rest/Reports/{id} lists its contents', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    const created = answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody() }));
    expect(created.status).toBe(200);
    expect(created.text).toMatch(/^\d+$/);
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    const reportId = Number(created.text);

    const report = answered(await call(standin.url, 'GET', `rest/Reports/${reportId}`, { token }));
    expect(report.json).toMatchObject({
      reportId,
      hotlineReference: 'ho_01STANDIN',
      reportContents: [{ contentId: expect.any(Number), urlString: 'https://content.example/a.jpg' }],
    });
    expect(answered(await call(standin.url, 'GET', `rest/Reports/${reportId + 1000}`, { token })).status).toBe(404);
    expect(answered(await call(standin.url, 'GET', 'rest/Reports/abc', { token })).status).toBe(404);
  });

  it('keeps duplicates: two reports with one hotlineReference are two cases, and the state counts them', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    const first = await createReport(standin, token, 'ho_DUP');
    const second = await createReport(standin, token, 'ho_DUP');
    await createReport(standin, token, 'ho_ONCE');
    expect(second.reportId).not.toBe(first.reportId);
    expect(second.contentId).not.toBe(first.contentId);
    const state = standin.snapshot();
    expect(state.reportsPerHotlineReference).toEqual({ ho_DUP: 2, ho_ONCE: 1 });
    expect(state.reports).toHaveLength(3);
    expect(state.contents).toHaveLength(3);
  });
});

describe('ICCAM stand-in: contents, country assignment and actions', () => {
  it('serves a content with the hosting country assigned, its assessment and actions by actionType id', async () => {
    const { standin, ready, clock } = await setup();
    const token = await ready();
    const { reportId, contentId } = await createReport(standin, token);
    const content = answered(await call(standin.url, 'GET', `rest/Content/${contentId}`, { token }));
    expect(content.json).toEqual({
      contentId,
      reportId,
      hotlineReference: null,
      assignedCountryCode: 'NL',
      countryAssignmentDate: clock.now().toISOString(),
      memo: null,
      url: { urlString: 'https://content.example/a.jpg', isSourceUrl: true, hostingCountryCode: 'NL', hostingIpAddress: '192.0.2.10' },
      assessments: [expect.objectContaining({ classification: 1, ageCategorization: 3, genderCategorization: 2 })],
      actions: [],
    });

    clock.advance(5_000);
    await standin.addAction(contentId, 'ReportedToLEA', { analystName: 'NL Analyst' });
    clock.advance(5_000);
    await standin.addAction(contentId, 'Removed');
    const actions = (answered(await call(standin.url, 'GET', `rest/Content/${contentId}`, { token })).json as { actions: unknown[] }).actions;
    expect(actions).toEqual([
      { actionType: 1, analystName: 'NL Analyst', actionDate: '2026-03-02T10:00:07.000Z' },
      { actionType: 3, analystName: 'Partner Analyst', actionDate: '2026-03-02T10:00:12.000Z' },
    ]);
    expect(answered(await call(standin.url, 'GET', `rest/Content/${contentId + 77}`, { token })).status).toBe(404);
  });

  it('plays a scripted progression of actions on the business clock', async () => {
    const { standin, ready, clock } = await setup({ tokenLifetimeMs: 86_400_000, progression: [{ afterMs: 60_000, action: 'ReportedToISP' }] });
    const token = await ready();
    const { contentId } = await createReport(standin, token);
    await standin.setProgression([
      { afterMs: 60_000, action: 'ReportedToISP' },
      { afterMs: 3_600_000, action: 'Moved' },
    ]);
    const actionTypes = async () =>
      (answered(await call(standin.url, 'GET', `rest/Content/${contentId}`, { token })).json as { actions: { actionType: number }[] }).actions.map(
        (a) => a.actionType,
      );
    expect(await actionTypes()).toEqual([]);
    clock.advance(60_000);
    expect(await actionTypes()).toEqual([2]);
    clock.advance(3_600_000);
    expect(await actionTypes()).toEqual([2, 7]);
  });

  it('can assign another country than the hosting one; the two PUTs correct hosting and assignment', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    await standin.setCountryAssignment({ hostingCountryCode: 'NL', assignedCountryCode: 'BE' });
    const { contentId } = await createReport(standin, token);
    const read = async () => answered(await call(standin.url, 'GET', `rest/Content/${contentId}`, { token })).json as Record<string, unknown>;
    expect(await read()).toMatchObject({ assignedCountryCode: 'BE', url: { hostingCountryCode: 'NL' } });

    const badIp = answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/url/hosting?newIpAddress=nope&newCountryCode=NL`, { token }));
    expect(badIp.status).toBe(400);
    expect(badIp.json).toEqual({ errors: { newIpAddress: [expect.any(String)] } });
    const noCountry = answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/assigned-country`, { token }));
    expect(noCountry.json).toEqual({ errors: { newCountryCode: [expect.stringContaining('required')] } });

    const hosting = answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/url/hosting?newIpAddress=192.0.2.99&newCountryCode=NL`, { token }));
    expect(hosting.status).toBe(200);
    const assigned = answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/assigned-country?newCountryCode=NL`, { token }));
    expect(assigned.status).toBe(200);
    expect(await read()).toMatchObject({ assignedCountryCode: 'NL', url: { hostingCountryCode: 'NL', hostingIpAddress: '192.0.2.99' } });
    expect(standin.snapshot().contents[0]!.corrections.map((c) => c.kind)).toEqual(['hosting', 'assigned-country']);

    await standin.setCountryAssignment({ clear: true });
    const { contentId: next } = await createReport(standin, token, 'ho_2');
    expect((answered(await call(standin.url, 'GET', `rest/Content/${next}`, { token })).json as Record<string, unknown>).assignedCountryCode).toBe('NL');
    // Content assigned to another country is that country's hotline's: we have no right to move it.
    const theirs = answered(await call(standin.url, 'PUT', `rest/Content/${next}/assigned-country?newCountryCode=BE`, { token }));
    expect(theirs.status).toBe(403);
  });

  it('answers the assignment PUTs "not in correct state" while a new content settles', async () => {
    const { standin, ready, clock } = await setup({ contentSettlesAfterMs: 30_000 });
    const token = await ready();
    await standin.setCountryAssignment({ hostingCountryCode: 'NL', assignedCountryCode: 'BE' });
    const { contentId } = await createReport(standin, token);
    const put = async () => answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/assigned-country?newCountryCode=BE`, { token }));
    const early = await put();
    expect(early.status).toBe(400);
    expect(early.json).toEqual({ errors: { Report: [ICCAM_MESSAGES.notInCorrectState] } });
    expect(ICCAM_MESSAGES.notInCorrectState.startsWith('Report not in correct state')).toBe(true);
    clock.advance(30_000);
    expect((await put()).status).toBe(200);
  });
});

describe('ICCAM stand-in: what partners hand to the hotline country (inbound)', () => {
  const post = (standin: IccamStandin, token: string, contentId: number, body: Record<string, unknown>) =>
    call(standin.url, 'POST', `rest/Content/${contentId}/actions`, { token, body }).then(answered);
  const action = (actionType: number, extra: Record<string, unknown> = {}) => ({
    actionType,
    actioningAnalystName: 'be-hotline',
    actionDate: '2026-03-02T10:00:00Z',
    ...extra,
  });

  it('lists the items assigned to BE without a hotline reference, oldest assignment first, within maxResults and since a date', async () => {
    const { standin, ready, clock } = await setup({ inbound: true });
    const token = await ready();
    const list = async (query = '') => answered(await call(standin.url, 'GET', `rest/Content/no-reference${query}`, { token }));
    const all = (await list('?maxResults=30')).json as { reportId: number; contentId: number; countryAssignmentDate: string }[];
    // 700005 belongs to FR: not ours, not listed.
    expect(all.map((i) => [i.reportId, i.contentId])).toEqual([
      [30001, 700001],
      [30001, 700002],
      [30002, 700003],
      [30003, 700004],
    ]);
    expect(((await list('?maxResults=2')).json as unknown[]).length).toBe(2);
    const since = new Date(clock.now().getTime() - 2 * 3_600_000 - 5_000).toISOString();
    expect(
      ((await list(`?maxResults=30&countryAssignmentStartDate=${encodeURIComponent(since)}`)).json as { contentId: number }[]).map((i) => i.contentId),
    ).toEqual([700003, 700004]);
    expect((await list('?maxResults=0')).status).toBe(400);
    expect((await list('?countryAssignmentStartDate=yesterday')).status).toBe(400);
  });

  it('serves a partner’s report and its items: the hotline that made it, every assessment (the last counts), the source URL', async () => {
    const { standin, ready } = await setup({ inbound: true });
    const token = await ready();
    const report = answered(await call(standin.url, 'GET', 'rest/Reports/30002', { token })).json as Record<string, unknown>;
    expect(report).toMatchObject({
      reportId: 30002,
      reportingHotlineId: 33,
      reportingAnalystName: 'Partner Analyst FR',
      reportContents: [
        { contentId: 700003, urlString: 'https://forum.partner-two.example/t/9' },
        { contentId: 700005, urlString: 'https://cdn.partner-two.example/t/9/preview.jpg' },
      ],
    });
    const content = answered(await call(standin.url, 'GET', 'rest/Content/700003', { token })).json as Record<string, unknown>;
    expect(content).toMatchObject({
      assignedCountryCode: 'BE',
      hotlineReference: null,
      url: { isSourceUrl: true, hostingCountryCode: 'BE' },
      assessments: [{ classification: 1 }, { classification: 2 }],
      actions: [],
    });
  });

  it('takes a hotline reference on our items only; the item then leaves the no-reference list', async () => {
    const { standin, ready } = await setup({ inbound: true });
    const token = await ready();
    const put = async (id: number, query: string) => answered(await call(standin.url, 'PUT', `rest/Content/${id}/hotline-reference${query}`, { token }));
    expect((await put(700001, '?reference=ours-1')).status).toBe(200);
    expect((await put(700001, '')).status).toBe(400);
    expect((await put(700005, '?reference=ours-5')).status).toBe(403);
    const listed = answered(await call(standin.url, 'GET', 'rest/Content/no-reference', { token })).json as { contentId: number }[];
    expect(listed.map((i) => i.contentId)).not.toContain(700001);
    expect(standin.snapshot().contents.find((c) => c.contentId === 700001)).toMatchObject({
      hotlineReference: 'ours-1',
      referencePuts: [{ reference: 'ours-1' }],
    });
  });

  it('lets our assessment overrule a National one only, on our items only', async () => {
    const { standin, ready } = await setup({ inbound: true });
    const token = await ready();
    const assess = async (id: number, body: unknown) => answered(await call(standin.url, 'PUT', `rest/Content/${id}/assessment`, { token, body }));
    const ours = { assessingAnalystName: 'be-hotline', classification: 2, ageCategorization: 3, genderCategorization: 2 };
    expect((await assess(700002, ours)).status).toBe(200);
    expect(
      standin
        .snapshot()
        .contents.find((c) => c.contentId === 700002)!
        .assessments.at(-1),
    ).toMatchObject(ours);
    // Baseline is illegal everywhere: not to be overruled.
    expect(await assess(700001, ours)).toMatchObject({ status: 400, json: { errors: { Assessment: [expect.stringContaining('Baseline CSAM')] } } });
    expect((await assess(700005, ours)).status).toBe(403);
    expect(await assess(700003, { ...ours, classification: '2' })).toMatchObject({ status: 400, json: { errors: { classification: [expect.any(String)] } } });
  });

  it('records an action once per type, a reasonId only above action id 3 and always there, on our items only', async () => {
    const { standin, ready } = await setup({ inbound: true });
    const token = await ready();
    expect(await post(standin, token, 700001, action(1, { reasonId: 1, reasonText: 'x' }))).toMatchObject({
      status: 400,
      json: { errors: { reasonId: [expect.any(String)] } },
    });
    expect((await post(standin, token, 700001, action(1))).status).toBe(200);
    expect(await post(standin, token, 700001, action(1))).toMatchObject({ status: 400, json: { errors: { Action: [expect.stringContaining('already')] } } });
    expect(await post(standin, token, 700002, action(6))).toMatchObject({ status: 400, json: { errors: { reasonId: [expect.stringContaining('needs')] } } });
    expect((await post(standin, token, 700002, action(6, { reasonId: 14, reasonText: 'adult' }))).status).toBe(200);
    expect((await post(standin, token, 700004, action(4, { reasonId: 99 }))).status).toBe(400);
    expect((await post(standin, token, 700004, action(4, { reasonId: 2, reasonText: 'gone' }))).status).toBe(200);
    expect((await post(standin, token, 700005, action(1))).status).toBe(403);
    const contents = standin.snapshot().contents;
    expect(contents.find((c) => c.contentId === 700002)!.actions).toEqual([
      { actionType: 6, actionName: 'NotIllegal', analystName: 'be-hotline', actionDate: '2026-03-02T10:00:00Z', reasonId: 14, reasonText: 'adult' },
    ]);
    expect(contents.find((c) => c.contentId === 700005)!.actions).toEqual([]);
  });

  it('fails the inbound calls on demand like any other: 503 before processing, an action stored and its answer lost', async () => {
    const { standin, ready } = await setup({ inbound: true });
    const token = await ready();
    await standin.failNext({ method: 'GET', path: 'rest/Content/no-reference', fault: 'unavailable' });
    expect(answered(await call(standin.url, 'GET', 'rest/Content/no-reference', { token })).status).toBe(503);
    await standin.failNext({ method: 'POST', path: /\/actions$/, fault: 'drop-after-commit' });
    expect(await call(standin.url, 'POST', 'rest/Content/700001/actions', { token, body: action(1) })).toEqual({
      error: expect.stringMatching(/ECONNRESET|socket hang up/),
    });
    expect(standin.snapshot().contents.find((c) => c.contentId === 700001)!.actions).toHaveLength(1);
  });
});

describe('ICCAM stand-in: pacing', () => {
  it('counts calls closer together than minIntervalMs and calls made while another is in flight', async () => {
    const { standin, pacing, ready } = await setup({ minIntervalMs: 1_000, pacingToleranceMs: 10 });
    const token = await ready(); // call 1
    pacing.advance(1_000);
    await call(standin.url, 'GET', 'rest/classifications', { token }); // on time
    pacing.advance(990);
    await call(standin.url, 'GET', 'rest/countries', { token }); // within the tolerance
    pacing.advance(989);
    await call(standin.url, 'GET', 'rest/countries', { token }); // too soon
    expect(standin.snapshot().pacingViolations).toEqual([{ kind: 'too-soon', method: 'GET', path: 'rest/countries', gapMs: 989, at: expect.any(String) }]);

    // A call that never gets its answer is in flight when the next one comes.
    await standin.failNext({ method: 'GET', path: 'rest/classifications', fault: 'hang-after-commit' });
    pacing.advance(5_000);
    const hanging = call(standin.url, 'GET', 'rest/classifications', { token });
    await expect.poll(() => standin.snapshot().calls).toBe(5);
    pacing.advance(5_000);
    await call(standin.url, 'GET', 'rest/countries', { token });
    const state = standin.snapshot();
    expect(state.calls).toBe(6);
    expect(state.pacingViolations.map((v) => v.kind)).toEqual(['too-soon', 'parallel']);
    await standin.resetCounters();
    expect(standin.snapshot()).toMatchObject({ calls: 0, pacingViolations: [], logins: 0 });
    await standin.close();
    expect(await hanging).toHaveProperty('error');
  });
});

describe('ICCAM stand-in: pacing tolerance', () => {
  it('allows a quarter of a short interval for arrival jitter by default, no more', async () => {
    const { standin, pacing } = await setup({ minIntervalMs: 20 });
    const lookup = () => call(standin.url, 'GET', 'rest/countries');
    await lookup();
    pacing.advance(15);
    await lookup(); // 20 - 5: allowed
    pacing.advance(14);
    await lookup(); // too soon
    expect(standin.snapshot().pacingViolations.map((v) => v.gapMs)).toEqual([14]);
  });
});

describe('ICCAM stand-in: faults on demand', () => {
  it('refuses before processing with 503 and with 429 + Retry-After: nothing stored', async () => {
    const { standin, ready } = await setup({ retryAfterSeconds: 7 });
    const token = await ready();
    await standin.failNext({ method: 'POST', path: 'rest/Reports', fault: 'unavailable' });
    await standin.failNext({ method: 'POST', path: 'rest/Reports', fault: 'rate-limited' });
    // A call that does not match leaves the queue alone.
    expect(answered(await call(standin.url, 'GET', 'rest/classifications', { token })).status).toBe(200);
    const unavailable = answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody() }));
    expect(unavailable.status).toBe(503);
    const limited = answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody() }));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(standin.snapshot()).toMatchObject({ reports: [], faultsServed: { unavailable: 1, 'rate-limited': 1 } });
    expect(answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody() })).status).toBe(200);
  });

  it('refuses connections for real: the next connection gets ECONNREFUSED, the control calls still work', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    await standin.failNext({ path: 'rest/classifications', fault: 'connection-refused', refuseForMs: 60_000 });
    const last = answered(await call(standin.url, 'GET', 'rest/classifications', { token }));
    expect(last.status).toBe(200);
    expect(last.headers.connection).toBe('close');
    await expect.poll(() => standin.snapshot().refusing).toBe(true);
    expect(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody() })).toEqual({ error: 'ECONNREFUSED' });
    await standin.acceptConnections();
    expect(answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody() })).status).toBe(200);

    await standin.refuseConnections(300);
    expect(await call(standin.url, 'GET', 'rest/countries', { token })).toEqual({ error: 'ECONNREFUSED' });
    await expect.poll(() => standin.snapshot().refusing).toBe(false);
    expect(answered(await call(standin.url, 'GET', 'rest/countries', { token })).status).toBe(200);
    // Refused connections never reached ICCAM: they are not calls.
    expect(standin.snapshot().callLog.map((c) => c.path)).toEqual(['Authentication', 'rest/classifications', 'rest/Reports', 'rest/countries']);
  });

  it('processes and then answers 500: the report IS stored', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    await standin.failNext({ method: 'POST', path: 'rest/Reports', fault: 'error-after-processing' });
    const answer = answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody('ho_500') }));
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ errors: expect.any(Object) });
    expect(standin.snapshot().reportsPerHotlineReference).toEqual({ ho_500: 1 });
  });

  it('commits and then drops the connection without an answer: the report IS stored', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    await standin.failNext({ method: 'POST', path: 'rest/Reports', fault: 'drop-after-commit' });
    const answer = await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody('ho_drop') });
    expect(answer).toEqual({ error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(standin.snapshot()).toMatchObject({ reportsPerHotlineReference: { ho_drop: 1 }, faultsServed: { 'drop-after-commit': 1 } });
  });

  it('answers 400 "Report not in correct state" on the assignment PUT, changing nothing', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    await standin.setCountryAssignment({ hostingCountryCode: 'NL', assignedCountryCode: 'BE' });
    const { contentId } = await createReport(standin, token);
    await standin.failNext({ method: 'PUT', path: /assigned-country$/, fault: 'not-in-correct-state', times: 2 });
    for (let i = 0; i < 2; i += 1) {
      const answer = answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/assigned-country?newCountryCode=NL`, { token }));
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ errors: { Report: [ICCAM_MESSAGES.notInCorrectState] } });
    }
    expect(standin.snapshot().contents[0]).toMatchObject({ assignedCountryCode: 'BE', corrections: [] });
    expect(answered(await call(standin.url, 'PUT', `rest/Content/${contentId}/assigned-country?newCountryCode=NL`, { token })).status).toBe(200);
  });

  it('mixes faults at random from a seed: the same seed serves the same faults, and only where they apply', async () => {
    const run = async () => {
      const { standin, ready } = await setup();
      const token = await ready();
      await standin.setChaos({ probability: 0.5, seed: 42, faults: ['unavailable', 'error-after-processing', 'not-in-correct-state'] });
      for (let i = 0; i < 30; i += 1) await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody(`ho_${i}`) });
      const state = standin.snapshot();
      await standin.setChaos({ probability: 0 });
      return state;
    };
    const first = await run();
    const second = await run();
    const faults = first.callLog.map((c) => c.fault);
    expect(faults).toEqual(second.callLog.map((c) => c.fault));
    expect(faults).not.toContain('not-in-correct-state'); // only for the assignment PUTs
    const unavailable = first.faultsServed.unavailable ?? 0;
    const failed = first.faultsServed['error-after-processing'] ?? 0;
    expect(unavailable).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    // Every call that was not refused before processing stored its report.
    expect(first.reports).toHaveLength(30 - unavailable);
  });
});

describe('ICCAM stand-in: chaos limited to some calls', () => {
  it('leaves calls outside `only` alone; a drawn connection-refused answers the call, then refuses the next connection', async () => {
    const { standin, ready } = await setup();
    const token = await ready();
    await standin.setChaos({ probability: 1, faults: ['connection-refused'], only: [{ method: 'POST', path: 'rest/Reports' }], refuseForMs: 400 });
    expect(answered(await call(standin.url, 'GET', 'rest/countries', { token })).status).toBe(200);
    expect(standin.snapshot().refusing).toBe(false);
    const created = answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody('ho_chaos') }));
    expect(created.status).toBe(200);
    await expect.poll(() => standin.snapshot().refusing).toBe(true);
    expect(await call(standin.url, 'GET', 'rest/countries', { token })).toEqual({ error: 'ECONNREFUSED' });
    await expect.poll(() => standin.snapshot().refusing, { timeout: 5_000 }).toBe(false);
    await standin.setChaos({ probability: 0 });
    expect(answered(await call(standin.url, 'POST', 'rest/Reports', { token, body: reportBody('ho_chaos') })).status).toBe(200);
    expect(standin.snapshot()).toMatchObject({ reportsPerHotlineReference: { ho_chaos: 2 }, faultsServed: { 'connection-refused': 1 } });
  });
});

describe('ICCAM stand-in as a child process', () => {
  it('starts from the CLI, announces its addresses, and obeys the control endpoint even while refusing', async () => {
    const child = await startIccamStandinProcess({
      username: 'u',
      password: 'p',
      notReadyAfterLoginMs: 0,
      seed: 3,
      progression: [{ action: 'ReportedToLEA', afterMs: 0 }],
    });
    cleanups.push(() => child.close());
    const control: IccamStandinControl = child;
    const login = answered(await call(child.url, 'POST', 'Authentication', { body: { username: 'u', password: 'p' } }));
    const token = (login.json as { bearerToken: string }).bearerToken;
    await control.renameLookup('site-types', 24, 'Not applicable any more');
    const siteTypes = answered(await call(child.url, 'GET', 'rest/site-types', { token })).json;
    expect(siteTypes).toContainEqual({ type: 24, name: 'Not applicable any more' });

    await control.failNext({ method: 'POST', path: /^rest\/Reports$/, fault: 'drop-after-commit' });
    expect(await call(child.url, 'POST', 'rest/Reports', { token, body: reportBody('ho_child') })).toHaveProperty('error');
    await control.failNext({ method: 'GET', path: 'rest/classifications', fault: 'unavailable', times: Infinity });
    for (let i = 0; i < 3; i += 1) expect(answered(await call(child.url, 'GET', 'rest/classifications', { token })).status).toBe(503);
    await control.clearFaults();
    expect(answered(await call(child.url, 'GET', 'rest/classifications', { token })).status).toBe(200);
    await control.refuseConnections();
    expect(await call(child.url, 'GET', 'rest/countries', { token })).toEqual({ error: 'ECONNREFUSED' });
    const state = await control.state();
    expect(state).toMatchObject({ refusing: true, logins: 1, reportsPerHotlineReference: { ho_child: 1 } });
    await control.acceptConnections();
    const content = answered(await call(child.url, 'GET', `rest/Content/${state.contents[0]!.contentId}`, { token }));
    expect(content.json).toMatchObject({ actions: [{ actionType: 1 }] });
    await child.close();
    expect(await child.exited).toBe(0);
  });
});
