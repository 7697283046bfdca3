/**
 * The OpenAPI document is built from the same zod schemas that validate requests: each route
 * file registers its operations here, so documentation and validation cannot drift apart.
 */
import { z } from 'zod';

export interface OperationSpec {
  method: 'get' | 'post';
  /** Express-style path; `:param` becomes `{param}`. */
  path: string;
  summary: string;
  tags: string[];
  /** Roles allowed; empty for open endpoints. */
  roles: readonly string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const DEFS_PREFIX = '#/$defs/';
const COMPONENTS_PREFIX = '#/components/schemas/';

/** Points `#/$defs/X` references at `#/components/schemas/X`, where the document keeps them. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith(DEFS_PREFIX) ? COMPONENTS_PREFIX + v.slice(DEFS_PREFIX.length) : rewriteRefs(v)]),
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

  register(spec: OperationSpec): OperationSpec {
    this.operations.push(spec);
    return spec;
  }

  document(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schemas: Record<string, unknown> = {};
    for (const op of this.operations) {
      const path = op.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, schema] of [['path', op.params], ['query', op.query]] as const) {
        if (!schema) continue;
        for (const [name, field] of Object.entries(schema.shape)) {
          parameters.push({ name, in: where, required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success, schema: toJsonSchema(field as z.ZodType, schemas) });
        }
      }
      paths[path] ??= {};
      paths[path]![op.method] = {
        summary: op.summary,
        tags: op.tags,
        ...(op.roles.length ? { security: [{ bearer: [] }], 'x-roles': op.roles } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(op.body, schemas) } } } } : {}),
        responses: Object.fromEntries(
          Object.entries(op.responses).map(([status, r]) => [
            status,
            { description: r.description, ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: toJsonSchema(r.schema, schemas) } } } : {}) },
          ]),
        ),
      };
    }
    return {
      openapi: '3.1.0',
      info,
      components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `referral keys create`.' } } },
      paths,
    };
  }
}
