import { useState } from "preact/hooks";
import type { KeyPolicyBody, KeyRecord } from "../../../contract/api-types";
import type { Scope } from "../../../contract/scopes";
import type { ConsoleApi } from "../api";
import { dateField } from "../format";
import { useSubmit } from "../hooks/useSubmit";
import { FormActions } from "./FormActions";
import { KeyReveal } from "./KeyReveal";
import { Modal } from "./Modal";
import { ScopeChoices } from "./ScopeChoices";

/** Drops the key from a created record: the list and everything after the panel get the record only. */
export function withoutSecret<T extends KeyRecord & { key: string }>(created: T): KeyRecord {
  const { key: _key, ...record } = created;
  return record;
}

/** The UTC date `days` from now, as a date field's bound. */
const daysAhead = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().slice(0, 10);

/**
 * "Create API Key": name, scopes, expiry date; then the key, shown once. Under a key policy (API.md
 * §12) it offers only the allowed scopes and asks for an expiry within the maximum lifetime; the API
 * holds the rules, so what it still refuses comes back as its message.
 */
export function CreateKeyDialog(props: {
  api: ConsoleApi;
  policy: KeyPolicyBody | undefined;
  onCreated: (record: KeyRecord) => void;
  onClose: () => void;
}) {
  const maxDays = props.policy?.maxLifetimeDays ?? null;
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Set<Scope>>(new Set());
  const [expiry, setExpiry] = useState("");
  const { busy, error, setError, run } = useSubmit();
  // The full key: in this component's memory only, and only until Done.
  const [secret, setSecret] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    if (scopes.size === 0) {
      setError("Choose at least one scope.");
      return;
    }
    await run(async () => {
      const created = await props.api.createKey({ name, scopes: [...scopes], expiresAt: dateField(expiry) });
      props.onCreated(withoutSecret(created));
      setSecret(created.key);
    });
  };
  const done = () => {
    setSecret(undefined);
    props.onClose();
  };

  return (
    <Modal title="Create API Key" onClose={secret ? done : props.onClose}>
      {secret ? (
        <KeyReveal secret={secret} onDone={done} />
      ) : (
        <form onSubmit={submit} noValidate>
          <label class="field">
            Name
            <input
              type="text"
              required
              maxLength={100}
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
              aria-describedby="name-hint"
            />
          </label>
          <p id="name-hint" class="hint">
            Say what uses it, such as "CRM sync (production)".
          </p>
          <ScopeChoices selected={scopes} onChange={setScopes} offered={props.policy?.allowedScopes} />
          <label class="field">
            Expiry date
            <input
              type="date"
              min={daysAhead(1)}
              max={maxDays === null ? undefined : daysAhead(maxDays)}
              required={maxDays !== null}
              value={expiry}
              onInput={(event) => setExpiry(event.currentTarget.value)}
              aria-describedby="expiry-hint"
            />
          </label>
          <p id="expiry-hint" class="hint">
            {maxDays === null
              ? "Optional. The key stops working at 00:00 UTC that day; without a date it works until revoked."
              : `Required by your organization's key policy: at most ${maxDays} days ahead. The key stops working at 00:00 UTC that day.`}
          </p>
          <FormActions label="Create" busy={busy} error={error} onCancel={props.onClose} />
        </form>
      )}
    </Modal>
  );
}
