import { performance } from 'node:perf_hooks';
import { createPoliceAdapter } from '../src/delivery/destinations/police-export.js';
import { createIccamAdapter } from '../src/delivery/destinations/iccam-exchange.js';
import { systemClock } from '../src/domain/clock.js';
import { startPoliceStandin } from '../scripts/sandbox/police-standin.js';
import { startIccamStandin } from '../scripts/sandbox/iccam-standin.js';
import { benchLocator } from './bench-support.js';
import { decideRoute } from '../src/domain/routing/decide-route.js';
import { loadRoutingPolicy } from '../src/config/routing-policy.js';
import { POLICY_DIR } from '../src/config/project-paths.js';
const police = await startPoliceStandin({ token: 't', behaviour: { ackAfterMs: 0 } });
const iccam = await startIccamStandin({ username: 'u', password: 'p', behaviour: { ackAfterMs: 0 } });
const pa = createPoliceAdapter({ baseUrl: police.url, token: 't', timeoutMs: 10000, clock: systemClock });
const ia = createIccamAdapter({ baseUrl: iccam.url, username: 'u', password: 'p', timeoutMs: 10000, clock: systemClock });
const policy = loadRoutingPolicy(POLICY_DIR, { homeCountry: 'BE' });
const loc = benchLocator();
for (const [a, host] of [[pa, 'be-host.bench.test'], [ia, 'nl-host.bench.test']] as const) {
  const ev = await loc.locate(`https://${host}/x`);
  const decision = decideRoute(ev, policy, new Date());
  let t = performance.now(); const durs: number[] = [];
  for (let i = 0; i < 50; i++) { const s = performance.now(); const o = await a.deliver({ handoverId: `h-${host}-${i}`, hotlineId: 'BE-CF', url: `https://${host}/x/${i}`, contentType: 'image', classification: { category: 'baseline', ageGroup: 'prepubescent' }, evidence: ev, decision }); durs.push(performance.now() - s); if (o.kind !== 'delivered') console.log(o); }
  console.log(a.destination, 'deliver avg', ((performance.now() - t) / 50).toFixed(2), durs.slice(0, 10).map((d) => d.toFixed(1)).join(' '));
}
pa.close(); ia.close(); await police.close(); await iccam.close();
