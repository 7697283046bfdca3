/**
 * What the API answers, as zod schemas: the OpenAPI document is generated from them (so a
 * client generator gets types, not `unknown`), and the OpenAPI test parses real answers with
 * them, so the views in views.ts and these schemas cannot drift apart unnoticed.
 */
import { z } from 'zod';
import { DESTINATIONS } from '../domain/decision.js';
import { HANDOVER_STATES } from '../domain/handover-states.js';
import { classificationSchema } from '../domain/referral.js';

const isoTime = z.string().meta({ format: 'date-time' });
const destination = z.enum(DESTINATIONS as ['police', 'inhope']);
const state = z.enum(HANDOVER_STATES);

const reviewSchema = z
  .object({
    reasons: z.array(z.string()).meta({ description: 'Review reason codes, e.g. behind_cdn, host_unresolvable' }),
    since: isoTime.nullable(),
    ageSeconds: z.number().int().nonnegative(),
  })
  .meta({ id: 'Review', description: 'Why a handover in needs_review waits for a supervisor, and since when' });

export const handoverSummarySchema = z
  .object({
    id: z.string(),
    referralId: z.string(),
    reportId: z.string(),
    url: z.string(),
    contentType: z.string().nullable(),
    state,
    destination: destination.nullable(),
    country: z.string().nullable(),
    targetHotline: z.string().nullable(),
    assignedCountry: z.string().nullable(),
    reference: z.string().nullable(),
    attempts: z.number().int(),
    nextAttemptAt: isoTime.nullable(),
    overdue: z.boolean(),
    outcome: z.string().nullable(),
    failureReason: z.string().nullable(),
    parentId: z.string().nullable(),
    createdAt: isoTime,
    locatedAt: isoTime.nullable(),
    deliveredAt: isoTime.nullable(),
    acknowledgedAt: isoTime.nullable(),
    closedAt: isoTime.nullable(),
    contentRemovedAt: isoTime.nullable().meta({ description: 'When the content was known to be down: the end of its takedown clock' }),
    removalOverdue: z.boolean().meta({ description: 'Past the last takedown mark, still with the destination, content not known to be down' }),
    removalOverdueAt: isoTime.nullable().meta({ description: 'When it was found past the last takedown mark (kept afterwards)' }),
    updatedAt: isoTime,
    review: reviewSchema.optional(),
  })
  .meta({ id: 'HandoverSummary' });

export const handoverPageSchema = z.object({ items: z.array(handoverSummarySchema), nextCursor: z.string().nullable() }).meta({ id: 'HandoverPage' });

const decisionSchema = z
  .object({
    destination: destination.nullable(),
    country: z.string().nullable(),
    targetHotline: z.string().nullable(),
    assignedCountry: z.string().nullable(),
    rule: z.string(),
    confidence: z.number(),
    reviewReasons: z.array(z.string()),
    reasons: z.array(z.string()),
    dataVersions: z.record(z.string(), z.string().nullable()),
    decidedAt: isoTime,
  })
  .meta({ id: 'RoutingDecision' });

const evidenceSchema = z
  .record(z.string(), z.unknown())
  .meta({ id: 'HostingEvidence', description: 'DNS answers, GeoIP, ASN, CDN and registry (RDAP/WHOIS) findings, with their sources and times' });

const attemptSchema = z.object({
  attempt: z.number().int(),
  destination,
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  durationMs: z.number().nullable(),
  outcome: z.string(),
  statusCode: z.number().int().nullable(),
  errorClass: z.string().nullable(),
  requestHash: z.string().nullable(),
  responseDigest: z.string().nullable(),
  detail: z.string().nullable(),
});

const ackSchema = z.object({
  destination,
  source: z.string(),
  status: z.string(),
  reference: z.string().nullable(),
  reason: z.string().nullable(),
  applied: z.boolean(),
  note: z.string().nullable(),
  receivedAt: isoTime,
});

const auditEventSchema = z.object({
  seq: z.number().int(),
  at: isoTime,
  actor: z.string(),
  kind: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  reason: z.string().nullable(),
  data: z.unknown(),
  hash: z.string(),
});

const partnerSchema = z
  .object({
    partnerHotline: z.string().nullable().meta({ description: 'The reporting hotline as ICCAM names it (reportingHotlineId)' }),
    countryAssignmentDate: isoTime.nullable().meta({ description: 'When ICCAM assigned the content to the home country' }),
    contentId: z.string().nullable().meta({ description: "ICCAM's content id; ICCAM holds this handover's id as its hotline reference" }),
    iccamAssessment: z
      .object({
        classification: z.enum(['baseline', 'national', 'ignore']).nullable(),
        classificationName: z.string().nullable(),
        ageName: z.string().nullable(),
        genderName: z.string().nullable(),
      })
      .nullable()
      .meta({ description: "ICCAM's last assessment when the item was taken in" }),
    assessment: z.record(z.string(), z.unknown()).nullable().meta({ description: "Our analyst's assessment (POST /v1/handovers/:id/assessment)" }),
    iccamTold: z.object({
      reference: isoTime.nullable(),
      assessment: isoTime.nullable(),
      actions: z.record(z.string(), z.object({ at: isoTime.nullable(), alreadyThere: z.boolean() })),
      leftToAPerson: z.record(z.string(), z.object({ at: isoTime.nullable(), detail: z.string() })),
      followedTo: z.string().nullable(),
    }),
    settledAt: isoTime.nullable(),
  })
  .meta({ id: 'PartnerItem', description: 'Content a partner hotline handed to the home country through ICCAM, and what ICCAM was told' });

export const handoverDetailSchema = handoverSummarySchema
  .extend({
    classification: classificationSchema,
    partner: partnerSchema.nullable(),
    evidence: evidenceSchema.nullable(),
    decision: decisionSchema.nullable(),
    attempts: z.array(attemptSchema),
    acknowledgements: z.array(ackSchema),
    audit: z.array(auditEventSchema),
  })
  .meta({ id: 'Handover' });

export const referralViewSchema = z
  .object({
    referralId: z.string(),
    reportId: z.string(),
    source: z.enum(['backoffice', 'iccam']).meta({ description: 'The back office, or a partner hotline through ICCAM (reportId iccam:<ICCAM report id>)' }),
    partnerHotline: z.string().nullable(),
    countryAssignmentDate: isoTime.nullable(),
    classification: classificationSchema,
    reportedAt: isoTime.nullable(),
    createdAt: isoTime,
    createdBy: z.string(),
    handovers: z.array(handoverSummarySchema),
  })
  .meta({ id: 'Referral' });

const durationSummary = z.object({ count: z.number().int(), medianMs: z.number().nullable(), p90Ms: z.number().nullable() });
const timingFigures = z.object({ toDelivery: durationSummary, toAcknowledgement: durationSummary, toRemoval: durationSummary }).meta({ id: 'TimingFigures' });

export const statsSchema = z
  .object({
    generatedAt: isoTime,
    total: z.number().int(),
    byState: z.record(z.string(), z.number().int()),
    byDestination: z.record(z.string(), z.record(z.string(), z.number().int())),
    overdue: z.number().int(),
    needsReview: z.number().int(),
    failed: z.number().int(),
    timings: timingFigures,
    timingsByDestination: z.record(z.string(), timingFigures),
    timingsByCountry: z.record(z.string(), timingFigures),
  })
  .meta({ id: 'Stats', description: 'Durations in milliseconds' });

export const locateResultSchema = z.object({ evidence: evidenceSchema, decision: decisionSchema }).meta({ id: 'LocateResult' });

export const ackResultSchema = z
  .object({
    applied: z.boolean(),
    state: state.optional(),
    successorId: z.string().optional(),
    reason: z.enum(['no_change', 'changed_meanwhile', 'already_final', 'not_delivered']).optional(),
  })
  .meta({ id: 'AcknowledgementResult' });

export const readinessSchema = z
  .object({
    ready: z.boolean(),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), critical: z.boolean(), detail: z.unknown().optional() })),
  })
  .meta({ id: 'Readiness' });

export const openApiDocumentSchema = z.record(z.string(), z.unknown()).meta({ id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document' });
