/**
 * The OpenAPI document is built from the same zod schemas that validate requests: each route
 * file registers its operations here, so documentation and validation cannot drift apart.
 */
import { z } from 'zod';
import { errorSchema } from './routes/shared-schemas.js';

interface ResponseSpec {
  description: string;
  /** Every answer has a schema: a generated client must never get `unknown`. */
  schema: z.ZodType;
  contentType?: string;
  example?: unknown;
}

export interface OperationSpec {
  method: 'get' | 'post';
  /** Express-style path; `:param` becomes `{param}`. */
  path: string;
  /** camelCase, unique in the document: what a generated client names the call. */
  operationId: string;
  summary: string;
  tags: string[];
  /** Roles allowed (a Bearer API key); empty for open endpoints. */
  roles: readonly string[];
  /** Signed callbacks authenticate by Standard Webhooks signature instead of a key. */
  authentication?: 'webhook-signature';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
  /** At least one 2xx. 401/403/429 are added for authenticated operations when not given. */
  responses: Record<number, ResponseSpec>;
}

/** What each group of operations is for, as the document's tag list shows it. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  referrals: 'Confirmed reports taken in: one handover per reported URL',
  handovers: 'Where each URL stands: state, evidence, decision, attempts, acknowledgements, audit trail',
  supervisor: 'Decisions only a supervisor takes, each with a reason in the audit trail',
  locate: 'Evidence and routing for a URL without referring it',
  acknowledgements: 'Signed callbacks from the destinations',
  statistics: 'The figures a hotline reports',
  operations: 'Liveness, readiness, metrics and this document; open without a key',
};

const DEFS_PREFIX = '#/$defs/';
const COMPONENTS_PREFIX = '#/components/schemas/';

/** Points `#/$defs/X` references at `#/components/schemas/X`, where the document keeps them. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith(DEFS_PREFIX) ? COMPONENTS_PREFIX + v.slice(DEFS_PREFIX.length) : rewriteRefs(v),
    ]),
  );
}

/**
 * OpenAPI 3.1 uses JSON Schema 2020-12, which is what zod emits; `unrepresentable: any` keeps
 * transforms (coercions in query strings) from throwing. Schemas named with `.meta({ id })`
 * come out as `$defs` plus `#/$defs/...` references; inside an OpenAPI document `#` is the
 * document root, so those definitions move to `components.schemas` and the references follow.
 */
function toJsonSchema(schema: z.ZodType, components: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _drop, $defs, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, unknown>)) components[id] = rewriteRefs(definition);
  return rewriteRefs(rest) as Record<string, unknown>;
}

export class OpenApiRegistry {
  private readonly operations: OperationSpec[] = [];
  /** Built once: the document is open to anyone, and building it converts every schema. */
  private built: { info: object; document: Record<string, unknown> } | null = null;

  /**
   * Refuses, at start-up, an operation the linter (and a client generator) would reject, so a
   * new route cannot forget its operationId or its answers' schemas.
   */
  register(spec: OperationSpec): OperationSpec {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    if (!/^[a-z][A-Za-z0-9]*$/.test(spec.operationId ?? '')) throw new Error(`OpenAPI: ${where} needs a camelCase operationId`);
    if (this.operations.some((op) => op.operationId === spec.operationId)) throw new Error(`OpenAPI: operationId ${spec.operationId} is used twice`);
    if (this.operations.some((op) => op.method === spec.method && op.path === spec.path)) throw new Error(`OpenAPI: ${where} is registered twice`);
    const statuses = Object.keys(spec.responses).map(Number);
    if (!statuses.some((s) => s >= 200 && s < 300)) throw new Error(`OpenAPI: ${where} documents no success response`);
    for (const [status, response] of Object.entries(spec.responses)) {
      if (!(response.schema instanceof z.ZodType)) throw new Error(`OpenAPI: ${where} response ${status} has no schema`);
    }
    this.operations.push(spec);
    this.built = null;
    return spec;
  }

  /** The document, built on the first call and kept until another operation is registered. */
  document(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    if (this.built?.info !== info) this.built = { info, document: this.build(info) };
    return this.built.document;
  }

  private build(info: { title: string; version: string; description?: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schemas: Record<string, unknown> = {};
    const errorRef = () => toJsonSchema(errorSchema, schemas);
    for (const op of this.operations) {
      const path = op.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, schema] of [
        ['path', op.params],
        ['query', op.query],
      ] as const) {
        if (!schema) continue;
        for (const [name, field] of Object.entries(schema.shape)) {
          parameters.push({
            name,
            in: where,
            required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
            schema: toJsonSchema(field as z.ZodType, schemas),
          });
        }
      }
      const responses: Record<string, unknown> = Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            content: {
              [r.contentType ?? 'application/json']: { schema: toJsonSchema(r.schema, schemas), ...(r.example !== undefined ? { example: r.example } : {}) },
            },
          },
        ]),
      );
      const keyed = op.roles.length > 0;
      const signed = op.authentication === 'webhook-signature';
      const standard: Record<number, { description: string; headers?: Record<string, unknown> }> = {};
      if (keyed || signed) {
        standard[401] = {
          description: signed ? 'Missing, stale or wrong signature' : 'No valid API key',
          headers: { 'WWW-Authenticate': { description: 'The scheme to use: Bearer', schema: { type: 'string' } } },
        };
        standard[429] = {
          description: signed ? 'Too many callbacks from this address' : 'Too many requests for this key, or too many failed authentications from this address',
          headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
        };
      }
      if (keyed) standard[403] = { description: `The key's role is not one of: ${op.roles.join(', ')}` };
      // Open without a key: limited per client address instead (OPEN_RATE_LIMIT_PER_MINUTE).
      else if (!signed) standard[429] = { description: 'Too many requests from this address' };
      for (const [status, r] of Object.entries(standard)) {
        responses[status] ??= {
          description: r.description,
          ...(r.headers ? { headers: r.headers } : {}),
          content: { 'application/json': { schema: errorRef() } },
        };
      }
      paths[path] ??= {};
      paths[path]![op.method] = {
        operationId: op.operationId,
        summary: op.summary,
        tags: op.tags,
        security: keyed ? [{ bearer: [] }] : signed ? [{ webhookSignature: [] }] : [],
        ...(keyed ? { 'x-roles': op.roles } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/json': { schema: toJsonSchema(op.body, schemas), ...(op.bodyExample !== undefined ? { example: op.bodyExample } : {}) },
                },
              },
            }
          : {}),
        responses,
      };
    }
    const tags = [...new Set(this.operations.flatMap((op) => op.tags))]
      .sort()
      .map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}) }));
    return {
      openapi: '3.1.0',
      info: {
        description: 'Locates, routes, delivers and tracks confirmed hotline referrals. Errors are `{ error: { code, message, details, requestId } }`.',
        ...info,
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      // Relative: the document is served by the deployment it describes, behind whatever URL its TLS proxy has.
      servers: [{ url: '/', description: 'The deployment serving this document' }],
      tags,
      components: {
        schemas,
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `referral keys create`.' },
          webhookSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'webhook-signature',
            description:
              'Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature (HMAC-SHA256 of id.timestamp.body with an ACK_SECRETS secret).',
          },
        },
      },
      paths,
    };
  }
}
