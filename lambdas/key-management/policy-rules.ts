import type { KeyPolicyBody } from "../../contract/api-types";
import type { Scope } from "../../contract/scopes";
import type { FieldProblem } from "../shared/outcome";

/**
 * The key policy's rules applied to what a create, a rotation or a PATCH would make (API.md §12):
 * pure functions of the policy, the settings and the clock, answering one problem per broken rule at
 * the field that breaks it, each message naming the policy. Existing keys are never judged here.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** The latest `expiresAt` a key made at `nowMs` may have under `maxLifetimeDays`. */
export const latestExpiry = (maxLifetimeDays: number, nowMs: number) => nowMs + maxLifetimeDays * DAY_MS;

/** What a new key would hold: a create's body, or what a rotation's new key inherits and is given. */
export interface NewKeyTerms {
  scopes: readonly Scope[];
  expiresAt?: number;
  allowedIps?: readonly string[];
}

/**
 * `scopes[i]` for each position holding a scope outside `allowedScopes` (none when the policy allows
 * any): `i` as sent, since the schema keeps duplicates and the verbs fold them only after this check.
 */
function scopeProblems(rules: KeyPolicyBody, scopes: readonly Scope[]): FieldProblem[] {
  const allowed = rules.allowedScopes;
  if (allowed === null) return [];
  return scopes.flatMap((scope, index) =>
    allowed.includes(scope)
      ? []
      : [
          {
            path: ["scopes", index],
            message: `The org's key policy allows only ${allowed}.`,
          },
        ],
  );
}

const allowlistProblem: FieldProblem = {
  path: ["allowedIps"],
  message: "The org's key policy requires allowedIps.",
};

/** Every rule a new key made at `nowMs` with `terms` breaks. */
export function newKeyProblems(rules: KeyPolicyBody, terms: NewKeyTerms, nowMs: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const max = rules.maxLifetimeDays;
  if (max !== null) {
    const latest = latestExpiry(max, nowMs);
    if (terms.expiresAt === undefined || terms.expiresAt > latest) {
      problems.push({
        path: ["expiresAt"],
        message: `The org's key policy (maxLifetimeDays ${max}) needs an expiresAt by ${new Date(latest).toISOString()}.`,
      });
    }
  }
  problems.push(...scopeProblems(rules, terms.scopes));
  if (rules.requireAllowlist && terms.allowedIps === undefined) problems.push(allowlistProblem);
  return problems;
}

/**
 * The rules a PATCH breaks, on the fields it sends only: renaming a key that breaks the policy is fine,
 * new scopes must be allowed, and removing the allowlist (`allowedIps: null`) is refused when one is
 * required.
 */
export function patchProblems(
  rules: KeyPolicyBody,
  patch: { scopes?: readonly Scope[]; allowedIps?: readonly string[] | null },
): FieldProblem[] {
  return [
    ...(patch.scopes === undefined ? [] : scopeProblems(rules, patch.scopes)),
    ...(rules.requireAllowlist && patch.allowedIps === null ? [allowlistProblem] : []),
  ];
}
