import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalRuntime } from "../lib/local/runtime";

/**
 * `npx tsx bench/webhook-latency.ts`: how long a webhook takes, locally, from the commit of the write
 * that raised it to its arrival at a receiver on this machine (API.md §9). A benchmark, not a test.
 *
 * The commit is taken as the moment the handler's `TransactWriteItems` call returned (a middleware on
 * the handlers' DynamoDB client; the commit itself is a fraction of a millisecond earlier). Also shown:
 * from the request's answer and from its start. Events are sent one at a time, each after the
 * previous one arrived, so no delivery queues behind another.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const EVENTS = Number(process.env.EVENTS ?? 25);
const WARMUP = 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ] as number;

async function main() {
  let arrived: (at: number) => void = () => undefined;
  const receiver = createServer((req, res) => {
    const at = performance.now();
    req.resume();
    req.on("end", () => {
      res.writeHead(204).end();
      arrived(at);
    });
  });
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const local = await startLocalRuntime({ projectRoot: ROOT, port: 0, webhooksAllowLoopback: true });
  let committedAt = 0;
  local.deps.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "TransactWriteItemsCommand") committedAt = performance.now();
      return result;
    },
    { step: "initialize", name: "benchCommitTime" },
  );
  const post = async (path: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${local.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    const { key } = (await post(
      "/admin/v1/orgs/bench/api-keys",
      { name: "bench", scopes: ["accounts:write", "webhooks:manage"], rateLimit: { limit: 10_000 } },
      { Authorization: `Bearer ${local.adminToken}` },
    )) as { key: string };
    await post("/api/v1/webhooks", { url: receiverUrl, events: ["account.created"] }, { "X-API-Key": key });

    const fromCommit: number[] = [];
    const fromAnswer: number[] = [];
    const fromStart: number[] = [];
    for (let i = 0; i < WARMUP + EVENTS; i++) {
      const received = new Promise<number>((done) => (arrived = done));
      const started = performance.now();
      await post("/api/v1/accounts", { name: `Bench ${i}`, currency: "EUR" }, { "X-API-Key": key });
      const answered = performance.now();
      const at = await received;
      if (i < WARMUP) continue;
      fromCommit.push(at - committedAt);
      fromAnswer.push(at - answered);
      fromStart.push(at - started);
    }
    const round = (ms: number) => Math.round(ms * 10) / 10;
    const summary = (values: number[]) => ({
      median: round(median(values)),
      p90: round(percentile(values, 90)),
    });
    const result = {
      events: EVENTS,
      commitToReceiptMs: summary(fromCommit),
      answerToReceiptMs: summary(fromAnswer),
      requestStartToReceiptMs: summary(fromStart),
    };
    console.log(
      `webhook delivery, commit to receipt (local, ${EVENTS} events, one at a time): median ` +
        `${result.commitToReceiptMs.median} ms, p90 ${result.commitToReceiptMs.p90} ms ` +
        `(from the API's answer: median ${result.answerToReceiptMs.median} ms; from the request's start: ` +
        `median ${result.requestStartToReceiptMs.median} ms)`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await local.close();
    receiver.closeAllConnections();
    receiver.close();
  }
}

await main();
