import { CfnOutput, Stack } from "aws-cdk-lib";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ENV } from "../../contract/environment";
import { ConsoleHosting } from "./console-hosting";
import type { ConsoleUsers } from "./console-users";
import type { FynexApi } from "./fynex-api";

export interface FynexConsoleProps {
  removalPolicy: "destroy" | "retain";
  logRetention: RetentionDays;
  /** The built page (`npm run build`). */
  pageDir: string;
  users: ConsoleUsers;
  api: FynexApi;
  /** The function behind `/console/v1` (its CORS answers name the page's origin). */
  consoleFunction: LambdaFunction;
}

/**
 * The console of one environment, put together (API.md §10): the page on CloudFront, its OIDC client
 * in the user pool (callback: the page), its configuration written at deploy time, and CORS on the
 * console API for the page's origin only.
 */
export class FynexConsole extends Construct {
  readonly hosting: ConsoleHosting;

  constructor(scope: Construct, id: string, props: FynexConsoleProps) {
    super(scope, id);
    const { users, api } = props;
    const apiOrigin = `https://${api.restApi.restApiId}.execute-api.${api.restApi.env.region}.amazonaws.com`;
    this.hosting = new ConsoleHosting(this, "Hosting", {
      removalPolicy: props.removalPolicy,
      logRetention: props.logRetention,
      pageDir: props.pageDir,
      origins: { api: apiOrigin, signIn: users.connectOrigins },
    });
    const client = users.addConsoleClient(this.hosting.pageUrl);
    this.hosting.deploy({
      apiUrl: api.restApi.url,
      authority: users.authority,
      clientId: client.userPoolClientId,
      signInOrigin: users.signInOrigin,
    });
    props.consoleFunction.addEnvironment(ENV.consoleOrigin, this.hosting.origin);
    // The function takes only ID tokens issued to this client (`aud`): the authorizer does not check it.
    props.consoleFunction.addEnvironment(ENV.consoleClientId, client.userPoolClientId);
    api.allowConsoleOrigin(this.hosting.origin);

    // Stack-level outputs, so their names stay as written.
    const stack = Stack.of(this);
    new CfnOutput(stack, "ConsoleUrl", {
      value: this.hosting.pageUrl,
      description: "Settings > Integrations (sign in with an account made by `fynex-keys invite-admin`)",
    });
    new CfnOutput(stack, "ConsoleUserPoolId", {
      value: users.userPool.userPoolId,
      description: "For `fynex-keys invite-admin --user-pool-id`",
    });
  }
}
