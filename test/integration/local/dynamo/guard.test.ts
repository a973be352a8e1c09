import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS_TABLE } from "../../../../contract/tables";
import { type LocalDynamo, startLocalDynamo } from "../../../../lib/local/dynamo";

let local: LocalDynamo;

beforeAll(async () => {
  local = await startLocalDynamo({ tables: [{ definition: KEYS_TABLE, name: "test-keys" }] });
});
afterAll(async () => {
  await local?.close();
});

const clientWith = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new DynamoDBClient({ endpoint: local.endpoint, region: "local", maxAttempts: 1, credentials });

/** A raw request to the endpoint, as any local process or web page could send it. */
function raw(method: string, headers: Record<string, string>, body?: string) {
  return fetch(local.endpoint, { method, headers, body });
}

describe("local DynamoDB: only the runtime's own client gets in", () => {
  it("answers the runtime's own client", async () => {
    const { TableNames } = await local.client.send(new ListTablesCommand({}));

    expect(TableNames).toContain("test-keys");
  });

  it("refuses a request signed with any other credential, as the old dummy one", async () => {
    for (const credentials of [
      { accessKeyId: "local", secretAccessKey: "local" },
      { accessKeyId: local.credentials.accessKeyId.slice(0, -1), secretAccessKey: "x" },
    ]) {
      const client = clientWith(credentials);
      await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
        name: "UnrecognizedClientException",
      });
      client.destroy();
    }
  });

  it("refuses an unsigned request", async () => {
    const reply = await raw(
      "POST",
      { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables" },
      "{}",
    );

    expect(reply.status).toBe(400);
    expect(await reply.text()).not.toContain("test-keys");
  });

  it("refuses a CORS preflight from another origin, with no CORS header a browser would honour", async () => {
    const reply = await raw("OPTIONS", {
      Origin: "https://evil.example",
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization,content-type,x-amz-target",
    });

    expect(reply.status).toBe(403);
    expect(reply.headers.get("access-control-allow-origin")).toBeNull();
    expect(reply.headers.get("access-control-allow-headers")).toBeNull();
  });

  it("refuses any request carrying an Origin header, even one signed with the run's credential", async () => {
    const client = new DynamoDBClient({
      endpoint: local.endpoint,
      region: "local",
      maxAttempts: 1,
      credentials: local.credentials,
    });
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers.origin = "http://localhost:3000";
        return next(args);
      },
      { step: "finalizeRequest" },
    );

    await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    client.destroy();
  });
});
