import type * as z from "../../contract/zod";
import type { FieldProblem } from "./outcome";

/**
 * `rateLimit.limit`, `scopes[0]`: the path style of API.md §4. An empty name (only ever an unknown
 * field someone sent, `{"": 1}`) is written `[""]`, so no path is empty or dangling but the whole
 * input's, `""`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (segment === "") out += '[""]';
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** A schema's issues as field problems, one per problem; an unknown field is named by its own path. */
export function problemsOf(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  return issues.flatMap((issue) => {
    const { path } = issue;
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key], message: "Unknown field." }));
    }
    return [{ path, message: issue.message }];
  });
}
