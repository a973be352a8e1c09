import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "./harness";

/** One request a receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: delivered bodies are inspected field by field
  json: any;
}

/** How a receiver answers a request to a path: a status, or a promise of one (held until it settles). */
export type Answer = (request: Received, nth: number) => number | Promise<number>;

/**
 * A webhook receiver on 127.0.0.1 (an ephemeral port), as an integration would run one: it records
 * every request and answers each path as told (204 unless told otherwise).
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", async () => {
        const raw = Buffer.concat(chunks);
        const path = req.url ?? "/";
        const request: Received = { path, headers: req.headers, raw, json: JSON.parse(raw.toString("utf8")) };
        this.received.push(request);
        const nth = this.at(path).length;
        const status = await (this.answers.get(path) ?? (() => 204))(request, nth);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((done) => this.server?.listen(0, "127.0.0.1", done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  answer(path: string, answer: Answer): void {
    this.answers.set(path, answer);
  }

  /** What arrived at `path`, in order. */
  at(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

export type Verify = (
  rawBody: Buffer | string,
  header: string | undefined,
  secret: string,
  toleranceSeconds?: number,
  nowSeconds?: number,
) => boolean;

/**
 * The README's verification snippet ("Receiving webhooks"), loaded as written, so the documented code
 * is the code the tests check signatures with.
 */
export async function readmeVerifier(): Promise<Verify> {
  const readme = await readFile(resolve(PROJECT_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Receiving webhooks"));
  const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!snippet?.includes("verifyFynexSignature")) throw new Error("README has no verification snippet");
  const file = join(await mkdtemp(join(tmpdir(), "fynex-readme-")), "verify.mjs");
  await writeFile(file, snippet);
  const module = (await import(pathToFileURL(file).href)) as { verifyFynexSignature: Verify };
  return module.verifyFynexSignature;
}
