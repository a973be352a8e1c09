import { createHash, createHmac, randomBytes } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { LocalRuntime } from "../../lib/local/runtime";

/**
 * Where the integration suite sends its requests. By default, a local runtime the test file starts.
 * With `FYNEX_BASE_URL` (a deployed stage's URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/dev`),
 * the same tests run against AWS: admin calls are signed with SigV4 from the default credential chain
 * (`AWS_REGION` names the region); tests that need the local runtime's injected clock or internals skip.
 */
export const REMOTE_BASE_URL = process.env.FYNEX_BASE_URL?.replace(/\/$/, "");
export const remote = REMOTE_BASE_URL !== undefined;

/** A prefix that keeps this run's orgs apart from earlier runs on a shared stage. */
const RUN = remote ? `-${randomBytes(4).toString("hex")}` : "";
export const org = (name: string) => `${name}${RUN}`;

export interface Target {
  url: string;
  /** Headers that authenticate an admin call: the bearer token locally, SigV4 deployed. */
  adminHeaders(method: string, url: URL, body: string | undefined): Promise<[string, string][]>;
  local?: LocalRuntime;
}

export function localTarget(local: LocalRuntime): Target {
  return {
    url: local.url,
    local,
    adminHeaders: async () => [["Authorization", `Bearer ${local.adminToken}`]],
  };
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The hash the signer needs, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not needed");
  }
}

export function remoteTarget(baseUrl: string): Target {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error("FYNEX_BASE_URL needs AWS_REGION to sign admin calls");
  const signer = new SignatureV4({
    service: "execute-api",
    region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  return {
    url: baseUrl,
    adminHeaders: async (method, url, body) => {
      const query = Object.fromEntries(url.searchParams);
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query,
        headers: { host: url.host, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body,
      });
      return Object.entries(signed.headers).filter(([name]) => name !== "host" && name !== "content-type");
    },
  };
}
