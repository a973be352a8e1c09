import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ConsoleApi } from "./api";
import { type Auth, cognitoAuth, loadConfig, localAuth } from "./auth";
import { Integrations } from "./components/Integrations";
import { SignIn } from "./components/SignIn";

/** Settings > Integrations (API.md §10). */
function App(props: { auth: Auth; signedIn: boolean }) {
  const [signedIn, setSignedIn] = useState(props.signedIn);
  const api = useMemo(
    () =>
      new ConsoleApi({
        baseUrl: props.auth.apiBaseUrl,
        token: () => props.auth.token(),
        onUnauthorized: () => setSignedIn(false),
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
      <main>
        {signedIn ? (
          <Integrations api={api} />
        ) : (
          <SignIn auth={props.auth} onSignedIn={() => setSignedIn(true)} />
        )}
      </main>
    </>
  );
}

async function start(root: HTMLElement) {
  try {
    const config = await loadConfig();
    const auth = config.mode === "local" ? localAuth() : cognitoAuth(config);
    const signedIn = await auth.resume();
    render(<App auth={auth} signedIn={signedIn} />, root);
  } catch (error) {
    render(
      <p role="alert" class="alert">
        The page could not start: {(error as Error).message}
      </p>,
      root,
    );
  }
}

const root = document.getElementById("app");
if (root) {
  // The static "Loading…" is the page's own until the app renders: Preact renders beside, not over, it.
  root.replaceChildren();
  void start(root);
}
