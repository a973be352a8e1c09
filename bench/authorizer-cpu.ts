import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import type { Runtime } from "../contract/runtime";
import { generateApiKey, keyId } from "../lambdas/shared/api-keys/api-key";
import { loadHandler } from "../lib/local/entry-modules";
import { AUTHORIZER } from "./function-loads";
import { percentile } from "./stats";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * The authorizer built over `runtime`, as the local runtime builds it (loaded by its path, so that
 * the module loads once the local runtime has given the process the environment it needs).
 */
const authorizerOver = (runtime: Runtime) => loadHandler<Authorizer>(ROOT, AUTHORIZER, runtime);

/**
 * The authorizer's own CPU per request: everything but the DynamoDB round trip (header look-up,
 * format and checksum, SHA-256, id, context). The client is a stub that answers at once with a live
 * key's item, so what is timed is our code (and one resolved promise).
 */
export async function measureAuthorizerCpu(local: Runtime, iterations = 20_000) {
  const key = generateApiKey();
  const item = {
    pk: { S: keyId(key) },
    orgId: { S: "bench" },
    scopes: { L: [{ S: "accounts:read" }] },
    windowCount: { N: "1" },
  };
  const stub = { send: async () => ({ Attributes: item }) } as unknown as DynamoDBClient;
  const handler = await authorizerOver({
    ...local,
    dynamo: stub,
    settings: { ...local.settings, keysTable: "bench-keys" },
  });
  const event = requestEvent(key);
  for (let i = 0; i < 2_000; i++) await handler(event); // warm-up: JIT, caches
  return timeEach(iterations, () => handler(event), 1000);
}

/**
 * The warm authorizer's whole duration per request, its DynamoDB round trip to the local runtime
 * included: what Lambda would bill (a local proxy; deployed, the round trip is a network hop).
 */
export async function measureAuthorizerDuration(local: Runtime, key: string, iterations = 1_000) {
  const handler = await authorizerOver(local);
  const event = requestEvent(key);
  for (let i = 0; i < 100; i++) await handler(event);
  return timeEach(iterations, () => handler(event), 1_000_000);
}

function requestEvent(key: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: "arn:aws:execute-api:eu-west-1:123456789012:api/bench/GET/api/v1/accounts",
    headers: { "X-API-Key": key, Host: "bench", "User-Agent": "bench" },
    multiValueHeaders: { "X-API-Key": [key], Host: ["bench"], "User-Agent": ["bench"] },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** p50 and p99 of `task`'s duration, in nanoseconds divided by `unit` (1000: µs; 1e6: ms). */
async function timeEach(iterations: number, task: () => Promise<unknown>, unit: number) {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = process.hrtime.bigint();
    await task();
    samples.push(Number(process.hrtime.bigint() - started) / unit);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}
