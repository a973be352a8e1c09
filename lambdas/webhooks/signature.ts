import { createHmac } from "node:crypto";

/** The header every delivery carries (API.md §9). */
export const SIGNATURE_HEADER = "Fynex-Signature";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the subscription's secret
 * (the whole `whsec_...` string, as the create answer showed it). Stripe's scheme: the timestamp is
 * signed with the body, so a receiver can refuse a replay older than a few minutes.
 */
export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  const v1 = createHmac("sha256", secret).update(`${t}.${rawBody}`, "utf8").digest("hex");
  return `t=${t},v1=${v1}`;
}
