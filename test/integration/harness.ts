import { request as httpRequest } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../lib/local/runtime";

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
}

/** One HTTP request over a fresh socket, with full control of header names and repeats. */
export function call(baseUrl: string, path: string, options: Call = {}): Promise<Reply> {
  const url = new URL(path, baseUrl);
  // Raw header pairs replace Node's defaults, Host included (HTTP/1.1 servers refuse a request without it).
  const headers: string[] = ["Host", url.host];
  for (const [name, value] of options.headers ?? []) headers.push(name, value);
  let payload: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    if (!(options.headers ?? []).some(([name]) => name.toLowerCase() === "content-type")) {
      headers.push("Content-Type", "application/json");
    }
  }
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      {
        method: options.method ?? "GET",
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers,
        agent: false,
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

/** Admin calls of the local runtime: the bearer token stands in for SigV4. */
export function admin(local: LocalRuntime, method: string, path: string, body?: unknown): Promise<Reply> {
  return call(local.url, path, { method, headers: [["Authorization", `Bearer ${local.adminToken}`]], body });
}

/** Creates a key and returns its record plus the key itself. */
export async function createKey(
  local: LocalRuntime,
  orgId: string,
  input: { name?: string; scopes: string[]; expiresAt?: string },
) {
  const reply = await admin(local, "POST", `/admin/v1/orgs/${orgId}/api-keys`, {
    name: "test key",
    ...input,
  });
  if (reply.status !== 201) throw new Error(`create key failed: ${reply.status} ${reply.text}`);
  return reply.json as { id: string; key: string; [field: string]: unknown };
}

/** A business call with a key. */
export function withKey(
  local: LocalRuntime,
  key: string,
  path: string,
  options: Omit<Call, "headers"> & { headers?: [string, string][] } = {},
) {
  return call(local.url, path, { ...options, headers: [["X-API-Key", key], ...(options.headers ?? [])] });
}
