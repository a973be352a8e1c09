import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * The SDK client classes tests mock (aws-sdk-client-mock stubs `send` on the class's prototype). The
 * SDK defines `send` once, on smithy's `Client.prototype`; none of these prototypes has its own, so an
 * own `send` on one is a stub or wrapper a test put there. Test files share their worker's modules
 * (`isolate: false`), so a stub left in place answers the next file's calls, the local runtime's too.
 */
const CLIENTS = {
  CognitoIdentityProviderClient,
  DynamoDBClient,
  DynamoDBDocumentClient,
  SecretsManagerClient,
  SQSClient,
};

/** The classes whose prototype still holds a test's `send`. */
export function stubbedClients(): string[] {
  return Object.entries(CLIENTS)
    .filter(([, client]) => Object.hasOwn(client.prototype, "send"))
    .map(([name]) => name);
}

/**
 * Gives `client` back the SDK's own `send`, whatever is stacked on it: `AwsStub.restore()` alone leaves
 * a wrapper installed between two stubs (`reset()` stubs over whatever is there).
 */
export function unstub(client: { prototype: object }): void {
  delete (client.prototype as { send?: unknown }).send;
}
