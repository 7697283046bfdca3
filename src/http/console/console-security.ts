/**
 * What every console answer carries, and what every unsafe request must show. The policy is
 * strict: scripts, styles, images and connections from the service itself only, no inline
 * script or style, no framing, forms that post only back here. Pages are never cached (they
 * hold reported URLs), and a POST must come from a console page: Sec-Fetch-Site or Origin
 * must say same-origin, on top of the CSRF token each form carries.
 */
import type { RequestHandler } from 'express';

const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function consoleHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    // same-origin: the console's own requests keep their Origin; nothing leaks to other sites.
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    next();
  };
}

/**
 * True when an unsafe request comes from another site. Browsers send Sec-Fetch-Site, which
 * decides; without it (older browsers, curl) Origin must name this host when it is sent.
 */
export function isCrossSite(headers: { secFetchSite?: string | undefined; origin?: string | undefined; host?: string | undefined }): boolean {
  if (headers.secFetchSite) return !['same-origin', 'none'].includes(headers.secFetchSite);
  if (headers.origin === undefined) return false;
  try {
    return new URL(headers.origin).host !== headers.host;
  } catch {
    return true; // "null" (a sandboxed or privacy-stripped origin) or garbage
  }
}
