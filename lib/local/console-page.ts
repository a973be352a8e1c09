import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { CONSOLE_PAGE_PATH, type ConsolePageConfig } from "../../contract/console";
import {
  type ConsoleOrigins,
  consoleCacheControl,
  consoleSecurityHeaders,
} from "../../contract/console-headers";
import { errorEnvelope } from "../../contract/error-codes";

/**
 * The console's own origin locally (API.md §10), as CloudFront serves it deployed: the built page at
 * `/settings/integrations` with the same security headers (one builder, the same inputs) and the same
 * `Cache-Control` per file, and its `config.json` naming the API and the sign-in as deployed does.
 */

/** Where `npm run build` puts the page (git-ignored). */
export const CONSOLE_DIST = "web/dist";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** A file of the page: a plain name, never a path (nothing outside `web/dist` is reachable). */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:js|css)$/;

export interface ConsolePageOptions {
  projectRoot: string;
  origins: ConsoleOrigins;
  config: ConsolePageConfig;
}

/** The page server's request handler. */
export function consolePage(options: ConsolePageOptions) {
  const security = consoleSecurityHeaders(options.origins);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const method = (req.method ?? "GET").toUpperCase();
    const { pathname } = new URL(req.url ?? "/", "http://local");
    const headers = { ...security, "X-Request-Id": requestId };
    const notFound = (message: string) =>
      send(
        res,
        404,
        { ...headers, "Content-Type": "application/json" },
        JSON.stringify(errorEnvelope("not_found", message, requestId)),
      );
    if (method !== "GET" && method !== "HEAD") return notFound("No such page.");
    if (pathname === "/") {
      res.writeHead(302, { ...headers, Location: CONSOLE_PAGE_PATH, "Content-Length": 0 });
      return void res.end();
    }
    const file = fileOf(pathname);
    if (!file) return notFound("No such page.");
    const type = CONTENT_TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream";
    const cache = { "Content-Type": type, "Cache-Control": consoleCacheControl(file) };
    if (file === "config.json")
      return send(res, 200, { ...headers, ...cache }, JSON.stringify(options.config), method);
    let body: Buffer;
    try {
      body = await readFile(join(options.projectRoot, CONSOLE_DIST, file));
    } catch {
      return notFound(
        file === "index.html"
          ? "The page is not built: run `npm run build` (npm start builds it)."
          : "No such file.",
      );
    }
    send(res, 200, { ...headers, ...cache }, body, method);
  };
}

/** The file a path names under the page, or undefined. */
function fileOf(pathname: string): string | undefined {
  if (pathname === CONSOLE_PAGE_PATH || pathname === `${CONSOLE_PAGE_PATH}/`) return "index.html";
  if (!pathname.startsWith(`${CONSOLE_PAGE_PATH}/`)) return undefined;
  const name = pathname.slice(CONSOLE_PAGE_PATH.length + 1);
  if (name === "config.json" || name === "index.html") return name;
  return FILE_NAME.test(name) ? name : undefined;
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  method = "GET",
) {
  res.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
  res.end(method === "HEAD" ? "" : body);
}
