import { describe, expect, it } from "vitest";
import * as z from "../../../contract/zod";

/** A schema built by `z.lazySchema`, and how many times it was built. */
function counted<T extends z.core.$ZodType>(build: () => T): { schema: T; builds: () => number } {
  let builds = 0;
  const schema = z.lazySchema(() => {
    builds++;
    return build();
  });
  return { schema, builds: () => builds };
}

const issuesOf = (result: { error?: z.core.$ZodError }) =>
  result.error?.issues.map((issue) => [issue.path.join("."), issue.message]);

describe("z.lazySchema", () => {
  it("builds nothing until the schema is read, then once", () => {
    // Prepare
    const { schema, builds } = counted(() => z.strictObject({ name: z.string() }));

    // Act and assess
    expect(builds()).toBe(0);
    expect(schema.parse({ name: "Acme" })).toEqual({ name: "Acme" });
    expect(schema.safeParse({ name: 1 }).success).toBe(false);
    expect(builds()).toBe(1);
  });

  it("answers as the schema it builds: the same issues, shape and kind", () => {
    // Prepare
    const build = () =>
      z.strictObject({ name: z.string().check(z.maxLength(3)), count: z.optional(z.number()) });
    const eager = build();
    const { schema } = counted(build);
    const input = { name: "Acme", count: "two", extra: true };

    // Act and assess
    expect(issuesOf(schema.safeParse(input))).toEqual(issuesOf(eager.safeParse(input)));
    expect(issuesOf(schema.safeParse(input))).toHaveLength(3);
    expect(Object.keys(schema.shape)).toEqual(["name", "count"]);
    expect(schema instanceof z.ZodMiniObject).toBe(true);
    expect("_zod" in schema).toBe(true);
  });

  it("builds when zod composes it into another schema, and keeps its place there", () => {
    // Prepare: one lazy schema extended by another, and one used as a field.
    const base = counted(() => z.strictObject({ id: z.string() }));
    const extended = counted(() => z.extend(base.schema, { name: z.string() }));
    const field = counted(() => z.string().check(z.minLength(2)));
    const holder = z.object({ code: field.schema });
    expect(field.builds()).toBe(0);

    // Act
    const parsed = extended.schema.safeParse({ id: "a", name: "b" });
    const held = holder.safeParse({ code: "x" });

    // Assess
    expect(parsed.success).toBe(true);
    expect([base.builds(), extended.builds()]).toEqual([1, 1]);
    expect(issuesOf(held)).toEqual([["code", "Too small: expected string to have >=2 characters"]]);
    expect(field.builds()).toBe(1);
  });

  it("carries the metadata its builder registered, for the document", () => {
    // Prepare
    const { schema } = counted(() => z.withMeta(z.string(), { description: "A currency code." }));

    // Act and assess: read from the registry before anything else touched the schema.
    expect(z.globalRegistry.get(schema)).toEqual({ description: "A currency code." });
  });

  it("keeps metadata registered on it before it was built, over the builder's", () => {
    // Prepare: described from outside first (as the document's builder does), then built.
    const { schema } = counted(() => z.withMeta(z.string(), { description: "Inside.", format: "date" }));
    z.globalRegistry.add(schema, { description: "Outside." });

    // Act and assess
    expect(schema.parse("2030-01-31")).toBe("2030-01-31");
    expect(z.globalRegistry.get(schema)).toEqual({ description: "Outside.", format: "date" });
  });

  it("builds again at the next read when a build failed", () => {
    // Prepare: a builder that fails once (a schema whose module could not finish, say).
    let fail = true;
    const { schema, builds } = counted(() => {
      if (fail) throw new Error("not yet");
      return z.string();
    });

    // Act and assess
    expect(() => schema.parse("a")).toThrow("not yet");
    fail = false;
    expect(schema.parse("a")).toBe("a");
    expect(builds()).toBe(2);
  });

  it("says so when a builder reads its own schema (a recursive schema wants z.lazy)", () => {
    // Prepare: a builder that extends the very schema it builds.
    const itself: z.ZodMiniObject = z.lazySchema(() => z.extend(itself, { more: z.string() }));

    // Act and assess
    expect(() => itself.parse({})).toThrow("A lazy schema read itself while it was being built");
  });
});
