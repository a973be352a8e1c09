import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { ROUTES } from "../contract/routes";
import { buildDeployedBundles, DEPLOYED_BUILD } from "./deployed-bundles";
import { loadsOverBare } from "./function-loads";
import { round } from "./stats";

/**
 * What an integration meets after a quiet spell: six calls of a typical sync run, across four domains.
 * Each route's function is cold once (per concurrent environment).
 */
export const INTEGRATION_ROUTES = [
  "GET /api/v1/accounts",
  "POST /api/v1/accounts",
  "POST /api/v1/accounts/{accountId}/payments",
  "GET /api/v1/accounts/{accountId}/payments",
  "POST /api/v1/contacts",
  "GET /api/v1/webhooks",
] as const;

/** A business route's domain: its handler module's folder (`lambdas/accounts/…` → accounts). */
const domainOf = (handler: string) => handler.split("/")[1] ?? handler;

/**
 * One function per route (as deployed) against one per domain (every route handler of a domain in
 * one bundle): each domain bundle's bytes and load over a bare start, and the cold-start time the
 * integration above meets in each shape, the sum of the loads of the functions it wakes.
 */
export async function measureGranularity(projectRoot: string, runs: number) {
  const business = ROUTES.filter((route) => route.auth === "apiKey");
  const domains = new Map<string, string[]>();
  for (const route of business) {
    const handlers = domains.get(domainOf(route.handler)) ?? [];
    if (!handlers.includes(route.handler)) handlers.push(route.handler);
    domains.set(domainOf(route.handler), handlers);
  }
  const dir = await mkdtemp(join(tmpdir(), "fynex-domains-"));
  const entries: string[] = [];
  try {
    const files = new Map<string, string>();
    const bytes = new Map<string, number>();
    for (const [domain, handlers] of domains) {
      // In the project, so that its imports resolve as the handlers' own do.
      const entry = join(projectRoot, "bench", `.domain-${domain}.ts`);
      entries.push(entry);
      await writeFile(
        entry,
        handlers.map((handler, i) => `export { handler as h${i} } from "../${handler}";\n`).join(""),
      );
      const outfile = join(dir, `${domain}.js`);
      await build({ ...DEPLOYED_BUILD, entryPoints: [entry], outfile });
      files.set(`domain:${domain}`, outfile);
      bytes.set(domain, (await stat(outfile)).size);
    }
    const integrationHandlers = INTEGRATION_ROUTES.map((key) => {
      const route = business.find((r) => `${r.method} ${r.path}` === key);
      if (!route) throw new Error(`no route ${key}`);
      return route.handler;
    });
    const { bundles } = await buildDeployedBundles(projectRoot, [...new Set(integrationHandlers)], dir);
    for (const [handler, bundle] of bundles) files.set(handler, bundle.file);
    const { over } = await loadsOverBare(files, runs);
    const wallOf = (name: string) => over.get(name)?.wall ?? 0;
    const perRouteMs = [...new Set(integrationHandlers)].reduce((sum, handler) => sum + wallOf(handler), 0);
    const wokenDomains = [...new Set(integrationHandlers.map(domainOf))];
    const perDomainMs = wokenDomains.reduce((sum, domain) => sum + wallOf(`domain:${domain}`), 0);
    return {
      domains: [...domains].map(([domain, handlers]) => ({
        domain,
        routes: handlers.length,
        bytes: bytes.get(domain) ?? 0,
        loadOverBareMs: round(wallOf(`domain:${domain}`), 1),
      })),
      integration: {
        routes: INTEGRATION_ROUTES.length,
        perRoute: { coldStarts: new Set(integrationHandlers).size, ms: round(perRouteMs, 0) },
        perDomain: { coldStarts: wokenDomains.length, ms: round(perDomainMs, 0) },
      },
    };
  } finally {
    await Promise.all(entries.map((entry) => rm(entry, { force: true })));
    await rm(dir, { recursive: true, force: true });
  }
}
