import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { CONSOLE_PAGE_PATH, LOCAL_SESSION_PATH } from "../../contract/console";
import { consoleSecurityHeaders } from "../../contract/console-headers";
import { errorEnvelope } from "../../contract/error-codes";
import type { ConsoleSessions } from "./console-sessions";
import { isOrgId } from "./console-sessions";

/**
 * The console on the local origin (API.md §10): the built page at `/settings/integrations` with the
 * same security headers CloudFront sends deployed, its configuration (`mode: local`: the sign-in form
 * stands in for Cognito), and the sign-in form's session endpoint.
 */

/** Where `npm run build` puts the page (git-ignored). */
export const CONSOLE_DIST = "web/dist";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** The page's files by URL path; anything else under the page's path is a 404. */
const FILES: Record<string, string> = {
  [CONSOLE_PAGE_PATH]: "index.html",
  [`${CONSOLE_PAGE_PATH}/`]: "index.html",
  [`${CONSOLE_PAGE_PATH}/app.js`]: "app.js",
  [`${CONSOLE_PAGE_PATH}/app.css`]: "app.css",
};

const SESSION_BODY_LIMIT = 16 * 1024;

export interface ConsolePageOptions {
  projectRoot: string;
  sessions: ConsoleSessions;
}

/** Serves the request when it is the console's (true); leaves every other request to the gateway. */
export async function serveConsolePage(
  options: ConsolePageOptions,
  request: { method: string; pathname: string; body: string; authorization?: string },
  res: ServerResponse,
  requestId: string,
): Promise<boolean> {
  const { method, pathname } = request;
  if (pathname === LOCAL_SESSION_PATH && method === "POST") {
    startSession(options.sessions, request.body, res, requestId);
    return true;
  }
  if (pathname === LOCAL_SESSION_PATH && method === "DELETE") {
    // Sign-out: the token stops working at once, as a revoked session does (API.md §10).
    options.sessions.end(request.authorization);
    send(res, 204, { "Cache-Control": "no-store", "X-Request-Id": requestId }, "");
    return true;
  }
  if (pathname !== CONSOLE_PAGE_PATH && !pathname.startsWith(`${CONSOLE_PAGE_PATH}/`)) return false;
  if (method !== "GET" && method !== "HEAD") return false;
  const headers = { ...consoleSecurityHeaders({ connect: ["'self'"] }), "X-Request-Id": requestId };
  if (pathname === `${CONSOLE_PAGE_PATH}/config.json`) {
    send(
      res,
      200,
      { ...headers, "Content-Type": CONTENT_TYPES[".json"] as string, "Cache-Control": "no-store" },
      JSON.stringify({ mode: "local" }),
    );
    return true;
  }
  const file = FILES[pathname];
  if (!file) return false;
  let body: Buffer;
  try {
    body = await readFile(join(options.projectRoot, CONSOLE_DIST, file));
  } catch {
    const message = "The page is not built: run `npm run build` (npm start builds it).";
    send(
      res,
      404,
      { ...headers, "Content-Type": "application/json" },
      JSON.stringify(errorEnvelope("not_found", message, requestId)),
    );
    return true;
  }
  const type = CONTENT_TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream";
  send(
    res,
    200,
    { ...headers, "Content-Type": type, "Cache-Control": "no-cache" },
    method === "HEAD" ? "" : body,
  );
  return true;
}

/** `POST /local/v1/console-sessions` `{adminToken, orgId}` → 201 `{token, orgId, expiresAt}`. */
function startSession(sessions: ConsoleSessions, raw: string, res: ServerResponse, requestId: string) {
  const json = { "Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": requestId };
  const fail = (
    status: number,
    code: "unauthorized" | "validation_error",
    message: string,
    details?: { path: string; message: string }[],
  ) => send(res, status, json, JSON.stringify(errorEnvelope(code, message, requestId, details)));
  if (raw.length > SESSION_BODY_LIMIT) {
    return fail(400, "validation_error", "The sign-in request is too large.", [
      { path: "body", message: "Too large." },
    ]);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (!isOrgId(fields.orgId)) {
    return fail(400, "validation_error", "Name an organization: 1 to 64 letters, digits, - or _.", [
      { path: "orgId", message: "1 to 64 of A-Z, a-z, 0-9, _ and -." },
    ]);
  }
  const session =
    typeof fields.adminToken === "string" ? sessions.start(fields.adminToken, fields.orgId) : undefined;
  if (!session) return fail(401, "unauthorized", "The admin token is not valid.");
  send(
    res,
    201,
    json,
    JSON.stringify({ token: session.token, orgId: fields.orgId, expiresAt: session.expiresAt }),
  );
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
