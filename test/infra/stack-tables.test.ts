import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { handlerId, KEY_MANAGEMENT_DIRECT_HANDLER } from "../../contract/routes";
import { AUDIT_TABLE, DATA_TABLE, KEYS_TABLE, USAGE_TABLE } from "../../contract/tables";
import { devStack, ofType } from "./stack-template";
import { synthesize } from "./synth";

/**
 * The stack's tables and what it outputs: the tables' logical ids pinned, TTL on and billing on
 * demand, the org index's projection, prod's tables kept and dev's let go; the outputs an operator
 * reads (the API URL, the table names, the admin function's name).
 */
describe("FynexStack", () => {
  let dev: Template;
  let prod: Template;
  let functionIds: string[];

  beforeAll(() => {
    // Prepare
    ({ dev, functionIds } = devStack());
    prod = synthesize("prod").template;
  });
  describe("tables", () => {
    it("pins the tables' logical ids", () => {
      expect(Object.keys(ofType(dev, "AWS::DynamoDB::Table")).sort()).toEqual([
        "AuditTable",
        "DataTable",
        "KeysTable",
        "UsageTable",
      ]);
      expect(Object.keys(ofType(prod, "AWS::DynamoDB::Table")).sort()).toEqual([
        "AuditTable",
        "DataTable",
        "KeysTable",
        "UsageTable",
      ]);
    });

    it.each([KEYS_TABLE, DATA_TABLE, AUDIT_TABLE, USAGE_TABLE])(
      "turns TTL on for $logicalId, on demand",
      (definition) => {
        const table = ofType(dev, "AWS::DynamoDB::Table")[definition.logicalId];

        expect(table?.Properties).toMatchObject({
          BillingMode: "PAY_PER_REQUEST",
          TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
        });
      },
    );

    it("projects into the org index exactly the listed attributes, never the per-request ones", () => {
      const table = ofType(dev, "AWS::DynamoDB::Table")[KEYS_TABLE.logicalId];
      const [index] = KEYS_TABLE.indexes;

      const gsis = table?.Properties.GlobalSecondaryIndexes as {
        IndexName: string;
        Projection: { ProjectionType: string; NonKeyAttributes: string[] };
      }[];
      expect(gsis).toHaveLength(KEYS_TABLE.indexes.length);
      expect(gsis[0]?.IndexName).toBe(index?.indexName);
      expect(gsis[0]?.Projection.ProjectionType).toBe("INCLUDE");
      expect([...(gsis[0]?.Projection.NonKeyAttributes ?? [])].sort()).toEqual(
        [...(index?.nonKeyAttributes ?? [])].sort(),
      );
      for (const perRequest of ["windowCount", "windowStart", "lastUsedAt"]) {
        expect(gsis[0]?.Projection.NonKeyAttributes).not.toContain(perRequest);
      }
    });

    it("retains prod tables, with point-in-time recovery and deletion protection", () => {
      for (const table of Object.values(ofType(prod, "AWS::DynamoDB::Table"))) {
        expect(table.DeletionPolicy).toBe("Retain");
        expect(table.UpdateReplacePolicy).toBe("Retain");
        expect(table.Properties).toMatchObject({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        });
      }
    });

    it("lets dev tables go with the stack", () => {
      for (const table of Object.values(ofType(dev, "AWS::DynamoDB::Table"))) {
        expect(table.DeletionPolicy).toBe("Delete");
        expect(table.Properties).toMatchObject({ DeletionProtectionEnabled: false });
      }
    });
  });

  it("outputs the API URL, the table names and the admin function name", () => {
    const outputs = dev.findOutputs("*");

    expect(Object.keys(outputs).sort()).toEqual([
      "AdminFunctionName",
      "ApiUrl",
      "AuditTableName",
      "ConsoleUrl",
      "ConsoleUserPoolId",
      "DataTableName",
      "KeysTableName",
      "SecretScanningKeysFunctionName",
      "UsageTableName",
    ]);
    const direct = functionIds.find((id) =>
      id.startsWith(`${handlerId(KEY_MANAGEMENT_DIRECT_HANDLER)}Function`),
    );
    expect(outputs.AdminFunctionName?.Value).toEqual({ Ref: direct });
  });
});
