import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { WEB_STREAMS_MODULE } from "../../../../lib/lambda-bundling";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const STAND_IN = resolve(ROOT, WEB_STREAMS_MODULE);
const execFileAsync = promisify(execFile);

/** What a fresh `node` prints after running `script`: whether Node's web streams module is loaded. */
async function webStreamsLoadedAfter(script: string): Promise<boolean> {
  const { stdout } = await execFileAsync(process.execPath, [
    "-e",
    `${script};console.log(process.moduleLoadList.includes("NativeModule stream/web"))`,
  ]);
  return JSON.parse(stdout) as boolean;
}

describe("node:stream/web as the deployed bundles take it", () => {
  it("offers every export of Node's module, each the very same object", () => {
    // Act
    const load = createRequire(import.meta.url);
    const standIn = load(STAND_IN) as Record<string, unknown>;
    const webStreams = load("node:stream/web") as Record<string, unknown>;

    // Assess
    expect(Object.keys(standIn).sort()).toEqual(Object.keys(webStreams).sort());
    for (const [name, value] of Object.entries(webStreams)) expect(standIn[name], name).toBe(value);
  });

  it("loads Node's module when an export is first read, not before", async () => {
    const load = `const standIn = require(${JSON.stringify(STAND_IN)})`;

    // Act and assess
    expect(await webStreamsLoadedAfter(load)).toBe(false);
    expect(await webStreamsLoadedAfter(`${load};standIn.ReadableStream`)).toBe(true);
  });
});
