import ipaddr from "ipaddr.js";

/**
 * Per-key IP allowlists (API.md §5): IPv4 and IPv6 addresses and CIDR ranges. Admin writes normalise
 * every entry with `normaliseAllowlistEntry`; the authorizer matches a caller with `addressAllowed`,
 * loading this module only for keys that have a list, so a key without one costs nothing extra.
 * Parsing and matching are ipaddr.js's; this module only decides what is accepted and how it is written.
 */

/** At most this many entries per key: enough for any office and CI fleet, small enough to match quickly. */
export const MAX_ALLOWED_IPS = 100;

/** The longest valid entry (an IPv6 address written with an embedded IPv4 part, plus `/128`) is 49 characters. */
export const MAX_ENTRY_LENGTH = 64;
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

export type EntryOutcome = { ok: true; value: string } | { ok: false; message: string };

const INVALID = "Must be an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32.";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** The address part, strictly: four-part decimal IPv4 (no octal or hex forms), or IPv6 without a zone. */
function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes("%") && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

const bitsOf = (address: Address) => (address.kind() === "ipv4" ? 32 : 128);

/** `address/bits` with a full-length prefix written as the bare address. */
const written = (address: Address, bits: number) =>
  bits === bitsOf(address) ? address.toString() : `${address.toString()}/${bits}`;

/**
 * One allowlist entry in its stored form, or why it is refused. IPv6 is written compressed in lower
 * case (RFC 5952); an IPv4-mapped IPv6 address or range (`::ffff:10.0.0.0/104`) becomes its IPv4 form
 * (`10.0.0.0/8`), since mapped callers are matched as IPv4; a full-length prefix (`/32`, `/128`) is
 * dropped. A range with host bits set (`10.1.2.3/8`) is refused rather than silently widened.
 */
export function normaliseAllowlistEntry(entry: string): EntryOutcome {
  if (entry.length === 0 || entry.length > MAX_ENTRY_LENGTH) return { ok: false, message: INVALID };
  const slash = entry.indexOf("/");
  const addressText = slash === -1 ? entry : entry.slice(0, slash);
  const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
  let address = parseAddress(addressText);
  if (!address) return { ok: false, message: INVALID };
  let bits = bitsOf(address);
  if (prefixText !== undefined) {
    if (!PREFIX.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, message: `The prefix length must be a whole number from 0 to ${bits}.` };
    }
    bits = Number(prefixText);
  }
  if (address.kind() === "ipv6" && bits >= 96 && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${bits}`);
  if (network.toString() !== address.toString()) {
    return { ok: false, message: `Host bits are set; the range is ${written(network, bits)}.` };
  }
  return { ok: true, value: written(address, bits) };
}

/**
 * True when `sourceIp` lies inside one of the (normalised) entries. An IPv4-mapped IPv6 caller is
 * matched in its IPv4 form; a missing or unparseable address is outside every list; an IPv4 caller
 * never matches an IPv6 range (and the reverse), so `::/0` admits IPv6 callers only.
 */
export function addressAllowed(allowlist: readonly string[], sourceIp: string | undefined): boolean {
  if (!sourceIp) return false;
  let caller: Address;
  try {
    caller = ipaddr.process(sourceIp);
  } catch {
    return false;
  }
  for (const entry of allowlist) {
    try {
      const [range, bits] = entry.includes("/")
        ? ipaddr.parseCIDR(entry)
        : ([ipaddr.parse(entry), undefined] as const);
      if (range.kind() === caller.kind() && caller.match(range, bits ?? bitsOf(range))) return true;
    } catch {
      // Stored entries are normalised at write time; one that no longer parses matches nothing.
    }
  }
  return false;
}
