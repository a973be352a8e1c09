import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { synthesize } from "./synth";

/**
 * Every resource's logical id as of the tree that named Lambda entry modules `*.handler.ts`
 * (`logical-ids.json`, `Type LogicalId` per line). A logical id that changes makes CloudFormation
 * replace the resource: a function's id comes from its module's path, so a rename would replace the
 * function and delete its log group. New resources may come; none of these may go or change type.
 * The API's deployment and the functions' versions are left out: their ids carry a hash of what they
 * publish, by design.
 */
const PINNED = JSON.parse(readFileSync(new URL("./logical-ids.json", import.meta.url), "utf8")) as Record<
  string,
  string[]
>;

describe("logical ids", () => {
  for (const [envName, pinned] of Object.entries(PINNED)) {
    it(`keeps every pinned resource of ${envName} under its id and type`, () => {
      const resources = synthesize(envName).template.toJSON().Resources as Record<string, { Type: string }>;
      const present = new Set(Object.entries(resources).map(([id, resource]) => `${resource.Type} ${id}`));
      expect(pinned.length).toBeGreaterThan(300);
      expect(pinned.filter((entry) => !present.has(entry))).toEqual([]);
    });
  }
});
