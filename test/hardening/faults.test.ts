import { createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RetryPolicy } from "../../contract/runtime";
import { DEFAULT_RETRY } from "../../lambdas/shared/dynamo/transact";
import { admin, createKey, startLocal, withKey } from "../integration/harness";
import { localTarget, remote, type Target } from "../integration/target";
import { expectEnvelope } from "./support";

/**
 * Storage faults over real HTTP. The local runtime builds its functions over a DynamoDB client that
 * talks to its DynamoDB through a proxy (`functionDynamo`); the proxy answers the requests a rule picks with
 * DynamoDB's own wire errors (throttling, a 500, a 503) or never answers (the client's request
 * timeout fires), so the real SDK deserialises, retries and gives up exactly as it would deployed.
 */
const INTERNAL = "partition 7f3a on node i-0abc";
const KEYS_TABLE = "fynex-local-keys";
const DATA_TABLE = "fynex-local-data";

type Fault =
  | "ProvisionedThroughputExceeded"
  | "Throttling"
  | "InternalServerError"
  | "ServiceUnavailable"
  | "Timeout";
const FAULTS: Fault[] = [
  "ProvisionedThroughputExceeded",
  "Throttling",
  "InternalServerError",
  "ServiceUnavailable",
  "Timeout",
];

/** DynamoDB's answer for each fault, as the service sends it (JSON 1.0 protocol). */
const WIRE: Record<Exclude<Fault, "Timeout">, { status: number; type: string; message: string }> = {
  ProvisionedThroughputExceeded: {
    status: 400,
    type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    message: `The level of configured provisioned throughput for the table was exceeded (${INTERNAL}).`,
  },
  Throttling: {
    status: 400,
    type: "com.amazon.coral.availability#ThrottlingException",
    message: `Rate of requests exceeds the allowed throughput (${INTERNAL}).`,
  },
  InternalServerError: {
    status: 500,
    type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
    message: `Internal server error (${INTERNAL}).`,
  },
  ServiceUnavailable: {
    status: 503,
    type: "com.amazonaws.dynamodb.v20120810#ServiceUnavailable",
    message: `Service unavailable (${INTERNAL}).`,
  },
};

interface Rule {
  fault: Fault;
  /** Which DynamoDB requests fail: by operation and the tables they touch. */
  matches: (operation: string, tables: string[]) => boolean;
}

let local: Awaited<ReturnType<typeof startLocal>>;
let target: Target;
let proxy: Server;
/** The embedded DynamoDB the proxy forwards to, known once the runtime has started it. */
let upstream: URL | undefined;
/** How the functions' transaction retries wait: really, unless a test records the waits instead. */
let sleep: RetryPolicy["sleep"] = DEFAULT_RETRY.sleep;
let rule: Rule | undefined;
let faulted = 0;

/**
 * Why DynamoDB cancels a transaction for capacity (the reasons it lists beside `TransactionConflict`);
 * the SDK retries no cancelled transaction.
 */
const CAPACITY_REASONS = ["ThrottlingError", "ProvisionedThroughputExceeded"] as const;
/** While set, `TransactWriteItems` calls are cancelled with this reason on their first action, `remaining` times. */
let cancel: { reason: (typeof CAPACITY_REASONS)[number]; remaining: number } | undefined;

/** DynamoDB's wire answer for a transaction it cancelled: one reason per action, in order. */
function cancellation(reason: string, actions: number): string {
  const reasons = Array.from({ length: actions }, (_, index) => ({ Code: index === 0 ? reason : "None" }));
  return JSON.stringify({
    __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
      .map((r) => r.Code)
      .join(", ")}]`,
    CancellationReasons: reasons,
  });
}
const hanging = new Set<ServerResponse>();
/** Proxy events handed to a business Lambda: a request that reached one was allowed by the authorizer. */
const integrations: { path: string; requestId: string }[] = [];

function tablesOf(body: Record<string, unknown>): string[] {
  const tables = new Set<string>();
  if (typeof body.TableName === "string") tables.add(body.TableName);
  for (const item of Array.isArray(body.TransactItems) ? body.TransactItems : []) {
    for (const action of Object.values(item as Record<string, { TableName?: string }>)) {
      if (action?.TableName) tables.add(action.TableName);
    }
  }
  if (body.RequestItems && typeof body.RequestItems === "object") {
    for (const table of Object.keys(body.RequestItems)) tables.add(table);
  }
  return [...tables];
}

function startProxy(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      const parsed = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
      if (operation === "TransactWriteItems" && cancel && cancel.remaining > 0) {
        cancel.remaining--;
        faulted++;
        const actions = Array.isArray(parsed.TransactItems) ? parsed.TransactItems.length : 1;
        res.writeHead(400, { "Content-Type": "application/x-amz-json-1.0" });
        res.end(cancellation(cancel.reason, actions));
        return;
      }
      if (rule?.matches(operation, tablesOf(parsed))) {
        faulted++;
        if (rule.fault === "Timeout") {
          hanging.add(res);
          return;
        }
        const wire = WIRE[rule.fault];
        const text = JSON.stringify({ __type: wire.type, message: wire.message });
        res.writeHead(wire.status, { "Content-Type": "application/x-amz-json-1.0" });
        res.end(text);
        return;
      }
      if (!upstream) {
        res.destroy();
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// The handlers log each failure (class, message, stack) on the console: expected here, and kept quiet.
const quiet = (["log", "info", "warn", "error"] as const).map((method) =>
  vi.spyOn(console, method).mockImplementation(() => undefined),
);

beforeAll(async () => {
  proxy = await startProxy();
  const { port } = proxy.address() as AddressInfo;
  local = await startLocal({
    observe: (kind, event) => {
      if (kind !== "integration") return;
      const { path, requestContext } = event as { path: string; requestContext: { requestId: string } };
      integrations.push({ path, requestId: requestContext.requestId });
    },
    functionDynamo: ({ endpoint, credentials }) => {
      upstream = new URL(endpoint);
      return new DynamoDBClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: "local",
        credentials,
        // The SDK's own retries run (two attempts here, three by default); a hung call fails with the SDK's
        // TimeoutError after 1 s (this SDK only warns unless told to throw). Long enough that a healthy call
        // through the proxy never times out on a loaded 2-core machine (at 250 ms, every call of a burst of
        // 13 did, and the authorizer failed closed before any fault was reached).
        maxAttempts: 2,
        requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
      });
    },
    retry: { ...DEFAULT_RETRY, sleep: (ms) => sleep(ms) },
  });
  target = localTarget(local);
});
afterEach(() => {
  rule = undefined;
  cancel = undefined;
  for (const res of hanging) res.destroy();
  hanging.clear();
});
afterAll(async () => {
  for (const spy of quiet) spy.mockRestore();
  await new Promise<void>((resolve) => {
    proxy?.close(() => resolve());
    proxy?.closeAllConnections();
  });
  await local?.close();
});

/** Nothing in the answer (body or headers) that names the store, the SDK, the fault or our internals. */
function expectNothingInternal(answer: { text: string; headers: Record<string, string> }) {
  const seen = `${answer.text}\n${JSON.stringify(answer.headers)}`;
  for (const leak of [
    "partition 7f3a",
    "i-0abc",
    "fynex-local",
    "Exception",
    "Throttl",
    "ProvisionedThroughput",
    "InternalServerError",
    "ServiceUnavailable",
    "TimeoutError",
    "amazonaws",
    "DynamoDB",
    "dynamodb",
    "stack",
    "    at ",
    ".ts:",
  ]) {
    expect(seen, `leaks ${leak}`).not.toContain(leak);
  }
}

describe.skipIf(remote)("the authorizer when DynamoDB fails", () => {
  it.each(FAULTS)(
    "answers %s with 503 unavailable and Retry-After, and never lets the request through",
    async (fault) => {
      // Prepare
      const { key } = await createKey(target, "faults", { scopes: ["accounts:read"] });
      rule = {
        fault,
        matches: (operation, tables) => operation === "UpdateItem" && tables.includes(KEYS_TABLE),
      };
      faulted = 0;
      const reached = integrations.length;

      // Act
      const answer = await withKey(target, key, "/api/v1/accounts");

      // Assess
      expectEnvelope(answer, 503, "unavailable");
      expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expectNothingInternal(answer);
      expect(faulted).toBeGreaterThanOrEqual(2); // the SDK retried before the authorizer gave up
      expect(integrations.slice(reached)).toEqual([]);
    },
  );

  it("lets the key through again once DynamoDB is back, having counted only what reached it", async () => {
    const { id, key } = await createKey(target, "faults", { scopes: ["accounts:read"] });
    rule = { fault: "InternalServerError", matches: (_, tables) => tables.includes(KEYS_TABLE) };
    expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(503);
    rule = undefined;

    expect((await withKey(target, key, "/api/v1/accounts")).status).toBe(200);
    const { usage } = (await admin(target, "GET", `/admin/v1/orgs/faults/api-keys/${id}`)).json;
    expect(usage.count).toBe(1);
  });
});

describe.skipIf(remote)("business handlers when DynamoDB fails", () => {
  let key: string;
  let accountId: string;
  let contactId: string;
  beforeAll(async () => {
    key = (
      await createKey(target, "faults-biz", {
        scopes: [
          "accounts:read",
          "accounts:write",
          "contacts:read",
          "contacts:write",
          "payments:write",
          "import",
          "export",
        ],
        rateLimit: { limit: 10_000 },
      })
    ).key;
    accountId = (
      await withKey(target, key, "/api/v1/accounts", { method: "POST", body: { name: "A", currency: "EUR" } })
    ).json.id;
    contactId = (
      await withKey(target, key, "/api/v1/contacts", { method: "POST", body: { accountId, name: "Ana" } })
    ).json.id;
  });

  const routes = (): [string, string, unknown?][] => [
    ["GET", "/api/v1/accounts"],
    ["GET", `/api/v1/accounts/${accountId}`],
    ["POST", "/api/v1/accounts", { name: "B", currency: "EUR" }],
    ["PATCH", `/api/v1/accounts/${accountId}`, { name: "A2" }],
    ["POST", `/api/v1/accounts/${accountId}/payments`, { amount: 100, currency: "EUR" }],
    ["GET", `/api/v1/accounts/${accountId}/payments`],
    ["GET", "/api/v1/contacts"],
    ["GET", `/api/v1/contacts/${contactId}`],
    ["POST", "/api/v1/contacts", { accountId, name: "Bo" }],
    ["PATCH", `/api/v1/contacts/${contactId}`, { name: "Ana B" }],
    ["POST", "/api/v1/import/accounts", { accounts: [{ name: "C", currency: "EUR" }] }],
    ["GET", "/api/v1/export/accounts?format=csv"],
    ["GET", "/api/v1/export/interactions"],
  ];

  it.each(FAULTS)(
    "answer %s on every route with the envelope, 500 or 503, and nothing internal",
    async (fault) => {
      rule = { fault, matches: (_, tables) => tables.includes(DATA_TABLE) };
      faulted = 0;
      // Every route at once (each healthy answer would be a 2xx: only the faults can make these 5xx).
      const answers = await Promise.all(
        routes().map(async ([method, path, body]) => ({
          route: `${method} ${path}`,
          answer: await withKey(target, key, path, { method, body }),
        })),
      );
      for (const { route, answer } of answers) {
        expect([500, 503], `${route}: ${answer.status} ${answer.text}`).toContain(answer.status);
        expectEnvelope(answer);
        if (answer.status === 500)
          expect(answer.json.error).toMatchObject({ code: "internal_error", details: [] });
        if (answer.status === 503) expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
        expectNothingInternal(answer);
      }
      expect(faulted).toBeGreaterThanOrEqual(routes().length);
    },
  );

  it("wrote nothing for the failed writes: the account is as it was, with no payment", async () => {
    const account = await withKey(target, key, `/api/v1/accounts/${accountId}`);
    expect(account.json).toMatchObject({ name: "A", balance: 0 });
    expect((await withKey(target, key, `/api/v1/accounts/${accountId}/payments`)).json.items).toEqual([]);
  });
});

describe.skipIf(remote)("key management when DynamoDB fails", () => {
  it.each(FAULTS)(
    "answers %s with the envelope, 500 or 503, and nothing internal",
    async (fault) => {
      const { id } = await createKey(target, "faults-admin", { scopes: ["accounts:read"] });
      rule = { fault, matches: (_, tables) => tables.some((table) => table !== DATA_TABLE) };
      for (const [method, path, body] of [
        ["GET", `/admin/v1/orgs/faults-admin/api-keys/${id}`],
        ["GET", "/admin/v1/orgs/faults-admin/api-keys"],
        ["POST", "/admin/v1/orgs/faults-admin/api-keys", { name: "n", scopes: ["export"] }],
        ["POST", `/admin/v1/orgs/faults-admin/api-keys/${id}/revoke`],
      ] as [string, string, unknown?][]) {
        const answer = await admin(target, method, path, body);
        expect([500, 503], `${method} ${path}: ${answer.status} ${answer.text}`).toContain(answer.status);
        expectEnvelope(answer);
        expectNothingInternal(answer);
      }
      rule = undefined;
      expect((await admin(target, "GET", `/admin/v1/orgs/faults-admin/api-keys/${id}`)).json.status).toBe(
        "active",
      );
    },
    30_000,
  );
});

describe.skipIf(remote)("transactions DynamoDB cancels for capacity", () => {
  let key: string;
  let accountId: string;
  let contactId: string;
  let keyId: string;
  const sleeps: number[] = [];
  beforeAll(async () => {
    key = (
      await createKey(target, "faults-capacity", {
        scopes: ["accounts:write", "contacts:write", "payments:write"],
        rateLimit: { limit: 10_000 },
      })
    ).key;
    keyId = (await createKey(target, "faults-capacity", { scopes: ["accounts:read"] })).id;
    accountId = (
      await withKey(target, key, "/api/v1/accounts", { method: "POST", body: { name: "A", currency: "EUR" } })
    ).json.id;
    contactId = (
      await withKey(target, key, "/api/v1/contacts", { method: "POST", body: { accountId, name: "Ana" } })
    ).json.id;
    // The project's retry policy, its waits recorded rather than slept.
    sleep = async (ms) => void sleeps.push(ms);
  });
  afterAll(() => {
    sleep = DEFAULT_RETRY.sleep;
  });

  let round = 0;
  /** One write per kind of transaction; each round's names are new, so no PATCH is a no-op. */
  const writes = (): [string, string, unknown?][] => {
    round++;
    return [
      ["POST", "/api/v1/accounts", { name: "B", currency: "EUR" }],
      ["PATCH", `/api/v1/accounts/${accountId}`, { name: `A${round}` }],
      ["POST", `/api/v1/accounts/${accountId}/payments`, { amount: 100, currency: "EUR" }],
      ["PATCH", `/api/v1/contacts/${contactId}`, { name: `Ana ${round}` }],
      ["POST", "/admin/v1/orgs/faults-capacity/api-keys", { name: "n", scopes: ["export"] }],
      ["PATCH", `/admin/v1/orgs/faults-capacity/api-keys/${keyId}`, { name: `renamed ${round}` }],
    ];
  };
  const send = ([method, path, body]: [string, string, unknown?]) =>
    path.startsWith("/admin/")
      ? admin(target, method, path, body)
      : withKey(target, key, path, { method, body });

  it.each(CAPACITY_REASONS)(
    "retries a write cancelled for %s with the conflicts' backoff, and it lands",
    async (reason) => {
      for (const write of writes()) {
        cancel = { reason, remaining: 2 };
        sleeps.length = 0;

        const answer = await send(write);

        expect([200, 201], `${write[0]} ${write[1]}: ${answer.status} ${answer.text}`).toContain(
          answer.status,
        );
        expect(cancel.remaining, `${write[0]} ${write[1]}`).toBe(0);
        expect(sleeps).toHaveLength(2);
      }
    },
  );

  it.each(CAPACITY_REASONS)(
    "answers 503 unavailable with Retry-After when %s outlasts the retries, on business and admin routes",
    async (reason) => {
      for (const write of writes()) {
        cancel = { reason, remaining: Number.POSITIVE_INFINITY };

        const answer = await send(write);

        expectEnvelope(answer, 503, "unavailable");
        expect(answer.headers["retry-after"], `${write[0]} ${write[1]}`).toBe("1");
        expectNothingInternal(answer);
      }
    },
    30_000,
  );
});
