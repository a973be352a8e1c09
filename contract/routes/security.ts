import { tokenLabelSchema } from "../schemas/answers";
import { leakReportSchema } from "../schemas/secret-scanning";
import * as z from "../zod";
import { json, type Route } from "./route";

/**
 * Leak reports (API.md §8): signed by GitHub, not by a key. It reads (and revokes) keys, records
 * `key.leak_reported` and puts the key events' outbox items (API.md §11), nothing else; its config
 * item (GitHub's keys) lives in the keys table too. The handler checks the signature over the raw
 * body before it validates the body with `leakReportSchema`.
 */
export const secretScanningRoute = {
  method: "POST",
  path: "/security/v1/secret-scanning",
  handler: "lambdas/secret-scanning/secret-scanning.handler",
  auth: "none",
  publicBecause:
    "GitHub's secret scanning holds no Fynex key; each report is authenticated by GitHub's ECDSA " +
    "signature over the raw body, checked before anything is read from it (API.md §8).",
  tables: { keys: "revoke", audit: "append", data: "append" },
  operationId: "reportLeakedTokens",
  summary: "Report leaked keys (GitHub secret scanning partner format)",
  description:
    "Signed with ECDSA P-256 / SHA-256 over the raw body by a trusted key; every reported live key is revoked at once.",
  tag: "Security",
  headers: z.lazySchema(() =>
    z.object({
      "Github-Public-Key-Identifier": z.withMeta(z.string(), {
        description: "Which trusted key signed the body.",
      }),
      "Github-Public-Key-Signature": z.withMeta(z.string(), {
        description: "Base64 ECDSA signature of the raw body.",
      }),
    }),
  ),
  body: { json: leakReportSchema },
  success: {
    status: 200,
    description: "Each reported token labelled.",
    content: json(z.lazySchema(() => z.array(tokenLabelSchema))),
  },
  errors: [401],
} satisfies Route;
