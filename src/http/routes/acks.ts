/**
 * POST /v1/acks/:destination — acknowledgement callbacks (contract §4), authenticated by a
 * Standard Webhooks signature instead of an API key. A bad signature, a stale timestamp or a
 * replayed webhook-id is refused and changes nothing; a callback for an unknown handover or
 * one that would move a state backwards is refused and recorded, never applied.
 */
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { isKnownStatus, mapDestinationStatus } from '../../domain/ack-mapping.js';
import { DESTINATIONS, type Destination } from '../../domain/decision.js';
import { ConflictError, NotFoundError, ServiceError, ValidationError } from '../../domain/errors.js';
import { verifyWebhook } from '../../domain/webhook-signature.js';
import { applyAcknowledgement } from '../../delivery/apply-acknowledgement.js';
import { parseParams, parseWith } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { ackResultSchema } from '../response-schemas.js';
import { errorSchema } from './shared-schemas.js';

const params = z.object({ destination: z.enum(DESTINATIONS as ['police', 'inhope']) });
const ackBody = z
  .strictObject({
    handoverId: z.uuid(),
    status: z.string().min(1).max(32),
    reference: z.string().max(200).optional(),
    reason: z.string().max(2000).optional(),
    contentRemovedAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the content was taken down (police): closes the case as removed and ends its takedown clock'),
  })
  .meta({ id: 'AcknowledgementCallback' });

export function ackRoutes(ctx: Context, openapi: OpenApiRegistry): Router {
  const router = Router();
  openapi.register({
    method: 'post',
    path: '/v1/acks/:destination',
    operationId: 'receiveAcknowledgement',
    authentication: 'webhook-signature',
    summary: 'Acknowledgement callback from a destination, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)',
    tags: ['acknowledgements'],
    roles: [],
    params,
    body: ackBody,
    bodyExample: { handoverId: '0b9f5c1e-2d4a-4c8e-9a51-3f6d2b7e8c10', status: 'received', reference: 'FCCU-2026-001234' },
    responses: {
      200: { description: 'Applied, or a repeat of what is known', schema: ackResultSchema, example: { applied: true, state: 'acknowledged' } },
      400: { description: 'Invalid body or unknown status', schema: errorSchema },
      401: { description: 'Bad signature or timestamp out of tolerance', schema: errorSchema },
      404: { description: 'Unknown handover (recorded); or destination inhope, which has no callbacks (ICCAM is polled)', schema: errorSchema },
      409: { description: 'Replayed webhook-id, or it would move the state backwards (recorded)', schema: errorSchema },
    },
  });

  const refuser =
    (destination: string) =>
    (reason: string, error: ServiceError): never => {
      ctx.metrics.callbacksRefused.inc({ destination, reason });
      throw error;
    };
  // Everything that can be checked without the body is checked before it is read: an
  // unconfigured destination, missing or stale signature headers.
  const checkBeforeBody: RequestHandler = (req, _res, next) => {
    // ICCAM has no callbacks (contract §4): its status comes by polling only.
    if (req.params.destination === 'inhope') {
      throw new ServiceError(
        'no_callbacks',
        404,
        'ICCAM has no callbacks: the status of inhope handovers comes by polling only. Callbacks are the police export’s only (POST /v1/acks/police).',
      );
    }
    const { destination } = parseParams(params, req);
    const refuse = refuser(destination);
    const secrets = ctx.config.ackSecrets[destination as Destination];
    if (secrets.length === 0)
      refuse('not_configured', new ServiceError('callbacks_not_configured', 401, `No ACK_SECRETS entry for ${destination}: callbacks are refused.`));
    const headersOnly = verifyWebhook({ headers: req.headers, body: Buffer.alloc(0), secrets, now: ctx.clock.now() });
    if (!headersOnly.ok && headersOnly.code !== 'bad_signature') refuse(headersOnly.code, new ServiceError(headersOnly.code, 401, headersOnly.message));
    next();
  };

  router.post('/v1/acks/:destination', checkBeforeBody, express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const { destination } = parseParams(params, req);
    const refuse = refuser(destination);
    const secrets = ctx.config.ackSecrets[destination as Destination];
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const now = ctx.clock.now();
    const verified = verifyWebhook({ headers: req.headers, body: raw, secrets, now });
    if (!verified.ok) refuse(verified.code, new ServiceError(verified.code, 401, verified.message));
    const webhookId = (verified as { id: string }).id;

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      refuse('malformed_json', new ServiceError('malformed_json', 400, 'The request body is not valid JSON.'));
    }
    const body = parseWith(ackBody, json, 'acknowledgement');
    if (!isKnownStatus(destination, body.status)) {
      refuse('unknown_status', new ValidationError(`"${body.status}" is not a ${destination} status.`));
    }
    if (!(await ctx.store.rememberWebhookId(destination, webhookId, now.getTime()))) {
      refuse('replayed', new ConflictError('webhook_replayed', 'This webhook-id was received before.'));
    }

    const observation = mapDestinationStatus(destination, body.status, {
      reference: body.reference ?? null,
      reason: body.reason ?? null,
      contentRemovedAt: body.contentRemovedAt ?? null,
    });
    const handover = await ctx.store.getHandover(body.handoverId);
    const actor = `destination:${destination}`;
    if (!handover || handover.destination !== destination) {
      // Recorded for the auditors: someone holding our secret named a case we did not send there.
      await ctx.store.recordAck(
        {
          handoverId: handover ? handover.id : null,
          destination,
          source: 'callback',
          status: body.status,
          reference: body.reference ?? null,
          reason: body.reason ?? null,
          applied: false,
          note: handover ? `handover was sent to ${handover.destination ?? 'nowhere'}` : `unknown handover ${body.handoverId}`,
          webhookId,
          receivedAt: now.getTime(),
        },
        {
          actor,
          kind: 'ack_refused',
          reason: handover ? 'callback from a destination the handover was not sent to' : 'callback for an unknown handover',
          now: now.getTime(),
        },
      );
      refuse('unknown_handover', new NotFoundError(`Handover ${body.handoverId} at ${destination}`));
    }
    const result = await applyAcknowledgement(ctx, handover!, observation, { source: 'callback', webhookId, actor });
    if (!result.applied && result.reason !== 'no_change') {
      refuse(result.reason, new ConflictError('ack_not_applied', `Not applied: the handover is ${handover!.state}.`, { reason: result.reason }));
    }
    res.json(result);
  });
  return router;
}
