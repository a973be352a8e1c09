import type { Page } from "playwright-core";

/**
 * The one way browser tests sign in (API.md §10): open the page, which goes straight to the local
 * OpenID provider's login page, type the admin token and the organization, press "Sign in", and wait
 * for the page to be back, signed in. The provider's own session of an earlier sign-in is dropped
 * first, as a person signing in to another org would sign out first: it would otherwise sign in again
 * without asking, to the earlier org.
 */
export async function signIn(
  page: Page,
  options: { consoleUrl: string; adminToken: string; orgId: string },
): Promise<void> {
  await page.context().clearCookies();
  await page.goto(options.consoleUrl);
  await page.getByLabel("Admin token").fill(options.adminToken);
  await page.getByLabel("Organization").fill(options.orgId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "API Keys" }).waitFor();
}
