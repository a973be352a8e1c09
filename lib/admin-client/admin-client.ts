/**
 * A small client of the admin API (API.md §5) for the `fynex-keys` CLI: the local runtime with its
 * bearer admin token, or a deployed stage with SigV4. It sends JSON, reads JSON, and hands back the
 * status with the body; it never logs anything (a create's answer holds a key).
 */

/** How a call is authenticated. */
export interface AdminAuth {
  headers(method: string, url: URL, body: string | undefined): Promise<[string, string][]>;
}

/** The local runtime: `Authorization: Bearer <admin token>`. */
export function bearerAuth(token: string): AdminAuth {
  return { headers: async () => [["Authorization", `Bearer ${token}`]] };
}

/**
 * A deployed stage: SigV4 for `execute-api` in `region`, credentials from the default chain. The
 * signer and the credential chain are loaded on first use only: local use never pays for them.
 */
export function sigV4Auth(region: string): AdminAuth {
  let signing: Promise<(method: string, url: URL, body: string | undefined) => Promise<[string, string][]>>;
  return {
    headers: async (method, url, body) => {
      signing ??= import("./sigv4").then(({ executeApiSigner, signedHeaders }) => {
        const signer = executeApiSigner(region);
        return (m: string, u: URL, b: string | undefined) => signedHeaders(signer, m, u, b);
      });
      return (await signing)(method, url, body);
    },
  };
}

/** `https://<id>.execute-api.<region>.amazonaws.com/...` names its region; a custom domain does not. */
export function regionOfUrl(url: URL): string | undefined {
  return /^[a-z0-9]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/.exec(
    url.hostname,
  )?.[1];
}

export interface AdminReply {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
}

export interface AdminRequest {
  method: "GET" | "POST" | "PATCH" | "PUT";
  /** Under the base URL, e.g. `/admin/v1/orgs/acme/api-keys`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: AdminAuth,
  ) {}

  /** The URL of `path` under the base URL, whose own path (a stage name) is kept. */
  urlOf(path: string, query: Record<string, string | undefined> = {}): URL {
    const url = new URL(`${this.baseUrl.replace(/\/$/, "")}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    return url;
  }

  async request(request: AdminRequest): Promise<AdminReply> {
    const url = this.urlOf(request.path, request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers = new Headers(request.headers);
    for (const [name, value] of await this.auth.headers(request.method, url, body)) headers.set(name, value);
    if (body !== undefined) headers.set("Content-Type", "application/json");
    const response = await fetch(url, { method: request.method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

/** The error envelope of API.md §4, when a body is one. */
export interface ApiError {
  code: string;
  message: string;
  requestId?: string;
  details?: { path: string; message: string }[];
}

export function apiErrorOf(body: unknown): ApiError | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return error as ApiError;
}
