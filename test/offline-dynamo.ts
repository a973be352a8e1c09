import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * A DynamoDB client that never reaches a network, for a test runtime: a region and made-up
 * credentials, so nothing looks for a profile; every test mocks the sends it expects
 * (aws-sdk-client-mock), and one it does not expect fails instead of leaving the machine.
 */
export const offlineDynamo = () =>
  new DynamoDBClient({ region: "eu-west-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
