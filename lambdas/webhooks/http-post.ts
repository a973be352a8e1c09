import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { PostWebhook, ResolveHost } from "../../contract/runtime";

/** The system resolver, every address, in the order it gives them. */
export const systemResolver: ResolveHost = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/** Why a request got no answer, as the tenant may see it (a subset of API.md §9's reasons). */
export type PostFailureReason = "timeout" | "connection_failed" | "tls_error";

/**
 * A request that got no answer: the `reason` the delivery log records, and the `detail` (an error
 * code, a timeout) that only the operator's log may hold: an address's or a port's state told to
 * the tenant would make the log a scanner of the inside (API.md §9).
 */
export class PostFailure extends Error {
  override readonly name = "PostFailure";
  constructor(
    readonly reason: PostFailureReason,
    readonly detail: string,
  ) {
    super(reason);
  }
}

/** Node's and OpenSSL's codes for a failed handshake or an unverifiable certificate. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

/** The reason of a request error that is neither our timeout nor our abort. */
export function failureOf(error: Error & { code?: string }): PostFailure {
  const code = error.code ?? error.name;
  return new PostFailure(TLS_CODE.test(code) ? "tls_error" : "connection_failed", code);
}

/**
 * POSTs with node:http(s): one fresh connection, pinned to the checked addresses, never following a
 * redirect (node's client does not), resolving as soon as the status line and headers arrive (the
 * body is not read), given up after `timeoutMs` in all.
 */
export const nodePost: PostWebhook = (request) =>
  new Promise((resolve, reject) => {
    const { url, addresses } = request;
    const pinned: LookupFunction = (_hostname, options, callback) => {
      const first = addresses[0];
      if (!first) {
        callback(Object.assign(new Error("no checked address"), { code: "ENOTFOUND" }), "", 4);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    };
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: "POST",
        headers: { ...request.headers, "Content-Length": String(Buffer.byteLength(request.body)) },
        agent: false,
        signal,
        ...(addresses.length > 0 ? { lookup: pinned } : {}),
      },
      (res) => {
        resolve({ statusCode: res.statusCode ?? 0 });
        // Only the status counts: the body is not read, and the connection is not kept.
        res.destroy();
      },
    );
    req.on("error", (error: Error & { code?: string }) => {
      if (timeout.aborted) {
        reject(new PostFailure("timeout", `no answer within ${request.timeoutMs / 1000} s`));
      } else if (request.signal?.aborted) {
        reject(new PostFailure("connection_failed", "aborted: the dispatcher stopped"));
      } else {
        reject(failureOf(error));
      }
    });
    req.end(request.body);
  });
