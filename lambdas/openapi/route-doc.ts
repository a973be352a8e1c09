import * as z from "zod";

/**
 * What the OpenAPI document says of each route of the route table, from the schemas the handlers
 * validate with: one entry per `METHOD path`. The route table names the route, its auth and its scope;
 * this registry adds its input and output schemas. Only the OpenAPI Lambda (and `npm run openapi`)
 * imports it, so no business Lambda bundles the generator. A route of `ROUTES` without an entry is
 * missing from the document, and a test fails.
 */
export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Path parameters: one field per `{name}` of the path. */
  path?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (besides the key). */
  headers?: z.ZodObject;
  /** The request body by media type; `required: false` where no body means `{}`. */
  body?: { content: Record<string, z.ZodType>; required: boolean };
  success: {
    status: 200 | 201 | 204;
    description: string;
    content?: Record<string, z.ZodType>;
    headers?: z.ZodObject;
  };
  /** Statuses the route itself answers beyond those of its auth kind and its input (404, 409...). */
  errors?: number[];
}

/** A path parameter: a string, described. */
export const id = (description: string) => z.string().meta({ description });

/** The optional `Idempotency-Key` request header of the creates. */
export const idempotencyHeaders = z.object({
  "Idempotency-Key": z
    .string()
    .optional()
    .meta({ description: "1 to 255 printable ASCII characters; a retry with it never acts twice." }),
});

/** The `Location` header of a `201`. */
export const location = z.object({
  Location: z.string().meta({ description: "The path of the new resource." }),
});
