import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ConsoleApi } from "./api";
import { type Auth, loadConfig, oidcAuth } from "./auth";
import { Integrations } from "./components/Integrations";
import { SessionEnded } from "./components/SessionEnded";
import { SignIn } from "./components/SignIn";

/** Settings > Integrations (API.md §10). */
function App(props: { auth: Auth; signedIn: boolean; failure?: string }) {
  const [signedIn, setSignedIn] = useState(props.signedIn);
  const [failure, setFailure] = useState(props.failure);
  // The session could not be renewed: the page stays as it is (an open dialog keeps what was typed)
  // while the person signs in again in a popup.
  const [sessionEnded, setSessionEnded] = useState(false);
  const api = useMemo(
    () =>
      new ConsoleApi({
        baseUrl: props.auth.apiBaseUrl,
        token: () => props.auth.token(),
        renew: () => props.auth.renew(),
        onSignedOut: () => setSessionEnded(true),
      }),
    [props.auth],
  );
  const signOut = async () => {
    await props.auth.signOut();
    setSignedIn(false);
  };
  return (
    <>
      <header class="top">
        <p class="crumb">Settings</p>
        <h1>Integrations</h1>
        {signedIn && (
          <p class="who">
            Organization <strong>{props.auth.orgId()}</strong>{" "}
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </p>
        )}
      </header>
      <main>{signedIn ? <Integrations api={api} /> : <SignIn auth={props.auth} failure={failure} />}</main>
      {signedIn && sessionEnded && (
        <SessionEnded
          auth={props.auth}
          onSignedIn={() => setSessionEnded(false)}
          onGiveUp={() => {
            setFailure("Your session has ended. Sign in again.");
            setSessionEnded(false);
            setSignedIn(false);
          }}
        />
      )}
    </>
  );
}

async function start(root: HTMLElement) {
  let auth: Auth;
  try {
    auth = oidcAuth(await loadConfig());
  } catch (error) {
    render(
      <p role="alert" class="alert">
        The page could not start: {(error as Error).message}
      </p>,
      root,
    );
    return;
  }
  // The popup of a sign-in again: its answer goes to the page that opened it.
  if (await auth.finishPopup().catch(() => false)) return;
  let signedIn = false;
  let failure: string | undefined;
  try {
    signedIn = await auth.resume();
  } catch (error) {
    // A refused or stale sign-in: say so and offer it again, rather than loop through the provider.
    failure = `Sign-in did not complete: ${(error as Error).message}`;
  }
  // Signed out: straight to the sign-in page, no extra click (API.md §10).
  if (!signedIn && failure === undefined) {
    try {
      await auth.signInWithRedirect();
      return;
    } catch (error) {
      failure = `The sign-in page cannot be reached: ${(error as Error).message}`;
    }
  }
  render(<App auth={auth} signedIn={signedIn} failure={failure} />, root);
}

const root = document.getElementById("app");
if (root) {
  // The static "Loading…" is the page's own until the app renders: Preact renders beside, not over, it.
  root.replaceChildren();
  void start(root);
}
