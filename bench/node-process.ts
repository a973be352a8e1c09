import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

// Found at the first measurement, not when this module loads: the tests import the bench's modules.
let measuringCoreFound: { core: number | undefined } | undefined;

/**
 * The core the load measurements pin their processes to (`taskset`, where the machine has it), or
 * undefined. On this project's machine (two vCPUs of a shared host) one core at a time turns about 1.5
 * times slower for seconds to minutes; an unpinned process lands on either, so a load's samples mixed
 * two speeds and a median could fall on either side. Pinned, every process meets the same core, so a
 * slow spell slows alike every load of the rounds it covers. The last core, leaving the others to the
 * bench itself (docs/DECISIONS.md #339); none on a machine of one core, or where that core cannot be
 * pinned to.
 */
export function measuringCore(): number | undefined {
  if (measuringCoreFound === undefined) {
    const core = availableParallelism() - 1;
    const pinnable = core > 0 && spawnSync("taskset", ["-c", String(core), "true"]).status === 0;
    measuringCoreFound = { core: pinnable ? core : undefined };
  }
  return measuringCoreFound.core;
}

/**
 * Runs `script` in a fresh `node` (`-e`) with exactly `env` (on `cpu` alone, when given and
 * `taskset` is there), and resolves to what it printed and its wall time from spawn to exit; rejects
 * with its stderr when it fails.
 */
export function runNode(
  script: string,
  env: NodeJS.ProcessEnv,
  cpu?: number,
): Promise<{ stdout: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [command, args] =
      cpu === undefined
        ? [process.execPath, ["-e", script]]
        : ["taskset", ["-c", String(cpu), process.execPath, "-e", script]];
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, wallMs: performance.now() - started });
      else reject(new Error(`node run failed (${code}): ${stderr}`));
    });
  });
}
