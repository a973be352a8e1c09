import ipaddr from "ipaddr.js";

/**
 * Where an IP address leads, for the "no requests to the inside" rule of API.md §9. Webhook creation
 * classifies a URL's literal host with it; webhook delivery classifies every address a name resolves
 * to. Only `public` may be called (and `loopback` where the local runtime allows it).
 *
 * The rule is an allow-list: an address is public only if it is ordinary global unicast (IPv4 outside
 * every special range, IPv6 inside 2000::/3 and outside every special range). Anything special that is
 * not named below (multicast, broadcast, carrier-grade NAT, documentation, benchmarking, 6to4,
 * Teredo, NAT64, IPv4-compatible IPv6, ...) is `reserved`: refused as well, since a translation
 * prefix or a tunnel can carry a request to an inside address.
 */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "linkLocal"
  | "uniqueLocal"
  | "unspecified"
  | "reserved";

const IPV4_CLASSES: Record<string, AddressClass> = {
  unicast: "public",
  loopback: "loopback",
  private: "private",
  linkLocal: "linkLocal",
  unspecified: "unspecified",
};

const IPV6_CLASSES: Record<string, AddressClass> = {
  unicast: "public",
  loopback: "loopback",
  linkLocal: "linkLocal",
  uniqueLocal: "uniqueLocal",
  unspecified: "unspecified",
  // fec0::/10, site-local: deprecated, but still the inside of a site where it is configured.
  deprecatedSiteLocal: "private",
};

const GLOBAL_UNICAST = ipaddr.IPv6.parse("2000::");

function classifyIpv4(address: ipaddr.IPv4): AddressClass {
  return IPV4_CLASSES[address.range()] ?? "reserved";
}

function classifyIpv6(address: ipaddr.IPv6): AddressClass {
  // ::ffff:a.b.c.d reaches a.b.c.d on a dual-stack socket: it is whatever that IPv4 address is.
  if (address.isIPv4MappedAddress()) return classifyIpv4(address.toIPv4Address());
  const range = address.range();
  const known = IPV6_CLASSES[range];
  if (known !== "public") return known ?? "reserved";
  // "unicast" in ipaddr.js means "no special range"; only 2000::/3 is allocated for global unicast.
  // This also refuses IPv4-compatible addresses (::a.b.c.d), which some stacks still route to IPv4.
  return address.match(GLOBAL_UNICAST, 3) ? "public" : "reserved";
}

/**
 * The class of an IP address literal (dotted IPv4, IPv6 with or without brackets or a zone), or
 * undefined when `text` is not an IP address. IPv4 in the shorthand, decimal, hex and octal forms
 * that `inet_aton` accepts (`127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`) is an address too.
 */
export function classifyAddress(text: string): AddressClass | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  const address = ipaddr.parse(bare);
  return address.kind() === "ipv4"
    ? classifyIpv4(address as ipaddr.IPv4)
    : classifyIpv6(address as ipaddr.IPv6);
}

/** True when `address` is an IP address that may be called from the inside (API.md §9). */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === "public";
}

/** How a URL's host is to be treated before any name is resolved. */
export type HostClass = { kind: "address"; address: AddressClass } | { kind: "localhost" } | { kind: "name" };

/**
 * Classifies a URL host (as `URL.hostname` gives it: lower case, IPv4 normalised, IPv6 in brackets).
 * `localhost` and every `*.localhost` name (RFC 6761: they resolve to loopback, often without DNS)
 * are `localhost`, with or without the root's trailing dot; other names are left for resolution.
 */
export function classifyHost(hostname: string): HostClass {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return { kind: "localhost" };
  const address = classifyAddress(host);
  return address === undefined ? { kind: "name" } : { kind: "address", address };
}
