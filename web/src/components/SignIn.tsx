import type { Auth } from "../auth";
import { ErrorAlert } from "./Modal";

/**
 * Shown only when a sign-in did not complete (a signed-out visit goes straight to the sign-in page):
 * what went wrong, and the way back to the sign-in page (Cognito's managed login deployed, the local
 * runtime's provider locally).
 */
export function SignIn(props: { auth: Auth; failure?: string }) {
  return (
    <section aria-labelledby="signin-heading" class="signin">
      <h2 id="signin-heading">Sign in</h2>
      <p>Sign in with your organization's admin account to manage its API keys.</p>
      <ErrorAlert message={props.failure} />
      <button type="button" class="primary" onClick={() => props.auth.signInWithRedirect()}>
        Sign in
      </button>
    </section>
  );
}
