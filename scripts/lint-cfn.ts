import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENVIRONMENT_NAMES } from "../lib/config";
import { synthesize } from "../test/infra/synth";

/**
 * `npm run lint:cfn`: cfn-lint over every environment's template, Secrets Manager hook on and off,
 * where the machine has cfn-lint (`pip install cfn-lint`). The test tier runs AWS's offline validator
 * instead (test/infra/cfn-validate.test.ts), which needs nothing installed; this is the second opinion.
 */
const probe = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" });
if (probe.error || probe.status !== 0) {
  console.log("lint:cfn: cfn-lint is not installed here; skipped (pip install cfn-lint to run it).");
  process.exit(0);
}
console.log(`lint:cfn: ${probe.stdout.trim()}`);

const dir = mkdtempSync(join(tmpdir(), "fynex-cfn-"));
try {
  const files: string[] = [];
  for (const envName of ENVIRONMENT_NAMES) {
    for (const hook of [true, false]) {
      const file = join(dir, `Fynex-${envName}-hook-${hook ? "on" : "off"}.json`);
      const { template } = synthesize(envName, { secretsManagerHook: hook });
      writeFileSync(file, JSON.stringify(template.toJSON(), null, 1));
      files.push(file);
    }
  }
  const lint = spawnSync("cfn-lint", files, { stdio: "inherit" });
  // cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 means it failed.
  // Errors fail the script; warnings (CDK's redundant DependsOn, W3005) are printed, not fatal.
  const status = lint.status ?? 1;
  process.exitCode = status === 1 || (status & 2) !== 0 ? 1 : 0;
  console.log(
    `lint:cfn: ${process.exitCode === 0 ? "no error" : "errors found"} in ${files.length} templates.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
