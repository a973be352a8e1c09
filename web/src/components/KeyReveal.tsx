import { useState } from "preact/hooks";

/**
 * The "shown once" panel (API.md §10): the warning, the key in a read-only box, Copy (with a visible
 * and announced "Copied") and Done. The key lives in the caller's state only while this is open;
 * Done drops it.
 */
export function KeyReveal(props: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <div class="reveal">
      <p class="warning">
        <strong>This is the only time the full key is shown.</strong> Copy it now and keep it in your secret
        store: it cannot be shown again. If it is lost, rotate the key.
      </p>
      <label class="field">
        API key
        <input
          type="text"
          readOnly
          value={props.secret}
          class="secret"
          spellcheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
        />
      </label>
      <div class="actions">
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span role="status" class="copied">
          {copied === "yes"
            ? "Copied"
            : copied === "failed"
              ? "Copying failed: select the key and copy it"
              : ""}
        </span>
        <button type="button" class="primary" onClick={props.onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
