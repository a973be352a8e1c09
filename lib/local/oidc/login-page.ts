import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * The local provider's own pages: the login page (fields "Admin token" and "Organization", button
 * "Sign in", API.md §10) and the sign-out step. Server-rendered HTML with no inline script or style
 * (its CSP forbids both), labels wrapping their fields so screen readers name them.
 */

/** A login the page refuses, with what to tell the person. */
export interface LoginFailure {
  status: number;
  message: string;
}

/** Only the id of an org may name one; the console handler checks it again as it checks a token's. */
const ORG_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FORM_LIMIT_BYTES = 16 * 1024;

/** The stylesheet and the sign-out step's script, served by the provider from its own origin. */
export const SIGN_IN_CSS_PATH = "/sign-in.css";
export const SIGN_OUT_SCRIPT_PATH = "/sign-out.js";

export const SIGN_IN_CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:24rem;margin:3rem auto;padding:1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h1{font-size:1.4rem;margin:0 0 .5rem}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{display:block;width:100%;box-sizing:border-box;margin-top:.25rem;padding:.5rem;font:inherit;border:1px solid #8c959f;border-radius:6px}
button{margin-top:1.25rem;padding:.5rem 1rem;font:inherit;font-weight:600;color:#fff;background:#0b5cad;border:0;border-radius:6px;cursor:pointer}
.alert{margin-top:1rem;padding:.5rem .75rem;border:1px solid #cf222e;border-radius:6px;background:#ffebe9;color:#82071e}
.muted{color:#59636e;font-size:.9rem}`;

/** Submits the sign-out form once loaded: Cognito's `/logout` asks nothing either. */
export const SIGN_OUT_SCRIPT = `document.querySelector('button[name="logout"]')?.click();`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Fynex (local)</title>
<link rel="stylesheet" href="${SIGN_IN_CSS_PATH}">${script}
</head>
<body><main>${body}</main></body>
</html>`;
}

/** The login page; `action` absent when the sign-in cannot go on (only the message is shown). */
export function renderLoginPage(input: {
  action: string | undefined;
  failure?: LoginFailure;
  orgId?: string;
}): string {
  const alert = input.failure ? `<p role="alert" class="alert">${escapeHtml(input.failure.message)}</p>` : "";
  if (input.action === undefined) return page("Sign in", `<h1>Sign in</h1>${alert}`);
  return page(
    "Sign in",
    `<h1>Sign in</h1>
<p class="muted">Local runtime: use the admin token <code>npm start</code> printed, and the organization whose keys you manage.</p>
<form method="post" action="${escapeHtml(input.action)}">
<label>Admin token<input type="password" name="adminToken" autocomplete="off" required autofocus></label>
<label>Organization<input type="text" name="orgId" autocomplete="organization" required value="${escapeHtml(input.orgId ?? "")}"></label>
${alert}
<button type="submit">Sign in</button>
</form>`,
  );
}

/** oidc-provider's end-session confirmation (`form` its hidden form), or the signed-out notice. */
export function renderSignOutPage(form: string | undefined): string {
  if (form === undefined) return page("Signed out", `<h1>Signed out</h1><p>You are signed out.</p>`);
  return page(
    "Sign out",
    `<h1>Sign out</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
    `\n<script src="${SIGN_OUT_SCRIPT_PATH}" defer></script>`,
  );
}

/** The submitted form: the org when the admin token is right, else what to tell the person. */
export async function readLoginForm(
  req: IncomingMessage,
  expectedToken: Buffer,
): Promise<{ orgId: string } | { failure: LoginFailure; orgId: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT_BYTES)
      return { failure: { status: 413, message: "The form is too large." }, orgId: "" };
    chunks.push(chunk as Buffer);
  }
  const fields = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  const orgId = fields.get("orgId") ?? "";
  if (!ORG_ID.test(orgId)) {
    const message = "Name an organization: 1 to 64 letters, digits, - or _.";
    return { failure: { status: 400, message }, orgId: "" };
  }
  const given = Buffer.from(fields.get("adminToken") ?? "");
  // Constant time over the token's bytes: the length alone tells an attacker nothing useful here.
  if (given.length !== expectedToken.length || !timingSafeEqual(given, expectedToken)) {
    return { failure: { status: 401, message: "The admin token is not valid." }, orgId };
  }
  return { orgId };
}
