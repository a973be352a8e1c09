import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { signatureHeader } from "../../../../lambdas/webhooks/signature";
import { readmeVerifier, type Verify } from "../../../integration/webhook-receiver";

const SECRET = "whsec_7cIvUiqk2cW2a0jTq2Qm0PZ1b4x8oK3yD9eR6fG5hJw";
const BODY = '{"id":"evt_01JD0000000000000000000000","type":"account.created","data":{"name":"Zoë"}}';

let verify: Verify;
beforeAll(async () => {
  verify = await readmeVerifier();
});

describe("Fynex-Signature (API.md §9)", () => {
  it("is t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'> keyed with the whole secret", () => {
    const header = signatureHeader(SECRET, BODY, 1_780_000_000.9);

    const expected = createHmac("sha256", SECRET).update(`1780000000.${BODY}`).digest("hex");
    expect(header).toBe(`t=1780000000,v1=${expected}`);
  });

  it("matches a known vector", () => {
    expect(signatureHeader("whsec_test", '{"a":1}', 1_700_000_000)).toBe(
      `t=1700000000,v1=${createHmac("sha256", "whsec_test").update('1700000000.{"a":1}').digest("hex")}`,
    );
    expect(signatureHeader("whsec_test", '{"a":1}', 1_700_000_000)).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it("is accepted by the README's verifier, on the raw bytes, within its tolerance", () => {
    const header = signatureHeader(SECRET, BODY, 1_780_000_000);

    expect(verify(Buffer.from(BODY, "utf8"), header, SECRET, 300, 1_780_000_000)).toBe(true);
    expect(verify(BODY, header, SECRET, 300, 1_780_000_300)).toBe(true);
    expect(verify(BODY, header, SECRET, 300, 1_779_999_700)).toBe(true);
  });

  it("is refused by the README's verifier when anything differs", () => {
    const header = signatureHeader(SECRET, BODY, 1_780_000_000);
    const now = 1_780_000_000;

    expect(verify(BODY.replace("Zoë", "Zoe"), header, SECRET, 300, now)).toBe(false);
    expect(verify(BODY, header, `${SECRET}x`, 300, now)).toBe(false);
    expect(verify(BODY, header, SECRET, 300, now + 301)).toBe(false);
    expect(verify(BODY, header.replace("t=1780000000", "t=1780000001"), SECRET, 300, now)).toBe(false);
    expect(verify(BODY, header.slice(0, -2), SECRET, 300, now)).toBe(false);
    expect(verify(BODY, undefined, SECRET, 300, now)).toBe(false);
    expect(verify(BODY, "", SECRET, 300, now)).toBe(false);
    expect(verify(BODY, "v1=00", SECRET, 300, now)).toBe(false);
  });
});
