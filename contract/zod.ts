import type * as z from "zod/mini";
import { clone, config, globalRegistry } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * The zod every schema of the contract and of the functions is written in: `zod/mini`, zod's
 * functional API over the same core (docs/DECISIONS.md #335). The classic API attaches its methods to
 * every schema it builds and brings all of itself into every bundle (about 90 KB); mini builds plain
 * schemas, and esbuild keeps only the constructors and checks a bundle uses (19 to 36 KB). Import it as a
 * namespace, `import * as z from "<path>/contract/zod"`, never `zod` or `zod/mini` directly: this
 * module is what makes the messages English.
 *
 * Written the mini way: `z.optional(s)` for `s.optional()`, `s.check(z.maxLength(100))` for
 * `s.max(100)`, `z.pipe(s, z.transform(f))` for `s.transform(f)`, `withMeta(s, {...})` for
 * `s.meta({...})`. `.parse` and `.safeParse` stay methods.
 */

// mini loads no locale, so every issue would say "Invalid input". The API answers zod's English
// messages, which classic configures on its first schema: configured here, at load, in the one module
// every schema imports, so no bundle can parse without them. The English module itself, not
// `z.locales.en`: through the namespace, esbuild would keep all of zod's ~60 locales (about 260 KB
// minified).
config(en());

export * from "zod/mini";

/**
 * `schema` described by `data` in zod's global registry, as classic's `.meta(data)` does it: a copy of
 * the schema carries the metadata (the original stays as it was), which the OpenAPI document reads.
 * Not mini's `z.meta` check, which would add a check to the schema and make the copy its child.
 */
export function withMeta<T extends z.core.$ZodType>(schema: T, data: z.core.GlobalMeta): T {
  const copy = clone(schema);
  globalRegistry.add(copy, data);
  return copy;
}

/**
 * `build()`'s schema, built the first time anything reads it (a parse, its shape, zod composing it
 * into another schema, the document's generator), not when its module loads (docs/DECISIONS.md #338).
 * A function loads every schema its modules declare, and uses few: a business function never parses
 * its answers or its siblings' requests, a key door one operation's input per request. Built at load,
 * they were about a third of what a function spent starting beyond the authorizer.
 *
 * What it answers is the schema itself once read: an object whose prototype traps the first read of
 * any property it lacks, builds, then takes the built schema's prototype and own properties (its
 * `_zod` internals included) and the built schema's metadata, and so is that schema from then on, at
 * no cost per parse. Identity stays: whoever held it before holds the same object after.
 */
// Nothing happens until the schema is read, so esbuild may drop a schema no code reads.
/* @__NO_SIDE_EFFECTS__ */
export function lazySchema<T extends z.core.$ZodType>(build: () => T): T {
  let building = false;
  const schema = Object.create(
    new Proxy(Object.create(null), {
      get: (_target, key) => Reflect.get(built(), key, schema),
      has: (_target, key) => key in built(),
      set: (_target, key, value) => Reflect.set(built(), key, value, schema),
    }),
  ) as T;
  const built = (): T => {
    if (building) throw new Error("A lazy schema read itself while it was being built: use z.lazy.");
    building = true;
    let real: T;
    try {
      real = build();
    } finally {
      building = false;
    }
    Object.setPrototypeOf(schema, Object.getPrototypeOf(real));
    Object.defineProperties(schema, Object.getOwnPropertyDescriptors(real));
    // The built schema's metadata, under what was registered on this object before it was built
    // (the document's builder describes some schemas from outside).
    const meta = globalRegistry.get(real);
    if (meta) {
      const own = globalRegistry.has(schema) ? globalRegistry.get(schema) : undefined;
      globalRegistry.add(schema, { ...meta, ...own });
    }
    return schema;
  };
  return schema;
}
