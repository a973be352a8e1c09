import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { runtime } from "../runtime";

const clients = new WeakMap<DynamoDBClient, DynamoDBDocumentClient>();

/** The document client over the runtime's DynamoDB client, made once per client. */
export function documentClient(): DynamoDBDocumentClient {
  const { dynamo } = runtime();
  let client = clients.get(dynamo);
  if (!client) {
    client = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    clients.set(dynamo, client);
  }
  return client;
}
