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
      return fromHttpError(error as Error & { status?: unknown; statusCode?: unknown });
  }
}

/**
 * Any other client error express or body-parser flagged with a 4xx status: a truncated or
 * corrupt gzip/deflate/br body, a path with malformed percent-encoding (`/v1/acks/%ZZ`), an
 * aborted upload. Their messages quote the client's undecoded input, so neither the message
 * nor the input is repeated in the answer or the logs.
 */
function fromHttpError(error: Error & { status?: unknown; statusCode?: unknown }): ServiceError | null {
  const status = typeof error.status === 'number' ? error.status : typeof error.statusCode === 'number' ? error.statusCode : null;
  if (status === null || status < 400 || status > 499) return null;
  if (status === 415) return new ServiceError('unsupported_encoding', 415, 'The request body encoding is not supported.');
  if (status === 413) return new ServiceError('body_too_large', 413, 'The request body is too large.');
  if (error instanceof URIError || /decode param/i.test(error.message))
    return new ServiceError('malformed_path', 400, 'The request path has malformed percent-encoding.');
  return new ServiceError('bad_request', 400, 'The request could not be read (malformed body or content encoding).');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown, req, res, _next) => {
    const error = coerceError(thrown);
    const known = error instanceof ServiceError ? error : fromBodyParser(error as Error & { type?: string });
    if (!known) {
      logger.error('request failed', { component: 'http', requestId: req.requestId, error: error.message });
    } else if (known.status >= 500) {
      logger.warn('request failed', {
        component: 'http',
        requestId: req.requestId,
        code: known.code,
        error: error.cause ? coerceError(error.cause).message : undefined,
      });
    }
    const status = known?.status ?? 500;
    // RFC 9110 §11.6.1: a 401 names the scheme to use. Callbacks (/v1/acks) are signed instead.
    if (status === 401 && !res.hasHeader('WWW-Authenticate')) res.setHeader('WWW-Authenticate', 'Bearer realm="hotline-referral-router"');
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
    // req.path is still percent-encoded: it names what was asked without decoding anything.
    throw new ServiceError('route_not_found', 404, `No route for ${req.method} ${req.path}.`);
  };
}
