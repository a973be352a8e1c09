import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

/** `npm run smoke -- <args>`, as npm runs it; resolves with its exit code and error output. */
async function smoke(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ["--import", "tsx", "bin/smoke.ts", ...args], { cwd: ROOT });
    return { code: 0, stderr: "" };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? "" };
  }
}

describe("npm run smoke", () => {
  it("is the script package.json names", async () => {
    const { default: pkg } = await import("../../package.json", { with: { type: "json" } });
    expect(pkg.scripts.smoke).toBe("tsx bin/smoke.ts");
  });

  it("without --url explains itself and exits non-zero, running nothing", async () => {
    const { code, stderr } = await smoke();
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--url <stage URL>/);
    expect(stderr).toMatch(/ApiUrl/);
  }, 60_000);

  it("refuses what is not a stage's HTTPS URL", async () => {
    expect(await smoke("--url", "not a url")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Not a URL/),
    });
    expect(await smoke("--url", "http://example.com/dev")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/HTTPS/),
    });
  }, 60_000);
});
