/**
 * The page's security headers, one declaration for both places that serve it: CloudFront's response
 * headers policy deployed, `npm start` locally (API.md §10). Pure data.
 */

/** Where the page may connect: its API and, deployed, the Cognito domain that signs people in. */
export interface ConsoleOrigins {
  /** Origins the page calls with `fetch` (`'self'` locally). */
  connect: string[];
}

/**
 * No inline script or style, nothing from a third party, no framing: the page's own files, and
 * `fetch` to the API and the sign-in domain only.
 */
export function consoleContentSecurityPolicy(origins: ConsoleOrigins): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${origins.connect.join(" ")}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Two years, subdomains included: the console is HTTPS only. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** Every security header of the page, as the local server sends them (CloudFront sets the same). */
export function consoleSecurityHeaders(origins: ConsoleOrigins): Record<string, string> {
  return {
    "Content-Security-Policy": consoleContentSecurityPolicy(origins),
    "Strict-Transport-Security": `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  };
}
