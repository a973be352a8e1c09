import type { Page } from "playwright-core";

/**
 * The one way browser tests sign in (API.md §10): open the page, which goes straight to the local
 * OpenID provider's login page, type the admin token and the organization, press "Sign in", and wait
 * for the page to be back, signed in.
 *
 * With `consoleUrl` (`local.consoleUrl`), the helper opens the page itself, after dropping the
 * provider's session of an earlier sign-in (as a person signing in to another org would sign out
 * first: the provider would otherwise sign in again without asking, to the earlier org). Without it,
 * the caller has already opened the page and the login page is showing.
 */
export async function signIn(
  page: Page,
  options: { adminToken: string; orgId: string; consoleUrl?: string },
): Promise<void> {
  if (options.consoleUrl !== undefined) {
    await page.context().clearCookies();
    await page.goto(options.consoleUrl);
  }
  await page.getByLabel("Admin token").fill(options.adminToken);
  await page.getByLabel("Organization").fill(options.orgId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "API Keys" }).waitFor();
}
