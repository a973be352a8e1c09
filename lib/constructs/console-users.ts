import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  type CfnUserPoolClient,
  ClientAttributes,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { KEY_ADMINS_GROUP, ORG_ID_ATTRIBUTE } from "../../contract/console";

/** The only flow the page's client allows besides managed login. */
export const CONSOLE_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH"] as const;

export interface ConsoleUsersProps {
  envName: string;
  removalPolicy: "destroy" | "retain";
}

/**
 * The people who may use the console of one environment (API.md §10): a Cognito user pool with no
 * self sign-up (admins are invited: `fynex-keys invite-admin`), each user carrying an immutable
 * `custom:orgId` and, to manage keys, membership of `key-admins`; managed login on a Cognito prefix
 * domain. The page's app client (authorization code with PKCE, no secret) is added once the page's
 * address is known (`addConsoleClient`).
 */
export class ConsoleUsers extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: ConsoleUsersProps) {
    super(scope, id);
    this.userPool = new UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // Set once, by whoever invites the person; the token's org is the only org the console serves.
      customAttributes: {
        [ORG_ID_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
      },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // People who can mint keys for an org sign in with a second factor.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: props.removalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.userPool.addGroup("KeyAdmins", {
      groupName: KEY_ADMINS_GROUP,
      description: "May create, edit, rotate and revoke their organization's API keys in the console.",
    });
    this.domain = this.userPool.addDomain("Domain", {
      // Prefix domains are global per region: the account keeps two deployments of one env apart.
      cognitoDomain: { domainPrefix: `fynex-${props.envName}-${Stack.of(this).account}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
  }

  /**
   * The page's OIDC client: authorization code with PKCE through managed login only, no secret (a
   * page cannot keep one). Nothing is left to Cognito's defaults where a default is permissive.
   */
  addConsoleClient(pageUrl: string): UserPoolClient {
    const client = this.userPool.addClient("ConsoleClient", {
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        // Not `aws.cognito.signin.user.admin`: a token with it lets its holder change their own
        // attributes and settings through Cognito's API.
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [pageUrl],
        logoutUrls: [pageUrl],
      },
      preventUserExistenceErrors: true,
      // Someone removed from key-admins keeps their power until their ID token expires: 15 minutes
      // (Cognito's floor is 5). The refresh token gets the person a new one meanwhile.
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ORG_ID_ATTRIBUTE),
      // A person may not move themselves to another org nor change the email the audit trail records.
      // The list may not be empty: `[]` counts as unset, and Cognito then lets the client write every
      // standard attribute (aws-cdk#30608). One harmless attribute keeps it explicit.
      writeAttributes: new ClientAttributes().withStandardAttributes({ timezone: true }),
    });
    // `authFlows: {}` leaves ExplicitAuthFlows out, which Cognito takes as allowing SRP and custom
    // auth: anyone holding the public client id could then sign in outside managed login. Only
    // refresh is allowed; managed login's own flows do not need an entry here.
    (client.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = [...CONSOLE_AUTH_FLOWS];
    // Managed login pages are served for a client once it has a style; Cognito's own is enough.
    new CfnManagedLoginBranding(this, "ConsoleLoginStyle", {
      userPoolId: this.userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    return client;
  }

  /** The issuer oidc-client-ts reads the discovery document from. */
  get authority(): string {
    return `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
  }

  /** The managed login domain (authorize, token and logout endpoints). */
  get signInOrigin(): string {
    return this.domain.baseUrl();
  }

  /** Both origins the page talks to for sign-in (its Content-Security-Policy's `connect-src`). */
  get connectOrigins(): string[] {
    return [`https://cognito-idp.${Stack.of(this).region}.amazonaws.com`, this.signInOrigin];
  }
}
