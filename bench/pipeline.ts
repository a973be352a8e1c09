import { Agent, request } from "node:http";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as dynamodb from "@aws-sdk/client-dynamodb";
import { newId } from "../lambdas/shared/ids";
import { runConcurrently } from "./stats";

/** One DynamoDB call as the handlers sent it (marshalled input), so the floor can make it again directly. */
interface RecordedCall {
  commandName: string;
  input: Record<string, unknown>;
}

/**
 * Records every call the client sends while `recording` is on, at the build step (after the document
 * client has marshalled its input), and counts every call, and those to the keys table (the
 * authorizer's, when no admin call runs) on their own.
 */
export function instrument(client: DynamoDBClient, keysTable: string) {
  const state = { recording: false, recorded: [] as RecordedCall[], calls: 0, keysTableCalls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      state.calls++;
      if ((args.input as { TableName?: string }).TableName === keysTable) state.keysTableCalls++;
      if (state.recording) {
        state.recorded.push({
          commandName: context.commandName as string,
          input: structuredClone(args.input) as Record<string, unknown>,
        });
      }
      return next(args);
    },
    { step: "build", name: "benchRecorder" },
  );
  return state;
}

/**
 * A replayed write must do the work the request did, not meet the first one's condition and stop:
 * every new resource id in it (payment, interaction, outbox event…) is swapped for a fresh one of the
 * same shape, consistently within one replay. Account ids stay (the account exists and is updated),
 * unless the caller maps them (`substitute`) to spread the replays as the requests were spread.
 */
function freshIds(swapped = new Map<string, string>()) {
  return (input: Record<string, unknown>): Record<string, unknown> =>
    JSON.parse(
      JSON.stringify(input).replace(/\b([a-z]{2,4})_[0-9A-HJKMNP-TV-Z]{26}\b/g, (id, prefix: string) => {
        const replacement = swapped.get(id) ?? (prefix === "acc" ? id : newId(prefix, Date.now()));
        swapped.set(id, replacement);
        return replacement;
      }),
    );
}

/** Rounds the measured requests are split into, pipeline and floor taking turns. */
const ROUNDS = 6;

export interface HttpCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A keep-alive HTTP client at a fixed concurrency, as an integration would run it. */
export function httpClient(baseUrl: string, concurrency: number) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (call: HttpCall) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: call.method,
          path: call.path,
          headers: call.headers,
          agent,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(call.body);
    });
  return { send, close: () => agent.destroy() };
}

/**
 * The full local request path (HTTP front → authorizer → middy chain → handler → dynalite) against its
 * floor: the very DynamoDB calls one request made, replayed directly by a client in this process,
 * against the same dynalite, at the same concurrency, as many times.
 */
export async function measurePipeline(options: {
  baseUrl: string;
  client: DynamoDBClient;
  recorder: ReturnType<typeof instrument>;
  call: (i: number) => HttpCall;
  expectStatus: number;
  /** Ids of the recorded request (made as `call(-1)`) to replace in replay `i`, as `call(i)` differs from it. */
  substitute?: (i: number) => Record<string, string>;
  total: number;
  concurrency: number;
}) {
  const http = httpClient(options.baseUrl, options.concurrency);
  try {
    // Record what one request sends, then warm both paths up.
    options.recorder.recording = true;
    options.recorder.recorded = [];
    const status = await http.send(options.call(-1));
    options.recorder.recording = false;
    if (status !== options.expectStatus)
      throw new Error(`warm-up answered ${status}, expected ${options.expectStatus}`);
    const calls = options.recorder.recorded;
    const replay = async (i: number) => {
      const fresh = freshIds(new Map(Object.entries(options.substitute?.(i) ?? {})));
      for (const recorded of calls) {
        const Command = (
          dynamodb as unknown as Record<string, new (input: unknown) => dynamodb.UpdateItemCommand>
        )[recorded.commandName];
        if (!Command) throw new Error(`cannot replay ${recorded.commandName}`);
        try {
          await options.client.send(new Command(fresh(recorded.input)));
        } catch (error) {
          // A replayed conditional write may fail its condition (an idempotency record already there):
          // the round trip happened all the same, which is what the floor measures.
          if (!(error instanceof dynamodb.DynamoDBServiceException)) throw error;
        }
      }
    };
    await runConcurrently(200, options.concurrency, async (i) => {
      await http.send(options.call(i));
    });
    await runConcurrently(200, options.concurrency, replay);

    // Interleaved rounds: the store grows as both sides write, and the machine's load drifts; whichever
    // side ran second would otherwise pay for it.
    let failures = 0;
    let pipelineMs = 0;
    let floorMs = 0;
    const perRound = Math.ceil(options.total / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      const offset = round * perRound;
      pipelineMs += await runConcurrently(perRound, options.concurrency, async (i) => {
        if ((await http.send(options.call(offset + i))) !== options.expectStatus) failures++;
      });
      floorMs += await runConcurrently(perRound, options.concurrency, (i) => replay(offset + i));
    }
    if (failures > 0) throw new Error(`${failures} requests did not answer ${options.expectStatus}`);
    return {
      callsPerRequest: calls.length,
      calls: calls.map((call) => call.commandName),
      pipelineMs,
      floorMs,
      overFloor: pipelineMs / floorMs,
      requestsPerSecond: (options.total / pipelineMs) * 1000,
    };
  } finally {
    http.close();
  }
}
