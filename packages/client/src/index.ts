/**
 * `@fynex/client`: a typed client for the Fynex API, generated from its OpenAPI document
 * (`openapi.ts`, by openapi-typescript; sent by openapi-fetch), with what integrations otherwise write
 * by hand: waiting out 429 and 503, paging, typed errors and webhook signatures.
 */
export { createFynexClient, type FynexClient, type FynexClientOptions } from "./client.js";
export {
  type ErrorEnvelope,
  FynexApiError,
  type FynexErrorCode,
  type FynexErrorDetail,
  isErrorEnvelope,
  unwrap,
} from "./errors.js";
export type * from "./openapi.js";
export { type Page, type PageFetcher, pages, paginate } from "./pages.js";
export { DEFAULT_ATTEMPTS, DEFAULT_MAX_DELAY_SECONDS, RETRIED_STATUSES, type RetryOptions } from "./retry.js";
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  type VerifyWebhookOptions,
  verifyWebhook,
} from "./webhooks.js";
