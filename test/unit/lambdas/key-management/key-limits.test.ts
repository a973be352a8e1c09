import { readFileSync } from "node:fs";
import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { KEY_LIMITS } from "../../../../lambdas/key-management/key-limits";
import { listKeys } from "../../../../lambdas/key-management/list-keys";
import { keyServiceDepsOf } from "../../../../lambdas/key-management/service-deps";
import { PROJECT_ROOT } from "../../../integration/harness";
import { indexEntry, storedKey, testRuntime } from "./helpers";
import { ddb, deps, useVerbTestSetup } from "./verb-support";

/** API.md §5's bounds as deployed: the local runtime's tests lower them, production never does. */
useVerbTestSetup();

describe("key limits", () => {
  it("are API.md's numbers: 1,000 active keys per org, 1,000 keys read per filtered list request", () => {
    // Prepare
    const api = readFileSync(`${PROJECT_ROOT}/docs/API.md`, "utf8").replace(/\s+/g, " ");

    // Act
    const deployed = keyServiceDepsOf(testRuntime()).limits;

    // Assess
    expect(KEY_LIMITS).toEqual({ orgActiveKeys: 1_000, filteredListReads: 1_000 });
    expect(deployed).toEqual(KEY_LIMITS);
    expect(api.includes("An org holds at most 1,000 active keys"), "docs/API.md names the cap").toBe(true);
    expect(api.includes("reads at most 1,000 keys per request"), "docs/API.md names the bound").toBe(true);
  });

  it("stop a filtered list of an org holding far more after 1,000 index entries, with a cursor", async () => {
    // Prepare: an endless index of revoked keys, and a filter none of them matches.
    let served = 0;
    ddb.on(QueryCommand).callsFake((input: { Limit: number }) => {
      const items = Array.from({ length: input.Limit }, () => indexEntry(storedKey(++served % 50_000)));
      return { Items: items, LastEvaluatedKey: { pk: "more" } };
    });
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: { keys: { Keys: { pk: string }[] } } }) => ({
      Responses: { keys: input.RequestItems.keys.Keys.map(() => storedKey(1, { revokedAt: 1 })) },
    }));

    // Act
    const outcome = await listKeys(deps(), "acme", { limit: 25, status: "active" });

    // Assess
    expect(served).toBe(1_000);
    if (!outcome.ok) throw new Error("expected a page");
    expect(outcome.value.items).toEqual([]);
    expect(outcome.value.nextCursor).toEqual(expect.any(String));
  });
});
