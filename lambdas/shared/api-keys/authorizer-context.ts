import { isScope, type Scope } from "../../../contract/scopes";

/**
 * What the authorizer tells the business Lambdas about a live key. API Gateway hands every context
 * value to the integration as a string (`false` arrives as `"false"`, which is truthy), so the
 * business side never reads the raw context: it decodes it here.
 */
export interface AuthorizerContext {
  orgId: string;
  keyId: string;
  scopes: Scope[];
  /** The key's effective limit per window. */
  limit: number;
  /** Requests left in the window after this one, never below 0. */
  remaining: number;
  /** Epoch seconds at which the current window ends. */
  resetAt: number;
  windowSeconds: number;
  /** The key is over its limit in this window: answer 429. */
  throttled: boolean;
  /** The caller's address is inside the key's allowlist (always true without one). */
  ipAllowed: boolean;
}

/** The flat context an authorizer may return: values must be strings, numbers or booleans. */
export type EncodedContext = Record<string, string | number | boolean>;

export function encodeContext(context: AuthorizerContext): EncodedContext {
  return { ...context, scopes: context.scopes.join(" ") };
}

export class InvalidContextError extends Error {
  constructor(field: string) {
    super(`authorizer context field "${field}" is missing or malformed`);
    this.name = "InvalidContextError";
  }
}

function text(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== "string" || value === "") throw new InvalidContextError(field);
  return value;
}

function integer(raw: Record<string, unknown>, field: string): number {
  const value = raw[field];
  const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || (typeof value === "string" && value.trim() === "")) {
    throw new InvalidContextError(field);
  }
  return parsed;
}

function flag(raw: Record<string, unknown>, field: string): boolean {
  const value = raw[field];
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InvalidContextError(field);
}

/** Reads `requestContext.authorizer` as API Gateway delivers it (strings), or as the authorizer returned it. */
export function decodeContext(raw: Record<string, unknown> | null | undefined): AuthorizerContext {
  if (!raw) throw new InvalidContextError("authorizer");
  const scopes = text(raw, "scopes").split(" ");
  if (!scopes.every(isScope)) throw new InvalidContextError("scopes");
  return {
    orgId: text(raw, "orgId"),
    keyId: text(raw, "keyId"),
    scopes,
    limit: integer(raw, "limit"),
    remaining: integer(raw, "remaining"),
    resetAt: integer(raw, "resetAt"),
    windowSeconds: integer(raw, "windowSeconds"),
    throttled: flag(raw, "throttled"),
    ipAllowed: flag(raw, "ipAllowed"),
  };
}
