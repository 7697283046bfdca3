/**
 * The console over HTTP, without a browser: sign-in and its refusals, session cookies and
 * their expiry, CSRF and role checks on actions, escaping and defanging of reported URLs, and
 * the takedown clock's CSV export against GET /v1/stats/takedown. The browser journeys are in
 * console-browser.test.ts and takedown-browser.test.ts.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { NOW, seedTakedownFixture } from '../support/takedown-fixture.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, KEYS, type TestService } from '../support/test-service.js';
import { csrfIn, seedLocated, signIn as signInAs } from './console-test-kit.js';

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  svc = await createTestService({ CONSOLE_SIGN_IN_PER_MINUTE: '5' });
  app = createApp(svc.ctx);
});
afterEach(() => svc.close());

const locator = new TableLocator({
  'be-host.test': { geo: 'BE' },
  'cdn-host.test': { geo: 'US', cdn: 'Cloudflare' },
  'gone-host.test': { dns: 'nxdomain' },
});

const seed = (reportId: string, urls: string[]) => seedLocated(svc, locator, reportId, urls);
const signIn = (role: keyof typeof KEYS) => signInAs(app, role);

describe('console sign-in', () => {
  it('sends a visitor who is not signed in to the sign-in page, and / to the console', async () => {
    const res = await request(app).get('/console/review?reason=behind_cdn').expect(303);
    expect(res.headers.location).toBe('/console/sign-in?next=%2Fconsole%2Freview%3Freason%3Dbehind_cdn');
    expect((await request(app).get('/').expect(302)).headers.location).toBe('/console/');
  });

  it('refuses a wrong key, a service key and a form without its token', async () => {
    const agent = request.agent(app);
    const form = await agent.get('/console/sign-in').expect(200);
    const wrong = await agent
      .post('/console/sign-in')
      .type('form')
      .send({ _csrf: csrfIn(form.text), apiKey: 'not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That key is not valid.');
    expect(wrong.headers['set-cookie']?.toString() ?? '').not.toContain('hrr_console=');
    const service = await agent
      .post('/console/sign-in')
      .type('form')
      .send({ _csrf: csrfIn(form.text), apiKey: KEYS.service });
    expect(service.status).toBe(403);
    await agent.post('/console/sign-in').type('form').send({ apiKey: KEYS.supervisor }).expect(403);
  });

  it('sets a signed HttpOnly SameSite=Strict cookie scoped to the console', async () => {
    const { cookie } = await signIn('supervisor');
    const session = cookie.find((c) => c.startsWith('hrr_console='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\/console/);
    expect(session).toMatch(/Max-Age=1800/);
    expect(session).not.toMatch(/Secure/); // plain HTTP here; Secure over TLS
  });

  it('ends a session after the idle time, and on sign-out', async () => {
    const { agent, csrf } = await signIn('analyst');
    svc.clock.advance(29 * 60_000);
    await agent.get('/console/').expect(200);
    svc.clock.advance(31 * 60_000);
    const ended = await agent.get('/console/').expect(303);
    expect(ended.headers.location).toBe('/console/sign-in?next=%2Fconsole%2F&ended=idle');
    expect((await agent.get(ended.headers.location!).expect(200)).text).toContain('Your session ended after 30 minutes without use.');

    const second = await signIn('analyst');
    await second.agent.post('/console/sign-out').type('form').send({ _csrf: second.csrf }).expect(303);
    await second.agent.get('/console/').expect(303);
    void csrf;
  });

  it('ends the session on the server at sign-out: a cookie saved before opens nothing and does nothing afterwards', async () => {
    const [cdn] = await seed('CF-SIGNOUT', ['https://cdn-host.test/a']);
    const { agent, csrf } = await signIn('supervisor');
    const saved = (await agent.get('/console/').expect(200)).headers['set-cookie'] as unknown as string[];
    const cookie = saved.find((c) => c.startsWith('hrr_console='))!.split(';')[0]!;
    await agent.post('/console/sign-out').type('form').send({ _csrf: csrf }).expect(303);

    // Someone who kept a copy of the cookie (another tab, a saved request) gets nothing.
    const review = await request(app).get('/console/review').set('Cookie', cookie);
    expect(review.status).toBe(303);
    expect(review.headers.location).toContain('/console/sign-in');
    const again = await request(app)
      .post(`/console/handovers/${cdn!.id}/look-again`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, reason: 'with a cookie kept from before sign-out' });
    expect(again.status).toBe(401);
    expect((await svc.ctx.store.getHandover(cdn!.id))!.state).toBe('needs_review');
    const [live] = await svc.ctx.store.listLiveConsoleSessions();
    expect(live).toBeUndefined();
  });

  it('ends the sessions of a removed or changed key in the store, so they stay ended when the key comes back', async () => {
    const analyst = await signIn('analyst');
    const supervisor = await signIn('supervisor');
    const withKeys = (keys: typeof svc.ctx.config.apiKeys) => createApp({ ...svc.ctx, config: { ...svc.ctx.config, apiKeys: keys } });
    const others = svc.ctx.config.apiKeys.filter((k) => k.name !== 'analyst-key');
    const changed = svc.ctx.config.apiKeys.map((k) => (k.name === 'supervisor-key' ? { ...k, sha256: Buffer.alloc(32, 1) } : k));
    const cookieOf = (c: string[]) => c.find((x) => x.startsWith('hrr_console='))!.split(';')[0]!;
    await request(withKeys(others)).get('/console/').set('Cookie', cookieOf(analyst.cookie)).expect(303);
    await request(withKeys(changed)).get('/console/').set('Cookie', cookieOf(supervisor.cookie)).expect(303);
    const ended = await Promise.all(
      [analyst.cookie, supervisor.cookie].map(async (c) => {
        const sid = cookieOf(c).slice('hrr_console='.length).split('.')[0]!;
        return (await svc.ctx.store.getConsoleSession(createHash('sha256').update(sid).digest('hex')))!.endReason;
      }),
    );
    expect(ended).toEqual(['key_removed', 'key_changed']);
    // The keys are back as they were: the ended sessions stay ended.
    await analyst.agent.get('/console/').expect(303);
    await supervisor.agent.get('/console/').expect(303);
  });

  it('ends at start-up the sessions of keys removed while the service was down', async () => {
    const analyst = await signIn('analyst');
    const others = svc.ctx.config.apiKeys.filter((k) => k.name !== 'analyst-key');
    // A fresh console (a restarted service) sweeps the store before it serves anything.
    const restarted = createApp({ ...svc.ctx, config: { ...svc.ctx.config, apiKeys: others } });
    await request(restarted).get('/console/sign-in').expect(200);
    expect(await svc.ctx.store.listLiveConsoleSessions()).toEqual([]);
    await analyst.agent.get('/console/').expect(303);
  });

  it('limits sign-in attempts', async () => {
    const agent = request.agent(app);
    const form = await agent.get('/console/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await agent
            .post('/console/sign-in')
            .type('form')
            .send({ _csrf: csrfIn(form.text), apiKey: `guess-${i}` })
        ).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('console actions', () => {
  it('refuses an analyst’s forged POST, a POST without its token and a cross-site POST; changes nothing', async () => {
    const [cdn] = await seed('CF-ROLES', ['https://cdn-host.test/a']);
    const analyst = await signIn('analyst');
    const review = await analyst.agent.get('/console/review').expect(200);
    expect(review.text).toContain('Every address belongs to a CDN or reverse proxy');
    expect(review.text).not.toContain('Route by hand');
    const forged = await analyst.agent
      .post(`/console/handovers/${cdn!.id}/route`)
      .type('form')
      .send({ _csrf: analyst.csrf, destination: 'police', reason: 'forged' });
    expect(forged.status).toBe(403);

    const supervisor = await signIn('supervisor');
    await supervisor.agent.post(`/console/handovers/${cdn!.id}/route`).type('form').send({ destination: 'police', reason: 'no token' }).expect(403);
    await supervisor.agent
      .post(`/console/handovers/${cdn!.id}/route`)
      .type('form')
      .send({ _csrf: analyst.csrf, destination: 'police', reason: 'token of another session' })
      .expect(403);
    await supervisor.agent
      .post(`/console/handovers/${cdn!.id}/route`)
      .set('Origin', 'https://elsewhere.example')
      .type('form')
      .send({ _csrf: supervisor.csrf, destination: 'police', reason: 'cross site' })
      .expect(403);
    await supervisor.agent
      .post(`/console/handovers/${cdn!.id}/route`)
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ _csrf: supervisor.csrf, destination: 'police', reason: 'cross site' })
      .expect(403);
    expect((await svc.ctx.store.getHandover(cdn!.id))!.state).toBe('needs_review');
  });

  it('routes by hand as the signed-in supervisor, and refuses what the state does not allow', async () => {
    const [cdn, gone] = await seed('CF-ACT', ['https://cdn-host.test/a', 'https://gone-host.test/b']);
    const { agent, csrf } = await signIn('supervisor');
    await agent.post(`/console/handovers/${cdn!.id}/route`).type('form').send({ _csrf: csrf, destination: 'police', country: '', reason: 'x' }).expect(400);
    const done = await agent
      .post(`/console/handovers/${cdn!.id}/route`)
      .type('form')
      .send({ _csrf: csrf, destination: 'police', country: 'us', reason: 'origin confirmed by the CDN' })
      .expect(303);
    expect(done.headers.location).toBe(`/console/handovers/${cdn!.id}?done=route`);
    const routed = (await svc.ctx.store.getHandover(cdn!.id))!;
    expect(routed).toMatchObject({ state: 'routed', destination: 'police', country: 'US' });
    const event = (await svc.ctx.store.listAuditEvents(cdn!.id)).at(-1)!;
    expect(event).toMatchObject({ actor: 'key:supervisor-key', kind: 'override', reason: 'origin confirmed by the CDN', toState: 'routed' });
    const again = await agent.post(`/console/handovers/${cdn!.id}/look-again`).type('form').send({ _csrf: csrf, reason: 'look once more' });
    expect(again.status).toBe(409);

    await agent.post(`/console/handovers/${gone!.id}/look-again`).type('form').send({ _csrf: csrf, reason: 'the name may resolve now' }).expect(303);
    expect((await svc.ctx.store.getHandover(gone!.id))!).toMatchObject({ state: 'locating' });
    const story = await agent.get(`/console/handovers/${gone!.id}`).expect(200);
    expect(story.text).toContain('the name may resolve now');
    expect(story.text).toContain('key:supervisor-key');
  });
});

describe('what was typed is kept', () => {
  it('brings a refused form back filled in and open, saying why', async () => {
    const [cdn] = await seed('CF-KEEP', ['https://cdn-host.test/a']);
    const { agent, csrf } = await signIn('supervisor');
    const refused = await agent
      .post(`/console/handovers/${cdn!.id}/route`)
      .type('form')
      .send({ _csrf: csrf, destination: 'police', country: 'USA', reason: 'Origin confirmed by the CDN’s abuse desk' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('A country is two letters');
    const form = /<details class="action" open>\s*<summary>Route by hand<\/summary>([\s\S]*?)<\/details>/.exec(refused.text)?.[1] ?? '';
    expect(form).toContain('<option value="police" selected>');
    expect(form).toContain('value="USA"');
    expect(form).toContain('>Origin confirmed by the CDN’s abuse desk</textarea>');
    expect((await svc.ctx.store.getHandover(cdn!.id))!.state).toBe('needs_review');
  });

  it('keeps the reason of a form sent after the session ran out, across the sign-in, and does nothing by itself', async () => {
    const [cdn] = await seed('CF-IDLE', ['https://cdn-host.test/a']);
    const { agent, csrf } = await signIn('supervisor');
    svc.clock.advance(31 * 60_000);
    const late = await agent
      .post(`/console/handovers/${cdn!.id}/look-again`)
      .type('form')
      .send({ _csrf: csrf, reason: 'The CDN moved the origin; a long reason typed before lunch' });
    expect(late.status).toBe(401);
    expect(late.text).toContain('Your session ended after 30 minutes without use.');
    expect(late.text).toContain('what you typed in “Look again” is kept');
    const draft = /name="draft" value="([^"]+)"/.exec(late.text)?.[1];
    expect(draft).toBeTruthy();

    const signedIn = await agent
      .post('/console/sign-in')
      .type('form')
      .send({ _csrf: csrfIn(late.text), apiKey: KEYS.supervisor, next: '/console/', draft });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe(`/console/handovers/${cdn!.id}`);
    const story = await agent.get(signedIn.headers.location!).expect(200);
    expect(story.text).toContain('You are signed in again. “Look again” is filled in as you left it');
    expect(story.text).toMatch(
      /<details class="action" open>\s*<summary>Look again<\/summary>[\s\S]*>The CDN moved the origin; a long reason typed before lunch<\/textarea>/,
    );
    expect((await svc.ctx.store.getHandover(cdn!.id))!.state).toBe('needs_review');
    // Shown once: the next visit is the plain page.
    expect((await agent.get(`/console/handovers/${cdn!.id}`).expect(200)).text).not.toContain('typed before lunch');
  });

  it('refuses a draft that was tampered with: the sign-in goes on, nothing is kept', async () => {
    const [cdn] = await seed('CF-FORGED', ['https://cdn-host.test/a']);
    const agent = request.agent(app);
    const late = await agent.post(`/console/handovers/${cdn!.id}/cancel`).type('form').send({ reason: 'typed while signed out' });
    const draft = /name="draft" value="([^"]+)"/.exec(late.text)![1]!;
    const forged = `${Buffer.from(JSON.stringify({ handoverId: cdn!.id, action: 'cancel', values: { reason: 'forged' }, at: 0 })).toString('base64url')}.${draft.split('.')[1]}`;
    const res = await agent
      .post('/console/sign-in')
      .type('form')
      .send({ _csrf: csrfIn(late.text), apiKey: KEYS.supervisor, next: '/console/', draft: forged });
    expect(res.headers.location).toBe('/console/');
  });
});

describe('console pages', () => {
  it('tells the handovers of one referral apart by the random end of their time-ordered ids', async () => {
    // Made in the same millisecond by the service's own id source: they share their beginnings.
    const { handovers } = await svc.ctx.store.createReferral(
      {
        id: svc.ctx.newId(),
        reportId: 'CF-IDS',
        bodyHash: 'hash-CF-IDS',
        classification: { category: 'baseline', ageGroup: 'pubescent' },
        reportedAt: null,
        urls: ['https://be-host.test/1', 'https://be-host.test/2', 'https://be-host.test/3'].map((url) => ({
          handoverId: svc.ctx.newId(),
          url,
          contentType: 'image',
        })),
      },
      'key:test',
      svc.clock.now().getTime(),
    );
    const [first, ...others] = handovers.map((h) => h.id);
    const { agent } = await signIn('supervisor');
    const story = await agent.get(`/console/handovers/${first}`).expect(200);
    expect(story.text).toContain(`Handover …${first!.slice(-8)}`);
    const shown = [...story.text.matchAll(/<a class="short-id" href="\/console\/handovers\/[^"]+">(…[0-9a-f]{8})<\/a>/g)].map((m) => m[1]);
    expect(new Set(shown)).toEqual(new Set(others.map((id) => `…${id.slice(-8)}`)));
  });

  it('escapes and defangs reported URLs, links none of them, and serves a strict CSP', async () => {
    const [h] = await seed('CF-<b>ESC</b>', ['https://cdn-host.test/"><script>alert(1)</script>']);
    const { agent } = await signIn('analyst');
    for (const path of [`/console/handovers/${h!.id}`, '/console/review', '/console/handovers?reportId=CF-%3Cb%3EESC%3C%2Fb%3E']) {
      const res = await agent.get(path).expect(200);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).not.toContain('<script>alert(1)');
      expect(res.text).not.toContain('<b>ESC');
      expect(res.text).toContain('hxxps[://]cdn-host[.]test/&quot;&gt;&lt;script&gt;');
      expect(res.text).not.toMatch(/href="[^"]*cdn-host/);
      expect(res.text).not.toMatch(/https?:\/\/cdn-host/);
    }
  });

  it('exports the takedown clock as CSV with the numbers of GET /v1/stats/takedown, for the chosen grouping and period', async () => {
    await seedTakedownFixture(svc.ctx.store);
    svc.clock.set(new Date(NOW));
    const { agent } = await signIn('analyst');
    const csv = await agent.get('/console/figures.csv?from=2026-02-28&to=2026-03-31&groupBy=country&per=week').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('takedown-clock-by-country-2026-02-28-to-2026-03-31.csv');
    const [head, ...lines] = csv.text
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const rows = lines.map((l) => Object.fromEntries(head!.map((h, i) => [h, l[i]!])));
    expect(head).toEqual(
      expect.arrayContaining(['group_by', 'key', 'period_start', 'referred', 'removed_within_24h', 'removed_open_past_7d', 'duplicates', 'failed']),
    );
    const api = (
      await request(app)
        .get('/v1/stats/takedown?groupBy=country&from=2026-02-28T00:00:00Z&to=2026-04-01T00:00:00Z')
        .set('Authorization', bearer('analyst'))
        .expect(200)
    ).body as { groups: { key: string | null; referred: number; [step: string]: unknown }[] };
    const whole = rows.filter((r) => r.group_by === 'country' && r.period_start === '2026-02-28');
    expect(whole.map((r) => r.key)).toEqual(api.groups.map((g) => g.key ?? ''));
    for (const group of api.groups) {
      const r = whole.find((x) => x.key === (group.key ?? ''))!;
      expect(Number(r.referred)).toBe(group.referred);
      for (const stepName of ['delivered', 'acknowledged', 'removed']) {
        const step = group[stepName] as {
          count: number;
          medianMs: number | null;
          p90Ms: number | null;
          within: Record<string, number>;
          openPast: Record<string, number>;
        };
        expect(Number(r[stepName])).toBe(step.count);
        expect(r[`${stepName}_median_ms`]).toBe(step.medianMs === null ? '' : String(step.medianMs));
        expect(r[`${stepName}_p90_ms`]).toBe(step.p90Ms === null ? '' : String(step.p90Ms));
        for (const mark of ['24h', '60h', '7d']) {
          expect(Number(r[`${stepName}_within_${mark}`])).toBeCloseTo(step.within[mark]!, 4);
          expect(Number(r[`${stepName}_open_past_${mark}`])).toBe(step.openPast[mark]);
        }
      }
    }
    // The counts a yearly report also gives, per group: the duplicate counts with the Belgian case it joined.
    expect(Object.fromEntries(whole.map((r) => [r.key, [r.duplicates, r.failed, r.needs_review, r.closed_without_removal_time].map(Number)]))).toEqual({
      BE: [1, 0, 0, 0],
      DE: [0, 1, 0, 0],
      NL: [0, 0, 0, 1],
      '': [0, 0, 1, 0],
    });
    // All handovers first, then the weeks: I3 alone in the week of 2 March.
    expect(rows[0]).toMatchObject({ group_by: 'all', key: 'all', referred: '9' });
    expect(rows.filter((r) => r.period_start === '2026-03-02').map((r) => [r.group_by, r.key, r.referred, r.period_end])).toEqual([
      ['all', 'all', '1', '2026-03-08'],
      ['country', 'DE', '1', '2026-03-08'],
    ]);

    const html = (await agent.get('/console/figures?from=2026-02-28&to=2026-03-31&groupBy=country&per=week').expect(200)).text;
    expect(html).toContain('Content down, per hosting country');
    expect(html).toContain('75 %');
  });
});
