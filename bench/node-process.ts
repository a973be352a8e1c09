import { spawn } from "node:child_process";

/**
 * Runs `script` in a fresh `node` (`-e`) with exactly `env`, and resolves to what it printed and its
 * wall time from spawn to exit; rejects with its stderr when it fails.
 */
export function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["-e", script], { env, stdio: ["ignore", "pipe", "pipe"] });
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
