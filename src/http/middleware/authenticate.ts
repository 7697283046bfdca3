/**
 * Bearer API keys (contract §3). Keys are looked up by the SHA-256 of the presented secret in
 * constant time; the role decides what the caller may do.
 */
import type { RequestHandler } from 'express';
import { findApiKey, type ApiKeyEntry, type KeyRole } from '../../config/api-keys.js';
import { ForbiddenError, UnauthenticatedError } from '../../domain/errors.js';

export function authenticate(keys: readonly ApiKeyEntry[]): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthenticatedError();
    const entry = findApiKey(keys, match[1]!);
    if (!entry) throw new UnauthenticatedError('The API key is not valid.');
    req.caller = { keyName: entry.name, role: entry.role };
    next();
  };
}

export function allowRoles(roles: readonly KeyRole[]): RequestHandler {
  return (req, _res, next) => {
    const role = req.caller?.role;
    if (!role || !roles.includes(role)) throw new ForbiddenError(`This action needs the role ${roles.join(' or ')}.`);
    next();
  };
}
