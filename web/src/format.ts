import type { KeyRecord, PolicyViolation } from "../../contract/api-types";

/** How a key is doing, as the page says it (API.md §10): the API's status, refined for people. */
export type DisplayStatus = "active" | "expiring soon" | "expired" | "revoked";

/** A key whose expiry is this close is "expiring soon" (the first expiry reminder's threshold, API.md §11). */
const EXPIRING_SOON_MS = 7 * 24 * 3600 * 1000;

export function displayStatus(key: KeyRecord, nowMs: number): DisplayStatus {
  if (key.status !== "active") return key.status;
  if (key.expiresAt !== null && Date.parse(key.expiresAt) - nowMs <= EXPIRING_SOON_MS) return "expiring soon";
  return "active";
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 minutes ago", "in 2 weeks", "just now". */
export function relativeTime(iso: string, nowMs: number): string {
  const seconds = (Date.parse(iso) - nowMs) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.trunc(seconds / size), unit);
  }
  return Math.abs(seconds) < 45 ? "just now" : relativeFormat.format(Math.trunc(seconds / 60), "minute");
}

/** "2026-12-02 21:03 UTC": one unambiguous form whatever the reader's locale. */
export function absoluteTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A date field's value (`YYYY-MM-DD`) as the API takes it, or undefined when empty. */
export function dateField(value: string): string | undefined {
  return value === "" ? undefined : value;
}

/** How long an active key goes without a request before the page calls it "Unused" (API.md §11). */
export const UNUSED_DAYS = 30;

/**
 * Whether the page marks a key "Unused": active, and its last use (or, never used, its creation) at
 * or before now minus {@link UNUSED_DAYS} days: the rule of the API's `?unusedForDays=` (API.md §11).
 */
export function isUnused(key: KeyRecord, nowMs: number): boolean {
  if (key.status !== "active") return false;
  return Date.parse(key.lastUsedAt ?? key.createdAt) <= nowMs - UNUSED_DAYS * 24 * 3600 * 1000;
}

/**
 * An active key at least `rotateAfterDays` old (API.md §12): its org's policy asks for a rotation.
 * A rotation's new key starts a new age; no reminders (`null`) means never due.
 */
export function isRotationDue(key: KeyRecord, rotateAfterDays: number | null, nowMs: number): boolean {
  if (key.status !== "active" || rotateAfterDays === null) return false;
  return Date.parse(key.createdAt) <= nowMs - rotateAfterDays * 24 * 3600 * 1000;
}

/** How the list names each rule of the key policy a key breaks (API.md §12). */
export const POLICY_RULE_LABELS: Readonly<Record<PolicyViolation, string>> = {
  maxLifetimeDays: "maximum lifetime",
  allowedScopes: "allowed scopes",
  requireAllowlist: "IP allowlist required",
};
