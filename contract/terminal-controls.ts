/**
 * Characters that can act on a terminal or reorder what a reader sees (API.md §4), as a regular
 * expression character class body: the C0 controls and DEL, the C1 controls (ESC starts escape
 * sequences that erase rows or set a window title, CR overwrites a row, BEL rings, U+009B is a
 * one-byte CSI), and the bidirectional formatting marks (U+202E makes `exe.txt` read `txt.exe`).
 * The API refuses them in free text; the CLI escapes them in whatever it prints. Pure data.
 */
export const TERMINAL_CONTROLS_CLASS =
  "\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069";
