/**
 * The one place that turns errors into answers: JSON `{ error: { code, message, details,
 * requestId } }` with the error's status (contract §3). Unknown errors are 500 and logged with
 * the request id, never with the request's content.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ServiceError, coerceError } from '../../domain/errors.js';
import type { Logger } from '../../logging/logger.js';

/** Errors raised by express's own body parser, mapped to our codes. */
function fromBodyParser(error: Error & { type?: string }): ServiceError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new ServiceError('malformed_json', 400, 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new ServiceError('body_too_large', 413, 'The request body is too large.');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ServiceError('unsupported_encoding', 415, 'The request body encoding is not supported.');
    default:
      return null;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown, req, res, _next) => {
    const error = coerceError(thrown);
    const known = error instanceof ServiceError ? error : fromBodyParser(error as Error & { type?: string });
    if (!known) {
      logger.error('request failed', { component: 'http', requestId: req.requestId, error: error.message });
    } else if (known.status >= 500) {
      logger.warn('request failed', { component: 'http', requestId: req.requestId, code: known.code, error: error.cause ? coerceError(error.cause).message : undefined });
    }
    const status = known?.status ?? 500;
    res.status(status).json({
      error: {
        code: known?.code ?? 'internal_error',
        message: known?.message ?? 'Something went wrong; the request id identifies it in the logs.',
        ...(known?.details !== undefined ? { details: known.details } : {}),
        requestId: req.requestId,
      },
    });
  };
}

export function notFound(): RequestHandler {
  return (req) => {
    throw new ServiceError('route_not_found', 404, `No route for ${req.method} ${req.path}.`);
  };
}
