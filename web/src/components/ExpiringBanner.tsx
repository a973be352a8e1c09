import type { KeyRecord } from "../../../lambdas/shared/api-keys/key-record";
import { displayStatus, relativeTime } from "../format";

/**
 * The expiry reminder on the page (API.md §11): the listed keys that expire within 7 days, by name,
 * with when. Nothing when there are none.
 */
export function ExpiringBanner(props: { keys: KeyRecord[]; now: number }) {
  const expiring = props.keys.filter(
    (key) => key.expiresAt !== null && displayStatus(key, props.now) === "expiring soon",
  );
  if (expiring.length === 0) return null;
  return (
    <div class="banner" role="note" aria-label="Keys expiring soon">
      <strong>
        {expiring.length === 1 ? "1 key expires" : `${expiring.length} keys expire`} within 7 days:
      </strong>{" "}
      {expiring.map((key, i) => (
        <span key={key.id}>
          {i > 0 && ", "}“{key.name}” ({relativeTime(key.expiresAt as string, props.now)})
        </span>
      ))}
      . Rotate them, or edit their expiry, before integrations stop working.
    </div>
  );
}
