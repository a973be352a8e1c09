import { beforeAll, describe, expect, it } from "vitest";
import { synthesize } from "./synth";

type Resources = Record<string, { Properties: Record<string, unknown> }>;

let functions: Resources;
let policies: Resources;

beforeAll(() => {
  const { template } = synthesize("dev");
  functions = template.findResources("AWS::Lambda::Function") as Resources;
  policies = template.findResources("AWS::IAM::Policy") as Resources;
  // Synthesis takes a second alone, far longer on a busy machine.
}, 120_000);

/** The function built for a handler module: its logical id starts with the module's words. */
function functionFor(prefix: string) {
  const entry = Object.entries(functions).find(([id]) => id.startsWith(`${prefix}Function`));
  if (!entry) throw new Error(`no function for ${prefix}`);
  return entry;
}

/** Every DynamoDB action the function's role is granted. */
function dynamoActions(prefix: string): string[] {
  const [, fn] = functionFor(prefix);
  const role = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(policies)
    .filter(({ Properties }) => JSON.stringify(Properties.Roles).includes(`"${role}"`))
    .flatMap(
      ({ Properties }) =>
        (Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
    )
    .flatMap((statement) => [statement.Action].flat())
    .filter((action) => action.startsWith("dynamodb:"))
    .sort();
}

describe("functions of the accounts, contacts, payments and import routes", () => {
  it("gives the import function 25 s (a 1000-row import), under API Gateway's 29 s, and the others the default 10 s", () => {
    expect(functionFor("ImportImportAccounts")[1].Properties.Timeout).toBe(25);
    for (const prefix of ["AccountsUpdateAccount", "PaymentsRegisterPayment", "ContactsCreateContact"]) {
      expect(functionFor(prefix)[1].Properties.Timeout, prefix).toBe(10);
    }
  });

  it("lets GET-only handlers read the data table and nothing more", () => {
    for (const prefix of [
      "AccountsGetAccount",
      "PaymentsListPayments",
      "PaymentsGetPayment",
      "ContactsListContacts",
    ]) {
      expect(dynamoActions(prefix), prefix).toEqual([
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
      ]);
    }
  });

  it("lets writers put, update and condition-check, but never delete (released ref guards expire by TTL)", () => {
    for (const prefix of [
      "AccountsUpdateAccount",
      "PaymentsRegisterPayment",
      "ContactsCreateContact",
      "ImportImportAccounts",
    ]) {
      const actions = dynamoActions(prefix);
      expect(actions, prefix).toEqual(
        expect.arrayContaining(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]),
      );
      expect(actions, prefix).not.toContain("dynamodb:DeleteItem");
    }
  });
});
