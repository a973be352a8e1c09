import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../contract/routes";
import { synthesize } from "./synth";

type Resource = { Properties: Record<string, unknown> };

/**
 * Who may delete: only a function serving nothing but DELETE routes (webhook subscriptions), and it
 * may do nothing else; every other function still holds no `DeleteItem` at all.
 */
describe("DeleteItem grants", () => {
  let policies: { roles: string; statements: string }[];
  let functions: Record<string, Resource>;

  beforeAll(() => {
    const { template } = synthesize("dev");
    functions = template.findResources("AWS::Lambda::Function") as Record<string, Resource>;
    policies = Object.values(template.findResources("AWS::IAM::Policy") as Record<string, Resource>).map(
      ({ Properties }) => ({
        roles: JSON.stringify(Properties.Roles),
        statements: JSON.stringify(Properties.PolicyDocument),
      }),
    );
  }, 120_000);

  /** The policy statements of the function whose logical id starts with `prefix`. */
  function statementsOf(prefix: string): string {
    const found = Object.entries(functions).find(([logicalId]) => logicalId.startsWith(prefix));
    if (!found) throw new Error(`no function ${prefix}`);
    const role = (found[1].Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    return policies
      .filter((policy) => policy.roles.includes(`"${role}"`))
      .map((policy) => policy.statements)
      .join("\n");
  }

  it("lets the delete-webhook function delete data items, and nothing else", () => {
    expect(
      ROUTES.filter((r) => r.handler === "lambdas/webhooks/delete-webhook.handler").map((r) => r.method),
    ).toEqual(["DELETE"]);
    const statements = JSON.parse(statementsOf("WebhooksDeleteWebhookFunction")).Statement;
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: "dynamodb:DeleteItem",
        Resource: expect.anything(),
      }),
    ]);
    expect(JSON.stringify(statements)).toContain("DataTable");
  });

  it("grants DeleteItem to no other function", () => {
    const deleting = Object.keys(functions).filter((id) => statementsOf(id).includes("dynamodb:DeleteItem"));
    expect(deleting.map((id) => id.replace(/[0-9A-F]{8}$/, ""))).toEqual(["WebhooksDeleteWebhookFunction"]);
  });
});
