import { describe, expect, it } from "vitest";
import { printFailure, printHuman, printJson } from "../../../../lib/admin-client/output";

/**
 * Issue 19 point 5: whatever `fynex-keys` prints from the API is printed so that no byte of it can act
 * on a terminal (API.md §4). The API refuses such names now, but keys created before, a compromised
 * or impersonated endpoint (`--url`), or any other field must not reach the operator's terminal raw.
 */
const HOSTILE = {
  esc: "\u001b]0;owned\u0007\u001b[2K", // set the window title, erase the line
  cr: "legit\rforged row",
  bel: "ding\u0007",
  rlo: "invoice\u202eexe.txt",
  c1: "csi\u009b31m", // the one-byte CSI
};
const ALL = Object.values(HOSTILE).join(" ");

/** Any byte that can act on a terminal: C0 but newline, DEL, C1, and the bidirectional controls. */
// biome-ignore lint/complexity/useRegexLiterals: as a literal, these escapes trip noControlCharactersInRegex.
const ACTIVE = new RegExp(
  "[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]",
  "u",
);

function capture() {
  const lines: string[] = [];
  const writers = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
  return { writers, printed: () => lines.join("\n") };
}

const record = (name: string) => ({
  id: "key_0000000000000000000001",
  orgId: "acme",
  name,
  scopes: ["export"],
  hint: "fynex_k_abcd…wxyz",
  status: "active",
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: `arn:aws:iam::1:user/${HOSTILE.rlo}`,
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  rateLimit: { limit: 100, windowSeconds: 900 },
  allowedIps: null,
  replacedBy: null,
  usage: { windowStart: "2026-01-01T00:00:00.000Z", count: 0 },
});

describe("fynex-keys output", () => {
  it("escapes ESC, CR, BEL, C1 and U+202E in every value of a list, a record and the audit table", () => {
    // Prepare
    const { writers, printed } = capture();

    // Act
    printHuman(writers, "list", { items: [record(ALL)] }, `cur${HOSTILE.esc}`);
    printHuman(writers, "get", record(HOSTILE.cr), null);
    printHuman(
      writers,
      "audit",
      {
        items: [
          {
            id: "evt_1",
            type: "key.updated",
            at: "2026-01-01T00:00:00.000Z",
            actor: "direct-invoke",
            claimedActor: HOSTILE.bel,
            keyId: "key_0000000000000000000001",
            changes: { name: { from: "a", to: ALL } },
          },
        ],
      },
      null,
    );

    // Assess
    expect(printed()).not.toMatch(ACTIVE);
    // Escaped, not dropped: the operator still sees that something was there.
    expect(printed()).toContain("\\x1b]0;owned\\x07");
    expect(printed()).toContain("legit\\rforged row");
    expect(printed()).toContain("invoice\\u202eexe.txt");
    expect(printed()).toContain("csi\\x9b31m");
  });

  it("prints JSON whose strings carry every such character as a \\u escape, and parse back the same", () => {
    // Prepare
    const { writers, printed } = capture();
    const body = { items: [record(ALL)], nextCursor: null };

    // Act
    printJson(writers, body);

    // Assess
    expect(printed()).not.toMatch(ACTIVE);
    expect(JSON.parse(printed())).toEqual(body);
  });

  it("escapes an error's message and details, and its JSON with --json", () => {
    // Prepare
    const { writers, printed } = capture();
    const envelope = {
      error: {
        code: "validation_error",
        message: `bad ${HOSTILE.esc}`,
        requestId: "r",
        details: [{ path: `name${HOSTILE.rlo}`, message: HOSTILE.cr }],
      },
    };

    // Act
    printFailure(writers, { status: 400, body: envelope }, { json: true });

    // Assess
    expect(printed()).not.toMatch(ACTIVE);
    expect(printed()).toContain("fynex-keys: bad \\x1b]0;owned");
  });

  it("leaves a new key, which has only letters and digits, exactly as it is on stdout", () => {
    // Prepare
    const lines: string[] = [];
    const writers = { out: (text: string) => lines.push(text), err: () => undefined };
    const key = "fynex_k_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf3oAV0y";

    // Act
    printHuman(writers, "create", { ...record("n"), key }, null);

    // Assess
    expect(lines).toEqual([key]);
  });
});
