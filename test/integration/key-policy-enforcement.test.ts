import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createHandler as createDirectHandler } from "../../lambdas/key-management/doors/direct.handler";
import { consoleSignIn } from "./console-sign-in";
import { admin, call, createKey, ManualClock, useTarget } from "./harness";
import { localOf, remote } from "./target";

/**
 * The key policy enforced (API.md §12) on create, rotate and PATCH, through the admin API, the
 * console and direct invocation, over HTTP against the local runtime (a manual clock makes the
 * maximum lifetime exact).
 */
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY = 86_400_000;
const clock = new ManualClock(T0);
const target = useTarget({ clock: clock.now });

const keysOf = (orgId: string) => `/admin/v1/orgs/${orgId}/api-keys`;
const policyOf = (orgId: string) => `/admin/v1/orgs/${orgId}/key-policy`;
const OPEN = { maxLifetimeDays: null, allowedScopes: null, requireAllowlist: false, rotateAfterDays: null };
const at = (ms: number) => new Date(ms).toISOString();

async function setPolicy(orgId: string, rules: Partial<typeof OPEN> | Record<string, unknown>) {
  const reply = await admin(target, "PUT", policyOf(orgId), { ...OPEN, ...rules });
  expect(reply.status).toBe(200);
}

const detailsOf = (reply: { json: { error: { details: { path: string; message: string }[] } } }) =>
  reply.json.error.details;

describe.skipIf(remote)("a key policy enforced on the admin API (API.md §12)", () => {
  it("refuses a create with no expiry or one past maxLifetimeDays at expiresAt, naming the policy", async () => {
    // Prepare
    clock.set(T0);
    await setPolicy("enf-life", { maxLifetimeDays: 30 });

    // Act
    const none = await admin(target, "POST", keysOf("enf-life"), { name: "k", scopes: ["export"] });
    const late = await admin(target, "POST", keysOf("enf-life"), {
      name: "k",
      scopes: ["export"],
      expiresAt: at(T0 + 30 * DAY + 1000),
    });
    const within = await admin(target, "POST", keysOf("enf-life"), {
      name: "k",
      scopes: ["export"],
      expiresAt: at(T0 + 30 * DAY),
    });

    // Assess
    for (const refused of [none, late]) {
      expect(refused.status).toBe(400);
      expect(refused.json.error.code).toBe("validation_error");
      expect(detailsOf(refused)).toEqual([
        { path: "expiresAt", message: expect.stringMatching(/key policy/) },
      ]);
      expect(detailsOf(refused)[0]?.message).toContain("maxLifetimeDays 30");
    }
    expect(within.status).toBe(201);
  });

  it("refuses scopes outside allowedScopes at scopes[i] as sent, and a key without allowedIps when required", async () => {
    // Prepare
    clock.set(T0);
    await setPolicy("enf-scopes", { allowedScopes: ["accounts:read"], requireAllowlist: true });

    // Act
    const reply = await admin(target, "POST", keysOf("enf-scopes"), {
      name: "k",
      scopes: ["accounts:read", "export", "import"],
    });
    const allowed = await admin(target, "POST", keysOf("enf-scopes"), {
      name: "k",
      scopes: ["accounts:read"],
      allowedIps: ["192.0.2.0/24"],
    });

    // Assess
    expect(reply.status).toBe(400);
    expect(detailsOf(reply).map((detail) => detail.path)).toEqual(["scopes[1]", "scopes[2]", "allowedIps"]);
    expect(detailsOf(reply).every((detail) => detail.message.includes("key policy"))).toBe(true);
    expect(allowed.status).toBe(201);
  });

  it("counts scopes[i] in the body as sent, a duplicate before the refused scope included, and stores each scope once", async () => {
    // Prepare
    clock.set(T0);
    await setPolicy("enf-sent", { allowedScopes: ["accounts:read"] });
    const key = await createKey(target, "enf-sent", { scopes: ["accounts:read"] });
    const sent = ["accounts:read", "accounts:read", "payments:write"];

    // Act
    const created = await admin(target, "POST", keysOf("enf-sent"), { name: "k", scopes: sent });
    const patched = await admin(target, "PATCH", `${keysOf("enf-sent")}/${key.id}`, { scopes: sent });
    const twice = await admin(target, "POST", keysOf("enf-sent"), {
      name: "k",
      scopes: ["accounts:read", "accounts:read"],
    });

    // Assess
    for (const refused of [created, patched]) {
      expect(refused.status).toBe(400);
      expect(detailsOf(refused).map((detail) => detail.path)).toEqual(["scopes[2]"]);
    }
    expect(twice.status).toBe(201);
    expect(twice.json.scopes).toEqual(["accounts:read"]);
    const read = await admin(target, "GET", `${keysOf("enf-sent")}/${twice.json.id}`);
    expect(read.json.scopes).toEqual(["accounts:read"]);
  });

  it("gives a rotation's new key now plus maxLifetimeDays, and refuses one whose inherited settings break the policy", async () => {
    // Prepare
    clock.set(T0);
    const longLived = await createKey(target, "enf-rotate", {
      scopes: ["export"],
      expiresAt: at(T0 + 300 * DAY),
    });
    const wide = await createKey(target, "enf-rotate", { scopes: ["export", "import"] });
    await setPolicy("enf-rotate", { maxLifetimeDays: 10, allowedScopes: ["export"] });
    clock.advance(1000);

    // Act
    const rotated = await admin(target, "POST", `${keysOf("enf-rotate")}/${longLived.id}/rotate`, {});
    const tooLate = await admin(target, "POST", `${keysOf("enf-rotate")}/${rotated.json.id}/rotate`, {
      expiresAt: at(T0 + 11 * DAY),
    });
    const refused = await admin(target, "POST", `${keysOf("enf-rotate")}/${wide.id}/rotate`, {});
    const revoked = await admin(target, "POST", `${keysOf("enf-rotate")}/${wide.id}/revoke`);

    // Assess
    expect(rotated.status).toBe(201);
    expect(rotated.json.expiresAt).toBe(at(T0 + 1000 + 10 * DAY));
    expect(tooLate.status).toBe(400);
    expect(detailsOf(tooLate).map((detail) => detail.path)).toEqual(["expiresAt"]);
    expect(refused.status).toBe(400);
    expect(detailsOf(refused).map((detail) => detail.path)).toEqual(["scopes[1]"]);
    // Revoking is never refused.
    expect(revoked.status).toBe(200);
  });

  it("checks a PATCH on the fields it sends only", async () => {
    // Prepare
    clock.set(T0);
    const key = await createKey(target, "enf-patch", { scopes: ["import"], allowedIps: ["192.0.2.1"] });
    await setPolicy("enf-patch", { allowedScopes: ["export"], requireAllowlist: true, maxLifetimeDays: 5 });
    const patch = (body: unknown) => admin(target, "PATCH", `${keysOf("enf-patch")}/${key.id}`, body);

    // Act
    const renamed = await patch({ name: "still breaks the policy" });
    const scopes = await patch({ scopes: ["export", "import"] });
    const unlisted = await patch({ allowedIps: null });

    // Assess
    expect(renamed.status).toBe(200);
    expect(scopes.status).toBe(400);
    expect(detailsOf(scopes).map((detail) => detail.path)).toEqual(["scopes[1]"]);
    expect(unlisted.status).toBe(400);
    expect(detailsOf(unlisted).map((detail) => detail.path)).toEqual(["allowedIps"]);
  });

  it("never lets a create commit under a policy that changed after it was validated", async () => {
    // Prepare
    clock.set(T0);
    await setPolicy("enf-race", { allowedScopes: ["export"] });
    const create = () => admin(target, "POST", keysOf("enf-race"), { name: "k", scopes: ["export"] });

    // Act: creates race a PUT that forbids their scope.
    const replies = await Promise.all([
      ...Array.from({ length: 12 }, create),
      admin(target, "PUT", policyOf("enf-race"), { ...OPEN, allowedScopes: ["import"] }),
      ...Array.from({ length: 12 }, create),
    ]);
    const after = await create();

    // Assess: each create either committed under the old policy or was refused by the new one.
    const creates = replies.filter((_, index) => index !== 12);
    expect(replies[12]?.status).toBe(200);
    for (const reply of creates) {
      expect([201, 400]).toContain(reply.status);
      if (reply.status === 400) expect(detailsOf(reply).map((detail) => detail.path)).toEqual(["scopes[0]"]);
    }
    expect(after.status).toBe(400);
    const listed = await admin(target, "GET", `${keysOf("enf-race")}?limit=100`);
    expect(listed.json.items).toHaveLength(creates.filter((reply) => reply.status === 201).length);
  });
});

describe.skipIf(remote)("a key policy enforced through every door (API.md §10, §12)", () => {
  it("enforces a policy set through the console on the admin API, and one set on the admin API in the console", async () => {
    // Prepare
    clock.set(T0);
    const local = localOf(target);
    const token = (await consoleSignIn(local, "enf-doors")).tokens?.id_token as string;
    const consoleCall = (method: string, path: string, body?: unknown) =>
      call(local.url, path, { method, headers: [["Authorization", `Bearer ${token}`]], body });

    // Act
    const setInConsole = await consoleCall("PUT", "/console/v1/key-policy", {
      ...OPEN,
      allowedScopes: ["export"],
    });
    const adminCreate = await admin(target, "POST", keysOf("enf-doors"), { name: "k", scopes: ["import"] });
    const consoleSent = await consoleCall("POST", "/console/v1/api-keys", {
      name: "k",
      scopes: ["export", "export", "import"],
    });
    await setPolicy("enf-doors", { requireAllowlist: true });
    const consoleCreate = await consoleCall("POST", "/console/v1/api-keys", {
      name: "k",
      scopes: ["import"],
    });

    // Assess
    expect(setInConsole.status).toBe(200);
    expect(adminCreate.status).toBe(400);
    expect(detailsOf(adminCreate)[0]?.path).toBe("scopes[0]");
    expect(consoleCreate.status).toBe(400);
    expect(detailsOf(consoleCreate)[0]?.path).toBe("allowedIps");
    // scopes[i] as sent through the console door too.
    expect(consoleSent.status).toBe(400);
    expect(detailsOf(consoleSent).map((detail) => detail.path)).toEqual(["scopes[2]"]);
  });

  it("enforces the policy on direct invocations", async () => {
    // Prepare
    clock.set(T0);
    await setPolicy("enf-direct", { maxLifetimeDays: 7 });
    const direct = createDirectHandler(localOf(target).deps);
    const context = { awsRequestId: "req-direct-enforce" } as Context;

    // Act
    const refused = await direct(
      { action: "createKey", orgId: "enf-direct", name: "k", scopes: ["export"] },
      context,
    );

    // Assess
    expect(refused).toMatchObject({
      status: 400,
      error: { code: "validation_error", details: [{ path: "expiresAt" }] },
    });
  });
});
