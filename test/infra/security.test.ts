import { Template } from "aws-cdk-lib/assertions";
import { AccountPrincipal, Role } from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { handlerId, KEY_MANAGEMENT_DIRECT_HANDLER, ROUTES } from "../../contract/routes";
import { AUDIT_TABLE, DATA_TABLE, GITHUB_SIGNING_KEYS_PK, KEYS_TABLE } from "../../contract/tables";
import {
  AUDIT_EVENT_ATTRIBUTES,
  LEAK_REVOCATION_KEY_ATTRIBUTES,
  OUTBOX_ITEM_ATTRIBUTES,
} from "../../contract/write-attributes";
import type { ConfigOverrides } from "../../lib/config";
import { buildStack, synthesize } from "./synth";

/**
 * CDK assertions for issue 4's security pieces: the secret-scanning route's and the key refresher's
 * permissions and schedule, the Secrets Manager hook's IAM scope, and the org-scoped admin grant.
 */
type CfnResource = { Type: string; Properties: Record<string, unknown> };
type Resources = Record<string, CfnResource>;

function synth(envName: string, overrides: ConfigOverrides = {}) {
  const { stack, template } = synthesize(envName, overrides);
  return { stack, template: () => template };
}

const ofType = (template: Template, type: string) => template.findResources(type) as Resources;
type CfnResourceWithDeps = { Properties: Record<string, unknown>; DependsOn?: string[] };

/** Every statement of the policies attached to a role. */
function statementsOfRole(template: Template, roleId: string): Record<string, unknown>[] {
  return Object.values(ofType(template, "AWS::IAM::Policy"))
    .filter(({ Properties }) => JSON.stringify(Properties.Roles).includes(`"${roleId}"`))
    .flatMap(
      ({ Properties }) => (Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
}

function statementsOf(template: Template, functionId: string) {
  const fn = ofType(template, "AWS::Lambda::Function")[functionId];
  if (!fn) throw new Error(`no function ${functionId}`);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return statementsOfRole(template, roleId);
}

function environmentOf(template: Template, functionId: string): Record<string, unknown> {
  const fn = ofType(template, "AWS::Lambda::Function")[functionId];
  return (fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** The function behind a route's method, by its integration URI. */
function functionOfRoute(template: Template, method: string, path: string): string {
  const resources = ofType(template, "AWS::ApiGateway::Resource");
  const pathOf = (id: unknown): string => {
    const ref = (id as { Ref?: string }).Ref;
    if (ref === undefined) return "";
    const props = resources[ref]?.Properties as { ParentId: unknown; PathPart: string };
    return `${pathOf(props.ParentId)}/${props.PathPart}`;
  };
  const functionIds = Object.keys(ofType(template, "AWS::Lambda::Function"));
  for (const { Properties } of Object.values(ofType(template, "AWS::ApiGateway::Method"))) {
    if (Properties.HttpMethod !== method || pathOf(Properties.ResourceId) !== path) continue;
    const uri = JSON.stringify(Properties.Integration);
    const fn = functionIds.find((id) => uri.includes(`"${id}"`));
    if (fn) return fn;
  }
  throw new Error(`no function for ${method} ${path}`);
}

const KEYS_ARN = { "Fn::GetAtt": [KEYS_TABLE.logicalId, "Arn"] };
const AUDIT_ARN = { "Fn::GetAtt": [AUDIT_TABLE.logicalId, "Arn"] };
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, kept literally in the ARN
const ORG_TAG = "${aws:PrincipalTag/orgId}";
const SCANNING_ROUTE = ROUTES.find((route) => route.path === "/security/v1/secret-scanning");
const ADMIN_HANDLER = ROUTES.find((route) => route.auth === "iam")?.handler;

describe("secret-scanning route (API.md §8)", () => {
  let template: Template;
  let scanning: string;

  beforeAll(() => {
    template = synth("dev").template();
    scanning = functionOfRoute(template, "POST", "/security/v1/secret-scanning");
  });

  it("is public in the route table and declares the tables it needs", () => {
    expect(SCANNING_ROUTE).toMatchObject({
      method: "POST",
      auth: "none",
      tables: { keys: "revoke", audit: "append", data: "append" },
    });
    const [method] = Object.values(ofType(template, "AWS::ApiGateway::Method")).filter(
      ({ Properties }) =>
        Properties.HttpMethod === "POST" && JSON.stringify(Properties.Integration).includes(scanning),
    );
    expect(method?.Properties.AuthorizationType).toBe("NONE");
  });

  it("may read and revoke keys (base table only), append audit events and put key events, nothing more", () => {
    const statements = statementsOf(template, scanning);

    const onlyAttributes = (attributes: readonly string[], returnValues: string[]) => ({
      "ForAllValues:StringEquals": { "dynamodb:Attributes": [...attributes] },
      StringEqualsIfExists: { "dynamodb:ReturnValues": returnValues },
    });
    expect(statements).toEqual([
      { Effect: "Allow", Action: "dynamodb:GetItem", Resource: KEYS_ARN },
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: KEYS_ARN,
        Condition: onlyAttributes(LEAK_REVOCATION_KEY_ATTRIBUTES, ["NONE", "UPDATED_OLD", "UPDATED_NEW"]),
      },
      // A revoked key leaves its org's active-key counter: the counter items only, its count only.
      {
        Effect: "Allow",
        Action: "dynamodb:UpdateItem",
        Resource: KEYS_ARN,
        Condition: {
          ...onlyAttributes(["pk", "activeKeys"], ["NONE", "UPDATED_OLD", "UPDATED_NEW"]),
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["ACTIVE_KEYS#*"] },
        },
      },
      // Audit events only: a put of anything else (a forged item of other attributes) is refused.
      {
        Effect: "Allow",
        Action: "dynamodb:PutItem",
        Resource: AUDIT_ARN,
        Condition: onlyAttributes(AUDIT_EVENT_ATTRIBUTES, ["NONE"]),
      },
      // The outbox of `api_key.revoked` / `api_key.leak_reported` (API.md §11): outbox items only,
      // never a read, never an old item handed back.
      {
        Effect: "Allow",
        Action: "dynamodb:PutItem",
        Resource: { "Fn::GetAtt": [DATA_TABLE.logicalId, "Arn"] },
        Condition: onlyAttributes(OUTBOX_ITEM_ATTRIBUTES, ["NONE"]),
      },
    ]);
    expect(environmentOf(template, scanning)).toMatchObject({
      KEYS_TABLE_NAME: { Ref: KEYS_TABLE.logicalId },
      AUDIT_TABLE_NAME: { Ref: AUDIT_TABLE.logicalId },
      DATA_TABLE_NAME: { Ref: DATA_TABLE.logicalId },
    });
  });
});

describe("IAM no broader than the code (issue 12, point 7)", () => {
  let template: Template;
  beforeAll(() => {
    template = synth("prod").template();
  });

  it("lets the internet-facing scanning function update only what a revocation touches", () => {
    const scanning = functionOfRoute(template, "POST", "/security/v1/secret-scanning");
    const updates = statementsOf(template, scanning).filter((statement) =>
      [statement.Action].flat().includes("dynamodb:UpdateItem"),
    );
    // The key's revocation, and the counter's move down (held to the counter items, below).
    expect(updates).toHaveLength(2);
    const counterMove = updates[1]?.Condition as Record<string, Record<string, string[]>>;
    expect(counterMove["ForAllValues:StringEquals"]?.["dynamodb:Attributes"]).toEqual(["pk", "activeKeys"]);
    expect(counterMove["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"]).toEqual(["ACTIVE_KEYS#*"]);
    const condition = updates[0]?.Condition as Record<string, Record<string, string[]>>;
    // `SET revokedAt, ttl REMOVE counted` under `attribute_exists(pk) AND attribute_not_exists(revokedAt)
    // AND attribute_exists(counted)`: it can neither move a key to another org nor change its expiry
    // (issue 19 point 4).
    const attributes = condition["ForAllValues:StringEquals"]?.["dynamodb:Attributes"] ?? [];
    expect([...attributes].sort()).toEqual(["counted", "pk", "revokedAt", "ttl"]);
    for (const attribute of [
      "orgId",
      "expiresAt",
      "scopes",
      "hash",
      "allowedIps",
      "rateLimit",
      "name",
      "windowCount",
      "lastUsedAt",
    ]) {
      expect(attributes).not.toContain(attribute);
    }
    // No ALL_OLD/ALL_NEW: an update may not hand back attributes it may not touch.
    expect(condition.StringEqualsIfExists?.["dynamodb:ReturnValues"]).toEqual([
      "NONE",
      "UPDATED_OLD",
      "UPDATED_NEW",
    ]);
  });

  it("keeps the audit table append-only for every role of the stack: PutItem and Query, nothing else", () => {
    const onAudit = Object.values(ofType(template, "AWS::IAM::Policy"))
      .flatMap(
        ({ Properties }) => (Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      )
      .filter((statement) => JSON.stringify(statement.Resource).includes(`"${AUDIT_TABLE.logicalId}"`));
    expect(onAudit.length).toBeGreaterThan(0);
    for (const statement of onAudit) {
      for (const action of [statement.Action].flat()) {
        expect(["dynamodb:PutItem", "dynamodb:Query"]).toContain(action);
      }
    }
  });
});

describe("secret-scanning key refresher", () => {
  let template: Template;
  let refresher: string;

  beforeAll(() => {
    template = synth("prod").template();
    const [rule] = Object.values(ofType(template, "AWS::Events::Rule")).filter(
      ({ Properties }) => Properties.ScheduleExpression === "rate(1 hour)",
    );
    const targets = (rule?.Properties.Targets ?? []) as { Arn: { "Fn::GetAtt": [string, string] } }[];
    const target = targets[0];
    refresher = target?.Arn["Fn::GetAtt"][0] ?? "";
  });

  it("runs once at deploy, after the keys table exists, without failing the deploy on GitHub", () => {
    const triggers = Object.values(ofType(template, "Custom::Trigger")) as (
      | CfnResourceWithDeps
      | undefined
    )[];
    expect(triggers).toHaveLength(1);
    const [trigger] = triggers;
    if (!trigger) throw new Error("no trigger");
    // The refresher's current version: a changed refresher runs again at its deploy.
    const versionId = (trigger.Properties.HandlerArn as { Ref: string }).Ref;
    expect(ofType(template, "AWS::Lambda::Version")[versionId]?.Properties.FunctionName).toEqual({
      Ref: refresher,
    });
    expect(trigger?.Properties).toMatchObject({ InvocationType: "Event", ExecuteOnHandlerChange: true });
    expect(trigger?.DependsOn).toContain(KEYS_TABLE.logicalId);
  });

  it("runs hourly on an EventBridge schedule, retrying a failed invocation", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 hour)",
      State: "ENABLED",
      Targets: [{ Arn: { "Fn::GetAtt": [refresher, "Arn"] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [refresher, "Arn"] },
      Principal: "events.amazonaws.com",
    });
  });

  it("may read and write its one item of the keys table and nothing else", () => {
    expect(statementsOf(template, refresher)).toEqual([
      {
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
        Resource: KEYS_ARN,
        Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [GITHUB_SIGNING_KEYS_PK] } },
      },
    ]);
    expect(environmentOf(template, refresher)).toMatchObject({
      KEYS_TABLE_NAME: { Ref: KEYS_TABLE.logicalId },
    });
  });

  it("is a Node 22 arm64 function like the others, with its own log group", () => {
    const fn = ofType(template, "AWS::Lambda::Function")[refresher];

    expect(fn?.Properties).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"], Timeout: 15 });
    expect(fn?.Properties.LoggingConfig).toBeDefined();
  });

  it("outputs its name, to be invoked once after the first deploy", () => {
    expect(
      template.findOutputs("SecretScanningKeysFunctionName").SecretScanningKeysFunctionName?.Value,
    ).toEqual({
      Ref: refresher,
    });
  });
});

describe("Secrets Manager hook (API.md §5)", () => {
  const secretArnPrefix = (envName: string) => ({
    "Fn::Join": [
      "",
      [
        "arn:",
        { Ref: "AWS::Partition" },
        ":secretsmanager:",
        { Ref: "AWS::Region" },
        ":",
        { Ref: "AWS::AccountId" },
        `:secret:fynex/${envName}/api-keys/*`,
      ],
    ],
  });

  it("is off by default: no function may touch Secrets Manager or is told the hook is on", () => {
    const template = synth("prod").template();

    const policies = JSON.stringify(ofType(template, "AWS::IAM::Policy"));
    expect(policies).not.toContain("secretsmanager");
    for (const id of Object.keys(ofType(template, "AWS::Lambda::Function"))) {
      expect(environmentOf(template, id)).not.toHaveProperty("FYNEX_SECRETS_MANAGER_HOOK");
    }
  });

  describe("when on", () => {
    let template: Template;

    beforeAll(() => {
      template = synth("staging", { secretsManagerHook: true }).template();
    });

    it("lets key management create tagged secrets and delete them under fynex/<env>/api-keys/ only", () => {
      const admin = functionOfRoute(template, "POST", "/admin/v1/orgs/{orgId}/api-keys");

      const secrets = statementsOf(template, admin).filter((s) =>
        JSON.stringify(s.Action).includes("secretsmanager"),
      );
      expect(secrets).toEqual([
        {
          Effect: "Allow",
          Action: [
            "secretsmanager:CreateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:TagResource",
          ],
          Resource: secretArnPrefix("staging"),
        },
      ]);
      expect(environmentOf(template, admin)).toMatchObject({
        FYNEX_ENV: "staging",
        FYNEX_SECRETS_MANAGER_HOOK: "1",
      });
      expect(ADMIN_HANDLER).toBeDefined();
    });

    it("lets the secret-scanning route delete copies of keys it revokes, and nothing else of Secrets Manager", () => {
      const scanning = functionOfRoute(template, "POST", "/security/v1/secret-scanning");

      const secrets = statementsOf(template, scanning).filter((s) =>
        JSON.stringify(s.Action).includes("secretsmanager"),
      );
      expect(secrets).toEqual([
        { Effect: "Allow", Action: "secretsmanager:DeleteSecret", Resource: secretArnPrefix("staging") },
      ]);
      expect(environmentOf(template, scanning)).toMatchObject({ FYNEX_SECRETS_MANAGER_HOOK: "1" });
    });

    it("never grants reading a secret back, nor any secret outside the prefix", () => {
      const policies = JSON.stringify(ofType(template, "AWS::IAM::Policy"));

      expect(policies).not.toMatch(/GetSecretValue|secretsmanager:\*|PutSecretValue/);
      const resources = [...policies.matchAll(/:secret:([^"]*)"/g)].map((match) => match[1]);
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource).toBe("fynex/staging/api-keys/*");
    });

    it("gives the authorizer and the business functions no Secrets Manager access", () => {
      const scoped = new Set(
        [
          functionOfRoute(template, "POST", "/admin/v1/orgs/{orgId}/api-keys"),
          // The console creates keys too: with the hook on, its keys get their copy as well.
          functionOfRoute(template, "POST", "/console/v1/api-keys"),
          functionOfRoute(template, "POST", "/security/v1/secret-scanning"),
          // Key management's direct door creates keys too, with the admin door's grants.
          Object.keys(ofType(template, "AWS::Lambda::Function")).find((id) =>
            id.startsWith(`${handlerId(KEY_MANAGEMENT_DIRECT_HANDLER)}Function`),
          ),
        ].map(String),
      );
      for (const id of Object.keys(ofType(template, "AWS::Lambda::Function"))) {
        if (scoped.has(id)) continue;
        expect(JSON.stringify(statementsOf(template, id)), id).not.toContain("secretsmanager");
      }
    });
  });
});

describe("org-scoped admin access (API.md §5)", () => {
  /** Evaluates the intrinsic functions an ARN is made of, with the given values for its references. */
  function render(value: unknown, refs: Record<string, string>): string {
    if (typeof value === "string") return value;
    const node = value as { Ref?: string; "Fn::Join"?: [string, unknown[]] };
    if (node.Ref !== undefined) {
      const resolved = refs[node.Ref];
      if (resolved === undefined) throw new Error(`no value for Ref ${node.Ref}`);
      return resolved;
    }
    if (node["Fn::Join"]) {
      const [separator, parts] = node["Fn::Join"];
      return parts.map((part) => render(part, refs)).join(separator);
    }
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  }

  /** IAM's ARN matching: `*` any run of characters (`/` included), `?` any one character. */
  const iamMatches = (pattern: string, arn: string) =>
    new RegExp(
      `^${pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("")}$`,
    ).test(arn);

  function grantedResources(orgId: string): string[] {
    const stack = buildStack("prod");
    const role = new Role(stack, "TenantConsole", { assumedBy: new AccountPrincipal("123456789012") });
    stack.api.grantOrgAdmin(role, orgId);
    const t = Template.fromStack(stack);
    const roleId =
      Object.keys(ofType(t, "AWS::IAM::Role")).find((id) => id.startsWith("TenantConsole")) ?? "";
    const statements = statementsOfRole(t, roleId);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: "Allow", Action: "execute-api:Invoke" });
    const restApi = Object.keys(ofType(t, "AWS::ApiGateway::RestApi"))[0] ?? "";
    const stage = Object.keys(ofType(t, "AWS::ApiGateway::Stage"))[0] ?? "";
    const refs = {
      "AWS::Partition": "aws",
      "AWS::Region": "eu-west-1",
      "AWS::AccountId": "123456789012",
      [restApi]: "a1b2c3d4e5",
      [stage]: "prod",
    };
    const resource = statements[0]?.Resource;
    return (Array.isArray(resource) ? resource : [resource]).map((r) => render(r, refs));
  }

  /** The ARN API Gateway checks for a call: `<api>/<stage>/<METHOD>/<path>`. */
  const callArn = (method: string, path: string) =>
    `arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/${method}${path}`;

  const adminCalls = (orgId: string) =>
    ROUTES.filter((route) => route.auth === "iam").map((route) =>
      callArn(
        route.method,
        route.path.replace("{orgId}", orgId).replace("{keyId}", "key_5u1a57vZeyw1x9yto1mqYA"),
      ),
    );

  it("grants execute-api:Invoke on <api>/<stage>/*/admin/v1/orgs/<orgId>/* exactly", () => {
    expect(grantedResources("acme")).toEqual([
      "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/admin/v1/orgs/acme/*",
    ]);
  });

  it("covers every admin route of that org, the collection itself and the audit trail included", () => {
    const [pattern = ""] = grantedResources("acme");

    const calls = [
      ...adminCalls("acme"),
      callArn("GET", "/admin/v1/orgs/acme/api-keys"),
      callArn("PATCH", "/admin/v1/orgs/acme/api-keys/key_5u1a57vZeyw1x9yto1mqYA"),
      callArn("POST", "/admin/v1/orgs/acme/api-keys/key_5u1a57vZeyw1x9yto1mqYA/rotate"),
      callArn("GET", "/admin/v1/orgs/acme/audit-events"),
    ];
    expect(calls.length).toBeGreaterThan(4);
    for (const arn of calls) expect(iamMatches(pattern, arn), arn).toBe(true);
  });

  it("covers no other org (not even one whose id starts alike), no other stage, no business route", () => {
    const [pattern = ""] = grantedResources("acme");

    const outside = [
      ...adminCalls("acme2"),
      ...adminCalls("globex"),
      callArn("GET", "/admin/v1/orgs/acme"),
      callArn("GET", "/api/v1/accounts"),
      callArn("POST", "/security/v1/secret-scanning"),
      "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev/GET/admin/v1/orgs/acme/api-keys",
      "arn:aws:execute-api:eu-west-1:123456789012:zzzzzzzzzz/prod/GET/admin/v1/orgs/acme/api-keys",
    ];
    for (const arn of outside) expect(iamMatches(pattern, arn), arn).toBe(false);
  });

  it("takes an IAM policy variable, so one role can serve every tenant by session tag", () => {
    expect(grantedResources(ORG_TAG)).toEqual([
      `arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/admin/v1/orgs/${ORG_TAG}/*`,
    ]);
  });

  it("refuses an org id that would widen the pattern", () => {
    const { stack } = synth("dev");
    const role = new Role(stack, "Console", { assumedBy: new AccountPrincipal("123456789012") });

    for (const orgId of ["*", "ac*", "acme/*", "", "a?c", `${ORG_TAG}*`, `x/${ORG_TAG}`]) {
      expect(() => stack.api.grantOrgAdmin(role, orgId), orgId).toThrow(/Not an org id/);
    }
  });
});
