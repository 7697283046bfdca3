/**
 * Intake: a confirmed report becomes a referral with one handover per URL, idempotently by
 * reportId (the same body again returns the same answer; a different body is a conflict).
 * A URL another live handover already carries becomes a duplicate entry linked to it, and a URL
 * whose earlier case is over a new case linked to that one (issue #15): the store decides both
 * in the transaction that creates the referral (src/store/url-claims.ts).
 */
import type { Context } from '../context.js';
import { canonicalJson, sha256Hex } from '../domain/canonical-json.js';
import { ServiceError, ValidationError } from '../domain/errors.js';
import { serialiseIntakeUrl } from '../domain/intake-url.js';
import { normaliseClassification, reportedAtProblem, type Classification, type ContentType } from '../domain/referral.js';
import type { HandoverRecord, ReferralRecord } from '../store/store.js';

export interface ReferralSubmission {
  reportId: string;
  urls: { url: string; contentType?: ContentType | undefined }[];
  classification: Classification;
  reportedAt?: string | undefined;
  referredBy?: string | undefined;
}

export async function submitReferral(
  ctx: Context,
  submission: ReferralSubmission,
  actor: string,
): Promise<{ created: boolean; referral: ReferralRecord; handovers: HandoverRecord[] }> {
  // The hash covers the body as submitted, so a repeat in the earlier spelling (`social`) still
  // matches; what is stored carries the current names.
  const bodyHash = sha256Hex(canonicalJson(submission));
  const reportedAt = submission.reportedAt ? Date.parse(submission.reportedAt) : null;
  const implausible = reportedAt === null ? null : reportedAtProblem(reportedAt, ctx.clock.now().getTime());
  if (implausible) throw new ValidationError(`reportedAt ${implausible}.`, [{ path: 'reportedAt', message: implausible }]);
  let result;
  try {
    result = await ctx.store.createReferral(
      {
        id: ctx.newId(),
        reportId: submission.reportId,
        bodyHash,
        classification: normaliseClassification(submission.classification),
        reportedAt,
        referredBy: submission.referredBy ?? null,
        // Stored and delivered as the WHATWG parser serialises it (what every later reader
        // parses alike); the raw string is kept beside it for the evidence.
        urls: submission.urls.map((u) => {
          const url = serialiseIntakeUrl(u.url);
          return { handoverId: ctx.newId(), url, reportedUrl: url === u.url ? null : u.url, contentType: u.contentType ?? null };
        }),
      },
      actor,
      ctx.clock.now().getTime(),
    );
  } catch (error) {
    if (error instanceof ServiceError && error.code === 'referral_conflict') ctx.metrics.referralsAccepted.inc({ outcome: 'conflict' });
    throw error;
  }
  ctx.metrics.referralsAccepted.inc({ outcome: result.created ? 'created' : 'repeated' });
  if (result.created) {
    // Ids and counts only: the URLs never go to the log.
    const duplicates = result.handovers.filter((h) => h.duplicateOf !== null).length;
    const reappearances = result.handovers.filter((h) => h.reappearanceOf !== null).length;
    ctx.logger.info('referral accepted', {
      component: 'intake',
      referralId: result.referral.id,
      handovers: result.handovers.length,
      duplicates,
      reappearances,
    });
    ctx.wakeups.locate.notify();
  }
  return result;
}
