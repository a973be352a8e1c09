import { useState } from "preact/hooks";
import type { Auth } from "../auth";
import { ErrorAlert, Modal } from "./Modal";

/**
 * The session could not be renewed (signed out elsewhere, or revoked). A modal above whatever is open,
 * so a dialog underneath keeps what the person typed: "Sign in again" opens the sign-in in a popup and
 * the page carries on where it was; if the popup cannot open, the page's own sign-in takes over.
 */
export function SessionEnded(props: { auth: Auth; onSignedIn: () => void; onGiveUp: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const again = async () => {
    setBusy(true);
    setError(undefined);
    if (await props.auth.signInAgain()) return props.onSignedIn();
    setBusy(false);
    setError("The sign-in window did not complete. Try again, or sign in on this page.");
  };
  return (
    <Modal title="Your session has ended" onClose={props.onGiveUp}>
      <p>Sign in again to carry on: what you typed is kept.</p>
      <ErrorAlert message={error} />
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={again}>
          Sign in again
        </button>
        <button type="button" onClick={props.onGiveUp}>
          Sign in on this page
        </button>
      </div>
    </Modal>
  );
}
