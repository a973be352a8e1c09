import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";
import { KEY_ADMINS_GROUP, ORG_ID_CLAIM } from "../../contract/console";

/** Who to invite to an environment's console (API.md §10). */
export interface Invitation {
  userPoolId: string;
  email: string;
  orgId: string;
}

export type InviteOutcome =
  | { ok: true; username: string; created: boolean }
  | { ok: false; reason: "other_org"; message: string };

const ORG_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with an invitation's fields, or undefined. */
export function invitationProblem(invitation: Invitation): string | undefined {
  if (!invitation.userPoolId) return "needs --user-pool-id (the stack's ConsoleUserPoolId output)";
  if (!EMAIL.test(invitation.email)) return "needs --email <address>";
  if (!ORG_ID.test(invitation.orgId)) return "needs --org <orgId> (1 to 64 of A-Za-z0-9_-)";
  return undefined;
}

/**
 * Creates the person in the user pool with their org (`custom:orgId`, immutable) and puts them in
 * `key-admins`. Cognito emails them a temporary password; they set their own and an authenticator at
 * first sign-in. Inviting someone again re-adds the group (harmless); someone of another org is
 * refused: an org is set once.
 */
export async function inviteAdmin(
  cognito: CognitoIdentityProviderClient,
  invitation: Invitation,
): Promise<InviteOutcome> {
  let created = true;
  let username = invitation.email;
  try {
    const reply = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: invitation.userPoolId,
        Username: invitation.email,
        UserAttributes: [
          { Name: "email", Value: invitation.email },
          { Name: "email_verified", Value: "true" },
          { Name: ORG_ID_CLAIM, Value: invitation.orgId },
        ],
        DesiredDeliveryMediums: ["EMAIL"],
      }),
    );
    username = reply.User?.Username ?? username;
  } catch (error) {
    if (!(error instanceof UsernameExistsException)) throw error;
    created = false;
    const existing = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: invitation.userPoolId, Username: invitation.email }),
    );
    const org = existing.UserAttributes?.find((attribute) => attribute.Name === ORG_ID_CLAIM)?.Value;
    if (org !== invitation.orgId) {
      return {
        ok: false,
        reason: "other_org",
        message: `${invitation.email} already belongs to ${org ? `org ${org}` : "no org"}; an org is set once.`,
      };
    }
    username = existing.Username ?? username;
  }
  await cognito.send(
    new AdminAddUserToGroupCommand({
      UserPoolId: invitation.userPoolId,
      Username: username,
      GroupName: KEY_ADMINS_GROUP,
    }),
  );
  return { ok: true, username, created };
}
