/**
 * What a function needs of its proxy event to build a link: the route it serves (`resource`, the route
 * table's path) and the path the client really called (`requestContext.path`).
 */
export interface CalledRoute {
  resource: string;
  requestContext: { path: string };
}

/** A stage name or a base path mapping's segment; anything else is not used in a header. */
const PREFIX_SEGMENT = /^[A-Za-z0-9._~-]+$/;

const segments = (path: string) => path.split("/").filter((segment) => segment !== "");

/**
 * The part of the called path in front of the route's own path: `/prod` on a bare stage URL, the base
 * path on a custom domain mapped below its root, nothing on a domain mapped at its root (the product's
 * documented shape) or on the local runtime.
 *
 * Why `requestContext.path`: it is the path of the URL the client called, stage or base path included,
 * whereas the top-level `path` drops the stage on the default URL yet keeps a custom domain's base
 * path. The route's own path is the trailing part with as many segments as the route table's path
 * (our routes are concrete resources, never greedy `{proxy+}` ones), so the prefix is what remains in
 * front, whatever the path parameters' encoding.
 */
export function calledPrefix(event: CalledRoute): string {
  const called = segments(event.requestContext.path);
  const own = segments(event.resource).length;
  const prefix = called.slice(0, Math.max(0, called.length - own));
  // The prefix is the stage or a base path API Gateway matched; never echo anything unexpected.
  if (!prefix.every((segment) => PREFIX_SEGMENT.test(segment))) return "";
  return prefix.map((segment) => `/${segment}`).join("");
}

/**
 * A root-relative reference to `path` (a route table path, `/api/v1/...`) that resolves against the
 * URL the client called (API.md §6): `/api/v1/accounts/{id}` on a custom domain at its root,
 * `/prod/api/v1/accounts/{id}` on a bare stage URL. Every `Location` and `Link` is built by it.
 */
export function linkTo(event: CalledRoute, path: string): string {
  return `${calledPrefix(event)}${path}`;
}

/**
 * The RFC 8288 `Link` to the next page of the export at `path` (already resolved for the URL called,
 * by `linkTo`): the request's own query (parameters in the order given, values as given) with the new
 * cursor. A root-relative reference carrying the stage or base path the client called through, so it
 * stays right behind a stage name, a custom domain, the local runtime, and a trailing slash alike.
 */
export function nextLink(path: string, query: Record<string, string | undefined> | null, cursor: string) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (name !== "cursor" && value !== undefined) params.append(name, value);
  }
  params.append("cursor", cursor);
  return `<${path}?${params.toString()}>; rel="next"`;
}

/**
 * A route's answer with its `Location` (a route table path, as services and stored idempotent answers
 * hold it) resolved for the URL called now: a replay through another domain gets that domain's link.
 */
export function withCalledLocation<R extends { headers?: Record<string, string> }>(
  event: CalledRoute,
  result: R,
): R {
  const location = result.headers?.Location;
  if (location === undefined) return result;
  return { ...result, headers: { ...result.headers, Location: linkTo(event, location) } };
}
