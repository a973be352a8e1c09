import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultProvider, MISSING_CREDENTIALS } from "../../../../lambdas/shared/env-credentials";

/** Credentials as Lambda sets them from an execution role (made up: the shapes only). */
const ROLE = {
  AWS_ACCESS_KEY_ID: "role-access-key-id",
  AWS_SECRET_ACCESS_KEY: "role-secret-access-key-example",
  AWS_SESSION_TOKEN: "role-session-token-example",
};

/** The process environment with these credential variables only (`undefined`: unset). */
function credentialsInEnvironment(variables: Partial<Record<keyof typeof ROLE, string | undefined>>): void {
  for (const name of Object.keys(ROLE) as (keyof typeof ROLE)[]) vi.stubEnv(name, variables[name]);
}

beforeEach(() => {
  // Nothing the SDK's full chain would fall back on (a profile, a role to assume) changes the answer.
  vi.stubEnv("AWS_PROFILE", undefined);
  vi.stubEnv("AWS_CREDENTIAL_EXPIRATION", undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the deployed bundles' credential provider", () => {
  it("hands over the execution role's credentials from the environment, session token included", async () => {
    // Prepare
    credentialsInEnvironment(ROLE);

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: ROLE.AWS_ACCESS_KEY_ID,
      secretAccessKey: ROLE.AWS_SECRET_ACCESS_KEY,
      sessionToken: ROLE.AWS_SESSION_TOKEN,
    });
  });

  it("hands over long-term keys without a session token", async () => {
    credentialsInEnvironment({ ...ROLE, AWS_SESSION_TOKEN: undefined });

    const credentials = await defaultProvider()();

    expect(credentials.accessKeyId).toBe(ROLE.AWS_ACCESS_KEY_ID);
    expect(credentials.sessionToken).toBeUndefined();
  });

  it("reads the environment when asked, not when made", async () => {
    credentialsInEnvironment({});
    const provider = defaultProvider();
    credentialsInEnvironment(ROLE);

    expect((await provider()).accessKeyId).toBe(ROLE.AWS_ACCESS_KEY_ID);
  });

  it("refuses clearly, naming the variables and why, when the environment holds no credentials", async () => {
    credentialsInEnvironment({});

    const refusal = defaultProvider()();

    await expect(refusal).rejects.toThrow(MISSING_CREDENTIALS);
    expect(MISSING_CREDENTIALS).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(MISSING_CREDENTIALS).toMatch(/AWS_SESSION_TOKEN/);
    expect(MISSING_CREDENTIALS).toMatch(/AWS Lambda/);
  });

  it("refuses a key without its secret, and a secret without its key", async () => {
    credentialsInEnvironment({ AWS_ACCESS_KEY_ID: ROLE.AWS_ACCESS_KEY_ID });
    await expect(defaultProvider()()).rejects.toThrow(MISSING_CREDENTIALS);

    credentialsInEnvironment({ AWS_SECRET_ACCESS_KEY: ROLE.AWS_SECRET_ACCESS_KEY });
    await expect(defaultProvider()()).rejects.toThrow(MISSING_CREDENTIALS);
  });

  it("is what an SDK client calls for its credentials when given none, as the bundles' clients are", async () => {
    // Prepare: the client's runtime config takes `credentialDefaultProvider` from the package this
    // module replaces in a bundle; here it is handed over, as the bundle's import would.
    credentialsInEnvironment(ROLE);
    const client = new DynamoDBClient({ region: "eu-west-1", credentialDefaultProvider: defaultProvider });

    // Act
    const credentials = await client.config.credentials();

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: ROLE.AWS_ACCESS_KEY_ID,
      sessionToken: ROLE.AWS_SESSION_TOKEN,
    });
    client.destroy();
  });
});
