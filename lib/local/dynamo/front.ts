import type { IncomingMessage, RequestListener } from "node:http";
import type { ChangeFeed } from "./change-feed";
import { refuseInvalidReturnValues, withOldItem } from "./conditional-failure";
import { type LocalCredentials, refusal } from "./guard";
import type { Transactions } from "./transactions";
import { API, ERROR_PREFIX, type Invoke, jsonReply, type Reply } from "./wire";

export const singleWrites = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

/**
 * The endpoint's request listener: strangers refused (`guard.ts`), transactions answered here, single-item writes checked against
 * the claims, everything else handed to dynalite untouched.
 */
export function frontListener(
  invoke: Invoke,
  transactions: Transactions,
  credentials: LocalCredentials,
  changes?: ChangeFeed,
): RequestListener {
  const route = async (req: IncomingMessage, body: Buffer): Promise<Reply> => {
    const refused = refusal(req, credentials);
    if (refused) return refused;
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(`${API}.`) ? target.slice(API.length + 1) : "";
    const passThrough = () => invoke(req.headers, req.method ?? "GET", req.url ?? "/", body);
    if (req.method !== "POST") return passThrough();
    if (operation === "TransactWriteItems" || operation === "TransactGetItems") {
      return transactions.answer(operation, body);
    }
    if (!singleWrites.has(operation)) return passThrough();
    const parsed = parseJson(body);
    const invalid = refuseInvalidReturnValues(operation, parsed);
    if (invalid) return invalid;
    const release = await transactions.enterSingleWrite(operation, body);
    if (!release) {
      return jsonReply(400, {
        __type: `${ERROR_PREFIX}TransactionConflictException`,
        message: "Transaction is ongoing for the item",
      });
    }
    try {
      const write = changes ? () => changes.around(operation, parsed, passThrough) : passThrough;
      return await withOldItem(invoke, operation, parsed, await write());
    } finally {
      release();
    }
  };

  return (req, res) => {
    const chunks: Buffer[] = [];
    // A client that goes away mid-request must not bring the whole local runtime down.
    req.on("error", () => res.destroy());
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      route(req, Buffer.concat(chunks))
        .catch((err: unknown) => {
          console.error("local dynamo: request failed", err);
          return jsonReply(500, {
            __type: `${ERROR_PREFIX}InternalServerError`,
            message: "Internal server error",
          });
        })
        .then((reply) => {
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body);
        });
    });
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    // dynalite answers the SerializationException itself.
    return undefined;
  }
}
