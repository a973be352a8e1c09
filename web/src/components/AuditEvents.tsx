import type { ConsoleApi } from "../api";
import { usePagedList } from "../hooks/usePagedList";
import { ErrorAlert } from "./Modal";
import { Time } from "./Time";

const TYPE_TEXT: Record<string, string> = {
  "key.created": "Created",
  "key.updated": "Edited",
  "key.revoked": "Revoked",
  "key.rotated": "Rotated (new key)",
  "key.expired_by_rotation": "Replaced by rotation",
  "key.leak_reported": "Reported leaked",
  "key.expiring_soon": "Expiring soon",
};

/** The org's key events, newest first (API.md §5): who did what to which key, and when. */
export function AuditEvents(props: { api: ConsoleApi; now: number; refresh: number }) {
  const {
    items: events,
    error,
    more,
  } = usePagedList((cursor) => props.api.listAuditEvents(cursor), [props.refresh]);
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit events</h2>
      <ErrorAlert message={error} />
      {events === undefined && !error && <p role="status">Loading events…</p>}
      {events?.length === 0 && <p class="muted">Nothing has happened to this organization's keys yet.</p>}
      {events && events.length > 0 && (
        <ol class="events">
          {events.map((event) => (
            <li key={event.id}>
              <strong>{TYPE_TEXT[event.type] ?? event.type}</strong> <code>{event.keyId}</code>
              <span class="muted">
                {" "}
                by {event.actorEmail ?? event.actor}, <Time iso={event.at} now={props.now} none="" />
              </span>
            </li>
          ))}
        </ol>
      )}
      {more && (
        <button type="button" onClick={more}>
          Show older events
        </button>
      )}
    </section>
  );
}
