import { describe, expect, it } from "vitest";
import {
  type AddressClass,
  classifyAddress,
  classifyHost,
  isPublicAddress,
} from "../../../contract/public-address";
import { webhookUrlProblem } from "../../../contract/schemas/webhooks";

describe("classifyAddress (API.md §9: no requests to the inside)", () => {
  const cases: [string, AddressClass][] = [
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["2606:4700:4700::1111", "public"],
    ["::ffff:8.8.8.8", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["127.1", "loopback"],
    ["2130706433", "loopback"],
    ["0x7f.0.0.1", "loopback"],
    ["0x7f000001", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["0300.0250.0.1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["fec0::1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["fd00:ec2::254", "uniqueLocal"],
    ["0.0.0.0", "unspecified"],
    ["0", "unspecified"],
    ["::", "unspecified"],
    ["100.64.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["ff02::1", "reserved"],
    ["::7f00:1", "reserved"],
    ["64:ff9b::7f00:1", "reserved"],
    ["2002:7f00:1::", "reserved"],
    ["2001:db8::1", "reserved"],
    ["4000::1", "reserved"],
  ];

  it.each(cases)("classifies %s as %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
    expect(isPublicAddress(address)).toBe(expected === "public");
  });

  it("answers undefined for names, which are left for resolution", () => {
    for (const name of ["example.com", "127.0.0.1.nip.io", "localhost", ""]) {
      expect(classifyAddress(name)).toBeUndefined();
    }
  });

  it("treats localhost and *.localhost as localhost, with or without the trailing dot", () => {
    for (const host of ["localhost", "LOCALHOST", "localhost.", "api.localhost", "a.b.localhost."]) {
      expect(classifyHost(host)).toEqual({ kind: "localhost" });
    }
    expect(classifyHost("localhost.example.com")).toEqual({ kind: "name" });
    expect(classifyHost("[::1]")).toEqual({ kind: "address", address: "loopback" });
  });
});

describe("webhookUrlProblem", () => {
  const strict = { allowLoopback: false };
  const loose = { allowLoopback: true };

  it("accepts https URLs of names and public addresses", () => {
    for (const url of [
      "https://example.com/hooks/fynex",
      "https://hooks.example.com:8443/x?y=1",
      "https://8.8.8.8/",
      "https://[2606:4700:4700::1111]/",
      "https://127.0.0.1.nip.io/",
    ]) {
      expect(webhookUrlProblem(url, strict), url).toBeUndefined();
    }
  });

  it("refuses other schemes, relative URLs and credentials", () => {
    for (const url of [
      "http://example.com/",
      "ftp://example.com/",
      "file:///etc/passwd",
      "/relative",
      "example.com",
      "https://user:pass@example.com/",
      "https://user@example.com/",
    ]) {
      expect(webhookUrlProblem(url, strict), url).toBeDefined();
    }
  });

  it("allows http and https on loopback only when the policy says so", () => {
    for (const url of ["http://127.0.0.1:9000/hook", "https://[::1]/", "http://localhost:8080/"]) {
      expect(webhookUrlProblem(url, strict), url).toBeDefined();
      expect(webhookUrlProblem(url, loose), url).toBeUndefined();
    }
    for (const url of ["http://example.com/", "https://10.0.0.1/", "https://169.254.169.254/"]) {
      expect(webhookUrlProblem(url, loose), url).toBeDefined();
    }
  });
});
