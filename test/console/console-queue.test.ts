/**
 * The console as a supervisor works the queue with it, over HTTP: no re-send by a slip, what a
 * destination needs said before routing, the actions each case allows, the queues longest
 * waiting first, the search, and codes written out in words.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { appParts } from '../../src/service.js';
import { locateAndRoute } from '../../src/services/locate-and-route.js';
import type { HandoverRecord } from '../../src/store/store.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';
import { seedLocated, signIn as signInAs } from './console-test-kit.js';

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  svc = await createTestService();
  app = createApp(svc.ctx, appParts(svc.parts));
});
afterEach(() => svc.close());

const locator = new TableLocator({
  'be-host.test': { geo: 'BE' },
  'nl-host.test': { geo: 'NL' },
  'img.nl-host.test': { geo: 'NL' },
  'cdn-host.test': { geo: 'US', cdn: 'Cloudflare' },
  'gone-host.test': { dns: 'nxdomain' },
});

const seed = (reportId: string, urls: string[]) => seedLocated(svc, locator, reportId, urls);
const signIn = (role: 'analyst' | 'supervisor') => signInAs(app, role);
const now = () => svc.clock.now().getTime();

/** A routed handover sent, then left with an unknown outcome (ICCAM may hold it). */
async function outcomeUnknown(h: HandoverRecord): Promise<void> {
  await svc.ctx.store.transition(h.id, {
    to: 'delivering',
    actor: 'system:test',
    reason: null,
    set: { leaseToken: 't', leaseExpiresAt: now() + 60_000 },
    now: now(),
  });
  await svc.ctx.store.transition(h.id, {
    to: 'needs_review',
    actor: 'system:test',
    reason: 'delivery_outcome_unknown: timeout after sending',
    set: { failureReason: 'delivery_outcome_unknown', leaseToken: null },
    now: now(),
  });
}

/** A routed handover sent and answered: refused for good (4xx), or given up on after retries. */
async function failed(h: HandoverRecord, how: 'refused' | 'exhausted'): Promise<void> {
  await svc.ctx.store.transition(h.id, {
    to: 'delivering',
    actor: 'system:test',
    reason: null,
    set: { leaseToken: 't', leaseExpiresAt: now() + 60_000 },
    now: now(),
  });
  const refused = how === 'refused';
  await svc.ctx.store.transition(h.id, {
    to: 'failed',
    actor: 'system:dispatcher',
    reason: refused ? 'inhope refused it: ICCAM refused the report (HTTP 400): urls[0].hostingIpAddress' : 'attempts exhausted (budget) after server_error',
    set: {
      failureReason: refused
        ? 'inhope refused it: ICCAM refused the report (HTTP 400): urls[0].hostingIpAddress'
        : 'attempts exhausted (budget) after server_error',
    },
    attempt: {
      attemptNo: 1,
      destination: h.destination!,
      claimToken: 't',
      startedAt: now(),
      finishedAt: now(),
      durationMs: 20,
      outcome: refused ? 'failed' : 'retry',
      statusCode: refused ? 400 : 503,
      errorClass: refused ? 'rejected' : 'server_error',
      requestHash: null,
      responseDigest: null,
      detail: null,
    },
    now: now(),
  });
}

const formOf = (html: string, action: string) => new RegExp(`<form method="post" action="[^"]*/${action}">([\\s\\S]*?)</form>`).exec(html)?.[1] ?? '';

describe('no re-send by a slip', () => {
  it('shows the full handover id to copy, warns, and sends again only with the box ticked', async () => {
    const [nl] = await seed('CF-UNKNOWN', ['https://nl-host.test/a']);
    await outcomeUnknown(nl!);
    const { agent, csrf } = await signIn('supervisor');
    const story = (await agent.get(`/console/handovers/${nl!.id}`).expect(200)).text;
    expect(story).toContain(`<code id="hid-facts-${nl!.id}">${nl!.id}</code>`);
    expect(story).toContain(`data-copy="hid-facts-${nl!.id}"`);
    expect(story).toContain('It may already be at ICCAM.');
    for (const action of ['route', 'look-again']) expect(formOf(story, action)).toContain('name="resend" type="checkbox" value="yes" required');
    expect(formOf(story, 'resolve')).not.toContain('name="resend"');
    const card = (await agent.get('/console/review').expect(200)).text;
    expect(card).toContain(`<code id="hid-card-${nl!.id}">${nl!.id}</code>`);
    expect(card).toContain('It may already be at ICCAM.');

    const unticked = await agent.post(`/console/handovers/${nl!.id}/look-again`).type('form').send({ _csrf: csrf, reason: 'look once more' });
    expect(unticked.status).toBe(409);
    expect(unticked.text).toContain('Look for it in ICCAM first');
    expect(formOf(unticked.text, 'look-again')).toContain('>look once more</textarea>');
    expect((await svc.ctx.store.getHandover(nl!.id))!.state).toBe('needs_review');

    await agent
      .post(`/console/handovers/${nl!.id}/look-again`)
      .type('form')
      .send({ _csrf: csrf, reason: 'not in ICCAM under our reference', resend: 'yes' })
      .expect(303);
    expect((await svc.ctx.store.getHandover(nl!.id))!.state).toBe('locating');
    expect((await svc.ctx.store.listAuditEvents(nl!.id)).at(-1)).toMatchObject({ data: { resend: true }, actor: 'key:supervisor-key' });
  });

  it('says before routing what a destination would lack, and refuses it in words', async () => {
    const [gone] = await seed('CF-NOADDR', ['https://gone-host.test/a']);
    const { agent, csrf } = await signIn('supervisor');
    const story = (await agent.get(`/console/handovers/${gone!.id}`).expect(200)).text;
    expect(formOf(story, 'route')).toContain('ICCAM cannot take it as it stands. ICCAM needs the hosting IP address');
    const refused = await agent
      .post(`/console/handovers/${gone!.id}/route`)
      .type('form')
      .send({ _csrf: csrf, destination: 'inhope', country: 'NL', reason: 'moved to a Dutch host' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('ICCAM cannot take handover');
    expect(formOf(refused.text, 'route')).toContain('<option value="inhope" selected>');
  });

  it('offers no Retry for a case the destination refused for good, and Retry for one whose attempts ran out', async () => {
    const [refused, exhausted] = await seed('CF-FAILED', ['https://nl-host.test/r', 'https://be-host.test/e']);
    await failed(refused!, 'refused');
    await failed(exhausted!, 'exhausted');
    const { agent } = await signIn('supervisor');
    const labels = async (id: string) =>
      [...(await agent.get(`/console/handovers/${id}`).expect(200)).text.matchAll(/<summary>([^<]+)<\/summary>/g)].map((m) => m[1]);
    expect(await labels(refused!.id)).toEqual(['Route by hand', 'Cancel handover']);
    expect(await labels(exhausted!.id)).toEqual(['Route by hand', 'Retry delivery', 'Cancel handover']);
  });
});

describe('the actions', () => {
  it('offers Cancel handover for a case still locating, and confirms a split and a resolve', async () => {
    const { handovers } = await svc.ctx.store.createReferral(
      {
        id: svc.ctx.newId(),
        reportId: 'CF-ACTIONS',
        bodyHash: 'h',
        classification: { category: 'baseline', ageGroup: 'infant' },
        reportedAt: null,
        urls: ['https://be-host.test/1', 'https://be-host.test/1', 'https://nl-host.test/2'].map((url) => ({
          handoverId: svc.ctx.newId(),
          url,
          contentType: 'image',
        })),
      },
      'key:test',
      now(),
    );
    const [locating, duplicate, nl] = handovers;
    const { agent, csrf } = await signIn('supervisor');
    const story = (await agent.get(`/console/handovers/${locating!.id}`).expect(200)).text;
    expect(formOf(story, 'cancel')).toContain('<button type="submit">Cancel handover</button>');

    const split = await agent.post(`/console/handovers/${duplicate!.id}/split`).type('form').send({ _csrf: csrf, reason: 'different content' });
    expect((await agent.get(split.headers.location!).expect(200)).text).toContain('Split off: it is a case of its own now');

    await locateAndRoute(svc.ctx, locator, nl!);
    await outcomeUnknown((await svc.ctx.store.getHandover(nl!.id))!);
    const resolved = await agent.post(`/console/handovers/${nl!.id}/resolve`).type('form').send({ _csrf: csrf, reference: '4711', reason: 'found in ICCAM' });
    const page = (await agent.get(resolved.headers.location!).expect(200)).text;
    expect(page).toContain('Resolved: recorded as delivered');
    // One reference, said what it is.
    expect(page).toContain('<code><bdi>4711</bdi></code>: the ICCAM report id');
  });
});

describe('the queues', () => {
  it('lists the review queue longest waiting first, the first card being the overview’s oldest, with its duplicates and classification', async () => {
    const [gone] = await seed('CF-Q1', ['https://gone-host.test/1']);
    svc.clock.advance(60_000);
    const [cdn] = await seed('CF-Q2', ['https://cdn-host.test/2']);
    svc.clock.advance(60_000);
    // Touching the older case makes it the newer wait: its wait starts again.
    await svc.ctx.store.transition(gone!.id, { to: 'locating', actor: 'system:test', reason: null, now: now() });
    await svc.ctx.store.transition(gone!.id, { to: 'needs_review', actor: 'system:test', reason: null, now: now() });
    await seed('CF-Q3', ['https://cdn-host.test/2', 'https://cdn-host.test/2']);
    const { agent } = await signIn('supervisor');
    const review = (await agent.get('/console/review').expect(200)).text;
    const order = [...review.matchAll(/<h2 id="case-([^"]+)">/g)].map((m) => m[1]);
    expect(order).toEqual([cdn!.id, gone!.id]);
    const overview = (await agent.get('/console/').expect(200)).text;
    expect(/Oldest: <a class="short-id" href="\/console\/handovers\/([^"]+)"/.exec(overview)?.[1]).toBe(order[0]);
    expect(review).toContain('2 duplicates waiting on it');
    expect(review).toMatch(/<dt>Classification<\/dt><dd>baseline, age group pubescent<\/dd>/);
  });

  it('gives failed cases an overview card and a queue of their own', async () => {
    const [be] = await seed('CF-FQ', ['https://be-host.test/f']);
    await failed(be!, 'exhausted');
    const { agent } = await signIn('supervisor');
    const overview = (await agent.get('/console/').expect(200)).text;
    expect(overview).toContain('<a href="/console/failed">1 failed</a>');
    const queue = (await agent.get('/console/failed').expect(200)).text;
    expect(queue).toContain(`id="case-${be!.id}"`);
    expect(queue).toContain('Gave up: the time allowed for retries ran out, after a server error at the destination.');
  });
});

describe('search', () => {
  it('finds a handover by full id (its story), short id, report id in any case and in part, and host or domain', async () => {
    const [img, apex] = await seed('CF-2026-0042', ['https://img.nl-host.test/a', 'https://nl-host.test/b']);
    const [other] = await seed('cf-2026-0420', ['https://be-host.test/c']);
    const { agent } = await signIn('analyst');
    const found = async (q: string) =>
      [
        ...(await agent.get(`/console/handovers?q=${encodeURIComponent(q)}`).expect(200)).text.matchAll(
          /<a class="short-id" href="\/console\/handovers\/([^"]+)"/g,
        ),
      ].map((m) => m[1]);
    const full = await agent.get(`/console/handovers?q=${img!.id.toUpperCase()}`).expect(303);
    expect(full.headers.location).toBe(`/console/handovers/${img!.id}`);
    expect(await found(`…${img!.id.slice(-8)}`)).toEqual([img!.id]);
    expect(await found('CF-2026-0420')).toEqual([other!.id]);
    expect(await found('2026-04')).toEqual([other!.id]);
    expect(new Set(await found('cf-2026-0'))).toEqual(new Set([img!.id, apex!.id, other!.id]));
    expect(await found('nl-host.test')).toEqual([apex!.id, img!.id]);
    expect(await found('hxxps[://]img[.]nl-host[.]test/a')).toEqual([img!.id]);
    expect(await found('IMG.NL-HOST.TEST')).toEqual([img!.id]);
    const narrowed = (await agent.get('/console/handovers?q=nl-host.test&state=locating').expect(200)).text;
    expect(narrowed).toContain('(2 more outside the filters)');
  });
});

describe('words, not codes', () => {
  it('writes circuits, schedules and times out, shows an IDN host in Unicode, and shows bidi controls instead of obeying them', async () => {
    const [idn] = await seed('CF-\u202Eevil', ['https://xn--bcher-kva.example/x']);
    await svc.ctx.store.annotate(idn!.id, { actor: 'key:supervisor-key', kind: 'note', reason: 'checked \u202Edesrever si siht', now: now() + 1_234 });
    const { agent } = await signIn('supervisor');
    const overview = (await agent.get('/console/').expect(200)).text;
    expect(overview).toContain('working normally');
    expect(overview).not.toMatch(/>closed<\/span>/);
    expect(overview).toContain('Every 5 seconds');
    const story = (await agent.get(`/console/handovers/${idn!.id}`).expect(200)).text;
    expect(story).toContain('host in Unicode: <bdi>bücher[.]example</bdi>');
    expect(story).toContain('hxxps[://]xn--bcher-kva[.]example/x');
    expect(story).toContain('<bdi>checked [U+202E RLO]desrever si siht</bdi>');
    expect(story).toContain('CF-[U+202E RLO]evil');
    expect(story).not.toContain('\u202E');
    expect(story).toContain('2026-03-01 10:00:01 UTC');
  });
});
