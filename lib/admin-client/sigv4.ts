import { createHash, createHmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * SigV4 signing of admin calls to a deployed stage (`execute-api`), with the AWS SDK's own signer and
 * the standard credential chain (environment, shared config and SSO profiles, container and instance
 * roles). Shared by the admin CLI and the integration suite's remote target.
 */

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData) =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The hash (and HMAC) the signer needs, from node:crypto. */
export class Sha256 {
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

/** A signer for API Gateway in `region`, with credentials from the default chain. */
export function executeApiSigner(region: string): SignatureV4 {
  return new SignatureV4({ service: "execute-api", region, credentials: defaultProvider(), sha256: Sha256 });
}

/**
 * The headers that sign one request: `authorization`, `x-amz-date`, `x-amz-content-sha256` and, with
 * temporary credentials, `x-amz-security-token`. `Host` and `Content-Type` are signed too but left to
 * the caller, who sends exactly `url.host` and `application/json` (when there is a body).
 */
export async function signedHeaders(
  signer: SignatureV4,
  method: string,
  url: URL,
  body: string | undefined,
): Promise<[string, string][]> {
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body,
  });
  return Object.entries(signed.headers).filter(([name]) => name !== "host" && name !== "content-type");
}
