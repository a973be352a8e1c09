import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/**
 * The core the load measurements pin their processes to (`taskset`, where the machine has it), or
 * undefined. On this project's machine (two vCPUs of a shared host) one core at a time turns about 1.5
 * times slower for seconds to minutes; an unpinned process lands on either, so a load's samples mixed
 * two speeds and a median could fall on either side. Pinned, every process of a round meets the same
 * core, so a slow spell scales a function and the authorizer alike and their ratio holds. The last
 * core, leaving the others to the bench itself (docs/DECISIONS.md #339).
 */
export const MEASURING_CORE: number | undefined =
  availableParallelism() > 1 && spawnSync("taskset", ["-c", "0", "true"]).status === 0
    ? availableParallelism() - 1
    : undefined;

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
