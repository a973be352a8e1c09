import { TERMINAL_CONTROLS_CLASS } from "../terminal-controls";
import * as z from "../zod";

/** Holds none of the characters that can act on a terminal (`contract/terminal-controls.ts`). */
const NO_CONTROLS = new RegExp(`^[^${TERMINAL_CONTROLS_CLASS}]*$`, "u");

export const PLAIN_TEXT_MESSAGE =
  "Must not contain control characters or bidirectional formatting characters.";

/**
 * A string a person types and another person reads: refused (400 at its field) when it holds a
 * control or bidirectional formatting character anywhere, checked on the value as sent, before any
 * `z.trim()` checked after it, so a trailing CR or a leading ESC cannot hide behind trimming. A
 * pattern rather than a refinement, so the OpenAPI document states the rule too.
 */
export const plainTextSchema = () =>
  z
    // The message of a value that is no string only: a schema-wide message would also stand for every
    // check added to this one (a length over its maximum read "Must be a string.").
    .string({ error: (issue) => (issue.code === "invalid_type" ? "Must be a string." : undefined) })
    .check(z.regex(NO_CONTROLS, PLAIN_TEXT_MESSAGE));

/** Plain text, trimmed, of 1 to `max` characters: a name, a reference, a role. */
export const boundedTextSchema = (max: number) =>
  plainTextSchema().check(
    z.trim(),
    z.minLength(1, "Must not be empty."),
    z.maxLength(max, `Must be at most ${max} characters.`),
  );
