import { describe, expect, it, vi } from "vitest";

/**
 * The management Lambda makes no Secrets Manager client while the hook is off, and one client per
 * execution environment once it is on: when the function starts, never per request. The client class
 * is wrapped to count constructions.
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

// A fresh module graph, so the door is loaded over the counted class even in a worker that loaded it
// before (the unit tier shares modules between files).
vi.resetModules();
const { createHandler } = await import("../../../../lambdas/key-management/doors/http.handler");
const { adminEvent, KEYS_RESOURCE, lambdaContext, SETTINGS } = await import("./helpers");
const { offlineDynamo } = await import("../../../offline-dynamo");

const runtime = (hook: { envName?: string; secretsManagerHook: boolean }) => ({
  clock: Date.now,
  dynamo: offlineDynamo(),
  settings: { ...SETTINGS, ...hook },
});

/** Three requests the door answers (400: no such org) without reaching DynamoDB. */
async function serveThree(handler: ReturnType<typeof createHandler>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const event = adminEvent({
      method: "GET",
      resource: KEYS_RESOURCE,
      pathParameters: { orgId: "not an org!" },
    });
    expect((await handler(event, lambdaContext())).statusCode).toBe(400);
  }
}

describe("the Secrets Manager client of the management Lambda", () => {
  it("is never made while the hook is off", async () => {
    const before = constructed.count;

    await serveThree(createHandler(runtime({ envName: "prod", secretsManagerHook: false })));

    expect(constructed.count - before).toBe(0);
  });

  it("is made once, when the function starts, when the hook is on", async () => {
    const before = constructed.count;

    const handler = createHandler(runtime({ envName: "prod", secretsManagerHook: true }));
    const atStart = constructed.count - before;
    await serveThree(handler);

    expect(atStart).toBe(1);
    expect(constructed.count - before).toBe(1);
  });

  it("refuses to start the hook without the environment's name, which names every secret", () => {
    expect(() => createHandler(runtime({ secretsManagerHook: true }))).toThrow(/FYNEX_ENV/);
  });
});
