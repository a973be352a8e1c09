import { createHash, createHmac } from "node:crypto";

/**
 * An independent check of an AWS Signature Version 4 (the algorithm as AWS documents it), so that the
 * CLI's signing is held to the specification rather than to the signer it uses.
 */
export interface ReceivedRequest {
  method: string;
  /** Path and query as received, e.g. `/admin/v1/orgs/acme/api-keys?limit=1`. */
  url: string;
  /** Lower-cased names, as Node's `IncomingMessage.headers`. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The parts of the `Authorization` header; undefined when it is not a SigV4 one. */
export function parseAuthorization(header: string | undefined) {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      header ?? "",
    );
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return { accessKeyId, date, region, service, signedHeaders: (signedHeaders ?? "").split(";"), signature };
}

/** The signature the request should carry, signed with `secretAccessKey`. */
export function expectedSignature(request: ReceivedRequest, secretAccessKey: string): string | undefined {
  const auth = parseAuthorization(String(request.headers.authorization ?? ""));
  if (!auth) return undefined;
  const url = new URL(request.url, "http://placeholder");
  const canonicalPath = url.pathname
    .split("/")
    .map((segment) => encode(decodeURIComponent(segment)))
    .join("/");
  const canonicalQuery = [...url.searchParams]
    .map(([name, value]) => [encode(name), encode(value)])
    .sort(([a = "", av = ""], [b = "", bv = ""]) => (a === b ? av.localeCompare(bv) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  const canonicalHeaders = auth.signedHeaders
    .map(
      (name) =>
        `${name}:${String(request.headers[name] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const canonicalRequest = [
    request.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    sha256Hex(request.body),
  ].join("\n");
  const amzDate = String(request.headers["x-amz-date"] ?? "");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const kDate = hmac(`AWS4${secretAccessKey}`, auth.date ?? "");
  const kRegion = hmac(kDate, auth.region ?? "");
  const kService = hmac(kRegion, auth.service ?? "");
  const kSigning = hmac(kService, "aws4_request");
  return createHmac("sha256", kSigning).update(stringToSign, "utf8").digest("hex");
}
