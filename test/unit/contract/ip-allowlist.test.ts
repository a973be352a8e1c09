import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressAllowed, normaliseAllowlistEntry } from "../../../contract/ip-allowlist";

const normal = (entry: string) => {
  const outcome = normaliseAllowlistEntry(entry);
  if (!outcome.ok) throw new Error(`${entry} refused: ${outcome.message}`);
  return outcome.value;
};

describe("normaliseAllowlistEntry", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["203.0.113.7/32", "203.0.113.7"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8::/32", "2001:db8::/32"],
    ["2001:db8::1/128", "2001:db8::1"],
    ["::ffff:198.51.100.7", "198.51.100.7"],
    ["::ffff:c633:6407", "198.51.100.7"],
    ["::ffff:198.51.100.0/120", "198.51.100.0/24"],
    ["::ffff:0:0/96", "0.0.0.0/0"],
    ["64:ff9b::/96", "64:ff9b::/96"],
    ["::/0", "::/0"],
  ])("writes %s as %s", (entry, expected) => {
    expect(normal(entry)).toBe(expected);
  });

  it("names the network of a range whose host bits are set", () => {
    expect(normaliseAllowlistEntry("2001:db8::1/32")).toEqual({
      ok: false,
      message: "Host bits are set; the range is 2001:db8::/32.",
    });
    expect(normaliseAllowlistEntry("::ffff:10.1.2.3/104")).toEqual({
      ok: false,
      message: "Host bits are set; the range is 10.0.0.0/8.",
    });
  });

  it("is idempotent: a normalised entry normalises to itself", () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
    const ipv6 = fc
      .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
      .map((p) => p.map((n) => n.toString(16)).join(":"));
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6), (address) => {
        const once = normal(address);
        expect(normal(once)).toBe(once);
        expect(addressAllowed([once], address)).toBe(true);
      }),
    );
  });
});

describe("addressAllowed", () => {
  const list = ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"];

  it.each([
    ["10.255.0.1", true],
    ["11.0.0.1", false],
    ["192.0.2.1", true],
    ["192.0.2.2", false],
    ["::ffff:10.1.1.1", true],
    ["::ffff:192.0.2.1", true],
    ["2001:db8:ffff::1", true],
    ["2001:db9::1", false],
    ["::1", false],
  ])("%s → %s", (sourceIp, expected) => {
    expect(addressAllowed(list, sourceIp)).toBe(expected);
  });

  it("keeps the two families apart: ::/0 admits IPv6 callers only, 0.0.0.0/0 IPv4 callers only", () => {
    expect(addressAllowed(["::/0"], "2001:db8::1")).toBe(true);
    expect(addressAllowed(["::/0"], "203.0.113.9")).toBe(false);
    expect(addressAllowed(["0.0.0.0/0"], "203.0.113.9")).toBe(true);
    expect(addressAllowed(["0.0.0.0/0"], "::ffff:203.0.113.9")).toBe(true);
    expect(addressAllowed(["0.0.0.0/0"], "2001:db8::1")).toBe(false);
  });

  it.each([undefined, "", "test-invoke-source-ip", "999.1.1.1", "10.0.0.1, 10.0.0.2"])(
    "puts %j outside every list",
    (sourceIp) => {
      expect(addressAllowed(["0.0.0.0/0", "::/0"], sourceIp)).toBe(false);
    },
  );

  it("skips a stored entry that no longer parses instead of failing", () => {
    expect(addressAllowed(["garbage", "10.0.0.0/8"], "10.0.0.1")).toBe(true);
    expect(addressAllowed(["garbage/99"], "10.0.0.1")).toBe(false);
  });
});
