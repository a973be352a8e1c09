import { Agent, request } from "node:http";
import { connect } from "node:net";
import { expect } from "vitest";

/** What a hardening test keeps of an answer: status, lower-cased headers, body, and when it was sent. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
  json: any;
  /** `performance.now()` just before the request was handed to Node: never later than the real send. */
  sentAt: number;
  /** `performance.now()` when the answer's head arrived: never earlier than the real arrival. */
  answeredAt: number;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export interface Send {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A keep-alive HTTP client for load: `maxSockets` connections reused across requests, as a real
 * integration's client pool would be. `destroy` closes them all.
 */
export function keepAliveClient(baseUrl: string, maxSockets: number) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = ({ method = "GET", path, headers = {}, body }: Send): Promise<Answer> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: payload === undefined ? headers : { "Content-Type": "application/json", ...headers },
        },
        (res) => {
          const answeredAt = performance.now();
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const lower: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) lower[name] = String(value);
            resolve({
              status: res.statusCode ?? 0,
              headers: lower,
              text,
              json: parseJson(text),
              sentAt,
              answeredAt,
            });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  };
  return { send, destroy: () => agent.destroy() };
}

/**
 * One request written byte for byte on a fresh socket (no client-side checks: control characters,
 * bad percent-encoding, repeated or oversized headers all go out as given), with `Connection: close`
 * so the answer ends when the server closes. The socket is never half-closed: a server may drop a
 * request whose client has finished sending before the answer.
 */
export function rawRequest(
  baseUrl: string,
  requestLine: string,
  headers: readonly string[],
  body: Buffer | string = "",
): Promise<Omit<Answer, "sentAt" | "answeredAt">> {
  const url = new URL(baseUrl);
  const payload = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const head = [
    requestLine,
    `Host: ${url.host}`,
    "Connection: close",
    ...headers,
    `Content-Length: ${payload.length}`,
    "",
    "",
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A server may answer and close while the body is still going out (an oversized one): the
    // write then fails, but the answer has arrived. Only a socket that brought nothing is an error.
    socket.on("error", (error) => {
      failure = error;
    });
    socket.on("close", () => {
      if (chunks.length === 0) {
        reject(failure ?? new Error("the server closed the connection without an answer"));
        return;
      }
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf("\r\n\r\n");
      const headText = raw.subarray(0, split < 0 ? raw.length : split).toString("latin1");
      const [statusLine = "", ...headerLines] = headText.split("\r\n");
      const replyHeaders: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        if (colon > 0) replyHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const text = split < 0 ? "" : raw.subarray(split + 4).toString("utf8");
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers: replyHeaders,
        text,
        json: parseJson(text),
      });
    });
    // Latin-1 keeps every byte of the head as written (non-ASCII header bytes included).
    socket.write(Buffer.from(head, "latin1"));
    socket.write(payload);
  });
}

/**
 * The error envelope of API.md §4. Its request id is `x-amzn-RequestId`'s, which every answer
 * carries; a function's answer repeats it in `X-Request-Id`, a gateway answer has none (API.md §3).
 */
export function expectEnvelope(
  answer: { status: number; headers: Record<string, string>; json: unknown; text: string },
  status?: number,
  code?: string,
) {
  if (status !== undefined) expect(answer.status, answer.text).toBe(status);
  expect(answer.json, answer.text).toEqual({
    error: {
      code: code ?? expect.any(String),
      message: expect.any(String),
      requestId: answer.headers["x-amzn-requestid"],
      details: expect.any(Array),
    },
  });
  const functionId = answer.headers["x-request-id"];
  if (functionId !== undefined) expect(functionId).toBe(answer.headers["x-amzn-requestid"]);
}

/** Runs `tasks` with at most `concurrency` in flight; resolves when every one has settled. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}
