import { parseArgs } from "node:util";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import {
  AdminClient,
  type AdminReply,
  type AdminRequest,
  apiErrorOf,
  bearerAuth,
  regionOfUrl,
  sigV4Auth,
} from "../lib/admin-client/admin-client";
import { invitationProblem, inviteAdmin } from "../lib/admin-client/invite-admin";
import { printFailure, printHuman as printHumanTo, printJson } from "../lib/admin-client/output";
import { terminalSafe } from "../lib/admin-client/terminal-text";

/**
 * `npx fynex-keys <command>`: the admin API (API.md §5) from a terminal or a script, against the local
 * runtime (bearer admin token) or a deployed stage (SigV4 with the standard AWS credential chain).
 * A new key is printed once, alone, on stdout, and nowhere else. The only place the CLI reads the
 * process environment.
 *
 * Exit codes: 0 done; 1 the API refused (its message on stderr) or could not be reached; 2 usage.
 */

// The SDK warns that its 2027 releases will need Node 22; the CLI runs on Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const DEFAULT_URL = "http://127.0.0.1:3000";

const HELP = `Usage: fynex-keys <command> [options]

Manage Fynex API keys through the admin API, locally or on a deployed stage.

Commands:
  create   --org <orgId> --name <name> --scope <scope>... [--expires-at <when>]
           [--rate-limit <n>] [--allowed-ip <address|cidr>...] [--idempotency-key <key>]
  list     --org <orgId> [--status active|expired|revoked] [--limit <1-100>] [--cursor <c>] [--all]
  get      --org <orgId> <keyId>
  update   --org <orgId> <keyId> [--name <name>] [--scope <scope>...]
           [--rate-limit <n>|default] [--allowed-ip <address|cidr>...|--any-ip]
  revoke   --org <orgId> <keyId>
  rotate   --org <orgId> <keyId> [--grace-period <seconds>] [--expires-at <when>]
  audit    --org <orgId> [--key <keyId>] [--limit <1-100>] [--cursor <c>] [--all]
  policy get --org <orgId>
           the org's key policy (API.md §12)
  policy set --org <orgId> [--max-lifetime-days <1-3650>|none] [--allowed-scope <scope>...|any]
           [--require-allowlist|--no-require-allowlist] [--rotate-after-days <1-3650>|none]
           changes the rules given and keeps the others as they are (it reads the policy, then
           replaces it whole: a change made by someone else in between is overwritten)
  invite-admin --org <orgId> --email <address> --user-pool-id <id> [--region <region>]
           invites a person to the console (Settings > Integrations) of a deployed stage: a Cognito
           user with custom:orgId in group key-admins, emailed a temporary password

Where the API is:
  --url <base>            the API's base URL (FYNEX_URL; default ${DEFAULT_URL})
  --admin-token <token>   the local runtime's admin token (FYNEX_ADMIN_TOKEN); sent as a bearer token
  --sigv4                 sign with SigV4 (the default for *.execute-api.<region>.amazonaws.com URLs
                          when no admin token is given); credentials from the standard AWS chain
  --region <region>       SigV4 region (AWS_REGION; default: from an execute-api URL)

Output:
  --json                  print the API's JSON answer (errors too) on stdout, for scripts
  -h, --help              this help

A created or rotated key is printed once, alone, on stdout (details go to stderr), so that
KEY=$(npx fynex-keys create ...) captures it and nothing else. Scopes may also be given comma-separated.
<when> is an ISO 8601 date-time with offset, or a date (YYYY-MM-DD, meaning 00:00:00Z).

Exit codes: 0 done, 1 the API refused the request (its message is printed) or could not be reached,
2 the command line is wrong.`;

const OPTIONS = {
  url: { type: "string" },
  "admin-token": { type: "string" },
  sigv4: { type: "boolean" },
  region: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  org: { type: "string", short: "o" },
  name: { type: "string" },
  scope: { type: "string", multiple: true },
  "expires-at": { type: "string" },
  "rate-limit": { type: "string" },
  "allowed-ip": { type: "string", multiple: true },
  "any-ip": { type: "boolean" },
  "idempotency-key": { type: "string" },
  status: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  all: { type: "boolean" },
  "grace-period": { type: "string" },
  key: { type: "string" },
  "user-pool-id": { type: "string" },
  email: { type: "string" },
  "max-lifetime-days": { type: "string" },
  "allowed-scope": { type: "string", multiple: true },
  "require-allowlist": { type: "boolean" },
  "no-require-allowlist": { type: "boolean" },
  "rotate-after-days": { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];
type OptionName = keyof typeof OPTIONS;

const GLOBAL: OptionName[] = ["url", "admin-token", "sigv4", "region", "json", "help", "org"];

/** What each command takes besides the global options, and whether it names a key. */
const COMMANDS: Record<string, { options: OptionName[]; keyId: boolean }> = {
  create: {
    options: ["name", "scope", "expires-at", "rate-limit", "allowed-ip", "idempotency-key"],
    keyId: false,
  },
  list: { options: ["status", "limit", "cursor", "all"], keyId: false },
  get: { options: [], keyId: true },
  update: { options: ["name", "scope", "rate-limit", "allowed-ip", "any-ip"], keyId: true },
  revoke: { options: [], keyId: true },
  rotate: { options: ["grace-period", "expires-at"], keyId: true },
  audit: { options: ["key", "limit", "cursor", "all"], keyId: false },
  "invite-admin": { options: ["user-pool-id", "email"], keyId: false },
};

/** `policy get|set`: the org's key policy, a subcommand where the other commands take a key id. */
const POLICY_SET_OPTIONS: OptionName[] = [
  "max-lifetime-days",
  "allowed-scope",
  "require-allowlist",
  "no-require-allowlist",
  "rotate-after-days",
];

class UsageError extends Error {}

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);
const printHuman = (command: string, body: unknown, nextCursor: string | null) =>
  printHumanTo({ out, err }, command, body, nextCursor);

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--scope a --scope b,c` → `[a, b, c]`. */
const listOf = (values: string[] | undefined) =>
  values
    ?.flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter(Boolean);

function wholeNumber(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function clientFor(values: Values): AdminClient {
  const url = values.url ?? process.env.FYNEX_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be a URL, got "${url}"`);
  }
  const token = values["admin-token"] ?? process.env.FYNEX_ADMIN_TOKEN;
  if (values.sigv4 || (!token && regionOfUrl(parsed))) {
    const region =
      values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? regionOfUrl(parsed);
    if (!region) throw new UsageError("SigV4 needs a region: give --region or set AWS_REGION");
    return new AdminClient(url, sigV4Auth(region));
  }
  if (!token) {
    throw new UsageError(
      "give the local runtime's admin token (--admin-token or FYNEX_ADMIN_TOKEN), or a deployed stage's URL (SigV4)",
    );
  }
  return new AdminClient(url, bearerAuth(token));
}

/** The request a command makes (one page of it, for `--all`). */
function requestFor(command: string, values: Values, orgId: string, keyId: string): AdminRequest {
  const keys = `/admin/v1/orgs/${encodeURIComponent(orgId)}/api-keys`;
  const key = `${keys}/${encodeURIComponent(keyId)}`;
  const scopes = listOf(values.scope);
  const allowedIps = listOf(values["allowed-ip"]);
  const rateLimit = values["rate-limit"];
  switch (command) {
    case "create":
      if (values.name === undefined) throw new UsageError("create needs --name");
      if (!scopes?.length) throw new UsageError("create needs at least one --scope");
      return {
        method: "POST",
        path: keys,
        body: {
          name: values.name,
          scopes,
          ...(values["expires-at"] === undefined ? {} : { expiresAt: values["expires-at"] }),
          ...(rateLimit === undefined ? {} : { rateLimit: { limit: wholeNumber("rate-limit", rateLimit) } }),
          ...(allowedIps === undefined ? {} : { allowedIps }),
        },
        headers:
          values["idempotency-key"] === undefined ? {} : { "Idempotency-Key": values["idempotency-key"] },
      };
    case "list":
      return {
        method: "GET",
        path: keys,
        query: { status: values.status, limit: values.limit, cursor: values.cursor },
      };
    case "get":
      return { method: "GET", path: key };
    case "update": {
      if (values["any-ip"] && allowedIps) throw new UsageError("give --allowed-ip or --any-ip, not both");
      const body: Record<string, unknown> = {};
      if (values.name !== undefined) body.name = values.name;
      if (scopes !== undefined) body.scopes = scopes;
      if (rateLimit !== undefined) {
        body.rateLimit = rateLimit === "default" ? null : { limit: wholeNumber("rate-limit", rateLimit) };
      }
      if (allowedIps !== undefined) body.allowedIps = allowedIps;
      if (values["any-ip"]) body.allowedIps = null;
      if (Object.keys(body).length === 0) {
        throw new UsageError(
          "update needs something to change: --name, --scope, --rate-limit, --allowed-ip or --any-ip",
        );
      }
      return { method: "PATCH", path: key, body };
    }
    case "revoke":
      return { method: "POST", path: `${key}/revoke` };
    case "rotate": {
      const grace = values["grace-period"];
      return {
        method: "POST",
        path: `${key}/rotate`,
        body: {
          ...(grace === undefined ? {} : { gracePeriodSeconds: wholeNumber("grace-period", grace) }),
          ...(values["expires-at"] === undefined ? {} : { expiresAt: values["expires-at"] }),
        },
      };
    }
    case "audit":
      return {
        method: "GET",
        path: `/admin/v1/orgs/${encodeURIComponent(orgId)}/audit-events`,
        query: { keyId: values.key, limit: values.limit, cursor: values.cursor },
      };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** `--max-lifetime-days 90` → 90; `none` → null; absent → undefined (unchanged). */
function daysOrNone(name: OptionName, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  return raw === "none" ? null : wholeNumber(name, raw);
}

/** The policy `set` sends: the current one with the options given applied (the API checks the ranges). */
function policyAfter(values: Values, current: Record<string, unknown>): Record<string, unknown> {
  if (values["require-allowlist"] && values["no-require-allowlist"]) {
    throw new UsageError("give --require-allowlist or --no-require-allowlist, not both");
  }
  const scopes = listOf(values["allowed-scope"]);
  const maxLifetimeDays = daysOrNone("max-lifetime-days", values["max-lifetime-days"]);
  const rotateAfterDays = daysOrNone("rotate-after-days", values["rotate-after-days"]);
  const next: Record<string, unknown> = {
    maxLifetimeDays: current.maxLifetimeDays,
    allowedScopes: current.allowedScopes,
    requireAllowlist: current.requireAllowlist,
    rotateAfterDays: current.rotateAfterDays,
  };
  if (maxLifetimeDays !== undefined) next.maxLifetimeDays = maxLifetimeDays;
  if (rotateAfterDays !== undefined) next.rotateAfterDays = rotateAfterDays;
  if (scopes !== undefined) next.allowedScopes = scopes.length === 1 && scopes[0] === "any" ? null : scopes;
  if (values["require-allowlist"]) next.requireAllowlist = true;
  if (values["no-require-allowlist"]) next.requireAllowlist = false;
  return next;
}

/** `policy get` and `policy set`: one read, and for `set` the whole policy written back. */
async function policyCommand(client: AdminClient, values: Values, orgId: string, action: string) {
  const path = `/admin/v1/orgs/${encodeURIComponent(orgId)}/key-policy`;
  const current = await send(client, { method: "GET", path });
  if (action === "get") return current;
  if (POLICY_SET_OPTIONS.every((name) => values[name] === undefined)) {
    throw new UsageError(
      "policy set needs a rule to change: --max-lifetime-days, --allowed-scope, --require-allowlist, --no-require-allowlist or --rotate-after-days",
    );
  }
  return send(client, {
    method: "PUT",
    path,
    body: policyAfter(values, current.body as Record<string, unknown>),
  });
}

/** A failed call: the API's message (and details) on stderr, the envelope on stdout with --json. */
class ApiFailure extends Error {
  constructor(readonly reply: AdminReply) {
    const error = apiErrorOf(reply.body);
    super(
      error ? `${error.message} (${reply.status} ${error.code})` : `the API answered HTTP ${reply.status}`,
    );
  }
}

async function send(client: AdminClient, request: AdminRequest): Promise<AdminReply> {
  let reply: AdminReply;
  try {
    reply = await client.request(request);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`cannot reach ${client.urlOf(request.path).origin}: ${reason}`);
  }
  if (reply.status >= 300) throw new ApiFailure(reply);
  return reply;
}

/** `invite-admin`: a person for the console of a deployed stage (Cognito; credentials from the AWS chain). */
async function invite(values: Values, orgId: string): Promise<number> {
  const invitation = { userPoolId: values["user-pool-id"] ?? "", email: values.email ?? "", orgId };
  const problem = invitationProblem(invitation);
  if (problem) throw new UsageError(`invite-admin ${problem}`);
  const region = values.region ?? process.env.AWS_REGION ?? invitation.userPoolId.split("_")[0];
  const outcome = await inviteAdmin(new CognitoIdentityProviderClient({ region }), invitation);
  if (!outcome.ok) {
    err(`fynex-keys: ${terminalSafe(outcome.message)}`);
    return 1;
  }
  err(
    outcome.created
      ? `Invited ${invitation.email} to org ${orgId}: Cognito emails a temporary password.`
      : `${invitation.email} (org ${orgId}) is in key-admins.`,
  );
  return 0;
}

/** `policy get|set --org <orgId> ...`. */
async function policyMain(values: Values, rest: string[]): Promise<number> {
  const [action, ...extra] = rest;
  if ((action !== "get" && action !== "set") || extra.length > 0) {
    throw new UsageError("policy needs get or set: policy get --org <orgId>, policy set --org <orgId> ...");
  }
  const allowed = new Set<string>([...GLOBAL, ...(action === "set" ? POLICY_SET_OPTIONS : [])]);
  const stray = Object.keys(values).filter((name) => !allowed.has(name));
  if (stray.length > 0) throw new UsageError(`policy ${action} takes no --${stray.join(", --")}`);
  if (!values.org) throw new UsageError(`policy ${action} needs --org <orgId>`);
  const client = clientFor(values);
  let reply: AdminReply;
  try {
    reply = await policyCommand(client, values, values.org, action);
  } catch (error) {
    if (error instanceof ApiFailure) {
      printFailure({ out, err }, error.reply, { json: values.json });
      return 1;
    }
    throw error;
  }
  if (values.json) printJson({ out, err }, reply.body);
  else printHuman("policy", reply.body, null);
  return 0;
}

// ----------------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === "help") {
    (command === undefined && !values.help ? err : out)(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === "policy") return policyMain(values, rest);
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command "${command}"`);
  const allowed = new Set<string>([...GLOBAL, ...spec.options]);
  const stray = Object.keys(values).filter((name) => !allowed.has(name));
  if (stray.length > 0) throw new UsageError(`${command} takes no --${stray.join(", --")}`);
  if (rest.length !== (spec.keyId ? 1 : 0)) {
    throw new UsageError(
      spec.keyId
        ? `${command} needs one key id: ${command} --org <orgId> <keyId>`
        : `${command} takes no arguments`,
    );
  }
  if (!values.org) throw new UsageError(`${command} needs --org <orgId>`);
  if (command === "invite-admin") return invite(values, values.org);

  const client = clientFor(values);
  const request = requestFor(command, values, values.org, rest[0] ?? "");
  let reply: AdminReply;
  try {
    reply = await send(client, request);
  } catch (error) {
    if (error instanceof ApiFailure) {
      printFailure({ out, err }, error.reply, { json: values.json });
      return 1;
    }
    throw error;
  }

  let body = reply.body as { items?: unknown[]; nextCursor?: string | null };
  if (values.all && (command === "list" || command === "audit")) {
    const items = [...(body.items ?? [])];
    while (body.nextCursor) {
      body = (await send(client, { ...request, query: { ...request.query, cursor: body.nextCursor } }))
        .body as typeof body;
      items.push(...(body.items ?? []));
    }
    body = { items, nextCursor: null };
  }
  if (values.json) printJson({ out, err }, body);
  else printHuman(command, body, body.nextCursor ?? null);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    err(`fynex-keys: ${error.message}\nRun "fynex-keys --help" for the commands and options.`);
    process.exitCode = 2;
  } else {
    // A failure of a later page, or a network error, may carry the API's or a server's words.
    err(`fynex-keys: ${terminalSafe((error as Error).message)}`);
    process.exitCode = 1;
  }
}
