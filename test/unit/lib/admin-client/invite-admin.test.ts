import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { allCustomMatcherWithAliases } from "aws-sdk-client-mock-vitest";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { invitationProblem, inviteAdmin } from "../../../../lib/admin-client/invite-admin";

expect.extend(allCustomMatcherWithAliases);

/** `fynex-keys invite-admin`: a Cognito user with its org, in key-admins (API.md §10). */
const cognito = mockClient(CognitoIdentityProviderClient);
const client = () =>
  new CognitoIdentityProviderClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
const invitation = { userPoolId: "eu-west-1_AbCdEf123", email: "ada@example.com", orgId: "acme" };

afterEach(() => cognito.reset());
afterAll(() => cognito.restore());

describe("invite-admin", () => {
  it("creates the person with custom:orgId and puts them in key-admins", async () => {
    // Prepare
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: "7c1e5b2a-sub" } });
    cognito.on(AdminAddUserToGroupCommand).resolves({});

    // Act
    const outcome = await inviteAdmin(client(), invitation);

    // Assess
    expect(outcome).toEqual({ ok: true, username: "7c1e5b2a-sub", created: true });
    expect(cognito).toHaveReceivedCommandWith(AdminCreateUserCommand, {
      UserPoolId: invitation.userPoolId,
      Username: "ada@example.com",
      UserAttributes: [
        { Name: "email", Value: "ada@example.com" },
        { Name: "email_verified", Value: "true" },
        { Name: "custom:orgId", Value: "acme" },
      ],
      DesiredDeliveryMediums: ["EMAIL"],
    });
    expect(cognito).toHaveReceivedCommandWith(AdminAddUserToGroupCommand, {
      UserPoolId: invitation.userPoolId,
      Username: "7c1e5b2a-sub",
      GroupName: "key-admins",
    });
  });

  it("re-adds an existing person of the same org to the group, and refuses one of another org", async () => {
    // Prepare
    cognito
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: "exists", $metadata: {} }));
    cognito.on(AdminGetUserCommand).resolves({
      Username: "7c1e5b2a-sub",
      UserAttributes: [{ Name: "custom:orgId", Value: "acme" }],
    });
    cognito.on(AdminAddUserToGroupCommand).resolves({});

    // Act
    const same = await inviteAdmin(client(), invitation);
    const other = await inviteAdmin(client(), { ...invitation, orgId: "globex" });

    // Assess
    expect(same).toEqual({ ok: true, username: "7c1e5b2a-sub", created: false });
    expect(other).toMatchObject({ ok: false, reason: "other_org" });
    expect(cognito).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 1);
  });

  it("names what is missing before calling Cognito", () => {
    expect(invitationProblem({ ...invitation, userPoolId: "" })).toMatch(/--user-pool-id/);
    expect(invitationProblem({ ...invitation, email: "ada" })).toMatch(/--email/);
    expect(invitationProblem({ ...invitation, orgId: "a/b" })).toMatch(/--org/);
    expect(invitationProblem(invitation)).toBeUndefined();
  });
});
