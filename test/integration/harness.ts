import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../lib/local/runtime";
import { localTarget, REMOTE_BASE_URL, remoteTarget, type Target } from "./target";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A clock the test moves by hand, so expiry and window boundaries are exact. */
export class ManualClock {
  constructor(public nowMs: number) {}
  readonly now = (): number => this.nowMs;
  set(ms: number): void {
    this.nowMs = ms;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export function startLocal(options: Partial<LocalRuntimeOptions> = {}): Promise<LocalRuntime> {
  return startLocalRuntime({ projectRoot: PROJECT_ROOT, port: 0, ttlSweepIntervalMs: 3_600_000, ...options });
}

/**
 * The deployed stage named by `FYNEX_BASE_URL`, or else a local runtime started with `options`
 * (local-only options such as `clock` then simply go unused: the tests that need them skip remotely).
 */
export async function startTarget(
  options: Partial<LocalRuntimeOptions> = {},
): Promise<Target & { close(): Promise<void> }> {
  if (REMOTE_BASE_URL) return { ...remoteTarget(REMOTE_BASE_URL), close: async () => undefined };
  const local = await startLocal(options);
  return { ...localTarget(local), close: () => local.close() };
}

/**
 * The target of one test file: started before its tests (the stage of `FYNEX_BASE_URL`, or a local
 * runtime with `options`, e.g. a manual clock's `now`), closed after them. Use it inside tests only: it
 * is there once `beforeAll` has run.
 */
export function useTarget(options: Partial<LocalRuntimeOptions> = {}): Target {
  let started: (Target & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    started = await startTarget(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = () => {
    if (!started) throw new Error("the target starts in beforeAll: use it inside a test or a hook");
    return started;
  };
  return {
    get url() {
      return current().url;
    },
    get local() {
      return current().local;
    },
    adminHeaders: (...args) => current().adminHeaders(...args),
  };
}

export interface Reply {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  json: any;
}

export interface Call {
  method?: string;
  /** Sent as raw header pairs, so names keep their casing and a name may repeat. */
  headers?: [string, string][];
  body?: unknown;
  /** A raw body, sent as is. */
  rawBody?: string | Buffer;
  /** The source address to connect from (any 127.x.y.z works on Linux loopback). */
  localAddress?: string;
}

/** `path` under the base URL, whose own path (a deployed stage's name) is kept. */
export function urlOf(baseUrl: string, path: string): URL {
  return new URL(`${baseUrl.replace(/\/$/, "")}${path}`);
}

/** One HTTP request over a fresh socket, with full control of header names and repeats. */
export function call(baseUrl: string, path: string, options: Call = {}): Promise<Reply> {
  const url = urlOf(baseUrl, path);
  // Raw header pairs replace Node's defaults, Host included (HTTP/1.1 servers refuse a request without
  // it): the URL's, unless the call names its own (a forged one, in DNS-rebinding tests).
  const named = (options.headers ?? []).some(([name]) => name.toLowerCase() === "host");
  const headers: string[] = named ? [] : ["Host", url.host];
  for (const [name, value] of options.headers ?? []) headers.push(name, value);
  let payload: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    if (!(options.headers ?? []).some(([name]) => name.toLowerCase() === "content-type")) {
      headers.push("Content-Type", "application/json");
    }
  }
  return new Promise((resolvePromise, reject) => {
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(
      {
        method: options.method ?? "GET",
        // An IPv6 literal's URL hostname keeps its brackets (`[::1]`); the socket wants the address.
        host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port,
        path: url.pathname + url.search,
        headers,
        agent: false,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const replyHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            replyHeaders[name] = Array.isArray(value) ? value.join(", ") : String(value);
          }
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolvePromise({ status: res.statusCode ?? 0, headers: replyHeaders, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** An admin call as sent (any headers, a raw body), authenticated: a bearer token locally, SigV4 deployed. */
export async function adminCall(target: Target, path: string, options: Call = {}): Promise<Reply> {
  const method = options.method ?? "GET";
  const rawBody = options.body === undefined ? options.rawBody : JSON.stringify(options.body);
  const body = rawBody === undefined ? undefined : rawBody.toString();
  const auth = await target.adminHeaders(method, urlOf(target.url, path), body);
  const headers = [...auth, ...(options.headers ?? [])];
  if (options.body !== undefined) headers.push(["Content-Type", "application/json"]);
  return call(target.url, path, { method, headers, rawBody: body });
}

/** An admin call with a JSON body (or none). */
export function admin(target: Target, method: string, path: string, body?: unknown): Promise<Reply> {
  return adminCall(target, path, { method, body });
}

/** Creates a key and returns its record plus the key itself. */
export async function createKey(
  target: Target,
  orgId: string,
  input: {
    name?: string;
    scopes: string[];
    expiresAt?: string;
    rateLimit?: { limit: number };
    allowedIps?: string[];
  },
) {
  const reply = await admin(target, "POST", `/admin/v1/orgs/${orgId}/api-keys`, {
    name: "test key",
    ...input,
  });
  if (reply.status !== 201) throw new Error(`create key failed: ${reply.status} ${reply.text}`);
  return reply.json as { id: string; key: string; [field: string]: unknown };
}

/**
 * Creates `count` keys named `k0`, `k1`, … for `orgId`, one second apart on `clock`, so the org's list
 * (newest first) has a known order; returns their ids, oldest first.
 */
export async function createKeys(target: Target, clock: ManualClock, orgId: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await createKey(target, orgId, { name: `k${i}`, scopes: ["accounts:read"] })).id);
    clock.advance(1000);
  }
  return ids;
}

/** A business call with a key. */
export function withKey(target: Target, key: string, path: string, options: Call = {}) {
  return call(target.url, path, { ...options, headers: [["X-API-Key", key], ...(options.headers ?? [])] });
}
