import type { Locator, Page } from "playwright-core";
import type { LocalRuntime } from "../../lib/local/runtime";

/** Who signs in, and to which local runtime's console. */
export interface ConsoleSignIn {
  local: LocalRuntime;
  adminToken: string;
  orgId: string;
}

/**
 * Opens Settings > Integrations and signs in as a person does: the fields "Admin token" and
 * "Organization", then "Sign in" (API.md §10). The one way in for every browser test, so that how a
 * session is made (today a local form, later a local OpenID provider on an origin of its own whose
 * login page keeps these labels) changes here only.
 */
export async function signIn(page: Page, { local, adminToken, orgId }: ConsoleSignIn): Promise<void> {
  await page.goto(`${local.url}/settings/integrations`);
  await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByLabel("Organization").fill(orgId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "API Keys" }).waitFor();
}

/** A key's row in the table "API Keys", found by the key's name (its row header). */
export const keyRow = (page: Page, name: string): Locator =>
  page
    .getByRole("table", { name: "API Keys" })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name }) });
