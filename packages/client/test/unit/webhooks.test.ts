import { describe, expect, it } from "vitest";
import { signatureHeader } from "../../../../lambdas/webhooks/signature";
import { SIGNATURE_HEADER, verifyWebhook } from "../../src/index";

/**
 * `verifyWebhook` against signatures made by the server's own signing code (`lambdas/webhooks/signature.ts`,
 * what every delivery carries), at fixed instants: the clock is injected, never read.
 */
const SECRET = "whsec_3kTzV8mQx1bN4pR7sW0yA2cE5gJ9hL6n";
const T = 1_780_300_800; // 2026-06-01T08:00:00Z
const NOW = () => T * 1000;
const BODY = JSON.stringify({
  id: "evt_01J0000000000000000000000A",
  type: "account.created",
  createdAt: "2026-06-01T08:00:00.000Z",
  orgId: "acme",
  data: { id: "acc_1", name: "Zoë & Søn", currency: "EUR" },
});
const HEADER = signatureHeader(SECRET, BODY, T);

describe("verifyWebhook", () => {
  it("accepts a delivery the server signed, given as a string or as the bytes received", async () => {
    expect(SIGNATURE_HEADER).toBe("Fynex-Signature");
    expect(await verifyWebhook(BODY, HEADER, SECRET, { now: NOW })).toBe(true);
    expect(await verifyWebhook(Buffer.from(BODY, "utf8"), HEADER, SECRET, { now: NOW })).toBe(true);
    expect(await verifyWebhook(new TextEncoder().encode(BODY), HEADER, SECRET, { now: NOW })).toBe(true);
  });

  it("refuses a tampered body, even one that parses to the same JSON", async () => {
    expect(await verifyWebhook(BODY.replace("acc_1", "acc_2"), HEADER, SECRET, { now: NOW })).toBe(false);
    expect(await verifyWebhook(JSON.stringify(JSON.parse(BODY), null, 1), HEADER, SECRET, { now: NOW })).toBe(
      false,
    );
    expect(await verifyWebhook(`${BODY} `, HEADER, SECRET, { now: NOW })).toBe(false);
  });

  it("refuses a tampered signature or timestamp", async () => {
    const v1 = HEADER.slice(HEADER.indexOf("v1=") + 3);
    const flipped = `${v1.slice(0, -1)}${v1.endsWith("0") ? "1" : "0"}`;

    expect(await verifyWebhook(BODY, `t=${T},v1=${flipped}`, SECRET, { now: NOW })).toBe(false);
    expect(await verifyWebhook(BODY, `t=${T + 1},v1=${v1}`, SECRET, { now: NOW })).toBe(false);
  });

  it("refuses another subscription's secret", async () => {
    expect(await verifyWebhook(BODY, HEADER, "whsec_another", { now: NOW })).toBe(false);
    expect(await verifyWebhook(BODY, HEADER, "", { now: NOW })).toBe(false);
  });

  it("refuses a timestamp more than 300 s away by default, either way, and honours toleranceSeconds", async () => {
    const at = (seconds: number) => () => (T + seconds) * 1000;

    expect(await verifyWebhook(BODY, HEADER, SECRET, { now: at(300) })).toBe(true);
    expect(await verifyWebhook(BODY, HEADER, SECRET, { now: at(301) })).toBe(false);
    expect(await verifyWebhook(BODY, HEADER, SECRET, { now: at(-301) })).toBe(false);
    expect(await verifyWebhook(BODY, HEADER, SECRET, { now: at(3600), toleranceSeconds: 3600 })).toBe(true);
    expect(await verifyWebhook(BODY, HEADER, SECRET, { now: at(61), toleranceSeconds: 60 })).toBe(false);
  });

  it("reads the current time from Date.now when no clock is given", async () => {
    const fresh = Math.floor(Date.now() / 1000);

    expect(await verifyWebhook(BODY, signatureHeader(SECRET, BODY, fresh), SECRET)).toBe(true);
    expect(await verifyWebhook(BODY, HEADER, SECRET)).toBe(false);
  });

  it("accepts the header if any of its v1 signatures matches (two secrets at once)", async () => {
    const other = signatureHeader("whsec_old", BODY, T).split("v1=")[1];

    expect(await verifyWebhook(BODY, `${HEADER},v1=${other}`, SECRET, { now: NOW })).toBe(true);
    expect(
      await verifyWebhook(BODY, `t=${T}, v1=${other} , ${HEADER.split(",")[1]}`, SECRET, { now: NOW }),
    ).toBe(true);
  });

  it("takes a header as Node gives it, an array when it was sent twice", async () => {
    const [t, v1] = HEADER.split(",");

    expect(await verifyWebhook(BODY, [HEADER], SECRET, { now: NOW })).toBe(true);
    expect(await verifyWebhook(BODY, [`${t}`, `${v1}`], SECRET, { now: NOW })).toBe(true);
    expect(await verifyWebhook(BODY, [HEADER, HEADER], SECRET, { now: NOW })).toBe(false);
    expect(await verifyWebhook(BODY, [], SECRET, { now: NOW })).toBe(false);
  });

  it("refuses a missing or malformed header", async () => {
    const v1 = HEADER.split(",")[1];
    for (const header of [
      undefined,
      null,
      "",
      "garbage",
      `${v1}`,
      `t=${T}`,
      `t=${T},v0=${v1?.slice(3)}`,
      `t=${T},v1=${v1?.slice(3, -2)}`,
      `t=${T}.5,${v1}`,
      `t=-${T},${v1}`,
      `t=${T},t=${T},${v1}`,
    ]) {
      expect(await verifyWebhook(BODY, header, SECRET, { now: NOW }), String(header)).toBe(false);
    }
  });
});
