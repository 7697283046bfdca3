/**
 * Request validation with the route's own zod schemas; a failure answers 400 with the zod
 * issues (paths and messages, never the submitted values) and changes nothing.
 */
import type { Request } from 'express';
import type { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';

function describeIssues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`The ${what} is not valid.`, describeIssues(result.error));
  return result.data;
}

export const parseBody = <S extends z.ZodType>(schema: S, req: Request) => parseWith(schema, req.body, 'request body');
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request) => parseWith(schema, req.query, 'query string');
export const parseParams = <S extends z.ZodType>(schema: S, req: Request) => parseWith(schema, req.params, 'path');
