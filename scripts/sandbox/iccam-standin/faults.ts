/**
 * Which fault, if any, a call gets: first a queued rule that matches it (failNext), else a draw
 * from the seeded random mix (setChaos). Faults that only make sense for some calls are drawn
 * only for those: `not-in-correct-state` for the two assignment PUTs.
 */
import type { Random } from '../../../src/domain/clock.js';
import type { IccamChaos, IccamFault, IccamFaultRule } from '../iccam-standin.js';
import { seededRandom } from '../standin-kit.js';

export interface CallMatch {
  method?: string;
  path?: string | RegExp;
}

export interface ChosenFault {
  fault: IccamFault;
  refuseForMs: number;
  answerAfterMs: number;
}

export const DEFAULT_REFUSE_FOR_MS = 1_500;

const ALL_FAULTS: readonly IccamFault[] = [
  'unavailable',
  'rate-limited',
  'connection-refused',
  'error-after-processing',
  'drop-after-commit',
  'hang-after-commit',
  'not-in-correct-state',
  'bad-request',
  'slow-answer',
];

/** Faults only ever queued: a hang needs a client timeout to end it, a refusal or a slow answer is what a test asks for. */
const QUEUED_ONLY: ReadonlySet<IccamFault> = new Set(['hang-after-commit', 'bad-request', 'slow-answer']);
const DEFAULT_MIX: readonly IccamFault[] = ALL_FAULTS.filter((f) => !QUEUED_ONLY.has(f));

export function isFault(value: unknown): value is IccamFault {
  return typeof value === 'string' && (ALL_FAULTS as readonly string[]).includes(value);
}

/** `rest/Content/7/assigned-country` and `rest/Content/7/url/hosting`. */
export function isAssignmentPut(method: string, path: string): boolean {
  return method === 'PUT' && /^rest\/Content\/[^/]+\/(assigned-country|url\/hosting)$/.test(path);
}

export function matches(rule: CallMatch, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  if (rule.path instanceof RegExp) return rule.path.test(path);
  const want = rule.path.replace(/^\/+/, '');
  return path === want || path.startsWith(`${want}/`);
}

function applicable(fault: IccamFault, method: string, path: string): boolean {
  return fault !== 'not-in-correct-state' || isAssignmentPut(method, path);
}

export class FaultPlan {
  private readonly queue: (IccamFaultRule & { left: number })[] = [];
  private chaos: IccamChaos = { probability: 0 };
  private random: Random;

  constructor(private readonly defaultSeed: number) {
    this.random = seededRandom(defaultSeed);
  }

  queueRule(rule: IccamFaultRule): void {
    this.queue.push({ ...rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.queue.length = 0;
    this.chaos = { probability: 0 };
  }

  setChaos(chaos: IccamChaos): void {
    this.chaos = chaos;
    this.random = seededRandom(chaos.seed ?? this.defaultSeed);
  }

  /** The fault for this call (consuming a queued rule), or null. */
  choose(method: string, path: string): ChosenFault | null {
    const index = this.queue.findIndex((rule) => matches(rule, method, path));
    const rule = this.queue[index];
    if (rule) {
      rule.left -= 1;
      if (rule.left <= 0) this.queue.splice(index, 1);
      return { fault: rule.fault, refuseForMs: rule.refuseForMs ?? DEFAULT_REFUSE_FOR_MS, answerAfterMs: rule.answerAfterMs ?? 500 };
    }
    const { probability, only } = this.chaos;
    if (probability <= 0) return null;
    if (only !== undefined && !only.some((m) => matches(m, method, path))) return null;
    // Two draws per eligible call whatever the outcome, so a seed replays the same sequence.
    const hit = this.random() < probability;
    const pick = this.random();
    if (!hit) return null;
    const candidates = (this.chaos.faults ?? DEFAULT_MIX).filter((f) => applicable(f, method, path));
    const fault = candidates[Math.floor(pick * candidates.length)];
    return fault === undefined ? null : { fault, refuseForMs: this.chaos.refuseForMs ?? DEFAULT_REFUSE_FOR_MS, answerAfterMs: 500 };
  }
}
