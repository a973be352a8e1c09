import { useState } from "preact/hooks";
import type { Auth } from "../auth";
import { ErrorAlert } from "./Modal";

/**
 * Sign-in. Locally: the admin token and an organization (the local runtime's stand-in for Cognito).
 * Deployed: a button to Cognito's managed login.
 */
export function SignIn(props: { auth: Auth; onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [org, setOrg] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (props.auth.kind === "redirect") {
    return (
      <section aria-labelledby="signin-heading" class="signin">
        <h2 id="signin-heading">Sign in</h2>
        <p>Sign in with your organization's admin account to manage its API keys.</p>
        <button type="button" class="primary" onClick={() => props.auth.signInWithRedirect?.()}>
          Sign in
        </button>
      </section>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.auth.signInWithForm?.(token, org);
      setToken("");
      props.onSignedIn();
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="signin-heading" class="signin">
      <h2 id="signin-heading">Sign in</h2>
      <p class="muted">
        Local runtime: use the admin token <code>npm start</code> printed, and the organization whose keys you
        manage.
      </p>
      <form onSubmit={submit}>
        <label class="field">
          Admin token
          <input
            type="password"
            autoComplete="off"
            required
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          Organization
          <input
            type="text"
            required
            autoComplete="organization"
            value={org}
            onInput={(event) => setOrg(event.currentTarget.value)}
          />
        </label>
        <ErrorAlert message={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
