import { unwrap } from "./errors.js";

/**
 * A page as the API answers one: a list's `{ items, nextCursor }` (API.md §5, §6), or an export's
 * array, whose next page is named by a `Link: <...cursor=...>; rel="next"` header (RFC 8288).
 */
export type Page<T> = { items: T[]; nextCursor: string | null } | T[];

/** A call of the client for the page at `cursor` (undefined: the first), as the client resolves it. */
export type PageFetcher<P> = (
  cursor: string | undefined,
) => Promise<{ data?: P; error?: unknown; response: Response }>;

/**
 * Every page of a list, in order, each as the API answered it (`{ items, nextCursor }`, or an export's
 * array). The call names the route and its query; this passes it each next cursor:
 *
 * ```ts
 * for await (const page of pages((cursor) => fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }))) {
 *   console.log(page.items.length);
 * }
 * ```
 *
 * A non-2xx answer throws {@link FynexApiError} (after the client's retries), wherever the walk is.
 */
export async function* pages<P extends Page<unknown>>(fetchPage: PageFetcher<P>): AsyncGenerator<P, void> {
  let cursor: string | undefined;
  do {
    const result = await fetchPage(cursor);
    const page = unwrap(result);
    yield page;
    cursor = nextCursorOf(page, result.response);
  } while (cursor !== undefined);
}

/**
 * Every item of a list, across all its pages, fetched one page at a time as the loop asks:
 *
 * ```ts
 * for await (const account of paginate((cursor) => fynex.GET("/api/v1/accounts", { params: { query: { cursor } } }))) {
 *   console.log(account.name);
 * }
 * ```
 */
export async function* paginate<T>(fetchPage: PageFetcher<Page<T>>): AsyncGenerator<T, void> {
  for await (const page of pages(fetchPage)) yield* Array.isArray(page) ? page : page.items;
}

/** The next page's cursor: the body's `nextCursor`, or the `cursor` of the `Link` header's `rel="next"`. */
export function nextCursorOf(
  page: Page<unknown>,
  response: Pick<Response, "headers" | "url">,
): string | undefined {
  if (!Array.isArray(page)) return page.nextCursor ?? undefined;
  const next = nextLink(response.headers.get("Link"));
  if (next === undefined) return undefined;
  // The reference is relative to the URL called; only its cursor matters (the rest is the same query).
  return new URL(next, response.url || "http://localhost/").searchParams.get("cursor") ?? undefined;
}

/** The target of the `rel="next"` link of a `Link` header (RFC 8288), if any. */
function nextLink(header: string | null): string | undefined {
  for (const link of header?.matchAll(/<([^>]*)>([^,<]*)/g) ?? []) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;"]+))/i.exec(link[2] ?? "");
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next")) return link[1];
  }
  return undefined;
}
