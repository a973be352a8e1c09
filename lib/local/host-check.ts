import type { IncomingMessage, ServerResponse } from "node:http";
import { errorEnvelope } from "../../contract/error-codes";

/**
 * DNS rebinding guard for the local servers (API, page, sign-in). A web page on another site can make
 * a name of its own resolve to 127.0.0.1 and then call the local runtime "same-origin" from the
 * browser's point of view; the one thing it cannot forge is the `Host` header, which names its own
 * domain. So every request whose `Host` is not a name of this machine's loopback (or the host the
 * runtime was told to listen on), with this server's port, is refused before any handler runs.
 */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** The `Host` values a server on `port` answers: the loopback names and the configured host. */
export function allowedHosts(configuredHost: string | undefined, port: number): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (configuredHost) names.add(configuredHost.includes(":") ? `[${configuredHost}]` : configuredHost);
  return new Set([...names].map((name) => `${name.toLowerCase()}:${port}`));
}

/** Whether a request's `Host` header names this server (exactly one, with its port). */
export function hostAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const host = req.headers.host;
  return typeof host === "string" && allowed.has(host.toLowerCase());
}

/** The refusal, in the error envelope of API.md §4 (403 `forbidden`). */
export function refuseHost(res: ServerResponse, requestId: string): void {
  const body = JSON.stringify(
    errorEnvelope("forbidden", "This server answers only to its own host name.", requestId),
  );
  res.writeHead(403, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "x-amzn-RequestId": requestId,
    Connection: "close",
  });
  res.end(body);
}
