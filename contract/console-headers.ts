/**
 * The page's security and caching headers, one declaration for both places that serve it: CloudFront's
 * response headers policy and S3 object metadata deployed, `npm start` locally (API.md §10). Pure data.
 */

/** The origins the page talks to besides its own: the inputs of its headers, deployed and local. */
export interface ConsoleOrigins {
  /** The API's origin (the console API is cross-origin, deployed and locally). */
  api: string;
  /** The sign-in origins: the OpenID issuer (discovery, keys, token) and the login pages' origin. */
  signIn: string[];
}

/** Two years, subdomains included: the console is HTTPS only. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** The security headers as a response headers policy states them (CloudFront's shape, plain data). */
export interface ConsoleHeaderPolicy {
  contentSecurityPolicy: string;
  hstsMaxAgeSeconds: number;
  hstsIncludeSubdomains: boolean;
  frameOption: "DENY";
  contentTypeOptions: "nosniff";
  referrerPolicy: "no-referrer";
}

/**
 * No inline script or style, nothing from a third party, no framing: the page's own files, and
 * `fetch` to its own origin (`config.json`), the API and the sign-in origins only.
 */
export function consoleContentSecurityPolicy(origins: ConsoleOrigins): string {
  const connect = [...new Set(["'self'", origins.api, ...origins.signIn])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The page's header policy for these origins: what CloudFront is configured with. */
export function consoleHeaderPolicy(origins: ConsoleOrigins): ConsoleHeaderPolicy {
  return {
    contentSecurityPolicy: consoleContentSecurityPolicy(origins),
    hstsMaxAgeSeconds: HSTS_MAX_AGE_SECONDS,
    hstsIncludeSubdomains: true,
    frameOption: "DENY",
    contentTypeOptions: "nosniff",
    referrerPolicy: "no-referrer",
  };
}

/**
 * A header policy as the HTTP headers a browser receives. CloudFront renders its security headers
 * policy this way (its documentation of each setting), and the local server sends exactly these.
 */
export function headersOfPolicy(policy: ConsoleHeaderPolicy): Record<string, string> {
  return {
    "Content-Security-Policy": policy.contentSecurityPolicy,
    "Strict-Transport-Security": `max-age=${policy.hstsMaxAgeSeconds}${policy.hstsIncludeSubdomains ? "; includeSubDomains" : ""}`,
    "X-Frame-Options": policy.frameOption,
    "X-Content-Type-Options": policy.contentTypeOptions,
    "Referrer-Policy": policy.referrerPolicy,
  };
}

/** Every security header of the page, as the local server sends them (CloudFront sets the same). */
export function consoleSecurityHeaders(origins: ConsoleOrigins): Record<string, string> {
  return headersOfPolicy(consoleHeaderPolicy(origins));
}

/** A year, never revalidated: a file whose name carries its content's hash never changes. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** The HTML is revalidated at every load, so a deploy is seen at once. */
export const REVALIDATE = "no-cache";
/** Configuration is never stored: it names the stage, and changes with it. */
export const NEVER_STORE = "no-store";

/** The page's files that keep a fixed name (everything else carries a content hash). */
export const UNHASHED_FILES = ["index.html", "config.json"] as const;

/** The `Cache-Control` of one of the page's files, by name: deployed (S3 metadata) and locally alike. */
export function consoleCacheControl(fileName: string): string {
  if (fileName === "config.json") return NEVER_STORE;
  if (fileName === "index.html") return REVALIDATE;
  return IMMUTABLE;
}
