import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodePost, PostFailure } from "../../../lambdas/webhooks/http-post";

/** A server on 127.0.0.1 answering each path as told; what it received, in order. */
let server: Server;
let port: number;
const received: { path: string; host: string | undefined; body: string }[] = [];
const answers: Record<
  string,
  (req: IncomingMessage) => { status: number; headers?: Record<string, string> } | null
> = {
  "/ok": () => ({ status: 204 }),
  "/redirect": () => ({ status: 307, headers: { Location: "/ok" } }),
  "/hang": () => null,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "", host: req.headers.host, body: Buffer.concat(chunks).toString() });
      const answer = answers[req.url ?? ""]?.(req);
      if (answer) res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

const post = (url: string, options: { addresses?: string[]; timeoutMs?: number } = {}) =>
  nodePost({
    url: new URL(url),
    addresses: (options.addresses ?? []).map((address) => ({ address, family: 4 })),
    headers: { "Content-Type": "application/json" },
    body: '{"id":"evt_1"}',
    timeoutMs: options.timeoutMs ?? 10_000,
  });

describe("nodePost: the delivery's HTTP client", () => {
  it("connects to the checked address, naming the URL's host", async () => {
    const answer = await post(`http://hooks.fynex.test:${port}/ok`, { addresses: ["127.0.0.1"] });

    expect(answer).toEqual({ statusCode: 204 });
    expect(received.at(-1)).toEqual({
      path: "/ok",
      host: `hooks.fynex.test:${port}`,
      body: '{"id":"evt_1"}',
    });
  });

  it("answers a redirect's status and does not follow it", async () => {
    const before = received.length;

    expect(await post(`http://127.0.0.1:${port}/redirect`)).toEqual({ statusCode: 307 });
    expect(received.slice(before).map((request) => request.path)).toEqual(["/redirect"]);
  });

  it("gives up when no answer comes in time", async () => {
    await expect(post(`http://127.0.0.1:${port}/hang`, { timeoutMs: 200 })).rejects.toMatchObject({
      reason: "timeout",
      detail: "no answer within 0.2 s",
    });
  });

  it("says why a connection failed, without internals", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));

    const failure = post(`http://127.0.0.1:${closedPort}/`);
    await expect(failure).rejects.toBeInstanceOf(PostFailure);
    // The tenant's reason says nothing of the port; the code is the operator's detail.
    await expect(failure).rejects.toMatchObject({ reason: "connection_failed", detail: "ECONNREFUSED" });
    await expect(failure).rejects.toThrow(/^connection_failed$/);
  });

  it("calls a failed TLS handshake a tls_error", async () => {
    // An https:// URL at a plain-HTTP server: the handshake fails.
    await expect(post(`https://127.0.0.1:${port}/`)).rejects.toMatchObject({ reason: "tls_error" });
  });
});
