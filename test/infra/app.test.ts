import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { deploymentTarget, environmentConfig, parseOverrides } from "../../lib/config";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe("setting overrides from the CDK context", () => {
  it("keeps settings that are strings as strings, even when they read as numbers", () => {
    // Exactly what `-c account=123456789012 -c region=eu-west-1` hands the app.
    expect(parseOverrides({ account: "123456789012", region: "eu-west-1" })).toEqual({
      account: "123456789012",
      region: "eu-west-1",
    });
    // cdk.json may hold the account as a number.
    expect(parseOverrides({ account: 123456789012 })).toEqual({ account: "123456789012" });
  });

  it("still reads numbers, booleans and objects from their JSON text", () => {
    expect(
      parseOverrides({
        rateLimit: "500",
        secretsManagerHook: "true",
        stageThrottle: '{"rateLimit":20,"burstLimit":40}',
        removalPolicy: "retain",
      }),
    ).toEqual({
      rateLimit: 500,
      secretsManagerHook: true,
      stageThrottle: { rateLimit: 20, burstLimit: 40 },
      removalPolicy: "retain",
    });
    expect(() => parseOverrides({ account: "12345" })).toThrow(/12-digit/);
  });
});

describe("where each environment deploys", () => {
  const cli = { account: "999999999999", region: "us-east-1" };

  it("pins production to the account and region of its settings, never the CLI's", () => {
    const prod = environmentConfig("prod", { account: "123456789012", region: "eu-west-1" });
    expect(deploymentTarget(prod, cli)).toEqual({ account: "123456789012", region: "eu-west-1" });
  });

  it("refuses production without them, saying what to set", () => {
    expect(() => deploymentTarget(environmentConfig("prod"), cli)).toThrow(
      /-c account=<12-digit account id> -c region=<region, e\.g\. eu-west-1>/,
    );
    expect(() => deploymentTarget(environmentConfig("prod", { account: "123456789012" }), cli)).toThrow(
      /region is not set: pass -c region=/,
    );
  });

  it("lets the other environments follow the CLI where their settings name no target", () => {
    expect(deploymentTarget(environmentConfig("dev"), cli)).toEqual(cli);
    expect(deploymentTarget(environmentConfig("staging", { region: "eu-west-1" }), cli)).toEqual({
      account: cli.account,
      region: "eu-west-1",
    });
  });
});

/**
 * The app entry as the CDK CLI runs it: `cdk synth -c key=value` hands the app its context as strings
 * in `CDK_CONTEXT_JSON`, its output directory in `CDK_OUTDIR`, and the current credentials' account and
 * region in `CDK_DEFAULT_*`. Bundling is skipped (`aws:cdk:bundling-stacks`), as in every infra test.
 */
describe("the app entry (bin/app.ts)", () => {
  const outdirs: string[] = [];
  afterAll(async () => {
    for (const dir of outdirs) await rm(dir, { recursive: true, force: true });
  });

  async function synth(context: Record<string, string>) {
    const outdir = await mkdtemp(path.join(tmpdir(), "fynex-synth-"));
    outdirs.push(outdir);
    const env = {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...context, "aws:cdk:bundling-stacks": [] }),
      CDK_DEFAULT_ACCOUNT: "999999999999",
      CDK_DEFAULT_REGION: "us-east-1",
    };
    try {
      await run(process.execPath, ["--import", "tsx", "bin/app.ts"], { cwd: ROOT, env });
      return { ok: true as const, outdir };
    } catch (error) {
      return { ok: false as const, stderr: String((error as { stderr?: string }).stderr) };
    }
  }

  it("synthesises prod pinned to the account and region given with -c", async () => {
    const result = await synth({ env: "prod", account: "123456789012", region: "eu-west-1" });
    if (!result.ok) throw new Error(result.stderr);
    const manifest = JSON.parse(await readFile(path.join(result.outdir, "manifest.json"), "utf8"));
    expect(manifest.artifacts["Fynex-prod"].environment).toBe("aws://123456789012/eu-west-1");
  }, 120_000);

  it("refuses prod without them, whatever the CLI's credentials point at", async () => {
    const result = await synth({ env: "prod" });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.stderr).toMatch(/-c account=.*-c region=/);
  }, 60_000);
});
