import { readFileSync } from "node:fs";
import { App, type Environment } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { type ConfigOverrides, environmentConfig } from "../../lib/config";
import { FynexStack } from "../../lib/fynex-stack";

export interface Synthesized {
  stack: FynexStack;
  template: Template;
}

const synthesized = new Map<string, Synthesized>();

/**
 * The stack of environment `envName` (its settings with `overrides`), synthesised once per test worker:
 * the infra project shares each worker's modules between its files (`isolate: false` in
 * `vitest.config.ts`), so the files after the first read the same stack instead of synthesising it
 * again. Bundling is skipped: the template is the same. Callers only read what they get.
 */
export function synthesize(envName: string, overrides: ConfigOverrides = {}, env?: Environment): Synthesized {
  const id = JSON.stringify([envName, overrides, env ?? null]);
  let found = synthesized.get(id);
  if (found === undefined) {
    const stack = buildStack(envName, overrides, env);
    found = { stack, template: Template.fromStack(stack) };
    synthesized.set(id, found);
  }
  return found;
}

/**
 * The context `cdk synth` gives the app: `cdk.json`'s (CDK's feature flags above all, so that the
 * tests see the template a deploy would), with bundling skipped: the template is the same.
 */
export function appContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context, "aws:cdk:bundling-stacks": [] };
}

/** A new stack of its own, not yet synthesised, for a test that adds to it (a role, a grant). */
export function buildStack(envName: string, overrides: ConfigOverrides = {}, env?: Environment): FynexStack {
  const app = new App({ context: appContext() });
  const config = environmentConfig(envName, overrides);
  return new FynexStack(app, `Fynex-${envName}`, env ? { config, env } : { config });
}
