import { createRequire } from "node:module";

/** What this suite uses of `@aws/cloudformation-validate` (its README's `Engine` and report). */
interface Diagnostic {
  severity: "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";
  ruleId: string;
  message: string;
  entity?: { logicalId?: string };
}
interface Validator {
  CompositeEngine: new () => {
    validateTemplate(template: unknown): { diagnostics: Diagnostic[] };
    free(): void;
  };
  TemplateContent: new (content: string, name?: string) => unknown;
  version(): string;
}

/**
 * AWS's offline CloudFormation validator, the very copy aws-cdk-lib depends on: aws-cdk-lib bundles
 * it (`bundleDependencies`) and the registry publishes no such version on its own, so it is loaded
 * from aws-cdk-lib's own `node_modules` rather than installed beside it (docs/DECISIONS.md #183).
 */
export function loadValidator(): Validator {
  const fromProject = createRequire(import.meta.url);
  const fromCdk = createRequire(fromProject.resolve("aws-cdk-lib/package.json"));
  return fromCdk("@aws/cloudformation-validate") as Validator;
}

/** The version aws-cdk-lib declares for it (what `npm ls @aws/cloudformation-validate` shows). */
export function declaredVersion(): string {
  const fromProject = createRequire(import.meta.url);
  const cdk = fromProject("aws-cdk-lib/package.json") as { dependencies: Record<string, string> };
  return cdk.dependencies["@aws/cloudformation-validate"] ?? "";
}

/**
 * Every error (and fatal) the validator finds in each template, one line each. One engine for all:
 * its rules compile once, which is most of its time.
 */
export function validationErrors(
  validator: Validator,
  templates: Map<string, unknown>,
): Map<string, string[]> {
  const engine = new validator.CompositeEngine();
  try {
    const found = new Map<string, string[]>();
    for (const [name, template] of templates) {
      const report = engine.validateTemplate(new validator.TemplateContent(JSON.stringify(template), name));
      found.set(
        name,
        report.diagnostics
          .filter((d) => d.severity === "ERROR" || d.severity === "FATAL")
          .map((d) => `${d.ruleId} ${d.entity?.logicalId ?? ""}: ${d.message}`),
      );
    }
    return found;
  } finally {
    engine.free();
  }
}
