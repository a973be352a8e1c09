import { TERMINAL_CONTROLS_CLASS } from "../../contract/terminal-controls";

const ACTIVE = new RegExp(`[${TERMINAL_CONTROLS_CLASS}]`, "gu");

const hex = (char: string, width: number) => (char.codePointAt(0) ?? 0).toString(16).padStart(width, "0");

/**
 * `text` with every character that can act on a terminal (`contract/terminal-controls.ts`) written
 * out as a visible escape: `\r`, `\n`, `\t`, `\x1b`, `\u202e`. Escaped rather than dropped, so an
 * operator sees that a value held something, and two values differing only there still differ.
 */
export function terminalSafe(text: string): string {
  return text.replace(ACTIVE, (char) => {
    if (char === "\r") return "\\r";
    if (char === "\n") return "\\n";
    if (char === "\t") return "\\t";
    return char.length === 1 && char.charCodeAt(0) < 0x100 ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`;
  });
}

/** `value` with {@link terminalSafe} applied to every string in it, keys included (what an API sent). */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === "string") return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map(terminalSafeDeep) as T;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [terminalSafe(key), terminalSafeDeep(inner)]),
    ) as T;
  }
  return value;
}

/**
 * `value` as indented JSON in which every such character inside a string is a `\uXXXX` escape.
 * `JSON.stringify` escapes C0 controls itself but writes DEL, C1 and the bidirectional marks raw;
 * they can only occur inside strings, where the escape means the same character, so the text parses
 * back to `value`.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(ACTIVE, (char) =>
    // The only raw C0 characters in the text are the indentation's own newlines.
    char === "\n" ? char : `\\u${hex(char, 4)}`,
  );
}
