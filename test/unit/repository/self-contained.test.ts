import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(THIS_FILE), "..", "..", "..");

/**
 * The folder beside the repository that holds the team's brief. The product never depends on it: a
 * user's clone has nothing beside it.
 */
const SIBLING = "shared";
/** A run of `../` followed by a name: where it resolves decides whether it leaves the repository. */
const PARENT_PATH = /(?:\.\.\/)+[A-Za-z0-9_.-]+/g;
/** `join(ROOT, "..", "x")`-style paths built from parts. */
const PARENT_PARTS = /"\.\.",\s*"([A-Za-z0-9_.-]+)"/g;

function trackedFiles(): string[] {
  return (
    execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      // This file names the folder in its own examples.
      .filter((file) => file !== "" && file !== "package-lock.json" && join(ROOT, file) !== THIS_FILE)
  );
}

/** The paths in `text` (a file at `file`, relative to the root) that reach the sibling folder. */
function pathsToSibling(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(PARENT_PATH)) {
    const target = relative(ROOT, resolve(ROOT, dirname(file), match[0]));
    if (target === `../${SIBLING}`) found.push(match[0]);
  }
  for (const match of text.matchAll(PARENT_PARTS)) {
    if (match[1] === SIBLING) found.push(match[0]);
  }
  return found;
}

describe("the repository is self-contained", () => {
  it("flags a path that climbs out of the repository, and not one that stays inside", () => {
    expect(pathsToSibling("README.md", "see ../shared/API.md")).toEqual(["../shared"]);
    expect(pathsToSibling("lambdas/admin/x.ts", 'from "../shared/keys"')).toEqual([]);
    expect(pathsToSibling("README.md", "GET ../orgs/acme")).toEqual([]);
    expect(pathsToSibling("test/a/b.ts", 'new URL("../../../shared/x.json")')).toHaveLength(1);
    expect(pathsToSibling("test/a/b.ts", 'join(ROOT, "..", "shared", "x")')).toHaveLength(1);
  });

  it("no tracked file reads or links the folder beside the repository", () => {
    const offenders = trackedFiles().flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(join(ROOT, file), "utf8");
      } catch {
        return [];
      }
      return pathsToSibling(file, text).map((path) => `${file}: ${path}`);
    });
    expect(offenders).toEqual([]);
  });
});
