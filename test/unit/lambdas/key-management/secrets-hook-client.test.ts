import { describe, expect, it, vi } from "vitest";

/**
 * The management Lambda makes no Secrets Manager client while the hook is off, and one client per
 * execution environment once it is on. The client class is wrapped to count constructions.
 */
const constructed = vi.hoisted(() => ({ count: 0 }));

vi.mock("@aws-sdk/client-secrets-manager", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@aws-sdk/client-secrets-manager")>();
  class CountedClient extends actual.SecretsManagerClient {
    constructor(...args: ConstructorParameters<typeof actual.SecretsManagerClient>) {
      super(...args);
      constructed.count++;
    }
  }
  return { ...actual, SecretsManagerClient: CountedClient };
});

const { keyServiceDeps } = await import("../../../../lambdas/key-management/service-deps");
const { configureRuntime } = await import("../../../../lambdas/shared/runtime");
const { offlineDynamo, SETTINGS } = await import("./helpers");

const configure = (hook: boolean) =>
  configureRuntime({
    clock: Date.now,
    dynamo: offlineDynamo(),
    settings: { ...SETTINGS, envName: "prod", secretsManagerHook: hook },
  });

describe("the Secrets Manager client of the management Lambda", () => {
  it("is never made while the hook is off", () => {
    configure(false);

    for (let i = 0; i < 3; i++) expect(keyServiceDeps().secrets).toBeUndefined();

    expect(constructed.count).toBe(0);
  });

  it("is made once, on first use, when the hook is on", () => {
    configure(true);

    const first = keyServiceDeps().secrets;
    const second = keyServiceDeps().secrets;

    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(constructed.count).toBe(1);
  });

  it("refuses to run the hook without the environment's name, which names every secret", () => {
    configureRuntime({
      clock: Date.now,
      dynamo: offlineDynamo(),
      settings: { ...SETTINGS, secretsManagerHook: true },
    });

    expect(() => keyServiceDeps()).toThrow(/FYNEX_ENV/);
  });
});
