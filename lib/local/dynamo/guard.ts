import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { jsonReply, type Reply } from "./wire";

/** The credential the runtime's own clients sign with; a new one every run. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A fresh per-run credential: nothing outside this process (no web page, no other local process) knows it. */
export function runCredentials(): LocalCredentials {
  return {
    accessKeyId: `LOCAL${randomBytes(16).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(32).toString("base64url"),
  };
}

/**
 * Who may talk to the emulator's endpoint (docs/DECISIONS.md #111). dynalite accepts any signature
 * and answers any web page's CORS preflight with `Access-Control-Allow-Origin: *`; behind this,
 * only a request signed with this run's access key id gets through. Anything from a browser (an `Origin` header, an `OPTIONS` preflight) is refused
 * before the credential is even looked at, with no CORS header, so no page can read the answer.
 * Returns the refusal to send, or undefined to let the request in.
 */
export function refusal(req: IncomingMessage, credentials: LocalCredentials): Reply | undefined {
  if (req.method === "OPTIONS" || req.headers.origin !== undefined) {
    return jsonReply(403, {
      __type: "com.amazon.coral.service#AccessDeniedException",
      message: "Browser requests are not accepted.",
    });
  }
  const presented = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
  if (!sameSecret(presented, credentials.accessKeyId)) {
    return jsonReply(400, {
      __type: "com.amazon.coral.service#UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
  }
  return undefined;
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
