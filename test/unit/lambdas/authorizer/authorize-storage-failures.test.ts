import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionConflictException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { authorize } from "../../../../lambdas/authorizer/authorize";
import { offlineDynamo } from "../../../offline-dynamo";
import {
  conditionFailed,
  ddb,
  handler,
  KEY,
  keyItem,
  keyRequest,
  NOW,
  PREVIOUS_WINDOW_START,
  rejectionOf,
  updateInputs,
  useMockedKeysTable,
  WINDOW,
  WINDOW_START,
} from "./support";

useMockedKeysTable();

/**
 * DynamoDB failing under the authorizer (throttled, timed out, erring, or in an admin transaction on
 * the key) is an authorizer failure (API Gateway's 503), never an Allow and never a 401.
 */
describe("authorizer: storage failures fail closed", () => {
  const failures: Array<[string, () => Error]> = [
    [
      "ProvisionedThroughputExceededException",
      () =>
        new ProvisionedThroughputExceededException({
          message: "The level of configured provisioned throughput for the table was exceeded.",
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      "ThrottlingException",
      () =>
        new ThrottlingException({
          message: "Rate of requests exceeds the allowed throughput.",
          $metadata: {},
        }),
    ],
    [
      "TimeoutError",
      () => Object.assign(new Error("Connection timed out after 1000 ms"), { name: "TimeoutError" }),
    ],
    [
      "InternalServerError",
      () => new InternalServerError({ message: "Internal server error", $metadata: { httpStatusCode: 500 } }),
    ],
  ];

  it.each(failures)(
    "turns %s on the first call into an authorizer failure, never an Allow",
    async (_name, fail) => {
      // Prepare
      ddb.on(UpdateItemCommand).rejects(fail());

      // Act
      const error = await rejectionOf(handler(keyRequest()));

      // Assess
      expect(error.message).not.toBe("Unauthorized");
    },
  );

  it.each(failures)(
    "turns %s during a rollover into an authorizer failure, never an Allow",
    async (_name, fail) => {
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
        .rejectsOnce(fail());

      const error = await rejectionOf(handler(keyRequest()));

      expect(error.message).not.toBe("Unauthorized");
    },
  );

  describe("an update that meets an admin transaction on the key", () => {
    const conflict = () =>
      new TransactionConflictException({ message: "Transaction is ongoing for the item", $metadata: {} });
    const pauses: number[] = [];
    const deps = () => ({
      dynamo: offlineDynamo(),
      table: "keys",
      clock: () => NOW,
      rateLimit: 100,
      rateWindowSeconds: WINDOW,
      pause: async (ms: number) => {
        pauses.push(ms);
      },
    });

    it("is tried again a few milliseconds later (nothing was counted), and allowed", async () => {
      pauses.length = 0;
      ddb.on(UpdateItemCommand).rejectsOnce(conflict()).resolves({ Attributes: keyItem() });

      const decision = await authorize(deps(), KEY);

      expect(decision).toMatchObject({ allow: true, context: { remaining: 58 } });
      expect(updateInputs()).toHaveLength(2);
      expect(pauses).toEqual([15]);
    });

    it("fails closed when the conflict outlasts three attempts", async () => {
      pauses.length = 0;
      ddb.on(UpdateItemCommand).rejects(conflict());

      await expect(authorize(deps(), KEY)).rejects.toThrow("Transaction is ongoing");
      expect(updateInputs()).toHaveLength(3);
      expect(pauses).toEqual([15, 30]);
    });
  });

  it("turns a failure on the third call into an authorizer failure, never an Allow", async () => {
    ddb
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(PREVIOUS_WINDOW_START) } })))
      .rejectsOnce(conditionFailed(keyItem({ windowStart: { N: String(WINDOW_START) } })))
      .rejectsOnce(new InternalServerError({ message: "Internal server error", $metadata: {} }));

    const error = await rejectionOf(handler(keyRequest()));

    expect(error.message).not.toBe("Unauthorized");
  });
});
