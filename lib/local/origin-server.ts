import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { allowedHosts, hostAllowed, refuseHost } from "./host-check";
import { failureFields, localLog } from "./log";

/**
 * One of the local runtime's extra origins (the page's, the sign-in's): a plain HTTP server on its
 * own port, listening before its handler is known (each origin names the others), refusing any
 * request whose `Host` is not this server's (DNS rebinding, lib/local/host-check.ts).
 */
export interface OriginServer {
  origin: string;
  /** Sets what answers the requests; until then every request is a 503. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): void;
  close(): Promise<void>;
}

export async function startOriginServer(host: string, port: number): Promise<OriginServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<void> | void) | undefined;
  let hosts = new Set<string>();
  const server = createServer((req, res) => {
    if (!hostAllowed(req, hosts)) return refuseHost(res, randomUUID());
    if (!handler) {
      res.writeHead(503, { "Retry-After": "1", "Content-Length": 0 });
      return void res.end();
    }
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      localLog("error", "local origin failed", failureFields(error));
      if (!res.headersSent) res.writeHead(500, { "Content-Length": 0 });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  hosts = allowedHosts(host, address.port);
  const name = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    origin: `http://${name}:${address.port}`,
    serve(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
