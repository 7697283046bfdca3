/**
 * POST /v1/locate: the evidence and the decision for one URL, as a handover would get them,
 * with nothing stored. For analysts who want to know before they refer.
 */
import type { Locator } from '../../locate/locator.js';
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { INTAKE_URL_MESSAGES, checkIntakeUrl } from '../../domain/intake-url.js';
import { ReportedUrlError, ValidationError } from '../../domain/errors.js';
import { decideRoute } from '../../domain/routing/decide-route.js';
import { allowRoles } from '../middleware/authenticate.js';
import { parseBody } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { locateResultSchema } from '../response-schemas.js';
import { errorSchema, READ_ROLES } from './shared-schemas.js';

const locateBody = z
  .strictObject({
    url: z.string().superRefine((value, check) => {
      const problem = checkIntakeUrl(value);
      if (problem) check.addIssue({ code: 'custom', message: `url ${INTAKE_URL_MESSAGES[problem]}` });
    }),
  })
  .meta({ id: 'LocateRequest' });

export function locateRoutes(ctx: Context, openapi: OpenApiRegistry, locator: Pick<Locator, 'locate'>): Router {
  const router = Router();
  openapi.register({
    method: 'post',
    path: '/v1/locate',
    operationId: 'locateUrl',
    summary: 'Hosting evidence and routing decision for one URL; nothing is stored',
    tags: ['locate'],
    roles: READ_ROLES,
    body: locateBody,
    bodyExample: { url: 'https://images.host.example/gallery/1.jpg' },
    responses: {
      200: { description: 'The evidence and the decision a handover would get', schema: locateResultSchema },
      400: { description: 'Invalid URL', schema: errorSchema },
    },
  });
  router.post('/v1/locate', allowRoles(READ_ROLES), async (req, res) => {
    const { url } = parseBody(locateBody, req);
    let evidence;
    try {
      evidence = await locator.locate(url);
    } catch (error) {
      // Whatever the intake check let through but the locator cannot read is bad input, not a fault.
      if (error instanceof ReportedUrlError) throw new ValidationError(`url ${INTAKE_URL_MESSAGES[error.code]}`, { reason: error.code });
      throw error;
    }
    res.json({ evidence, decision: decideRoute(evidence, ctx.policy, ctx.clock.now()) });
  });
  return router;
}
