import {
  ENV_KEY,
  ENV_SECRET,
  ENV_SESSION,
  type FromEnvInit,
  fromEnv,
} from "@aws-sdk/credential-provider-env";

/** What a credential provider hands the SDK's signer: `fromEnv`'s own type. */
type CredentialProvider = ReturnType<typeof fromEnv>;

/**
 * The SDK's default credential provider as the deployed bundles carry it: the deployed build
 * (lib/lambda-bundling.ts) puts this module in place of `@aws-sdk/credential-provider-node`, whose
 * `defaultProvider` is what every SDK client of this version imports from it (`credentialDefaultProvider`
 * in its runtime config). In Lambda the execution role's credentials are always in the environment
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: AWS Lambda Developer Guide,
 * "Defined runtime environment variables"), so this reads them there and nowhere else: no profile,
 * SSO, ini file, process, web identity or instance metadata, none of which a function uses and all of
 * which its bundle carried (docs/DECISIONS.md #334). The local runtime and the tests, which run the
 * TypeScript sources, keep the SDK's full chain.
 *
 * Read on every signing, not memoised: a few environment reads, and always what Lambda set.
 */
export function defaultProvider(init: FromEnvInit = {}): CredentialProvider {
  const fromLambdaEnvironment = fromEnv(init);
  return async (identityProperties) => {
    try {
      return await fromLambdaEnvironment(identityProperties);
    } catch (error) {
      throw new Error(MISSING_CREDENTIALS, { cause: error });
    }
  };
}

/** Why a deployed bundle found no credentials, and what it needs. */
export const MISSING_CREDENTIALS =
  `No AWS credentials in the environment: ${ENV_KEY} and ${ENV_SECRET} (and ${ENV_SESSION} for a ` +
  "role's temporary credentials) must be set. This bundle is built for AWS Lambda, which sets them " +
  "from the function's execution role; it reads no profile, SSO, ini file or instance metadata " +
  "(docs/DECISIONS.md #334). To run it elsewhere, export those variables.";
