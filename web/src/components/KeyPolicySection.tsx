import { useEffect, useState } from "preact/hooks";
import type { KeyPolicy, KeyPolicyBody } from "../../../contract/api-types";
import { SCOPES, type Scope } from "../../../contract/scopes";
import type { ConsoleApi } from "../api";
import { useSubmit } from "../hooks/useSubmit";
import { ErrorAlert } from "./Modal";
import { ScopeChoices } from "./ScopeChoices";

/** A days field's text as the policy holds it: empty is none (null); anything else goes to the API as typed. */
const daysOf = (text: string): number | null => (text.trim() === "" ? null : Number(text));
const textOf = (days: number | null) => (days === null ? "" : String(days));

/** A number of days, 1 to 3650, or empty for none; its hint read with it. */
function DaysField(props: {
  label: string;
  id: string;
  hint: string;
  value: string;
  onInput: (text: string) => void;
}) {
  return (
    <>
      <label class="field">
        {props.label}
        <input
          type="number"
          inputMode="numeric"
          min={1}
          max={3650}
          value={props.value}
          onInput={(event) => props.onInput(event.currentTarget.value)}
          aria-describedby={props.id}
        />
      </label>
      <p id={props.id} class="hint">
        {props.hint}
      </p>
    </>
  );
}

/**
 * The section "Key policy" (API.md §12): the org's rules for its keys, read when the page opens and
 * replaced whole by "Save policy". All scopes checked means any scope (`allowedScopes: null`). The
 * API validates: what it refuses comes back as its message, in an alert.
 */
export function KeyPolicySection(props: {
  api: ConsoleApi;
  policy: KeyPolicy | undefined;
  onSaved: (policy: KeyPolicy) => void;
}) {
  const { policy } = props;
  const [maxLifetime, setMaxLifetime] = useState("");
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(SCOPES));
  const [requireAllowlist, setRequireAllowlist] = useState(false);
  const [rotateAfter, setRotateAfter] = useState("");
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useSubmit();

  useEffect(() => {
    if (!policy) return;
    setMaxLifetime(textOf(policy.maxLifetimeDays));
    setScopes(new Set(policy.allowedScopes ?? SCOPES));
    setRequireAllowlist(policy.requireAllowlist);
    setRotateAfter(textOf(policy.rotateAfterDays));
  }, [policy]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const body: KeyPolicyBody = {
      maxLifetimeDays: daysOf(maxLifetime),
      allowedScopes: scopes.size === SCOPES.length ? null : SCOPES.filter((scope) => scopes.has(scope)),
      requireAllowlist,
      rotateAfterDays: daysOf(rotateAfter),
    };
    await run(async () => {
      props.onSaved(await props.api.putKeyPolicy(body));
      setSaved(true);
    });
  };

  return (
    <section aria-labelledby="policy-heading">
      <h2 id="policy-heading">Key policy</h2>
      <p class="muted">
        Rules every new, rotated or changed key of this organization must follow. Keys made before a stricter
        policy keep working; the list marks what they break.
      </p>
      {policy === undefined ? (
        <p role="status">Loading the key policy…</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <DaysField
            label="Maximum lifetime (days)"
            id="max-lifetime-hint"
            hint="1 to 3650. Every new key must expire within this many days. Empty: no maximum."
            value={maxLifetime}
            onInput={setMaxLifetime}
          />
          <ScopeChoices
            legend="Allowed scopes"
            hint="Keys may hold only these scopes. All checked means any scope."
            selected={scopes}
            onChange={setScopes}
          />
          <label class="field-check">
            <input
              type="checkbox"
              checked={requireAllowlist}
              onChange={(event) => setRequireAllowlist(event.currentTarget.checked)}
            />{" "}
            Require an IP allowlist
          </label>
          <DaysField
            label="Remind to rotate after (days)"
            id="rotate-after-hint"
            hint='1 to 3650. A key this old is marked "Rotation due" and an event is sent. Empty: no reminders.'
            value={rotateAfter}
            onInput={setRotateAfter}
          />
          <ErrorAlert message={error} />
          <div class="actions policy-actions">
            <button type="submit" class="primary" disabled={busy}>
              Save policy
            </button>
            {saved && !busy && <span role="status">Policy saved.</span>}
          </div>
        </form>
      )}
    </section>
  );
}
