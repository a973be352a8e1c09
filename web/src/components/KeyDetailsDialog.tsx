import type { KeyRecord } from "../../../contract/api-types";
import type { ConsoleApi } from "../api";
import { absoluteTime, displayStatus } from "../format";
import { Modal } from "./Modal";
import { UsageChart } from "./UsageChart";

/** One key in full, with this window's usage and its usage history (API.md §11) as a chart. */
export function KeyDetailsDialog(props: {
  api: ConsoleApi;
  apiKey: KeyRecord;
  now: number;
  onClose: () => void;
}) {
  const key = props.apiKey;
  const rows: [string, string][] = [
    ["Key id", key.id],
    ["Hint", key.hint],
    ["Status", displayStatus(key, props.now)],
    ["Scopes", key.scopes.join(", ")],
    ["Created", `${absoluteTime(key.createdAt)} by ${key.createdBy}`],
    ["Expires", key.expiresAt ? absoluteTime(key.expiresAt) : "Never"],
    ["Revoked", key.revokedAt ? absoluteTime(key.revokedAt) : "No"],
    ["Last used", key.lastUsedAt ? absoluteTime(key.lastUsedAt) : "Never"],
    [
      "This window",
      `${key.usage.count} / ${key.rateLimit.limit} requests since ${absoluteTime(key.usage.windowStart)} (${Math.round(key.rateLimit.windowSeconds / 60)}-minute windows)`,
    ],
    ["Allowed addresses", key.allowedIps?.join(", ") ?? "Any"],
    ["Replaced by", key.replacedBy ?? "—"],
  ];
  return (
    <Modal title={`Key "${key.name}"`} onClose={props.onClose}>
      <dl class="details">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <UsageChart api={props.api} keyId={key.id} now={props.now} />
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
