import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpenApiRegistry, type OperationSpec } from './openapi-registry.js';

const operation = (path: string, operationId: string): OperationSpec => ({
  method: 'get',
  path,
  operationId,
  summary: 'test',
  tags: ['operations'],
  roles: [],
  responses: { 200: { description: 'ok', schema: z.object({ status: z.literal('ok') }) } },
});

describe('OpenApiRegistry', () => {
  it('builds the document once (it is open to anyone), and again only after another operation is registered', () => {
    const registry = new OpenApiRegistry();
    registry.register(operation('/a', 'getA'));
    const info = { title: 't', version: '1' };
    const first = registry.document(info);
    expect(registry.document(info)).toBe(first);
    registry.register(operation('/b', 'getB'));
    const second = registry.document(info);
    expect(second).not.toBe(first);
    expect(Object.keys(second.paths as object)).toEqual(['/a', '/b']);
  });
});
