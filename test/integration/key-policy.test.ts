import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createHandler as createDirectHandler } from "../../lambdas/key-management/doors/direct.handler";
import { consoleSignIn } from "./console-sign-in";
import { admin, call, useTarget } from "./harness";
import { localOf, org, remote } from "./target";

/**
 * The key policy itself (API.md §12) over HTTP: defaults, the whole-object PUT and its validation,
 * `policy.updated` events, the console and direct doors, and concurrent PUTs.
 */
const target = useTarget();

const policyPath = (orgId: string) => `/admin/v1/orgs/${orgId}/key-policy`;
const auditOf = async (orgId: string) => {
  const reply = await admin(target, "GET", `/admin/v1/orgs/${orgId}/audit-events?limit=100`);
  expect(reply.status).toBe(200);
  return reply.json.items as { type: string; keyId: string | null; actor: string; changes: unknown }[];
};

const STRICT = {
  maxLifetimeDays: 90,
  allowedScopes: ["accounts:read", "export"],
  requireAllowlist: true,
  rotateAfterDays: 30,
};

describe("GET and PUT …/key-policy (API.md §12)", () => {
  it("answers the defaults, with updatedAt and updatedBy null, for an org that never set one", async () => {
    // Act
    const reply = await admin(target, "GET", policyPath(org("policy-defaults")));

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      maxLifetimeDays: null,
      allowedScopes: null,
      requireAllowlist: false,
      rotateAfterDays: 90,
      updatedAt: null,
      updatedBy: null,
    });
  });

  it("replaces the policy, answers it with who set it and when, and GET reads it back", async () => {
    // Prepare
    const orgId = org("policy-put");

    // Act
    const put = await admin(target, "PUT", policyPath(orgId), STRICT);
    const got = await admin(target, "GET", policyPath(orgId));

    // Assess
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ ...STRICT, updatedAt: expect.any(String), updatedBy: expect.any(String) });
    expect(Date.parse(put.json.updatedAt)).not.toBeNaN();
    if (!remote) expect(put.json.updatedBy).toBe("local-admin");
    expect(got.json).toEqual(put.json);
  });

  it("records policy.updated with from and to of the changed fields only, and nothing for a PUT that changes nothing", async () => {
    // Prepare
    const orgId = org("policy-audit");
    await admin(target, "PUT", policyPath(orgId), STRICT);

    // Act
    const changed = await admin(target, "PUT", policyPath(orgId), {
      ...STRICT,
      allowedScopes: ["export", "accounts:read"],
      rotateAfterDays: null,
    });
    const same = await admin(target, "PUT", policyPath(orgId), { ...STRICT, rotateAfterDays: null });

    // Assess
    expect(changed.status).toBe(200);
    expect(same.status).toBe(200);
    expect(same.json.updatedAt).toBe(changed.json.updatedAt);
    const events = await auditOf(orgId);
    expect(events.map((event) => event.type)).toEqual(["policy.updated", "policy.updated"]);
    expect(events[0]).toMatchObject({ keyId: null, changes: { rotateAfterDays: { from: 30, to: null } } });
    expect(Object.keys(events[0]?.changes as object)).toEqual(["rotateAfterDays"]);
    expect(events[1]?.changes).toEqual({
      maxLifetimeDays: { from: null, to: 90 },
      allowedScopes: { from: null, to: ["accounts:read", "export"] },
      requireAllowlist: { from: false, to: true },
      rotateAfterDays: { from: 90, to: 30 },
    });
  });

  it.each([
    ["maxLifetimeDays", 0],
    ["maxLifetimeDays", 3651],
    ["maxLifetimeDays", 1.5],
    ["maxLifetimeDays", "90"],
    ["rotateAfterDays", 0],
    ["rotateAfterDays", 3651],
    ["requireAllowlist", "yes"],
    ["requireAllowlist", null],
    ["allowedScopes", []],
    ["allowedScopes", "export"],
  ])("refuses %s = %j with 400 at that field, changing nothing", async (field, value) => {
    // Prepare
    const orgId = org("policy-range");

    // Act
    const reply = await admin(target, "PUT", policyPath(orgId), { ...STRICT, [field]: value });

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe("validation_error");
    expect(reply.json.error.details.map((detail: { path: string }) => detail.path)).toEqual([field]);
    expect((await admin(target, "GET", policyPath(orgId))).json.updatedAt).toBeNull();
  });

  it("accepts the bounds 1 and 3650", async () => {
    // Act
    const reply = await admin(target, "PUT", policyPath(org("policy-bounds")), {
      ...STRICT,
      maxLifetimeDays: 3650,
      rotateAfterDays: 1,
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ maxLifetimeDays: 3650, rotateAfterDays: 1 });
  });

  it("refuses a scope name outside section 2 at allowedScopes[i]", async () => {
    // Act
    const reply = await admin(target, "PUT", policyPath(org("policy-scope")), {
      ...STRICT,
      allowedScopes: ["export", "accounts:admin"],
    });

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.json.error.details).toEqual([{ path: "allowedScopes[1]", message: expect.any(String) }]);
  });

  it.each(["maxLifetimeDays", "allowedScopes", "requireAllowlist", "rotateAfterDays"])(
    "requires %s on PUT",
    async (field) => {
      // Prepare
      const body: Record<string, unknown> = { ...STRICT };
      delete body[field];

      // Act
      const reply = await admin(target, "PUT", policyPath(org("policy-required")), body);

      // Assess
      expect(reply.status).toBe(400);
      expect(reply.json.error.details.map((detail: { path: string }) => detail.path)).toEqual([field]);
    },
  );

  it("refuses an unknown field, and a missing body, with 400", async () => {
    // Act
    const unknown = await admin(target, "PUT", policyPath(org("policy-unknown")), {
      ...STRICT,
      max_lifetime_days: 30,
    });
    const none = await admin(target, "PUT", policyPath(org("policy-unknown")));

    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.details[0].path).toBe("max_lifetime_days");
    expect(none.status).toBe(400);
    expect(none.json.error.details[0].path).toBe("body");
  });

  it("never interleaves the fields of concurrent PUTs, and records each change against the one before", async () => {
    // Prepare
    const orgId = org("policy-race");
    const bodies = Array.from({ length: 8 }, (_, i) => ({
      maxLifetimeDays: 10 + i,
      allowedScopes: i % 2 === 0 ? ["export"] : ["accounts:read", "contacts:read"],
      requireAllowlist: i % 2 === 1,
      rotateAfterDays: 100 + i,
    }));

    // Act
    const replies = await Promise.all(bodies.map((body) => admin(target, "PUT", policyPath(orgId), body)));

    // Assess
    expect(replies.every((reply) => reply.status === 200 || reply.status === 503)).toBe(true);
    const final = (await admin(target, "GET", policyPath(orgId))).json;
    const { updatedAt: _at, updatedBy: _by, ...rules } = final;
    expect(bodies).toContainEqual(rules);
    // Oldest first, each event's `from` is exactly the policy the one before left.
    const events = (await auditOf(orgId)).reverse();
    expect(events.length).toBe(replies.filter((reply) => reply.status === 200).length);
    let previous: Record<string, unknown> = {
      maxLifetimeDays: null,
      allowedScopes: null,
      requireAllowlist: false,
      rotateAfterDays: 90,
    };
    for (const event of events) {
      const changes = event.changes as Record<string, { from: unknown; to: unknown }>;
      for (const [field, change] of Object.entries(changes)) expect(change.from).toEqual(previous[field]);
      previous = {
        ...previous,
        ...Object.fromEntries(Object.entries(changes).map(([field, change]) => [field, change.to])),
      };
    }
    expect(previous).toEqual(rules);
  });
});

describe.skipIf(remote)("the key policy through the console and direct doors (API.md §10, §12)", () => {
  it("reads and writes the signed-in person's org's policy at /console/v1/key-policy, seen by the admin API", async () => {
    // Prepare
    const local = localOf(target);
    const signedIn = await consoleSignIn(local, "policy-console");
    const token = signedIn.tokens?.id_token as string;
    const consoleCall = (method: string, body?: unknown) =>
      call(local.url, "/console/v1/key-policy", {
        method,
        headers: [["Authorization", `Bearer ${token}`]],
        body,
      });

    // Act
    const before = await consoleCall("GET");
    const put = await consoleCall("PUT", STRICT);
    const invalid = await consoleCall("PUT", { ...STRICT, rotateAfterDays: -1 });
    const seenByAdmin = await admin(target, "GET", policyPath("policy-console"));

    // Assess
    expect(before.json).toMatchObject({ rotateAfterDays: 90, updatedAt: null });
    expect(put.status).toBe(200);
    expect(put.json.updatedBy).toMatch(/^user:/);
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.details[0].path).toBe("rotateAfterDays");
    expect(seenByAdmin.json).toEqual(put.json);
    const [event] = await auditOf("policy-console");
    expect(event).toMatchObject({ type: "policy.updated", actor: put.json.updatedBy, keyId: null });
  });

  it("answers the direct actions getKeyPolicy and putKeyPolicy with the same bodies", async () => {
    // Prepare
    const direct = createDirectHandler(localOf(target).deps);
    const context = { awsRequestId: "req-direct-policy" } as Context;

    // Act
    const put = await direct({ action: "putKeyPolicy", orgId: "policy-direct", ...STRICT }, context);
    const got = await direct({ action: "getKeyPolicy", orgId: "policy-direct" }, context);
    const invalid = await direct(
      { action: "putKeyPolicy", orgId: "policy-direct", ...STRICT, allowedScopes: ["nope"] },
      context,
    );
    const overHttp = await admin(target, "GET", policyPath("policy-direct"));

    // Assess
    expect(put).toEqual({ ...STRICT, updatedAt: expect.any(String), updatedBy: "direct-invoke" });
    expect(got).toEqual(put);
    expect(overHttp.json).toEqual(put);
    expect(invalid).toMatchObject({
      status: 400,
      error: { code: "validation_error", details: [{ path: "allowedScopes[0]" }] },
    });
  });
});
