import { useEffect, useState } from "preact/hooks";
import type { KeyRecord } from "../../../contract/api-types";
import type { ConsoleApi } from "../api";
import { displayStatus, relativeTime } from "../format";

/** The list as the page has loaded it: `complete` when it holds every key of the org. */
export interface LoadedList {
  keys: KeyRecord[];
  complete: boolean;
}

/**
 * The expiry reminder on the page (API.md §10, §11): every active key of the org that expires within
 * 7 days, by name, with when; not only those on the list's loaded pages. When the loaded list already
 * holds every key (unfiltered, no next page: most orgs) it is read from there, at no cost; otherwise
 * the banner reads all the org's active keys itself, again at each `refresh`. Nothing while the list
 * loads, or when there are none (or they cannot be read: the list says the error).
 */
export function ExpiringBanner(props: {
  api: ConsoleApi;
  now: number;
  refresh: number;
  listed: LoadedList | undefined;
}) {
  const [read, setRead] = useState<KeyRecord[]>([]);
  const loading = props.listed === undefined;
  const complete = props.listed?.complete === true;
  useEffect(() => {
    if (loading || complete) return;
    let current = true;
    const readAll = async () => {
      const keys: KeyRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await props.api.listActiveKeys(cursor);
        keys.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return keys;
    };
    readAll().then(
      (keys) => current && setRead(keys),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [props.api, props.refresh, loading, complete]);
  if (loading) return null;
  const active = complete ? (props.listed?.keys ?? []) : read;
  const expiring = active.filter(
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
