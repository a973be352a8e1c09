/**
 * What the key-lifecycle files share (`key-lifecycle-rotation`, `-settings`, `-refusals`): a local
 * runtime on a manual clock, set back to 10:00:30Z before every test; the admin paths; and helpers
 * that create, rotate and read keys, remembering every key issued so that a file can prove none of
 * them reaches the audit table.
 */
import { beforeEach } from "vitest";
import { admin, ManualClock, type Reply, useTarget } from "./harness";

// 10:00:30Z: 30 s into a 15-minute window that resets at 10:15:00Z.
export const WINDOW_START = Date.UTC(2026, 10, 26, 10, 0, 0);
export const T0 = WINDOW_START + 30_000;

export const keysPath = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
export const keyPath = (orgId: string, keyId: string) => `${keysPath(orgId)}/${keyId}`;
export const auditPath = (orgId: string, query = "") => `/admin/v1/orgs/${orgId}/audit-events${query}`;
export const ACCOUNTS = "/api/v1/accounts";

/** The fields of a create the files vary (name and scopes have defaults). */
export interface KeyInput {
  name?: string;
  scopes?: string[];
  expiresAt?: string;
  rateLimit?: { limit: number };
  allowedIps?: string[];
}

/** The detail paths of an error answer, in order. */
export const paths = (reply: Reply) =>
  reply.json.error.details.map((detail: { path: string }) => detail.path);

/**
 * Starts the file's local runtime on a manual clock at T0 (set back before each test), and returns
 * it with the key helpers bound to it.
 */
export function useKeyLifecycle() {
  const clock = new ManualClock(T0);
  const target = useTarget({ clock: clock.now });
  beforeEach(() => {
    clock.set(T0);
  });

  /** Every key the file creates, to prove none of them (nor its hash) reaches the audit table. */
  const issued: string[] = [];

  async function newKey(orgId: string, input: KeyInput = {}) {
    const reply = await admin(target, "POST", keysPath(orgId), {
      name: "lifecycle key",
      scopes: ["accounts:read"],
      ...input,
    });
    if (reply.status !== 201) throw new Error(`create key failed: ${reply.status} ${reply.text}`);
    issued.push(reply.json.key);
    return reply.json as { id: string; key: string; [field: string]: unknown };
  }

  async function rotate(orgId: string, keyId: string, body?: unknown): Promise<Reply> {
    const reply = await admin(target, "POST", `${keyPath(orgId, keyId)}/rotate`, body);
    if (reply.status === 201) issued.push(reply.json.key);
    return reply;
  }

  const record = async (orgId: string, keyId: string) =>
    (await admin(target, "GET", keyPath(orgId, keyId))).json;

  return { clock, target, issued, newKey, rotate, record };
}
