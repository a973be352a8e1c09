import type { KeyRecord } from "../../../contract/api-types";
import type { ConsoleApi, ListedKey } from "../api";
import { displayStatus, isRotationDue, isUnused, POLICY_RULE_LABELS } from "../format";
import { Sparkline } from "./Sparkline";
import { Time } from "./Time";

export type KeyAction = "details" | "edit" | "rotate" | "revoke";

/**
 * The table "API Keys" (API.md §10): one row per key with name, hint, scopes, status, created, expires,
 * last used and this window's usage (`count / limit`); an active key's row has Edit, Rotate, Revoke.
 * A sparkline shows the last 7 days, from the list answer. An active key unused for 30 days says "Unused" beside its status (API.md §11).
 * Under the org's key policy (API.md §12) a key that breaks it says "Breaks policy" and which rules,
 * and an active key older than `rotateAfterDays` says "Rotation due", with "Rotate now" beside it.
 * On a narrow screen each row is a card, its cells labelled by `data-label`, so that its status and
 * Revoke are in view without scrolling sideways (API.md §10).
 */
export function KeysTable(props: {
  api: ConsoleApi;
  keys: ListedKey[];
  now: number;
  /** The key policy's reminder age; null: no reminders. */
  rotateAfterDays: number | null;
  onAction: (action: KeyAction, key: KeyRecord) => void;
}) {
  return (
    // Scrolls sideways on a narrow screen; focusable so that a keyboard can scroll it.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-scroll" aria-label="API Keys, scrollable" tabIndex={0}>
      <table aria-label="API Keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Usage</th>
            <th scope="col">Last 7 days</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((key) => {
            const status = displayStatus(key, props.now);
            return (
              <tr key={key.id}>
                <th scope="row">
                  <button type="button" class="link" onClick={() => props.onAction("details", key)}>
                    {key.name}
                  </button>
                </th>
                <td data-label="Key">
                  <code>{key.hint}</code>
                </td>
                <td data-label="Scopes">
                  <ul class="scope-list">
                    {key.scopes.map((scope) => (
                      <li key={scope}>
                        <code>{scope}</code>
                      </li>
                    ))}
                  </ul>
                </td>
                <td data-label="Status">
                  <span class={`status status-${status.replace(" ", "-")}`}>
                    {status.charAt(0).toUpperCase() + status.slice(1)}
                  </span>
                  {isUnused(key, props.now) && <span class="status status-unused">Unused</span>}
                  {key.policyViolations.length > 0 && (
                    <span class="status status-breaks-policy">
                      Breaks policy: {key.policyViolations.map((rule) => POLICY_RULE_LABELS[rule]).join(", ")}
                    </span>
                  )}
                  {isRotationDue(key, props.rotateAfterDays, props.now) && (
                    <>
                      <span class="status status-rotation-due">Rotation due</span>{" "}
                      <button type="button" class="link" onClick={() => props.onAction("rotate", key)}>
                        Rotate now
                      </button>
                    </>
                  )}
                </td>
                <td data-label="Created">
                  <Time iso={key.createdAt} now={props.now} none="" />
                </td>
                <td data-label="Expires">
                  <Time
                    iso={key.revokedAt ? null : key.expiresAt}
                    now={props.now}
                    none={key.revokedAt ? "—" : "Never"}
                  />
                </td>
                <td data-label="Last used">
                  <Time iso={key.lastUsedAt} now={props.now} none="Never" />
                </td>
                <td data-label="Usage" class="usage">
                  {key.usage.count} / {key.rateLimit.limit}
                </td>
                <td data-label="Last 7 days">
                  <Sparkline items={key.lastSevenDays} now={props.now} />
                </td>
                <td class="row-actions">
                  {key.status === "active" && (
                    <>
                      <button type="button" onClick={() => props.onAction("edit", key)}>
                        Edit
                      </button>
                      <button type="button" onClick={() => props.onAction("rotate", key)}>
                        Rotate
                      </button>
                      <button type="button" class="danger" onClick={() => props.onAction("revoke", key)}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
