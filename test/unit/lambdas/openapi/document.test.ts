import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROUTES, type Route } from "../../../../contract/routes";
import { TAGS } from "../../../../contract/routes/route";
import { buildOpenApiDocument, openApiText, routeKey } from "../../../../lambdas/openapi/document";

const COMMITTED = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../docs/openapi.json");
const document = buildOpenApiDocument();
type Parameter = { in: string; name: string; required?: boolean };
type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: (Parameter | { $ref: string })[];
  responses: Record<string, unknown>;
};
const operationOf = (method: string, path: string) =>
  (document.paths?.[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()];
/** An operation's parameters, each shared one read from `components/parameters`. */
const parametersOf = (operation: Operation | undefined): Parameter[] =>
  (operation?.parameters ?? []).map((parameter) =>
    "$ref" in parameter
      ? (document.components?.parameters?.[
          parameter.$ref.replace("#/components/parameters/", "")
        ] as Parameter)
      : parameter,
  );

describe("the OpenAPI document (API.md §7)", () => {
  it("is committed as docs/openapi.json exactly as generated (run `npm run openapi` after a change)", () => {
    const committed = readFileSync(COMMITTED, "utf8");
    expect(JSON.parse(committed)).toEqual(JSON.parse(openApiText()));
    expect(committed).toBe(openApiText());
  });

  it("documents every route of the route table, and nothing else", () => {
    const missing = ROUTES.filter((route) => !operationOf(route.method, route.path)).map(routeKey);
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(missing).toEqual([]);
    expect(documented.sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it("files each route under one of its tags, listed once each in the declared order", () => {
    const tags = (document.tags ?? []).map((tag) => tag.name);
    expect(tags).toEqual(TAGS.filter((tag) => ROUTES.some((route) => route.tag === tag)));
    expect(tags).toEqual([...TAGS]);
  });

  it("cannot be given a route without its summary, tag and answer: tsc refuses it, the generator throws", () => {
    // Prepare: a route as the route table held it before its declaration carried the document.
    const undocumented = {
      method: "GET",
      path: "/api/v1/things",
      handler: "lambdas/things/list-things.handler",
      auth: "apiKey",
      scope: "accounts:read",
    } as const;

    // Act: `npm run typecheck` fails the day this compiles (a declaration must say what the document says).
    // @ts-expect-error no operationId, summary, tag or success: not a Route
    const routes: readonly Route[] = [undocumented];

    // Assess
    expect(() => buildOpenApiDocument(routes)).toThrow();
  });

  it("refuses a route whose path parameter no description names", () => {
    const [route] = ROUTES;
    const stray = { ...(route as (typeof ROUTES)[number]), path: "/api/v1/things/{thingId}" };
    expect(() => buildOpenApiDocument([stray])).toThrow("path parameter thingId is not described");
  });

  it("is OpenAPI 3.1 with the key and SigV4 security schemes, SigV4 as its own HTTP scheme (#304)", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.components?.securitySchemes).toMatchObject({
      ApiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      SigV4: { type: "http", scheme: "AWS4-HMAC-SHA256" },
    });
  });

  it("puts each route behind its auth kind, naming the scope a key needs", () => {
    for (const route of ROUTES) {
      const operation = operationOf(route.method, route.path);
      const expected = {
        apiKey: [{ ApiKey: [route.scope] }],
        iam: [{ SigV4: [] }],
        cognito: [{ CognitoIdToken: [] }],
        none: [],
      }[route.auth];
      expect(operation?.security, routeKey(route)).toEqual(expected);
    }
    expect(operationOf("GET", "/api/v1/openapi.json")?.security).toEqual([]);
  });

  it("declares every path parameter as required, and gives every operation a unique id", () => {
    const ids = new Set<string>();
    for (const route of ROUTES) {
      const operation = operationOf(route.method, route.path);
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = parametersOf(operation).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), routeKey(route)).toEqual([...names].sort());
      expect(declared.every((p) => p.required === true)).toBe(true);
      expect(ids.has(operation?.operationId ?? "")).toBe(false);
      ids.add(operation?.operationId ?? "");
    }
  });

  it("answers errors in the envelope, with the statuses of each auth kind", () => {
    const webhookPatch = operationOf("PATCH", "/api/v1/webhooks/{webhookId}");
    expect(Object.keys(webhookPatch?.responses ?? {})).toEqual(
      expect.arrayContaining([
        "200",
        "400",
        "401",
        "403",
        "404",
        "413",
        "415",
        "429",
        "500",
        "503",
        "default",
      ]),
    );
    expect(document.components?.responses?.ValidationError).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } },
    });
    expect(document.components?.schemas).not.toHaveProperty("Error");
    expect(document.components?.responses).not.toHaveProperty("Error");
    expect(document.components?.schemas?.ErrorEnvelope).toMatchObject({
      properties: { error: { required: ["code", "message", "requestId", "details"] } },
    });
  });

  it("describes the export formats and the webhook secret shown once", () => {
    const exported = operationOf("GET", "/api/v1/export/accounts")?.responses["200"] as {
      content: Record<string, unknown>;
      headers: Record<string, unknown>;
    };
    expect(Object.keys(exported.content)).toEqual(["application/json", "application/x-ndjson", "text/csv"]);
    expect(exported.headers).toHaveProperty("Link");
    expect(document.components?.schemas?.CreatedWebhook).toMatchObject({
      required: expect.arrayContaining(["secret"]),
    });
    expect(JSON.stringify(document.components?.schemas?.Webhook)).not.toContain("secret");
  });

  it("has no reference that leads nowhere", () => {
    const text = JSON.stringify(document);
    for (const [, kind, name] of text.matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)) {
      const components = document.components as Record<string, Record<string, unknown>>;
      expect(components[kind ?? ""]?.[name ?? ""], `${kind}/${name}`).toBeDefined();
    }
  });
});
