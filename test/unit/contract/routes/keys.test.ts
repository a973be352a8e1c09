import { describe, expect, it } from "vitest";
import { ADMIN_PREFIX, CONSOLE_PREFIX, KEY_OPERATIONS } from "../../../../contract/routes/key-operations";
import { ADMIN_KEY_ROUTES, CONSOLE_KEY_ROUTES } from "../../../../contract/routes/keys";

const OPERATIONS = Object.entries(KEY_OPERATIONS);

describe("the key routes (API.md §5, §10)", () => {
  it("place every operation under the admin door and the console door, in the operations' order", () => {
    // Assess
    expect(ADMIN_KEY_ROUTES.map((route) => `${route.method} ${route.path}`)).toEqual(
      OPERATIONS.map(([, operation]) => `${operation.method} ${ADMIN_PREFIX}${operation.path}`),
    );
    expect(CONSOLE_KEY_ROUTES.map((route) => `${route.method} ${route.path}`)).toEqual(
      OPERATIONS.map(([, operation]) => `${operation.method} ${CONSOLE_PREFIX}${operation.path}`),
    );
    expect(new Set(ADMIN_KEY_ROUTES.map((route) => `${route.auth} ${route.handler}`))).toEqual(
      new Set(["iam lambdas/key-management/doors/http.handler"]),
    );
    expect(new Set(CONSOLE_KEY_ROUTES.map((route) => `${route.auth} ${route.handler}`))).toEqual(
      new Set(["cognito lambdas/key-management/doors/console.handler"]),
    );
  });

  it("take each operation's input as declared: its body, its query, Idempotency-Key where it honours one", () => {
    for (const [index, [name, operation]] of OPERATIONS.entries()) {
      for (const route of [ADMIN_KEY_ROUTES[index], CONSOLE_KEY_ROUTES[index]]) {
        // Assess
        expect(route?.body !== undefined, name).toBe(operation.input.from === "body");
        expect(route?.query, name).toBe(
          operation.input.from === "query" ? operation.input.schema : undefined,
        );
        expect(route?.headers !== undefined, name).toBe("idempotent" in operation && operation.idempotent);
      }
    }
  });

  it("document the console's routes as the admin's: the same summary and answer, ids and tags of their own", () => {
    for (const [index, admin] of ADMIN_KEY_ROUTES.entries()) {
      const consoleRoute = CONSOLE_KEY_ROUTES[index];

      // Assess
      expect(consoleRoute?.summary).toBe(admin.summary);
      expect(consoleRoute?.success).toBe(admin.success);
      expect(consoleRoute?.operationId).toBe(
        `console${admin.operationId[0]?.toUpperCase()}${admin.operationId.slice(1)}`,
      );
      expect(admin.tag).toMatch(/^(Keys|Audit) \(admin\)$/);
      expect(consoleRoute?.tag).toBe(admin.tag.replace("(admin)", "(console)"));
    }
  });
});
