import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { oas31 } from "zod-openapi";
import * as z from "../../contract/zod";
import { httpEnvelope } from "../shared/http/envelope";
import type { HttpResult } from "../shared/http/http-result";
import { parseQuery } from "../shared/http/validation";
import { buildOpenApiDocument } from "./document";

/** Built once per cold start: the document is the same for every request. */
let document: oas31.OpenAPIObject | undefined;

/**
 * `GET /api/v1/openapi.json`: the OpenAPI document, public (no key, no authorizer, so never counted).
 * The only Lambda that bundles the generator and the whole route table.
 */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult | HttpResult>()
  .use(httpEnvelope())
  .handler(async (event): Promise<HttpResult> => {
    parseQuery(event, z.strictObject({}));
    document ??= buildOpenApiDocument();
    return { statusCode: 200, body: document, headers: { "Cache-Control": "public, max-age=300" } };
  });
