import { randomBytes } from "node:crypto";
import { regionOfUrl } from "../../lib/admin-client/admin-client";
import { executeApiSigner, signedHeaders } from "../../lib/admin-client/sigv4";
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

/**
 * The local runtime behind a target, for tests that read its internals (its tables, its client);
 * those skip remotely, so it is there whenever they run.
 */
export function localOf(target: Target): LocalRuntime {
  if (!target.local) throw new Error("this test reads the local runtime's internals: it runs locally only");
  return target.local;
}

export function localTarget(local: LocalRuntime): Target {
  return {
    url: local.url,
    local,
    adminHeaders: async () => [["Authorization", `Bearer ${local.adminToken}`]],
  };
}

export function remoteTarget(baseUrl: string): Target {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? regionOfUrl(new URL(baseUrl));
  if (!region) throw new Error("FYNEX_BASE_URL needs AWS_REGION to sign admin calls");
  const signer = executeApiSigner(region);
  return {
    url: baseUrl,
    adminHeaders: (method, url, body) => signedHeaders(signer, method, url, body),
  };
}
