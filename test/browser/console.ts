import type { BrowserContext, Locator, Page } from "playwright-core";
import type { LocalRuntime } from "../../lib/local/runtime";

/** Who signs in, and to which local runtime's console. */
export interface ConsoleSignIn {
  local: LocalRuntime;
  adminToken: string;
  orgId: string;
}

/**
 * Opens Settings > Integrations and signs in as a person does (API.md §10): the page, on its own
 * origin, leads straight to the local OpenID provider's login page on another; there the fields
 * "Admin token" and "Organization", then "Sign in"; back on the page, signed in. The one way in for
 * every browser test. The provider's session of an earlier sign-in is dropped first, as a person
 * signing in to another org signs out first: the provider would otherwise sign in again without
 * asking, to the earlier org.
 */
export async function signIn(page: Page, { local, adminToken, orgId }: ConsoleSignIn): Promise<void> {
  await page.context().clearCookies();
  await page.goto(local.consoleUrl);
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByLabel("Organization").fill(orgId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "API Keys" }).waitFor();
}

/** A new page in `context`, at `viewport`, signed in as `who` (`signIn`); the test closes it. */
export async function openSignedIn(
  context: BrowserContext,
  who: ConsoleSignIn,
  viewport = { width: 1280, height: 900 },
): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await signIn(page, who);
  return page;
}

/** A key's row in the table "API Keys", found by the key's name (its row header). */
export const keyRow = (page: Page, name: string): Locator =>
  page
    .getByRole("table", { name: "API Keys" })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name }) });

/** A full key (API.md §1). Tests assert on whether text matches it, never on the text: a failure must not print it. */
export const FULL_KEY = /fynex_k_[0-9A-Za-z]{49}/;
