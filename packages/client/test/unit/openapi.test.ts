import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED, generateTypes } from "../../scripts/generate";

/**
 * `src/openapi.ts` is the generator's output for the committed document, untouched: when the document
 * changes (`npm run openapi`), the client's types follow by one command.
 */
describe("the client's generated types", () => {
  it("are committed exactly as openapi-typescript makes them from docs/openapi.json (run `npm run generate -w @fynex/client`)", async () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(await generateTypes());
  });
});
