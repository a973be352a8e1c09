import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { Runtime } from "../../contract/runtime";
import { leakReportSchema } from "../../contract/schemas/secret-scanning";
import { keyServiceDepsOf } from "../key-management/service-deps";
import { httpEnvelope } from "../shared/http/envelope";
import { HttpError, validationError } from "../shared/http/errors";
import { headerValues } from "../shared/http/headers";
import type { HttpResult } from "../shared/http/http-result";
import { mediaType, rawBody, validate } from "../shared/http/validation";
import { log } from "../shared/observability/log";
import { telemetryLogger } from "../shared/observability/telemetry";
import { runtimeFromEnvironment } from "../shared/runtime";
import { type SigningKeySource, signingKeySource, verifyReportSignature } from "./github-signing-keys";
import { handleLeakReport } from "./leak-report";

/**
 * `POST /security/v1/secret-scanning` (API.md §8): leaked-key reports from GitHub's secret scanning.
 * No API key (the reporter has none): the report is authenticated by its ECDSA signature over the raw
 * body, checked before anything else is read from it. A report that does not verify changes nothing.
 *
 * Nothing here logs the event, a header or the body: the body is full of keys. The one log line
 * counts what the report did.
 */

const KEY_ID_HEADER = "Github-Public-Key-Identifier";
const SIGNATURE_HEADER = "Github-Public-Key-Signature";

const refused = () =>
  new HttpError("unauthorized", "The report must be signed with a trusted secret-scanning key.");

/** The single value of a header; absent or repeated, the report is refused. */
function singleHeader(event: APIGatewayProxyEvent, name: string): string {
  const values = headerValues(event, name);
  if (values.length !== 1 || !values[0]) throw refused();
  return values[0];
}

async function authenticate(
  event: APIGatewayProxyEvent,
  body: Buffer,
  keys: SigningKeySource,
): Promise<void> {
  const keyId = singleHeader(event, KEY_ID_HEADER);
  const signature = singleHeader(event, SIGNATURE_HEADER);
  const pem = await keys.lookup(keyId);
  if (!pem || !verifyReportSignature(body, signature, pem)) throw refused();
}

function parseReport(event: APIGatewayProxyEvent, text: string | undefined): unknown {
  if (text === undefined) {
    throw validationError([{ path: "body", message: "A JSON array of reported tokens is required." }]);
  }
  if (mediaType(event) !== "application/json") {
    throw new HttpError("unsupported_media_type", "Send the report as application/json.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw validationError([{ path: "body", message: "The body is not valid JSON." }]);
  }
}

/**
 * The report route's handler, over the key service's dependencies (a start without the keys or audit
 * table fails, naming it) and one trusted-key source, whose cache outlives invocations.
 */
export function createHandler(runtime: Runtime) {
  telemetryLogger(runtime.settings);
  const deps = keyServiceDepsOf(runtime);
  const keys = signingKeySource({
    configured: runtime.settings.secretScanningKeys ?? {},
    store: { db: deps.db, table: deps.table },
    clock: runtime.clock,
  });
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
    .use(httpEnvelope())
    .handler(async (event): Promise<HttpResult> => {
      // 413 first: an oversized body is refused before it is hashed or verified.
      const text = rawBody(event);
      await authenticate(event, Buffer.from(text ?? "", "utf8"), keys);
      const report = validate(leakReportSchema, parseReport(event, text));
      const { labels, summary } = await handleLeakReport(deps, report);
      log("info", "secret scanning report handled", {
        requestId: event.requestContext.requestId,
        ...summary,
      });
      return { statusCode: 200, body: labels };
    });
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
