/**
 * Readiness (GET /readyz): each component contributes a probe. A critical probe failing makes
 * the service not ready (503); a non-critical one is reported without failing it — a
 * destination without configuration holds its handovers and says so here (contract §5).
 */
import { coerceError } from '../domain/errors.js';

export interface ProbeResult {
  name: string;
  ok: boolean;
  /** When false, a failure is reported but does not make the service unready. */
  critical: boolean;
  detail?: unknown;
}

export type ReadinessProbe = () => Promise<ProbeResult> | ProbeResult;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, Omit<ProbeResult, 'name'>>;
}

export async function collectReadiness(probes: readonly ReadinessProbe[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const results = await Promise.all(
    probes.map(async (probe, i) => {
      try {
        return await Promise.race([
          Promise.resolve(probe()),
          new Promise<ProbeResult>((resolve) =>
            setTimeout(() => resolve({ name: `probe-${i}`, ok: false, critical: true, detail: 'timed out' }), timeoutMs).unref(),
          ),
        ]);
      } catch (error) {
        return { name: `probe-${i}`, ok: false, critical: true, detail: coerceError(error).message };
      }
    }),
  );
  const checks: ReadinessReport['checks'] = {};
  for (const { name, ...rest } of results) checks[name] = rest;
  return { ready: results.every((r) => r.ok || !r.critical), checks };
}
