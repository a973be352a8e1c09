import { useState } from "preact/hooks";
import type { KeyRecord } from "../../../contract/api-types";
import type { ConsoleApi } from "../api";
import { dateField } from "../format";
import { useSubmit } from "../hooks/useSubmit";
import { withoutSecret } from "./CreateKeyDialog";
import { FormActions } from "./FormActions";
import { KeyReveal } from "./KeyReveal";
import { Modal } from "./Modal";

/** Grace periods offered (API.md §5: up to a week); none revokes the old key now. */
const GRACE_PERIODS: [label: string, seconds: number][] = [
  ["None: revoke the old key now", 0],
  ["1 hour", 3600],
  ["24 hours", 86_400],
  ["7 days", 604_800],
];

/** Rotate: a new key with the same name, scopes, limit and allowlist; the old one now or after a grace period. */
export function RotateDialog(props: {
  api: ConsoleApi;
  apiKey: KeyRecord;
  onRotated: (created: KeyRecord) => void;
  onClose: () => void;
}) {
  const [grace, setGrace] = useState(0);
  const [expiry, setExpiry] = useState("");
  const { busy, error, run } = useSubmit();
  const [secret, setSecret] = useState<string>();
  const rotate = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const rotated = await props.api.rotateKey(props.apiKey.id, {
        ...(grace > 0 ? { gracePeriodSeconds: grace } : {}),
        ...(dateField(expiry) ? { expiresAt: dateField(expiry) } : {}),
      });
      props.onRotated(withoutSecret(rotated));
      setSecret(rotated.key);
    });
  };
  const done = () => {
    setSecret(undefined);
    props.onClose();
  };
  return (
    <Modal title={`Rotate "${props.apiKey.name}"`} onClose={secret ? done : props.onClose}>
      {secret ? (
        <KeyReveal secret={secret} onDone={done} />
      ) : (
        <form onSubmit={rotate}>
          <p>A new key replaces this one, with the same name, scopes, limit and allowlist.</p>
          <label class="field">
            Grace period
            <select value={grace} onChange={(event) => setGrace(Number(event.currentTarget.value))}>
              {GRACE_PERIODS.map(([label, seconds]) => (
                <option value={seconds} key={seconds}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <p class="hint">
            During a grace period the old key keeps working, so the integration can switch over.
          </p>
          <label class="field">
            Expiry date of the new key
            <input type="date" value={expiry} onInput={(event) => setExpiry(event.currentTarget.value)} />
          </label>
          <FormActions label="Rotate key" busy={busy} error={error} onCancel={props.onClose} />
        </form>
      )}
    </Modal>
  );
}
