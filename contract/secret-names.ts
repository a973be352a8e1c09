/**
 * Names of the Secrets Manager hook's key copies (API.md §5). Pure: the stack scopes its IAM policy
 * to the same prefix the management Lambda writes under.
 */

/** Every copy of one environment lives under this prefix. */
export const secretNamePrefix = (envName: string) => `fynex/${envName}/api-keys/`;

/** `fynex/<env>/api-keys/<orgId>/<keyId>`. */
export const secretName = (envName: string, ref: { orgId: string; keyId: string }) =>
  `${secretNamePrefix(envName)}${ref.orgId}/${ref.keyId}`;
