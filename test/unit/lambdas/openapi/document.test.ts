import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../../../contract/routes";
import { buildOpenApiDocument, openApiText, routeKey } from "../../../../lambdas/openapi/document";
import { ROUTE_DOCS } from "../../../../lambdas/openapi/route-docs";

const COMMITTED = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../docs/openapi.json");
const document = buildOpenApiDocument();
type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean }[];
  responses: Record<string, unknown>;
};
const operationOf = (method: string, path: string) =>
  (document.paths?.[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()];

describe("the OpenAPI document (API.md §7)", () => {
  it("is committed as docs/openapi.json exactly as generated (run `npm run openapi` after a change)", () => {
    const committed = readFileSync(COMMITTED, "utf8");
    expect(JSON.parse(committed)).toEqual(JSON.parse(openApiText()));
    expect(committed).toBe(openApiText());
  });

  it("documents every route of the route table", () => {
    const missing = ROUTES.filter((route) => !operationOf(route.method, route.path)).map(routeKey);
    expect(missing, "add these to lambdas/openapi/route-docs.ts").toEqual([]);
  });

  it("documents nothing the route table does not serve", () => {
    const served = new Set(ROUTES.map(routeKey));
    expect(Object.keys(ROUTE_DOCS).filter((key) => !served.has(key))).toEqual([]);
  });

  it("is OpenAPI 3.1 with the key and SigV4 security schemes", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.components?.securitySchemes).toMatchObject({
      ApiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      SigV4: {
        type: "apiKey",
        in: "header",
        name: "Authorization",
        "x-amazon-apigateway-authtype": "awsSigv4",
      },
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
      const declared = (operation?.parameters ?? []).filter((p) => p.in === "path");
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
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    });
    expect(document.components?.schemas?.Error).toMatchObject({
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
