import type { KeyRecord } from "../../../contract/api-types";
import type { ConsoleApi } from "../api";
import { useSubmit } from "../hooks/useSubmit";
import { ErrorAlert, Modal } from "./Modal";

/** The leak advice of the product's docs, said wherever a key can be revoked. */
export const LEAK_ADVICE = "If a key is exposed, revoke it and create a replacement.";

/** Confirms a revoke: "Revoke key" or "Cancel". */
export function RevokeDialog(props: {
  api: ConsoleApi;
  apiKey: KeyRecord;
  onRevoked: (record: KeyRecord) => void;
  onClose: () => void;
}) {
  const { busy, error, run } = useSubmit();
  const revoke = () =>
    run(async () => {
      props.onRevoked(await props.api.revokeKey(props.apiKey.id));
      props.onClose();
    });
  return (
    <Modal title={`Revoke "${props.apiKey.name}"?`} onClose={props.onClose}>
      <p>
        Requests with this key ({props.apiKey.hint}) are refused from the next one on. This cannot be undone.
      </p>
      <p class="hint">{LEAK_ADVICE}</p>
      <ErrorAlert message={error} />
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={revoke} disabled={busy}>
          Revoke key
        </button>
      </div>
    </Modal>
  );
}
