/** Schemas and role sets more than one route file uses. */
import { z } from 'zod';
import type { KeyRole } from '../../config/api-keys.js';

export const READ_ROLES: readonly KeyRole[] = ['analyst', 'supervisor', 'service'];
export const SUPERVISOR_ONLY: readonly KeyRole[] = ['supervisor'];

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), requestId: z.string().optional() }),
  })
  .meta({ id: 'Error' });
