/**
 * What a route returns: the status, a JSON-serialisable body (none for 204) and extra headers. A body
 * that is not JSON (an export's ndjson or csv) comes as `text`, already serialised, with its media type.
 *
 * In a module of its own, importing nothing, so that the observability middleware can name it while
 * `response.ts` (which re-exports it for the routes) logs through that middleware's logger.
 */
export interface HttpResult {
  statusCode: number;
  body?: unknown;
  text?: { contentType: string; content: string };
  headers?: Record<string, string>;
}
