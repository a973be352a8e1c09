import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * Each Lambda entry module builds its handler once, when it loads (the cold start), from the
 * environment the stack gives its function, and refuses to load without what that function needs,
 * naming the variable (docs/DECISIONS.md #270). The vitest setup gives every test a Lambda's
 * environment; here it is taken away again, one variable at a time, and each module loaded afresh.
 */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const ENTRY_MODULES = readdirSync(join(PROJECT_ROOT, "lambdas"), { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".handler.ts"))
  .map((file) => `lambdas/${file.replace(/\.ts$/, "")}`)
  .sort();
/** The entry modules of functions with no dependencies: their handler is all they export. */
const WITHOUT_DEPENDENCIES = [
  "lambdas/health/health.handler",
  "lambdas/not-found/not-found.handler",
  "lambdas/openapi/openapi.handler",
];
const TABLES = ["KEYS_TABLE_NAME", "DATA_TABLE_NAME", "AUDIT_TABLE_NAME", "USAGE_TABLE_NAME"];

/** The module as a fresh cold start loads it. */
async function coldStart(module: string): Promise<Record<string, unknown>> {
  vi.resetModules();
  return import(join(PROJECT_ROOT, `${module}.ts`));
}

/** The process environment without these variables (a function the stack gave none of them). */
function without(...names: string[]): void {
  for (const name of names) vi.stubEnv(name, "");
}

afterEach(() => {
  vi.unstubAllEnvs();
  // No module that failed to load stays cached for the next test, or the next file in this worker.
  vi.resetModules();
});

describe("the Lambda entry modules", () => {
  it("each export their handler, and a createHandler unless their function has no dependencies", async () => {
    // Prepare
    expect(ENTRY_MODULES.length).toBeGreaterThan(30);

    for (const module of ENTRY_MODULES) {
      // Act
      const loaded = await import(join(PROJECT_ROOT, `${module}.ts`));

      // Assess
      expect(typeof loaded.handler, module).toBe("function");
      expect(typeof loaded.createHandler, module).toBe(
        WITHOUT_DEPENDENCIES.includes(module) ? "undefined" : "function",
      );
    }
  });

  it.each([
    ["lambdas/authorizer/authorizer.handler", "KEYS_TABLE_NAME"],
    ["lambdas/accounts/create-account.handler", "DATA_TABLE_NAME"],
    ["lambdas/key-management/doors/http.handler", "AUDIT_TABLE_NAME"],
    ["lambdas/key-management/doors/direct.handler", "USAGE_TABLE_NAME"],
    ["lambdas/key-management/doors/console.handler", "KEYS_TABLE_NAME"],
    ["lambdas/secret-scanning/secret-scanning.handler", "AUDIT_TABLE_NAME"],
    ["lambdas/secret-scanning/refresh-signing-keys.handler", "KEYS_TABLE_NAME"],
    ["lambdas/usage-history/usage-history.handler", "USAGE_TABLE_NAME"],
    ["lambdas/webhooks/dispatch.handler", "WEBHOOK_RETRY_QUEUE_URL"],
    ["lambdas/key-management/expiry-reminders.handler", "AUDIT_TABLE_NAME"],
  ])("%s refuses to load without %s, naming it", async (module, variable) => {
    without(variable);

    await expect(coldStart(module)).rejects.toThrow(`${variable} is not set`);
  });

  it("refuse to load with a malformed setting, naming it", async () => {
    vi.stubEnv("FYNEX_RATE_LIMIT", "lots");

    await expect(coldStart("lambdas/authorizer/authorizer.handler")).rejects.toThrow(/FYNEX_RATE_LIMIT/);
  });

  it.each([
    ["lambdas/authorizer/authorizer.handler", "KEYS_TABLE_NAME"],
    ["lambdas/accounts/list-accounts.handler", "DATA_TABLE_NAME"],
    ["lambdas/usage-history/usage-history.handler", "USAGE_TABLE_NAME"],
  ])("%s loads with %s alone of the tables: it builds only what its function uses", async (module, table) => {
    without(...TABLES.filter((name) => name !== table));

    const loaded = await coldStart(module);

    expect(typeof loaded.handler).toBe("function");
  });
});
