import { describe, expect, it } from "vitest";
import { ROUTES } from "../../../../../contract/routes";
import { resolve, resourceTree } from "../../../../../lib/local/gateway/routing";

const tree = resourceTree(ROUTES);

describe("the local front's routing: API Gateway's resource resolution", () => {
  it("finds every declared route by its own path and method, with its path parameters", () => {
    for (const route of ROUTES) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => `${name}-value`);

      const resolved = resolve(tree, route.method, path);

      expect(resolved.route, `${route.method} ${route.path}`).toBe(route);
      expect(resolved.resource).toBe(route.path);
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
      expect(resolved.pathParameters).toEqual(
        names.length > 0 ? Object.fromEntries(names.map((name) => [name, `${name}-value`])) : null,
      );
    }
  });

  it("prefers a literal segment to the path variable beside it", () => {
    const resolved = resolve(tree, "GET", "/api/v1/export/accounts");

    expect(resolved.resource).toBe("/api/v1/export/accounts");
  });

  it("decodes path parameters, and leaves an undecodable one to the catch-all", () => {
    expect(resolve(tree, "GET", "/api/v1/accounts/a%20b").pathParameters).toEqual({ accountId: "a b" });
    expect(resolve(tree, "GET", "/api/v1/accounts/%zz").route).toBeUndefined();
  });

  it("gives an undeclared method the resource's own ANY, and a path past the tree the deepest {proxy+}", () => {
    expect(resolve(tree, "DELETE", "/api/v1/accounts")).toEqual({
      resource: "/api/v1/accounts",
      pathParameters: null,
      route: undefined,
    });
    expect(resolve(tree, "GET", "/")).toEqual({ resource: "/", pathParameters: null, route: undefined });
    expect(resolve(tree, "GET", "/api/v1/accounts/a1/payments/p1/x/y")).toEqual({
      resource: "/api/v1/accounts/{accountId}/payments/{paymentId}/{proxy+}",
      pathParameters: { accountId: "a1", paymentId: "p1", proxy: "x/y" },
    });
    expect(resolve(tree, "GET", "/api/v1/accounts/").route).toBeUndefined();
    expect(resolve(tree, "GET", "/api//v1/accounts").route).toBeUndefined();
  });
});
