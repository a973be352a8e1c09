import { describe, expect, it } from "vitest";
import { ROUTES, type Route } from "../../../../contract/routes";
import { type InputContext, schemaFor } from "../../../../contract/routes/route";
import * as z from "../../../../contract/zod";
import { buildOpenApiDocument, documentNumericQuery, routeKey } from "../../../../lambdas/openapi/document";

/**
 * The document states every rule the server's schemas enforce (API.md §7, DECISIONS #307): for each
 * route, each schema it validates a request with (body, query, headers) and each it answers with is
 * turned into JSON Schema by zod itself, and every constraint found there must be in the document at
 * the same place. A rule in code but not in the document fails here.
 */

type Json = Record<string, unknown>;
const document = buildOpenApiDocument() as unknown as Json;
const components = document.components as Record<string, Record<string, Json>>;

/** The keywords that are rules a client can check before sending. */
const RULES = [
  "type",
  "format",
  "pattern",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "required",
  "default",
] as const;

const DOCUMENTED_INPUT: InputContext = { nowMs: 0, webhookUrls: { allowLoopback: false } };

/** What zod says of a schema, as the server reads it: query numbers as numbers (`documentNumericQuery`). */
function rulesOf(schema: z.ZodMiniType, io: "input" | "output"): Json {
  return z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: (ctx) => {
      if (io === "input") documentNumericQuery(ctx as never);
    },
  }) as Json;
}

/** Follows `$ref`s into the document's components (and `$defs` of zod's own output). */
function resolve(schema: unknown, root: Json): Json {
  let current = schema as Json;
  for (let hops = 0; typeof current?.$ref === "string" && hops < 10; hops += 1) {
    const ref = current.$ref as string;
    const [, kind, name] = /^#\/(?:components\/)?(\w+)\/(.+)$/.exec(ref) ?? [];
    const place = kind === "$defs" ? (root.$defs as Record<string, Json>) : components[kind ?? ""];
    current = place?.[name ?? ""] as Json;
  }
  return current;
}

/** Every rule of `expected` missing from `actual`, by JSON path. */
function missingRules(expected: unknown, actual: unknown, path: string, expectedRoot: Json): string[] {
  const want = resolve(expected, expectedRoot);
  const have = resolve(actual, document);
  if (!want || typeof want !== "object") return [];
  if (!have || typeof have !== "object") return [`${path}: not documented`];
  const missing: string[] = [];
  for (const rule of RULES) {
    if (!(rule in want)) continue;
    if (JSON.stringify(have[rule]) !== JSON.stringify(want[rule])) {
      missing.push(
        `${path}: ${rule} ${JSON.stringify(want[rule])}, documented ${JSON.stringify(have[rule])}`,
      );
    }
  }
  const wantProperties = (want.properties ?? {}) as Json;
  const haveProperties = (have.properties ?? {}) as Json;
  for (const [name, property] of Object.entries(wantProperties)) {
    missing.push(...missingRules(property, haveProperties[name], `${path}.${name}`, expectedRoot));
  }
  if (want.items) missing.push(...missingRules(want.items, have.items, `${path}[]`, expectedRoot));
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const options = want[key] as unknown[] | undefined;
    options?.forEach((option, index) => {
      missing.push(
        ...missingRules(
          option,
          (have[key] as unknown[] | undefined)?.[index],
          `${path}|${index}`,
          expectedRoot,
        ),
      );
    });
  }
  return missing;
}

type Operation = {
  parameters?: Json[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
const operationOf = (route: Route) =>
  (document.paths as Record<string, Record<string, Operation> | undefined>)[route.path]?.[
    route.method.toLowerCase()
  ];

function parameter(operation: Operation | undefined, place: string, name: string): Json | undefined {
  return (operation?.parameters ?? [])
    .map((entry) => resolve(entry, document))
    .find((entry) => entry.in === place && entry.name === name);
}

/** The rules of `route` missing from its operation, at each place the route declares a schema. */
function routeProblems(route: Route): string[] {
  const operation = operationOf(route);
  const key = routeKey(route);
  const problems: string[] = [];
  const compare = (schema: z.ZodMiniType, io: "input" | "output", actual: unknown, where: string) => {
    const expected = rulesOf(schema, io);
    problems.push(...missingRules(expected, actual, `${key} ${where}`, expected));
  };
  if (route.body && "json" in route.body) {
    const body = schemaFor(route.body.json, DOCUMENTED_INPUT);
    compare(body, "input", operation?.requestBody?.content["application/json"]?.schema, "body");
  }
  if (route.body && "raw" in route.body) {
    for (const [type, schema] of Object.entries(route.body.raw)) {
      compare(schema, "input", operation?.requestBody?.content[type]?.schema, `body ${type}`);
    }
  }
  for (const [place, object] of [
    ["query", route.query],
    ["header", route.headers],
  ] as const) {
    for (const [name, schema] of Object.entries(object?.shape ?? {})) {
      compare(
        schema as z.ZodMiniType,
        "input",
        parameter(operation, place, name)?.schema,
        `${place}.${name}`,
      );
    }
  }
  for (const [type, schema] of Object.entries(route.success.content ?? {})) {
    const answer = operation?.responses[String(route.success.status)]?.content?.[type]?.schema;
    compare(schema, "output", answer, `answer ${type}`);
  }
  return problems;
}

describe("the document states every rule the server's schemas enforce", () => {
  it("has, for every route's body, query, headers and answer, each constraint zod finds in its schema", () => {
    expect(ROUTES.flatMap(routeProblems)).toEqual([]);
  });

  it("would catch a rule left out: a limit documented as the string it arrives as", () => {
    // Prepare: the accounts list's query, and the document as it would be without the numeric override.
    const listAccounts = ROUTES.find((route) => route.operationId === "listAccounts") as Route;
    const expected = rulesOf(listAccounts.query?.shape.limit as z.ZodMiniType, "input");
    const asString = z.toJSONSchema(listAccounts.query?.shape.limit as z.ZodMiniType, {
      io: "input",
    }) as Json;

    // Act
    const problems = missingRules(expected, asString, "limit", expected);

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('limit: type "integer", documented "string"')]),
    );
  });
});

describe("the rules a client could not see before (issue 21)", () => {
  const schemas = components.schemas ?? {};
  const at = (schema: string, ...path: string[]) =>
    path.reduce<Json>(
      (node, step) => resolve((node.properties as Record<string, Json>)[step], document),
      resolve(schemas[schema], document),
    );
  const parameters = components.parameters ?? {};

  it("bounds a key's name, types its expiry and its allowlist entries", () => {
    expect(at("CreateKeyRequest", "name")).toMatchObject({ minLength: 1, maxLength: 100 });
    expect(at("CreateKeyRequest", "expiresAt").anyOf).toEqual([
      { type: "string", format: "date-time" },
      { type: "string", format: "date" },
    ]);
    const entry = resolve((at("CreateKeyRequest", "allowedIps") as { items: Json }).items, document);
    expect(entry).toMatchObject({ maxLength: 64, pattern: expect.any(String) });
    expect(new RegExp(entry.pattern as string).test("203.0.113.0/24")).toBe(true);
    expect(new RegExp(entry.pattern as string).test("example.com")).toBe(false);
    expect(at("CreateKeyRequest", "scopes").items).toEqual({ $ref: "#/components/schemas/Scope" });
  });

  it("gives integers as integers, with their ranges, and ids their patterns", () => {
    expect(parameters.limit).toMatchObject({
      schema: { type: "integer", minimum: 1, maximum: 100, default: 25 },
    });
    expect(parameters.unusedForDays).toMatchObject({ schema: { type: "integer", minimum: 1, maximum: 365 } });
    expect(parameters.orgId).toMatchObject({ in: "path", schema: { pattern: "^[A-Za-z0-9_-]{1,64}$" } });
    expect(parameters.keyId).toMatchObject({ in: "path", schema: { pattern: "^key_[0-9A-Za-z]{22}$" } });
  });

  it("states a currency's pattern, every time's format and counts that cannot be negative", () => {
    expect(at("Account", "currency")).toMatchObject({ pattern: "^[A-Z]{3}$" });
    for (const [schema, field] of [
      ["Account", "createdAt"],
      ["Account", "updatedAt"],
      ["Contact", "createdAt"],
      ["Contact", "updatedAt"],
      ["Payment", "paidAt"],
      ["Payment", "createdAt"],
      ["Webhook", "createdAt"],
      ["Webhook", "updatedAt"],
      ["Interaction", "at"],
      ["DeliveryAttempt", "at"],
      ["KeyRecord", "createdAt"],
    ] as const) {
      expect(at(schema, field), `${schema}.${field}`).toMatchObject({ format: "date-time" });
    }
    expect(at("KeyUsage", "windowSeconds")).toMatchObject({ type: "integer", minimum: 1 });
    expect(at("ImportResult", "summary", "received")).toMatchObject({ type: "integer", minimum: 0 });
  });

  it("bounds Idempotency-Key as the server does", () => {
    const createKey = ROUTES.find((route) => route.operationId === "createKey") as Route;
    expect(parameter(operationOf(createKey), "header", "Idempotency-Key")?.schema).toMatchObject({
      minLength: 1,
      maxLength: 255,
      pattern: "^[\\x20-\\x7e]*$",
    });
  });
});
