import { healthSchema } from "../schemas/answers";
import * as z from "../zod";
import { json, type Route } from "./route";

/** `GET /health`: a liveness probe. */
export const healthRoute = {
  method: "GET",
  path: "/health",
  handler: "lambdas/health/health.handler",
  auth: "none",
  publicBecause: "a liveness probe for uptime checks; it answers a fixed status and touches no data.",
  operationId: "getHealth",
  summary: "Says the API answers",
  tag: "Meta",
  success: { status: 200, description: "The API answers.", content: json(healthSchema) },
} satisfies Route;

/** `GET /api/v1/openapi.json`: public and not counted (API.md §7): no authorizer in front of it. */
export const openApiRoute = {
  method: "GET",
  path: "/api/v1/openapi.json",
  handler: "lambdas/openapi/openapi.handler",
  auth: "none",
  publicBecause: "the API's published OpenAPI document (API.md §7), the same for everyone; no data.",
  operationId: "getOpenApiDocument",
  summary: "This document",
  description: "Public and not counted: no key needed.",
  tag: "Meta",
  success: {
    status: 200,
    description: "The OpenAPI 3.1 document of the API.",
    content: json(z.lazySchema(() => z.record(z.string(), z.unknown()))),
  },
} satisfies Route;
