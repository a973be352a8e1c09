import type { AuditEvent, KeyListItem, KeyRecord, KeyUsage } from "../../contract/api-types";

/** A created or rotated key: the record and the key itself, held only while the panel shows it. */
export type CreatedKey = KeyRecord & { key: string; replaces?: string };

/**
 * A key as the list shows it: a listed key has its last 7 days (`lastSevenDays`); a record just
 * created or changed on the page has none until the list is read again.
 */
export type ListedKey = KeyRecord & Partial<Pick<KeyListItem, "lastSevenDays">>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An API error as people read it: the envelope's message (API.md §4). */
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

/** The console API (API.md §10): the admin API's operations for the signed-in person's org. */
export class ConsoleApi {
  constructor(private readonly options: ConsoleApiOptions) {}

  /** The org's keys; with `unusedForDays`, only the active keys unused that long (API.md §11). */
  listKeys(cursor?: string, unusedForDays?: number): Promise<Page<ListedKey>> {
    const query = new URLSearchParams();
    if (cursor) query.set("cursor", cursor);
    if (unusedForDays) query.set("unusedForDays", String(unusedForDays));
    const search = query.toString();
    return this.call("GET", `/api-keys${search ? `?${search}` : ""}`);
  }
  /** One page of the org's active keys, 100 at a time (the most the API gives): for org-wide counts. */
  listActiveKeys(cursor?: string): Promise<Page<KeyRecord>> {
    const query = new URLSearchParams({ status: "active", limit: "100" });
    if (cursor) query.set("cursor", cursor);
    return this.call("GET", `/api-keys?${query}`);
  }
  /** A key's usage history per hour or day from `from` to now (API.md §11). */
  keyUsage(id: string, granularity: "hour" | "day", from: string): Promise<KeyUsage> {
    const query = new URLSearchParams({ granularity, from });
    return this.call("GET", `/api-keys/${encodeURIComponent(id)}/usage?${query}`);
  }
  getKey(id: string): Promise<KeyRecord> {
    return this.call("GET", `/api-keys/${encodeURIComponent(id)}`);
  }
  createKey(body: { name: string; scopes: string[]; expiresAt?: string }): Promise<CreatedKey> {
    return this.call("POST", "/api-keys", body);
  }
  updateKey(id: string, body: Record<string, unknown>): Promise<KeyRecord> {
    return this.call("PATCH", `/api-keys/${encodeURIComponent(id)}`, body);
  }
  revokeKey(id: string): Promise<KeyRecord> {
    return this.call("POST", `/api-keys/${encodeURIComponent(id)}/revoke`, {});
  }
  rotateKey(id: string, body: { gracePeriodSeconds?: number; expiresAt?: string }): Promise<CreatedKey> {
    return this.call("POST", `/api-keys/${encodeURIComponent(id)}/rotate`, body);
  }
  listAuditEvents(cursor?: string): Promise<Page<AuditEvent & { actorEmail?: string | null }>> {
    return this.call("GET", `/audit-events${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
  }

  /**
   * One call; a 401 (the session expired or was revoked) renews the session and repeats the call
   * once, so whatever the person typed in a dialog is still there and goes through (API.md §10).
   */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await this.once<T>(method, path, body);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      if (await this.options.renew()) return this.once<T>(method, path, body);
      this.options.onSignedOut();
      throw new ApiError("Your session has ended. Sign in again.", 401, "unauthorized");
    }
  }

  private async once<T>(method: string, path: string, body?: unknown): Promise<T> {
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
    if (response.ok) return payload as T;
    const error = (payload as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
    throw new ApiError(
      typeof error?.message === "string" ? error.message : `The API answered ${response.status}.`,
      response.status,
      typeof error?.code === "string" ? error.code : "unknown",
    );
  }
}
