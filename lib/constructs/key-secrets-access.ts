import { ArnFormat, Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { ENV } from "../../contract/environment";
import { secretNamePrefix } from "../../contract/secret-names";
import type { FynexFunction } from "./fynex-function";

export interface KeySecretsAccess {
  envName: string;
  /** Writes copies of created and rotated keys (the management function); otherwise it only deletes. */
  create: boolean;
}

/**
 * Turns the Secrets Manager hook (API.md §5) on for a function: it learns the environment's name and
 * that the hook is on, and may touch secrets under `fynex/<env>/api-keys/*` only. Creating a tagged
 * secret needs `TagResource` beside `CreateSecret`; removing a copy (a revoked key's, or a key that was
 * never created) needs `DeleteSecret`. Nothing reads a copy back: `GetSecretValue` is never granted.
 */
export function grantKeySecrets(fn: FynexFunction, access: KeySecretsAccess): void {
  const prefixArn = Stack.of(fn).formatArn({
    service: "secretsmanager",
    resource: "secret",
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    // Secrets Manager appends `-` and 6 random characters to a secret's name in its ARN.
    resourceName: `${secretNamePrefix(access.envName)}*`,
  });
  const actions = access.create
    ? ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"]
    : ["secretsmanager:DeleteSecret"];
  fn.addToRolePolicy(new PolicyStatement({ actions, resources: [prefixArn] }));
  fn.addEnvironment(ENV.envName, access.envName);
  fn.addEnvironment(ENV.secretsManagerHook, "1");
}
