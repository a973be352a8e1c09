import { useEffect, useState } from "preact/hooks";
import type { KeyPolicy, KeyRecord } from "../../../contract/api-types";
import type { ConsoleApi, ListedKey } from "../api";
import { UNUSED_DAYS } from "../format";
import { usePagedList } from "../hooks/usePagedList";
import { AuditEvents } from "./AuditEvents";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { EditKeyDialog } from "./EditKeyDialog";
import { ExpiringBanner } from "./ExpiringBanner";
import { KeyDetailsDialog } from "./KeyDetailsDialog";
import { KeyPolicySection } from "./KeyPolicySection";
import { type KeyAction, KeysTable } from "./KeysTable";
import { ErrorAlert } from "./Modal";
import { LEAK_ADVICE, RevokeDialog } from "./RevokeDialog";
import { RotateDialog } from "./RotateDialog";

type Open = { action: "create" } | { action: KeyAction; key: KeyRecord } | undefined;

/** The "API Keys" section, the org's key policy and its audit events, for the signed-in admin's org. */
export function Integrations(props: { api: ConsoleApi }) {
  // The org's key policy (API.md §12): the create dialog and the list follow it.
  const [policy, setPolicy] = useState<KeyPolicy>();
  const [policyError, setPolicyError] = useState<string>();
  // Bumped when the policy is saved: the keys' policy violations are the API's to say, so the list is read again.
  const [policySaves, setPolicySaves] = useState(0);
  useEffect(() => {
    props.api.getKeyPolicy().then(setPolicy, (error: Error) => setPolicyError(error.message));
  }, [props.api]);
  // Only the active keys unused for 30 days (`?unusedForDays=`), when the filter is on.
  const [unusedOnly, setUnusedOnly] = useState(false);
  const {
    items: keys,
    setItems: setKeys,
    error,
    more,
  } = usePagedList<ListedKey>(
    (cursor) => props.api.listKeys(cursor, unusedOnly ? UNUSED_DAYS : undefined),
    [unusedOnly, policySaves],
  );
  const [open, setOpen] = useState<Open>();
  // Bumped on every change, so the audit events follow.
  const [changes, setChanges] = useState(0);
  const now = Date.now();

  /**
   * A changed or new key takes its place in the list without a reload (newest first); a changed key
   * keeps the 7 days the list gave it (a record answer has none).
   */
  const upsert = (record: KeyRecord) => {
    setKeys((current = []) =>
      current.some((k) => k.id === record.id)
        ? current.map((k) => (k.id === record.id ? { ...record, lastSevenDays: k.lastSevenDays } : k))
        : [record, ...current],
    );
    setChanges((n) => n + 1);
  };
  const afterRotation = (created: KeyRecord) => {
    upsert(created);
    // The old key's status (revoked, or active until the grace period ends) comes from the API.
    const old = open && open.action !== "create" ? open.key : undefined;
    if (old) props.api.getKey(old.id).then(upsert, () => undefined);
  };
  const close = () => setOpen(undefined);

  return (
    <>
      <section aria-labelledby="keys-heading">
        <div class="section-head">
          <h2 id="keys-heading">API Keys</h2>
          <button type="button" class="primary" onClick={() => setOpen({ action: "create" })}>
            Create API Key
          </button>
        </div>
        <p class="muted">
          Integrations call the Fynex API with a key in the <code>X-API-Key</code> header. Give each
          integration its own key with only the scopes it needs. {LEAK_ADVICE}
        </p>
        <label class="filter">
          <input
            type="checkbox"
            checked={unusedOnly}
            onChange={(event) => {
              setUnusedOnly(event.currentTarget.checked);
              setKeys(undefined);
            }}
          />{" "}
          Unused for {UNUSED_DAYS} days
        </label>
        <ExpiringBanner
          api={props.api}
          now={now}
          refresh={changes}
          listed={keys && { keys, complete: !unusedOnly && more === undefined }}
        />
        <ErrorAlert message={open ? undefined : error} />
        {keys === undefined && !error && <p role="status">Loading API keys…</p>}
        {keys?.length === 0 && unusedOnly && (
          // A filtered page reads at most 1,000 keys (API.md §5): an empty one with more to read is
          // not an answer yet.
          <p role="status">
            {more
              ? "None among the keys checked so far: show more keys to keep looking."
              : `No active key has gone unused for ${UNUSED_DAYS} days.`}
          </p>
        )}
        {keys?.length === 0 && !unusedOnly && (
          <div class="empty">
            <p>
              <strong>No API keys yet.</strong>
            </p>
            <p>
              An API key lets one of your systems (a CRM sync, a billing job, a data export) call the Fynex
              API for this organization. Create one per integration, so each can be limited, rotated or
              revoked on its own.
            </p>
          </div>
        )}
        {keys && keys.length > 0 && (
          <KeysTable
            api={props.api}
            keys={keys}
            now={now}
            rotateAfterDays={policy?.rotateAfterDays ?? null}
            onAction={(action, key) => setOpen({ action, key })}
          />
        )}
        {more && (
          <button type="button" onClick={more}>
            Show more keys
          </button>
        )}
      </section>
      <ErrorAlert message={policyError} />
      <KeyPolicySection
        api={props.api}
        policy={policy}
        onSaved={(saved) => {
          setPolicy(saved);
          setPolicySaves((n) => n + 1);
          setChanges((n) => n + 1);
        }}
      />
      <AuditEvents api={props.api} now={now} refresh={changes} />

      {open?.action === "create" && (
        <CreateKeyDialog api={props.api} policy={policy} onCreated={upsert} onClose={close} />
      )}
      {open?.action === "revoke" && (
        <RevokeDialog api={props.api} apiKey={open.key} onRevoked={upsert} onClose={close} />
      )}
      {open?.action === "rotate" && (
        <RotateDialog api={props.api} apiKey={open.key} onRotated={afterRotation} onClose={close} />
      )}
      {open?.action === "edit" && (
        <EditKeyDialog api={props.api} apiKey={open.key} onSaved={upsert} onClose={close} />
      )}
      {open?.action === "details" && (
        <KeyDetailsDialog api={props.api} apiKey={open.key} now={now} onClose={close} />
      )}
    </>
  );
}
