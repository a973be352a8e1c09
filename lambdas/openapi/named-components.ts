import type { oas31 } from "zod-openapi";

/**
 * The last step of the document: every request body and success answer a route declares inline
 * becomes a named schema under `components/schemas`, and every query parameter two operations share
 * becomes one under `components/parameters`, so that a generated client names each of them
 * (`components["schemas"]["CreateKeyRequest"]`) instead of indexing a path. Names come from the
 * operation (`createKey` → `CreateKeyRequest`, `CreateKeyResponse`; a page of `Account` →
 * `AccountPage`); the console's operations, the admin's for one org, share the admin's names. Two
 * different schemas never get one name: the generator throws.
 */

type Json = Record<string, unknown>;
type Operation = oas31.OperationObject;

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

const pascal = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** `consoleCreateKey` and `createKey` name the same schemas. */
const baseName = (operationId: string) => pascal(operationId.replace(/^console(?=[A-Z])/, ""));

/** The media type's part of a name: none for JSON, `Csv` for `text/csv`, `Ndjson` for `application/x-ndjson`. */
function mediaSuffix(mediaType: string): string {
  if (mediaType === "application/json") return "";
  const subtype = mediaType.split("/")[1] ?? mediaType;
  return pascal(subtype.replace(/^x-/, "").replace(/[^A-Za-z0-9]/g, ""));
}

const isRef = (value: unknown): value is oas31.ReferenceObject =>
  typeof value === "object" && value !== null && "$ref" in value;

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** `{items: [$ref X], nextCursor}`: a page of X. */
function pageOf(schema: Json): string | undefined {
  const properties = schema.properties as Json | undefined;
  const items = properties?.items as Json | undefined;
  if (!properties || Object.keys(properties).join() !== "items,nextCursor" || items?.type !== "array")
    return undefined;
  const item = items.items;
  return isRef(item) ? refName(item.$ref) : undefined;
}

/** Files `schema` under `name` (or finds it there already) and answers its reference. */
function register(schemas: Record<string, unknown>, name: string, schema: Json): oas31.ReferenceObject {
  const existing = schemas[name];
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(schema)) {
    throw new Error(`Two different schemas would be named ${name}`);
  }
  schemas[name] = schema;
  return { $ref: `#/components/schemas/${name}` };
}

function nameContent(
  schemas: Record<string, unknown>,
  content: Record<string, oas31.MediaTypeObject> | undefined,
  name: (mediaType: string, schema: Json) => string,
): void {
  for (const [mediaType, media] of Object.entries(content ?? {})) {
    if (!media.schema || isRef(media.schema)) continue;
    media.schema = register(schemas, name(mediaType, media.schema as Json), media.schema as Json);
  }
}

/** The operations of the document, with their ids. */
function operations(document: oas31.OpenAPIObject): Operation[] {
  return Object.values(document.paths ?? {}).flatMap((item) =>
    METHODS.map((method) => item?.[method]).filter((operation): operation is Operation => Boolean(operation)),
  );
}

/** Query parameters shared by two operations or more, one component each. */
function shareParameters(document: oas31.OpenAPIObject, parameters: Record<string, unknown>): void {
  const uses = new Map<string, { parameter: oas31.ParameterObject; count: number; tags: Set<string> }>();
  for (const operation of operations(document)) {
    for (const parameter of operation.parameters ?? []) {
      if (isRef(parameter) || parameter.in !== "query") continue;
      const key = JSON.stringify(parameter);
      const use = uses.get(key) ?? { parameter, count: 0, tags: new Set<string>() };
      use.count += 1;
      for (const tag of operation.tags ?? []) use.tags.add(tag);
      uses.set(key, use);
    }
  }
  const names = new Map<string, string>();
  for (const [key, { parameter, count, tags }] of uses) {
    if (count < 2) continue;
    // The first shape of a name gets the name; another gets its tag's word first (`exportCursor`).
    const taken = Object.keys(parameters).includes(parameter.name);
    const tag = [...tags][0]?.split(" ")[0]?.toLowerCase() ?? "shared";
    const name = taken ? `${tag}${pascal(parameter.name)}` : parameter.name;
    if (parameters[name] !== undefined) throw new Error(`Two different parameters would be named ${name}`);
    parameters[name] = parameter;
    names.set(key, name);
  }
  for (const operation of operations(document)) {
    operation.parameters = operation.parameters?.map((parameter) => {
      const name = isRef(parameter) ? undefined : names.get(JSON.stringify(parameter));
      return name ? { $ref: `#/components/parameters/${name}` } : parameter;
    });
  }
}

/** The document with every inline body and success answer named, and shared query parameters. */
export function nameComponents(document: oas31.OpenAPIObject): oas31.OpenAPIObject {
  const components = document.components ?? {};
  document.components = components;
  const schemas: Record<string, unknown> = components.schemas ?? {};
  components.schemas = schemas as oas31.ComponentsObject["schemas"];
  for (const operation of operations(document)) {
    const base = baseName(operation.operationId ?? "");
    const body = operation.requestBody;
    if (body && !isRef(body)) {
      nameContent(schemas, body.content, (mediaType) => `${base}Request${mediaSuffix(mediaType)}`);
    }
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (!status.startsWith("2") || isRef(response)) continue;
      nameContent(schemas, (response as oas31.ResponseObject).content, (mediaType, schema) => {
        const page = pageOf(schema);
        return page ? `${page}Page` : `${base}Response${mediaSuffix(mediaType)}`;
      });
    }
  }
  const parameters: Record<string, unknown> = components.parameters ?? {};
  components.parameters = parameters as oas31.ComponentsObject["parameters"];
  shareParameters(document, parameters);
  return document;
}
