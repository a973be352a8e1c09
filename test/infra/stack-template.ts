/**
 * Reading the synthesised stack, for the stack's test files (`stack-api`, `stack-functions`,
 * `stack-tables`): its resources by type, its API's methods with their paths, the functions a value
 * refers to, a function's grants and environment. The templates come from `synth.ts`, once per worker.
 */
import type { Template } from "aws-cdk-lib/assertions";
import { ROUTES } from "../../contract/routes";
import { synthesize } from "./synth";

/** A resource as the template holds it. */
export type CfnResource = { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>;
export type Resources = Record<string, CfnResource>;

/** The value, or an error naming what the template lacks. */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing from the template`);
  return value;
}

/** The template's resources of one type, by logical id. */
export function ofType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** Logical ids of the Lambda functions a value (an integration URI, an authorizer URI) refers to. */
export function functionsIn(value: unknown, functionIds: string[]): string[] {
  const text = JSON.stringify(value);
  return functionIds.filter((id) => text.includes(`"${id}"`));
}

/** Full path of an API Gateway resource id (or of the root), walking the `ParentId` chain. */
function resourcePath(resources: Resources, resourceId: unknown): string {
  const ref = (resourceId as { Ref?: string }).Ref;
  if (ref === undefined) return "/";
  const props = resources[ref]?.Properties as { ParentId: unknown; PathPart: string };
  const parent = resourcePath(resources, props.ParentId);
  return `${parent === "/" ? "" : parent}/${props.PathPart}`;
}

/** An API method as synthesised: its verb, its full path, its authorization and its properties. */
export interface SynthesisedMethod {
  method: string;
  path: string;
  authorizationType: string;
  properties: Record<string, unknown>;
}

/** Every method of the template's API. */
export function methodsOf(template: Template): SynthesisedMethod[] {
  const resources = ofType(template, "AWS::ApiGateway::Resource");
  return Object.values(ofType(template, "AWS::ApiGateway::Method")).map(({ Properties }) => ({
    method: Properties.HttpMethod as string,
    path: resourcePath(resources, Properties.ResourceId),
    authorizationType: Properties.AuthorizationType as string,
    properties: Properties,
  }));
}

/** A method's integration type (`AWS_PROXY`, `MOCK`, ...). */
export function integrationType(method: SynthesisedMethod): string {
  return (method.properties.Integration as { Type: string }).Type;
}

/** Every statement of the policies attached to a function's role. */
export function policyStatementsOf(template: Template, functionId: string): unknown[] {
  const fn = defined(ofType(template, "AWS::Lambda::Function")[functionId], functionId);
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(ofType(template, "AWS::IAM::Policy"))
    .filter(({ Properties }) => JSON.stringify(Properties.Roles).includes(`"${roleId}"`))
    .flatMap(({ Properties }) => (Properties.PolicyDocument as { Statement: unknown[] }).Statement);
}

/** A function's environment variables (none: an empty record). */
export function environmentOf(template: Template, functionId: string): Record<string, unknown> {
  const fn = ofType(template, "AWS::Lambda::Function")[functionId];
  return (fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** The dev stack's template and its functions, as the stack's test files read them. */
export interface DevStack {
  dev: Template;
  functionIds: string[];
  /** Handler module → logical id of its function. */
  functionOf: Map<string, string>;
  authorizerFunction: string;
}

/** The dev template and its functions: the one each route's integration calls, and the authorizer's. */
export function devStack(): DevStack {
  const dev = synthesize("dev").template;
  const functionIds = Object.keys(ofType(dev, "AWS::Lambda::Function"));
  const functionOf = new Map<string, string>();
  for (const method of methodsOf(dev).filter((m) => integrationType(m) === "AWS_PROXY")) {
    const route = ROUTES.find((r) => r.method === method.method && r.path === method.path);
    const [fn] = functionsIn(method.properties.Integration, functionIds);
    if (route && fn) functionOf.set(route.handler, fn);
  }
  const [authorizer] = Object.values(ofType(dev, "AWS::ApiGateway::Authorizer"));
  const authorizerFunction = functionsIn(authorizer?.Properties.AuthorizerUri, functionIds)[0] ?? "";
  return { dev, functionIds, functionOf, authorizerFunction };
}
