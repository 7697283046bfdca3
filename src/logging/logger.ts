/**
 * Structured JSON logs (winston): a fixed message, context as fields, a child logger per
 * component. Reported URLs, classifications and evidence never go in: callers log ids, and
 * the redaction format below drops the known sensitive keys should one slip through.
 */
import winston from 'winston';
import type { Writable } from 'node:stream';
import { currentRequestId } from './request-scope.js';

export type Logger = winston.Logger;

/** Keys whose values must never reach a log line, wherever they appear. */
const SENSITIVE_KEYS = new Set(['url', 'urls', 'classification', 'evidence', 'host', 'hostname', 'body', 'authorization', 'password', 'token', 'secret']);

const withRequestId = winston.format((info) => {
  const requestId = currentRequestId();
  if (requestId !== undefined && info.requestId === undefined) info.requestId = requestId;
  return info;
});

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SENSITIVE_KEYS.has(key.toLowerCase())) info[key] = '[redacted]';
  }
  return info;
});

export interface LoggerOptions {
  level: string;
  /** Where the JSON lines go; stdout by default. Tests pass a stream to read them back. */
  stream?: Writable;
  silent?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: winston.format.combine(withRequestId(), redact(), winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json()),
    defaultMeta: { service: 'hotline-referral-router' },
    transports: [transport],
  });
}
