import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./openapi.js";
import { type Fetch, type RetryOptions, retrying } from "./retry.js";

/** The typed client: openapi-fetch's, over every path and JSON body of the API's document. */
export type FynexClient = Client<paths, "application/json">;

export interface FynexClientOptions {
  /**
   * Where the API answers: `https://api.fynex.solutions`, a stage's URL
   * (`https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`), or `http://127.0.0.1:3000` locally.
   * The paths (`/api/v1/accounts`) go after it.
   */
  baseUrl: string;
  /**
   * The key sent as `X-API-Key` on every request. Leave it out only for routes that authenticate
   * otherwise (the admin routes); given but empty (an unset environment variable), it is refused here.
   */
  apiKey?: string;
  /** More headers for every request; locally, the admin routes' `Authorization: Bearer <token>`. */
  headers?: Record<string, string>;
  /** Waiting out 429 and 503 by their `Retry-After`; `false` turns it off. Default: 3 attempts, 60 s at most. */
  retry?: RetryOptions | false;
  /** The `fetch` to send with (a SigV4-signing one for the admin routes deployed, say). Default: the global one. */
  fetch?: Fetch;
}

/**
 * A client for the Fynex API: every route of its OpenAPI document, typed (paths, parameters, bodies,
 * answers), sending the key as `X-API-Key` and waiting out 429 and 503 by `Retry-After`. Each method
 * (`GET`, `POST`, `PATCH`, `DELETE`) resolves to openapi-fetch's `{ data, error, response }`; pass it to
 * `unwrap` to get the data or a thrown `FynexApiError`.
 */
export function createFynexClient(options: FynexClientOptions): FynexClient {
  if ("apiKey" in options && !options.apiKey) {
    throw new TypeError("apiKey is empty: pass the key (fynex_k_...), or leave the option out.");
  }
  // Resolved at each call, not now, so a test (or a polyfill) that replaces the global is honoured.
  const send: Fetch = options.fetch ?? ((request) => globalThis.fetch(request));
  return createClient<paths, "application/json">({
    baseUrl: options.baseUrl,
    headers: { ...options.headers, ...(options.apiKey ? { "X-API-Key": options.apiKey } : {}) },
    fetch: options.retry === false ? send : retrying(send, options.retry),
  });
}
