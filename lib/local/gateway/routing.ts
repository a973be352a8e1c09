import type { Route } from "../../../contract/routes";

/** The handler of every undeclared path and method, as the stack wires it (API.md §3). */
export const CATCH_ALL_HANDLER = "lambdas/not-found/not-found.handler";

/** What API Gateway resolved a request to: the resource, its path parameters, and the route if declared. */
export interface Resolved {
  /** The API Gateway resource path (`/api/v1/accounts/{accountId}`, `/api/v1/{proxy+}`, `/`). */
  resource: string;
  pathParameters: Record<string, string> | null;
  /** The declared route for this resource and method; undefined: the catch-all answers. */
  route?: Route;
}

/** One API Gateway resource: a path segment, its children, and the methods declared on it. */
interface ResourceNode {
  path: string;
  literals: Map<string, ResourceNode>;
  /** A resource may have one path-variable child (`{accountId}`). */
  variable?: { name: string; node: ResourceNode };
  methods: Map<string, Route>;
}

function node(path: string): ResourceNode {
  return { path, literals: new Map(), methods: new Map() };
}

/**
 * The resource tree API Gateway builds from the route table: every prefix of a declared path is a
 * resource. The stack gives every resource `ANY` and every resource without a path-variable child a
 * `{proxy+}` child, both answered by the catch-all function; {@link resolve} finds what API Gateway
 * would: literal segments before variables, the declared method, else the catch-all on the deepest
 * resource reached (docs/DECISIONS.md #109).
 */
export function resourceTree(routes: readonly Route[]): ResourceNode {
  const root = node("/");
  for (const route of routes) {
    let current = root;
    for (const segment of route.path.split("/").filter((part) => part !== "")) {
      const path = `${current.path === "/" ? "" : current.path}/${segment}`;
      const variable = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (variable !== undefined) {
        current.variable ??= { name: variable, node: node(path) };
        current = current.variable.node;
      } else {
        let child = current.literals.get(segment);
        if (!child) {
          child = node(path);
          current.literals.set(segment, child);
        }
        current = child;
      }
    }
    current.methods.set(route.method, route);
  }
  return root;
}

/** The resource and route API Gateway picks for `method` on `pathname` (already without the stage). */
export function resolve(root: ResourceNode, method: string, pathname: string): Resolved {
  // A trailing or doubled slash is an empty segment, which no declared resource matches.
  const segments = pathname === "/" ? [] : pathname.split("/").slice(1);
  const params: Record<string, string> = {};
  let current = root;
  for (const [index, raw] of segments.entries()) {
    const segment = decodeSegment(raw);
    const literal = segment === undefined ? undefined : current.literals.get(segment);
    if (literal) {
      current = literal;
      continue;
    }
    if (current.variable && segment !== undefined && segment !== "") {
      params[current.variable.name] = segment;
      current = current.variable.node;
      continue;
    }
    // Past the declared tree: the deepest resource's `{proxy+}` takes the rest (undecoded, as sent).
    const proxy = segments.slice(index).join("/");
    return {
      resource: `${current.path === "/" ? "" : current.path}/{proxy+}`,
      pathParameters: { ...params, proxy },
    };
  }
  const pathParameters = Object.keys(params).length > 0 ? params : null;
  return { resource: current.path, pathParameters, route: current.methods.get(method) };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
