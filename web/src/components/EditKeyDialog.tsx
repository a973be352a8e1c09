import { useState } from "preact/hooks";
import type { KeyRecord, UpdateKeyBody } from "../../../contract/api-types";
import type { Scope } from "../../../contract/scopes";
import type { ConsoleApi } from "../api";
import { useSubmit } from "../hooks/useSubmit";
import { FormActions } from "./FormActions";
import { Modal } from "./Modal";
import { ScopeChoices } from "./ScopeChoices";

/** Edit an active key without rotating it: name, scopes, its own limit, its allowlist. */
export function EditKeyDialog(props: {
  api: ConsoleApi;
  apiKey: KeyRecord;
  onSaved: (record: KeyRecord) => void;
  onClose: () => void;
}) {
  const key = props.apiKey;
  const [name, setName] = useState(key.name);
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(key.scopes));
  const [limit, setLimit] = useState(String(key.rateLimit.limit));
  const [allowlist, setAllowlist] = useState((key.allowedIps ?? []).join("\n"));
  const { busy, error, run } = useSubmit();

  const save = async (event: Event) => {
    event.preventDefault();
    // Only what changed is sent: an untouched limit stays the environment's default.
    const body: UpdateKeyBody = {};
    if (name !== key.name) body.name = name;
    const scopeList = [...scopes];
    if (scopeList.length !== key.scopes.length || scopeList.some((s) => !key.scopes.includes(s)))
      body.scopes = scopeList;
    if (limit !== String(key.rateLimit.limit)) body.rateLimit = { limit: Number(limit) };
    const ips = allowlist
      .split(/[\s,]+/)
      .map((ip) => ip.trim())
      .filter((ip) => ip !== "");
    if (ips.join("\n") !== (key.allowedIps ?? []).join("\n")) body.allowedIps = ips.length > 0 ? ips : null;
    await run(async () => {
      props.onSaved(await props.api.updateKey(key.id, body));
      props.onClose();
    });
  };
  return (
    <Modal title={`Edit "${key.name}"`} onClose={props.onClose}>
      <form onSubmit={save}>
        <label class="field">
          Name
          <input type="text" value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <ScopeChoices selected={scopes} onChange={setScopes} />
        <label class="field">
          Requests per window
          <input
            type="number"
            min={1}
            max={10000}
            value={limit}
            onInput={(e) => setLimit(e.currentTarget.value)}
            aria-describedby="limit-hint"
          />
        </label>
        <p id="limit-hint" class="hint">
          Per {Math.round(key.rateLimit.windowSeconds / 60)}-minute window, 1 to 10,000.
        </p>
        <label class="field">
          Allowed addresses
          <textarea
            rows={3}
            value={allowlist}
            onInput={(e) => setAllowlist(e.currentTarget.value)}
            aria-describedby="allowlist-hint"
          />
        </label>
        <p id="allowlist-hint" class="hint">
          One IPv4/IPv6 address or CIDR range per line. Empty: any address.
        </p>
        <FormActions label="Save" busy={busy} error={error} onCancel={props.onClose} />
      </form>
    </Modal>
  );
}
