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
