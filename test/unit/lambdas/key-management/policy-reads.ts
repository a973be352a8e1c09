import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { KeyPolicyBody } from "../../../../contract/api-types";
import { KEY_POLICY_PK_PREFIX } from "../../../../contract/tables";

/**
 * Every verb that makes or changes a key reads its org's key policy first (API.md §12). The verb
 * tests mock the document client by command, and most answer every `GetCommand` with a key: here the
 * policy's read is answered before it reaches the mock, with the policy a test gives (`givenPolicy`),
 * or none set (the defaults). Those reads are not among the mock's calls, so tests about keys count
 * their own reads as before; `policyReadsToMock(true)` hands them to the mock (the policy store's own
 * tests). Installed right after `mockClient`, and again after each `reset()`.
 */

let policy: (KeyPolicyBody & { version: number }) | undefined;
let toMock = false;

/** The org's stored policy for the next verb calls (any org); none, with no argument. */
export function givenPolicy(rules?: KeyPolicyBody, version = 1): void {
  policy = rules === undefined ? undefined : { ...rules, version };
}

/** Whether the policy's reads go to the mocked client like any other call. */
export function policyReadsToMock(on: boolean): void {
  toMock = on;
}

/**
 * Between tests, after the mock's `reset()` (which stubs `send` anew, over this): no policy set, the
 * reads answered here again.
 */
export function resetPolicyReads(): void {
  policy = undefined;
  toMock = false;
  answerPolicyReads();
}

const isPolicyRead = (command: unknown) =>
  command instanceof GetCommand &&
  typeof command.input.Key?.pk === "string" &&
  command.input.Key.pk.startsWith(KEY_POLICY_PK_PREFIX);

/** Answers the policy's reads in front of the mocked `send` (call once, after `mockClient`). */
export function answerPolicyReads(): void {
  const proto = DynamoDBDocumentClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const mocked = proto.send;
  proto.send = function send(this: unknown, command: unknown, ...rest: unknown[]) {
    if (!toMock && isPolicyRead(command)) {
      const pk = (command as GetCommand).input.Key?.pk;
      return Promise.resolve(
        policy === undefined
          ? {}
          : { Item: { pk, ...policy, updatedAt: "2025-06-01T00:00:00.000Z", updatedBy: "someone" } },
      );
    }
    return mocked.call(this, command, ...rest);
  };
}
