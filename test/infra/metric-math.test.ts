import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ENVIRONMENT_NAMES } from "../../lib/config";
import { alarmExpressionProblems, type MathType, type MetricQuery, typeOfExpression } from "./metric-math";
import { synthesize } from "./synth";

const series = (...names: string[]) => new Map<string, MathType>(names.map((name) => [name, "series"]));

describe("the metric-math checker", () => {
  it("refuses a scalar inside an array, as CloudWatch does", () => {
    expect(() => typeOfExpression("100 * errors / MAX([requests, 1])", series("errors", "requests"))).toThrow(
      /never a scalar/,
    );
  });

  it("accepts the documented forms, with the type each gives", () => {
    const ids = series("errors", "requests", "m1", "m2");
    expect(typeOfExpression("IF(requests > 0, 100 * errors / requests, 0)", ids)).toBe("series");
    expect(typeOfExpression("MAX([m1, m2])", ids)).toBe("series");
    expect(typeOfExpression("MAX(m1)", ids)).toBe("scalar");
    expect(typeOfExpression("SUM(METRICS())", ids)).toBe("series");
    expect(typeOfExpression("FILL(m1, REPEAT) + FILL(m2, 0)", ids)).toBe("series");
    expect(typeOfExpression("m1 + m2 - -1 ^ 2", ids)).toBe("series");
  });

  it("refuses unknown functions and ids, wrong arities and unbalanced input", () => {
    const ids = series("m1");
    expect(() => typeOfExpression("MAXIMUM(m1)", ids)).toThrow(/unknown function/);
    expect(() => typeOfExpression("m1 + m3", ids)).toThrow(/unknown id/);
    expect(() => typeOfExpression("IF(m1)", ids)).toThrow(/arguments/);
    expect(() => typeOfExpression("(m1 + 1", ids)).toThrow();
    expect(() => typeOfExpression("FIRST(m1)", ids)).toThrow(/array/);
  });

  it("refuses an alarm whose expression gives a scalar rather than one time series", () => {
    const queries: MetricQuery[] = [
      { Id: "m1", MetricStat: {} },
      { Id: "e1", Expression: "MAX(m1)" },
    ];
    expect(alarmExpressionProblems(queries)).toEqual([
      expect.stringMatching(/an alarm needs one time series/),
    ]);
  });
});

type Resource = { Properties: Record<string, unknown> };

/** A dashboard body with CloudFormation tokens (`Ref`, `Fn::GetAtt`) replaced by a placeholder. */
function dashboardBody(resource: Resource): { widgets: { properties?: { metrics?: unknown[][] } }[] } {
  const body = resource.Properties.DashboardBody as string | { "Fn::Join": [string, unknown[]] };
  const text =
    typeof body === "string"
      ? body
      : body["Fn::Join"][1]
          .map((part) => (typeof part === "string" ? part : "TOKEN"))
          .join(body["Fn::Join"][0]);
  return JSON.parse(text);
}

/** Every graph's expressions with the ids of that graph's metrics, as the dashboard holds them. */
function graphProblems(resource: Resource): { checked: number; problems: string[] } {
  let checked = 0;
  const problems: string[] = [];
  for (const widget of dashboardBody(resource).widgets) {
    const rows = widget.properties?.metrics ?? [];
    const ids = new Map<string, MathType>();
    const expressions: { expression: string; id?: string }[] = [];
    for (const row of rows) {
      const options = row.at(-1) as { id?: string; expression?: string } | undefined;
      if (options?.expression !== undefined)
        expressions.push({ expression: options.expression, id: options.id });
      else if (options?.id) ids.set(options.id, "series");
    }
    for (const { expression, id } of expressions) {
      checked++;
      try {
        const type = typeOfExpression(expression, ids);
        if (id) ids.set(id, type);
      } catch (error) {
        problems.push(`"${expression}": ${(error as Error).message}`);
      }
    }
  }
  return { checked, problems };
}

const templates = new Map<string, Template>();
beforeAll(() => {
  for (const envName of ENVIRONMENT_NAMES) {
    templates.set(envName, synthesize(envName).template);
  }
});

describe.each(ENVIRONMENT_NAMES)("metric math of the %s template", (envName) => {
  it("gives every alarm an expression CloudWatch accepts, evaluating to one time series", () => {
    const alarms = (templates.get(envName) as Template).findResources("AWS::CloudWatch::Alarm");
    const withMath = Object.values(alarms as Record<string, Resource>).filter(
      (alarm) => alarm.Properties.Metrics !== undefined,
    );
    expect(withMath.length).toBeGreaterThan(0);
    for (const alarm of withMath) {
      expect(alarmExpressionProblems(alarm.Properties.Metrics as MetricQuery[])).toEqual([]);
    }
  });

  it("draws only expressions CloudWatch accepts on the dashboard", () => {
    const dashboards = (templates.get(envName) as Template).findResources("AWS::CloudWatch::Dashboard");
    let checked = 0;
    for (const dashboard of Object.values(dashboards as Record<string, Resource>)) {
      const result = graphProblems(dashboard);
      expect(result.problems).toEqual([]);
      checked += result.checked;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
