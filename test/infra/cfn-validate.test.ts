import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../../lib/config";
import { declaredVersion, loadValidator, validationErrors } from "./cfn-validate";
import { synthesize } from "./synth";

/**
 * Every template passes AWS's own offline validator with no error (DESIGN.md, "Deploy readiness"):
 * each environment, with the Secrets Manager hook on and off.
 */
const validator = loadValidator();
const cases = ENVIRONMENT_NAMES.flatMap((envName) =>
  [true, false].map((hook) => ({ envName, hook, label: `${envName}, hook ${hook ? "on" : "off"}` })),
);
let errors: Map<string, string[]>;

beforeAll(() => {
  const templates = new Map(
    cases.map(({ envName, hook, label }) => [
      label,
      synthesize(envName, { secretsManagerHook: hook }).template.toJSON(),
    ]),
  );
  errors = validationErrors(validator, templates);
});

describe("@aws/cloudformation-validate", () => {
  it("is the copy aws-cdk-lib itself depends on", () => {
    expect(declaredVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(validator.version()).toBe(declaredVersion());
  });

  it.each(cases)("finds no error in the template of $label", ({ label }) => {
    expect(errors.get(label)).toEqual([]);
  });
});
