import type {
  CreateKeyBody,
  KeyListItem,
  KeyOperationAnswers,
  KeyPolicyBody,
  KeyRecord,
  RotateKeyBody,
  UpdateKeyBody,
} from "../../contract/api-types";
import type { ErrorEnvelope } from "../../contract/error-codes";

/** A key-management operation the page calls, by the name under which the contract gives its answer. */
type Operation = keyof KeyOperationAnswers;

/**
 * A key as the list shows it: a listed key has its last 7 days (`lastSevenDays`); a record just
 * created or changed on the page has none until the list is read again.
 */
export type ListedKey = KeyRecord & Partial<Pick<KeyListItem, "lastSevenDays">>;

/** The page's name for each field a detail's `path` starts with (`scopes[2]`: Scopes). */
const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  scopes: "Scopes",
  expiresAt: "Expiry date",
  rateLimit: "Requests per window",
  allowedIps: "Allowed addresses",
  gracePeriodSeconds: "Grace period",
  maxLifetimeDays: "Maximum lifetime",
  allowedScopes: "Allowed scopes",
  requireAllowlist: "Require an IP allowlist",
  rotateAfterDays: "Remind to rotate after",
};

/**
 * What people read of an error answer: the envelope's message, followed by what its details say of
 * each field, named as the page labels it (API.md §4), so that a refusal such as a key policy's (§12)
 * says what to change and where.
 */
function messageOf(error: Partial<ErrorEnvelope["error"]> | undefined, status: number): string {
  if (typeof error?.message !== "string") return `The API answered ${status}.`;
  const details = (error.details ?? []).filter((detail) => typeof detail?.message === "string");
  return [error.message, ...details.map(readDetail)].join(" ");
}

function readDetail({ path, message }: { path?: string; message: string }): string {
  const field = typeof path === "string" ? /^[A-Za-z]+/.exec(path)?.[0] : undefined;
  const label = field === undefined ? undefined : FIELD_LABELS[field];
  return label === undefined ? message : `${label}: ${message}`;
}

/** An API error as people read it: the envelope's message and its details' (API.md §4). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface ConsoleApiOptions {
  /** Where `/console/v1` lives: the API's origin, apart from the page's (locally and deployed). */
  baseUrl: string;
  /** The current bearer token (the ID token). */
  token: () => string | undefined;
  /** The API no longer takes the token: a new one without leaving the page, true when renewed. */
  renew: () => Promise<boolean>;
  /** Renewing failed: the page shows the sign-in again. */
  onSignedOut: () => void;
}

/**
 * The one place the page turns a JSON answer into a typed one: the answer of `operation` as the
 * contract gives it (`contract/api-types.ts`). Not checked field by field: the server builds the answer
 * typed with the same contract type, and a check would put a schema library in the page for an answer
 * of its own API. Every method below names its operation; no caller picks an answer's type.
 */
function answerOf<O extends Operation>(_operation: O, payload: unknown): KeyOperationAnswers[O] {
  return payload as KeyOperationAnswers[O];
}

/** The console API (API.md §10): the admin API's operations for the signed-in person's org. */
export class ConsoleApi {
  constructor(private readonly options: ConsoleApiOptions) {}

  /** The org's keys; with `unusedForDays`, only the active keys unused that long (API.md §11). */
  listKeys(cursor?: string, unusedForDays?: number): Promise<KeyOperationAnswers["listKeys"]> {
    const query = new URLSearchParams();
    if (cursor) query.set("cursor", cursor);
    if (unusedForDays) query.set("unusedForDays", String(unusedForDays));
    const search = query.toString();
    return this.call("listKeys", "GET", `/api-keys${search ? `?${search}` : ""}`);
  }
  /** One page of the org's active keys, 100 at a time (the most the API gives): for org-wide counts. */
  listActiveKeys(cursor?: string): Promise<KeyOperationAnswers["listKeys"]> {
    const query = new URLSearchParams({ status: "active", limit: "100" });
    if (cursor) query.set("cursor", cursor);
    return this.call("listKeys", "GET", `/api-keys?${query}`);
  }
  /** A key's usage history per hour or day from `from` to now (API.md §11). */
  keyUsage(
    id: string,
    granularity: "hour" | "day",
    from: string,
  ): Promise<KeyOperationAnswers["getKeyUsage"]> {
    const query = new URLSearchParams({ granularity, from });
    return this.call("getKeyUsage", "GET", `/api-keys/${encodeURIComponent(id)}/usage?${query}`);
  }
  getKey(id: string): Promise<KeyOperationAnswers["getKey"]> {
    return this.call("getKey", "GET", `/api-keys/${encodeURIComponent(id)}`);
  }
  createKey(body: CreateKeyBody): Promise<KeyOperationAnswers["createKey"]> {
    return this.call("createKey", "POST", "/api-keys", body);
  }
  updateKey(id: string, body: UpdateKeyBody): Promise<KeyOperationAnswers["updateKey"]> {
    return this.call("updateKey", "PATCH", `/api-keys/${encodeURIComponent(id)}`, body);
  }
  revokeKey(id: string): Promise<KeyOperationAnswers["revokeKey"]> {
    return this.call("revokeKey", "POST", `/api-keys/${encodeURIComponent(id)}/revoke`, {});
  }
  rotateKey(id: string, body: RotateKeyBody): Promise<KeyOperationAnswers["rotateKey"]> {
    return this.call("rotateKey", "POST", `/api-keys/${encodeURIComponent(id)}/rotate`, body);
  }
  /** The org's key policy (API.md §12): its defaults when never set. */
  getKeyPolicy(): Promise<KeyOperationAnswers["getKeyPolicy"]> {
    return this.call("getKeyPolicy", "GET", "/key-policy");
  }
  putKeyPolicy(body: KeyPolicyBody): Promise<KeyOperationAnswers["putKeyPolicy"]> {
    return this.call("putKeyPolicy", "PUT", "/key-policy", body);
  }
  listAuditEvents(cursor?: string): Promise<KeyOperationAnswers["listAuditEvents"]> {
    const path = `/audit-events${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`;
    return this.call("listAuditEvents", "GET", path);
  }

  /**
   * One call; a 401 (the session expired or was revoked) renews the session and repeats the call
   * once, so whatever the person typed in a dialog is still there and goes through (API.md §10).
   */
  private async call<O extends Operation>(
    operation: O,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<KeyOperationAnswers[O]> {
    try {
      return answerOf(operation, await this.once(method, path, body));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      if (await this.options.renew()) return answerOf(operation, await this.once(method, path, body));
      this.options.onSignedOut();
      throw new ApiError("Your session has ended. Sign in again.", 401, "unauthorized");
    }
  }

  /** One request: the parsed body of a 2xx answer, or an `ApiError` with the envelope's message. */
  private async once(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {};
    const token = this.options.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}/console/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // Nothing of a key belongs in a cache.
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new ApiError("The API cannot be reached. Check your connection and try again.", 0, "network");
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (response.ok) return payload;
    const error = (payload as { error?: Partial<ErrorEnvelope["error"]> } | undefined)?.error;
    throw new ApiError(messageOf(error, response.status), response.status, error?.code ?? "unknown");
  }
}
