/** The header every webhook delivery carries (API.md §9): `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = "Fynex-Signature";

/** How old (or how far ahead) a delivery's timestamp may be, in seconds, by default: 5 minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyWebhookOptions {
  /** The widest gap allowed between the signature's `t` and now, either way, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Now, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

const encoder = new TextEncoder();

/**
 * True when `header` (the request's `Fynex-Signature`) signs `rawBody` with `secret` (the subscription's
 * `whsec_...` secret, whole) and was made within `toleranceSeconds` of now: an HMAC-SHA256 of
 * `"<t>.<raw body>"`, Stripe's scheme. Check it on the body exactly as received (a string, or the bytes:
 * a `Buffer` is a `Uint8Array`), never on re-serialised JSON, before trusting anything in it; a stale
 * timestamp is refused, so a captured request cannot be replayed later. Any `v1` of the header may match
 * (Stripe's way of signing with two secrets at once). `header` may be Node's `req.headers["fynex-signature"]`
 * as it is.
 *
 * It runs on WebCrypto (`globalThis.crypto.subtle`: Node.js 20+, browsers, Deno, Bun, workers), hence
 * async; the comparison is WebCrypto's own HMAC verification, which takes the same time wherever the
 * signatures differ.
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  header: string | readonly string[] | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<boolean> {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  // Node gives a header sent twice as an array: read as one header, whose second `t` refuses it.
  const parsed = parseSignatureHeader(typeof header === "string" ? header : (header ?? []).join(","));
  if (parsed === undefined || !secret) return false;
  if (Math.abs(nowSeconds - parsed.timestamp) > tolerance) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const body = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  const prefix = encoder.encode(`${parsed.timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  for (const signature of parsed.signatures) {
    if (await crypto.subtle.verify("HMAC", key, signature, signed)) return true;
  }
  return false;
}

/** `t=<integer>` once and each `v1=<64 hex digits>`; undefined when the header has no valid `t` or no `v1`. */
function parseSignatureHeader(header: string): { timestamp: number; signatures: Signature[] } | undefined {
  let timestamp: number | undefined;
  const signatures: Signature[] = [];
  for (const part of header.split(",")) {
    const separator = part.indexOf("=");
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (separator < 0) continue;
    if (name === "t") {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (name === "v1" && /^[0-9a-fA-F]{64}$/.test(value)) {
      signatures.push(hexBytes(value));
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/** What WebCrypto verifies: bytes of their own (never a view of shared memory). */
type Signature = Uint8Array<ArrayBuffer>;

function hexBytes(hex: string): Signature {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
