import type { IncomingMessage, ServerResponse } from "node:http";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { beforeAll, describe, expect, it } from "vitest";
import type { ConsoleOrigins } from "../../contract/console-headers";
import { ConsoleHosting } from "../../lib/constructs/console-hosting";
import { consolePage } from "../../lib/local/console-page";
import { buildPage, DIST } from "../../web/build";
import { PROJECT_ROOT } from "../integration/harness";

/**
 * One definition of the page's headers (API.md §10): CloudFront's response headers policy and the local
 * page server, built from the same inputs (the API's origin, the sign-in origins), send the same
 * security headers and the same Cache-Control per file.
 */

const ORIGINS: ConsoleOrigins = {
  api: "https://abc123.execute-api.eu-west-1.amazonaws.com",
  signIn: [
    "https://cognito-idp.eu-west-1.amazonaws.com",
    "https://fynex-dev.auth.eu-west-1.amazoncognito.com",
  ],
};
let built: { script: string; style: string };

beforeAll(async () => {
  built = await buildPage();
});

/** The headers CloudFront adds for a security headers policy, as AWS documents each setting. */
// biome-ignore lint/suspicious/noExplicitAny: template properties are read field by field
function cloudFrontHeaders(security: Record<string, any>): Record<string, string> {
  const hsts = security.StrictTransportSecurity;
  return {
    "Content-Security-Policy": security.ContentSecurityPolicy.ContentSecurityPolicy,
    "Strict-Transport-Security": `max-age=${hsts.AccessControlMaxAgeSec}${hsts.IncludeSubdomains ? "; includeSubDomains" : ""}${hsts.Preload ? "; preload" : ""}`,
    "X-Frame-Options": security.FrameOptions.FrameOption,
    ...(security.ContentTypeOptions ? { "X-Content-Type-Options": "nosniff" } : {}),
    "Referrer-Policy": security.ReferrerPolicy.ReferrerPolicy,
  };
}

/** What the local page server answers for `path` (its handler, without a socket). */
async function localAnswer(path: string): Promise<Record<string, string>> {
  const handle = consolePage({
    projectRoot: PROJECT_ROOT,
    origins: ORIGINS,
    config: { apiUrl: `${ORIGINS.api}/`, authority: "x", clientId: "x", signInOrigin: "x" },
  });
  let headers: Record<string, string> = {};
  const res = {
    writeHead: (_status: number, written: Record<string, string>) => {
      headers = written;
    },
    end: () => undefined,
  } as unknown as ServerResponse;
  await handle({ method: "GET", url: path } as IncomingMessage, res);
  return headers;
}

describe("the page's headers, deployed and local", () => {
  it("are the same security headers, from the same origins", async () => {
    const stack = new Stack(new App(), "Headers");
    new ConsoleHosting(stack, "Hosting", {
      removalPolicy: "destroy",
      logRetention: RetentionDays.ONE_WEEK,
      pageDir: DIST,
      origins: ORIGINS,
    });
    const policy = Object.values(
      Template.fromStack(stack).findResources("AWS::CloudFront::ResponseHeadersPolicy"),
    )[0];
    const deployed = cloudFrontHeaders(policy?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig);
    const local = await localAnswer("/settings/integrations");
    for (const [name, value] of Object.entries(deployed)) expect(local[name], name).toBe(value);
    expect(Object.keys(deployed)).toHaveLength(5);
    expect(deployed["Content-Security-Policy"]).toContain(
      `connect-src 'self' ${ORIGINS.api} ${ORIGINS.signIn.join(" ")}`,
    );
  });

  it("cache hashed files for a year, revalidate the HTML and never store config.json, locally", async () => {
    expect(built.script).toMatch(/^app-[A-Z0-9]{8}\.js$/);
    expect(built.style).toMatch(/^app-style-[A-Z0-9]{8}\.css$/);
    expect((await localAnswer(`/settings/integrations/${built.script}`))["Cache-Control"]).toBe(
      "public, max-age=31536000, immutable",
    );
    expect((await localAnswer(`/settings/integrations/${built.style}`))["Cache-Control"]).toBe(
      "public, max-age=31536000, immutable",
    );
    expect((await localAnswer("/settings/integrations"))["Cache-Control"]).toBe("no-cache");
    expect((await localAnswer("/settings/integrations/config.json"))["Cache-Control"]).toBe("no-store");
    // The fixed name of before is gone: nothing would ever tell a browser it changed.
    expect((await localAnswer("/settings/integrations/app.js"))["Cache-Control"]).toBeUndefined();
  });
});
