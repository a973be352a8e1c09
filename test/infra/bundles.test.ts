import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { App, Stack } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_BUDGET_BYTES, buildDeployedBundles, DEPLOYED_BUILD } from "../../bench/deployed-bundles";
import { deployedFunctions as benchedFunctions, LOAD_ENV } from "../../bench/function-loads";
import { handlerModules, ROUTES } from "../../contract/routes";
import { MISSING_CREDENTIALS } from "../../lambdas/shared/env-credentials";
import { ENVIRONMENT_NAMES } from "../../lib/config";
import { FynexFunction } from "../../lib/constructs/fynex-function";
import { ENV_CREDENTIALS_MODULE } from "../../lib/lambda-bundling";
import { isBucketDeploymentProvider } from "./bucket-deployment";
import { appContext, synthesize } from "./synth";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const execFileAsync = promisify(execFile);
const OPENAPI_HANDLER = "lambdas/openapi/openapi.handler";
const AUTHORIZER_HANDLER = "lambdas/authorizer/authorizer.handler";

/**
 * What only the document needs: the whole route table, the key routes' documentation and the answers
 * no function validates (docs/DECISIONS.md #262). A function that carried them would carry every
 * domain's schemas and summaries.
 */
const DOCUMENT_ONLY = [
  "contract/routes/index.ts",
  "contract/routes/keys.ts",
  "contract/schemas/answers.ts",
  "contract/schemas/key-policy-answers.ts",
];

/** The route declaration modules a bundle holds, besides the shared shape (`route.ts`). */
const declarationsIn = (inputs: string[]) =>
  inputs.filter((input) => input.startsWith("contract/routes/") && input !== "contract/routes/route.ts");

/**
 * Bundled as the stack bundles (the deployed build, lib/lambda-bundling.ts), but for what only makes
 * the check slow: the AWS SDK is left external here (it cannot pull the generator, the CDK or `lib/`
 * in, and bundling it thirty times would take long), and nothing is minified or mapped.
 */
const BUNDLING: BuildOptions = {
  ...DEPLOYED_BUILD,
  minify: false,
  sourcemap: false,
  external: ["@aws-sdk/*", "@smithy/*"],
  outdir: resolve(ROOT, "cdk.out/bundle-check"),
  write: false,
  metafile: true,
};

/**
 * The SDK's Node credential chain: the default provider's package and what only it pulls in (SSO, ini
 * files, login, process, web identity, HTTP and instance-metadata providers, the nested STS/SSO
 * clients, the token providers). A deployed bundle reads its role's credentials from the environment
 * alone (lib/lambda-bundling.ts, docs/DECISIONS.md #334). Matched wherever `node_modules` lives (a
 * worktree's may be a link elsewhere).
 */
const NODE_CREDENTIAL_CHAIN =
  /(^|\/)node_modules\/(@aws-sdk\/(credential-provider-(?!env\/)[^/]+|nested-clients|token-providers)|@smithy\/credential-provider-imds)\//;

/** The inputs of a bundle that belong to the SDK's Node credential chain. */
const credentialChainIn = (inputs: string[]) => inputs.filter((input) => NODE_CREDENTIAL_CHAIN.test(input));

/** A handler module bundled as deployed: its code file, its size, and its inputs (by output, from the metafile). */
interface DeployedArtifact {
  file: string;
  bytes: number;
  inputs: string[];
}

let deployedArtifacts: Promise<Map<string, DeployedArtifact>> | undefined;

/** Every function the stack deploys bundled as deployed, the SDK bundled and minified (built once). */
function deployedBundles(): Promise<Map<string, DeployedArtifact>> {
  deployedArtifacts ??= (async () => {
    const modules = [...deployedFunctions.entries].map(moduleOf).sort();
    const outdir = resolve(ROOT, "cdk.out/budget");
    await rm(outdir, { recursive: true, force: true });
    const { bundles, metafile } = await buildDeployedBundles(ROOT, modules, outdir);
    return new Map(
      [...bundles].map(([module, bundle]) => [
        module,
        {
          file: bundle.file,
          bytes: bundle.bytes,
          inputs: Object.keys(metafile.outputs[relative(process.cwd(), bundle.file)]?.inputs ?? {}),
        },
      ]),
    );
  })();
  return deployedArtifacts;
}

/** A module path from the project root, without extension: `lambdas/authorizer/authorizer.handler`. */
const moduleOf = (file: string) => relative(ROOT, resolve(ROOT, file)).replace(/\.ts$/, "");

/** What each entry's bundle is made of (esbuild metafile inputs, paths from the project root). */
function inputsByEntry(metafile: Metafile): Map<string, string[]> {
  return new Map(
    Object.values(metafile.outputs)
      .filter((output) => output.entryPoint !== undefined)
      .map((output) => [moduleOf(output.entryPoint ?? ""), Object.keys(output.inputs)]),
  );
}

/**
 * The inputs no function may carry: the CDK (`aws-cdk-lib`, `constructs`), any file of `lib/`, and any
 * file of `packages/` (the workspaces customers install: esbuild follows a workspace's symlink to it).
 */
function forbiddenInputs(inputs: string[]): string[] {
  return inputs.filter(
    (input) =>
      /(^|\/)node_modules\/(aws-cdk-lib|constructs)\//.test(input) ||
      input.startsWith("lib/") ||
      input.startsWith("packages/"),
  );
}

/** Every function the stack deploys, in every environment, by its handler module. */
function stackFunctions(): { entries: Set<string>; unchecked: string[] } {
  const entries = new Set<string>();
  const unchecked: string[] = [];
  for (const envName of ENVIRONMENT_NAMES) {
    // Bundling skipped: this reads the construct tree, it bundles itself below.
    const { stack, template } = synthesize(envName);
    const fynexFunctions = stack.node.findAll().filter((node) => node instanceof FynexFunction);
    for (const fn of fynexFunctions) entries.add(moduleOf(fn.entry));
    const known = new Set(fynexFunctions.map((fn) => stack.getLogicalId(fn.node.defaultChild as never)));
    const deployed = Object.entries(template.findResources("AWS::Lambda::Function"))
      // CDK's BucketDeployment provider (the console page's upload, Python from aws-cdk-lib) bundles none of ours.
      .filter(([, fn]) => !isBucketDeploymentProvider(fn as { Properties: Record<string, unknown> }))
      .map(([id]) => id);
    // CDK's own trigger provider (runs the signing-key refresher at deploy) holds CDK's code, not ours.
    const ours = deployed.filter((id) => !id.startsWith("AWSCDKTriggerCustomResourceProvider"));
    unchecked.push(...ours.filter((id) => !known.has(id)).map((id) => `${envName}: ${id}`));
  }
  return { entries, unchecked };
}

/** Modules under `lambdas/` that export a Lambda `handler`, wired into the stack yet or not. */
function handlerExports(): string[] {
  return readdirSync(join(ROOT, "lambdas"), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .filter((name) =>
      /^export\s+(async\s+)?(function|const)\s+handler\b/m.test(
        readFileSync(join(ROOT, "lambdas", name), "utf8"),
      ),
    )
    .map((name) => moduleOf(join("lambdas", name)));
}

/**
 * `contents` (TypeScript, as if a module of `lambdas/<folder>/`) bundled as deployed into `dir`: the
 * code file, to run in a fresh process, and the bundle's inputs.
 */
async function bundledAsDeployed(dir: string, folder: string, contents: string) {
  const file = join(dir, `${folder}-check.js`);
  const result = await build({
    ...DEPLOYED_BUILD,
    stdin: {
      contents,
      resolveDir: join(ROOT, "lambdas", folder),
      sourcefile: `lambdas/${folder}/check.ts`,
      loader: "ts",
    },
    outfile: file,
    metafile: true,
  });
  return { file, inputs: Object.keys((result.metafile as Metafile).inputs) };
}

let deployedFunctions: ReturnType<typeof stackFunctions>;
let inputsByHandler: Map<string, string[]>;

beforeAll(async () => {
  deployedFunctions = stackFunctions();
  const modules = [...new Set([...handlerModules(), ...deployedFunctions.entries, ...handlerExports()])];
  const result = await build({
    ...BUNDLING,
    entryPoints: Object.fromEntries(modules.map((module) => [module, resolve(ROOT, `${module}.ts`)])),
  });
  inputsByHandler = inputsByEntry(result.metafile as Metafile);
}, 120_000);

describe("Lambda bundles", () => {
  it("bundles every function the stack deploys, the route table's and the others", () => {
    expect(deployedFunctions.unchecked, "Lambda functions that are not a FynexFunction").toEqual([]);
    for (const module of handlerModules()) expect(deployedFunctions.entries.has(module), module).toBe(true);
    for (const module of ["lambdas/authorizer/authorizer.handler", "lambdas/webhooks/dispatch.handler"]) {
      expect(deployedFunctions.entries.has(module), module).toBe(true);
    }
    for (const module of [...deployedFunctions.entries, "lambdas/not-found/not-found.handler"]) {
      expect(inputsByHandler.has(module), module).toBe(true);
    }
  });

  it("keeps aws-cdk-lib, constructs and every lib/ and packages/ file out of every function bundle", () => {
    const leaks = [...inputsByHandler].flatMap(([handler, inputs]) =>
      forbiddenInputs(inputs).map((input) => `${handler} ← ${input}`),
    );
    expect(leaks, "function bundle ← forbidden input").toEqual([]);
  });

  it("would report a handler that pulls in lib/, the CDK or a workspace package", async () => {
    const result = await build({
      ...BUNDLING,
      stdin: {
        contents:
          'import { NOT_FOUND } from "../../lib/gateway-responses";\nimport { Construct } from "constructs";\n' +
          'import { isFynexKey } from "../../packages/secretlint-rule-fynex/src/index";\n' +
          "export const handler = () => [NOT_FOUND, Construct, isFynexKey];\n",
        resolveDir: join(ROOT, "lambdas/accounts"),
        sourcefile: "lambdas/accounts/careless.ts",
        loader: "ts",
      },
    });
    const inputs = Object.values((result.metafile as Metafile).outputs).flatMap((output) =>
      Object.keys(output.inputs),
    );
    const leaked = forbiddenInputs(inputs);
    expect(leaked).toContain("lib/gateway-responses.ts");
    expect(leaked).toContain("packages/secretlint-rule-fynex/src/fynex-keys.ts");
    expect(leaked.some((input) => /(^|\/)node_modules\/constructs\//.test(input))).toBe(true);
  });

  it("keeps the OpenAPI generator, the route table and the document-only answers out of every other function", () => {
    for (const [handler, inputs] of inputsByHandler) {
      if (handler === OPENAPI_HANDLER) continue;
      const leaked = inputs.filter(
        (input) =>
          input.includes("node_modules/zod-openapi") ||
          input.includes("lambdas/openapi/") ||
          DOCUMENT_ONLY.includes(input),
      );
      expect(leaked, handler).toEqual([]);
    }
  });

  it("gives a business function its own domain's declarations only, and the key doors the operations only", () => {
    for (const route of ROUTES.filter((declared) => declared.auth === "apiKey")) {
      const declarations = declarationsIn(inputsByHandler.get(route.handler) ?? []);
      expect(declarations, route.handler).toHaveLength(1);
    }
    for (const door of ["http", "console", "direct"]) {
      const inputs = inputsByHandler.get(`lambdas/key-management/doors/${door}.handler`) ?? [];
      expect(declarationsIn(inputs), door).toEqual(["contract/routes/key-operations.ts"]);
    }
  });

  it("keeps zod out of the authorizer, which validates no request body", () => {
    const inputs = inputsByHandler.get(AUTHORIZER_HANDLER) ?? [];
    expect(inputs.length).toBeGreaterThan(10);
    expect(inputs.filter((input) => input.includes("node_modules/zod/"))).toEqual([]);
  });

  it("keeps zod's classic API out of every function but the document's, and gives every zod user the English locale only", () => {
    for (const [handler, inputs] of inputsByHandler) {
      const zod = inputs.filter((input) => input.includes("node_modules/zod/"));
      if (zod.length === 0) continue;
      // zod-openapi imports zod's classic API (`object`, `registry`, `toJSONSchema` from `zod/v4`).
      if (handler !== OPENAPI_HANDLER) {
        expect(
          zod.filter((input) => input.includes("node_modules/zod/v4/classic/")),
          handler,
        ).toEqual([]);
      }
      // contract/zod.ts configures the messages; a schema that took zod/mini from elsewhere would not.
      expect(inputs, handler).toContain("contract/zod.ts");
      const locales = zod.filter((input) => input.includes("node_modules/zod/v4/locales/"));
      expect(
        locales.map((input) => input.replace(/.*\/locales\//, "")),
        handler,
      ).toEqual(["en.js"]);
    }
  });

  it("keeps Powertools out of every function: their logs and metrics are our own (docs/DECISIONS.md #336)", () => {
    const carried = [...inputsByHandler].flatMap(([handler, inputs]) =>
      inputs
        .filter((input) => input.includes("node_modules/@aws-lambda-powertools/"))
        .map((input) => `${handler} ← ${input}`),
    );
    expect(carried).toEqual([]);
    const logging = [...inputsByHandler].filter(([, inputs]) =>
      inputs.includes("lambdas/shared/observability/log.ts"),
    );
    expect(logging.length).toBeGreaterThan(20);
  });

  it("answers zod's English messages from a bundle that holds no classic zod (docs/DECISIONS.md #335)", async () => {
    // Prepare: a request schema bundled as deployed, parsed in a fresh process that loads nothing else.
    const dir = await mkdtemp(join(tmpdir(), "fynex-zod-locale-"));
    try {
      const { file, inputs } = await bundledAsDeployed(
        dir,
        "accounts",
        'import { createAccountSchema } from "../../contract/schemas/accounts";\n' +
          "const { error } = createAccountSchema.safeParse({ name: 'Acme', currency: 'EUR', balance: 'x' });\n" +
          "console.log(JSON.stringify(error?.issues.map((issue) => [issue.path.join('.'), issue.message])));\n",
      );

      // Act
      const { stdout } = await execFileAsync(process.execPath, [file], { env: { PATH: process.env.PATH } });

      // Assess: the message of zod's English locale, not mini's bare "Invalid input".
      expect(inputs.filter((input) => input.includes("node_modules/zod/v4/classic/"))).toEqual([]);
      expect(JSON.parse(stdout)).toEqual([["balance", "Invalid input: expected number, received string"]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("has the bench measure every function the stack deploys, and nothing else", () => {
    expect(benchedFunctions()).toEqual([...deployedFunctions.entries].map(moduleOf).sort());
  });

  it("keeps every function the stack deploys, bundled as deployed, within 550,000 bytes", async () => {
    // Prepare: the real artifacts, the SDK bundled and minified (only sizes; nothing written).
    const bundles = await deployedBundles();

    // Assess: a size is not a timing; the bench reports load times, nothing asserts them.
    const over = [...bundles]
      .filter(([, bundle]) => bundle.bytes > BUNDLE_BUDGET_BYTES)
      .map(([module, bundle]) => `${module}: ${bundle.bytes} B`);
    expect(bundles.size).toBe(deployedFunctions.entries.size);
    expect(over, `bundles over ${BUNDLE_BUDGET_BYTES} B`).toEqual([]);
  }, 120_000);

  it("builds no schema while a function loads: each is built when first used (docs/DECISIONS.md #338)", async () => {
    // Prepare: the real artifacts, as above; zod calls its configured post-processor on every schema
    // it builds, in every bundle (each carries its own zod, all read the one global configuration).
    const bundles = await deployedBundles();
    const script =
      "let built = 0;globalThis.__zod_globalConfig = { postProcessor: () => { built++; } };const counts = {};" +
      `for (const [module, file] of ${JSON.stringify([...bundles].map(([module, { file }]) => [module, file]))}) {` +
      "const before = built;require(file);counts[module] = built - before;}" +
      "console.log(JSON.stringify(counts));";

    // Act: one fresh process loads every function, as Lambda's init does, and counts.
    const { stdout } = await execFileAsync(process.execPath, ["-e", script], { env: LOAD_ENV });

    // Assess: none but the document's, which builds its own answers' schemas (and shows the count works).
    const counts = JSON.parse(stdout) as Record<string, number>;
    const { [OPENAPI_HANDLER]: documentBuilt, ...functions } = counts;
    expect(Object.keys(counts)).toHaveLength(bundles.size);
    expect(documentBuilt).toBeGreaterThan(10);
    expect(Object.entries(functions).filter(([, built]) => built > 0)).toEqual([]);
  }, 120_000);

  it("keeps the SDK's Node credential chain out of every deployed bundle: credentials come from the environment", async () => {
    // Prepare: the real artifacts, as above (built once for both).
    const bundles = await deployedBundles();

    // Assess: no bundle carries the chain; every one that carries an SDK client carries our provider.
    const chains = [...bundles].flatMap(([module, bundle]) =>
      credentialChainIn(bundle.inputs).map((input) => `${module} ← ${input}`),
    );
    expect(chains, "deployed bundle ← Node credential chain").toEqual([]);
    const withClient = [...bundles].filter(([, bundle]) =>
      bundle.inputs.some((input) => /(^|\/)node_modules\/@aws-sdk\/client-/.test(input)),
    );
    expect(withClient.length).toBeGreaterThan(25);
    for (const [module, bundle] of withClient) {
      expect(bundle.inputs, module).toContain(ENV_CREDENTIALS_MODULE);
    }
  }, 120_000);

  it("would report a bundle built without the alias, which carries the whole chain again", async () => {
    // Prepare: one SDK client, bundled as deployed but for the credential provider's alias.
    const { alias: _alias, ...withoutAlias } = DEPLOYED_BUILD;
    const result = await build({
      ...withoutAlias,
      stdin: {
        contents: 'export { DynamoDBClient } from "@aws-sdk/client-dynamodb";\n',
        resolveDir: join(ROOT, "lambdas/shared"),
        sourcefile: "lambdas/shared/careless-client.ts",
        loader: "ts",
      },
      outdir: resolve(ROOT, "cdk.out/chain-check"),
      write: false,
      metafile: true,
    });

    // Assess
    const chain = credentialChainIn(Object.keys((result.metafile as Metafile).inputs));
    for (const part of [
      "credential-provider-node",
      "credential-provider-sso",
      "credential-provider-ini",
      "nested-clients",
    ]) {
      expect(
        chain.some((input) => input.includes(`/@aws-sdk/${part}/`)),
        part,
      ).toBe(true);
    }
  }, 60_000);

  it("signs, once deployed, with the environment's credentials only, and says so when there are none", async () => {
    // Prepare: an SDK client bundled as deployed, run in a fresh process whose home holds a profile
    // with credentials (which the SDK's full chain would read) and whose environment holds none.
    const dir = await mkdtemp(join(tmpdir(), "fynex-env-credentials-"));
    try {
      const { file } = await bundledAsDeployed(
        dir,
        "shared",
        'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\n' +
          'new DynamoDBClient({ region: "eu-west-1" }).config.credentials().then(\n' +
          "  (credentials) => console.log(JSON.stringify(credentials)),\n" +
          "  (error) => { console.error(error.message); process.exit(3); });\n",
      );
      await mkdir(join(dir, ".aws"));
      await writeFile(
        join(dir, ".aws", "credentials"),
        "[default]\naws_access_key_id = profile-access-key-id\naws_secret_access_key = profile-secret\n",
      );
      const bare = {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      };
      const run = (env: NodeJS.ProcessEnv) =>
        execFileAsync(process.execPath, [file], { env }).then(
          ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
          (error: { code?: number; stdout?: string; stderr?: string }) => ({
            code: error.code ?? -1,
            stdout: error.stdout ?? "",
            stderr: error.stderr ?? "",
          }),
        );

      // Act
      const inLambda = await run({
        ...bare,
        AWS_ACCESS_KEY_ID: "role-access-key-id",
        AWS_SECRET_ACCESS_KEY: "role-secret",
        AWS_SESSION_TOKEN: "role-session-token",
      });
      const elsewhere = await run(bare);

      // Assess
      expect(inLambda.code, inLambda.stderr).toBe(0);
      expect(JSON.parse(inLambda.stdout)).toMatchObject({
        accessKeyId: "role-access-key-id",
        sessionToken: "role-session-token",
      });
      expect(elsewhere.code).toBe(3);
      expect(elsewhere.stderr).toContain(MISSING_CREDENTIALS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("hands a bundle Node's own web streams when it reads them (docs/DECISIONS.md #337)", async () => {
    // Prepare: an import of node:stream/web bundled as deployed, so through the stand-in the alias
    // puts in its place, run in a fresh process.
    const dir = await mkdtemp(join(tmpdir(), "fynex-web-streams-"));
    try {
      const { file } = await bundledAsDeployed(
        dir,
        "shared",
        'import { ReadableStream, TextDecoderStream } from "node:stream/web";\n' +
          "console.log(JSON.stringify([ReadableStream === globalThis.ReadableStream,\n" +
          "  TextDecoderStream === globalThis.TextDecoderStream]));\n",
      );

      // Act
      const { stdout } = await execFileAsync(process.execPath, [file], { env: { PATH: process.env.PATH } });

      // Assess
      expect(await readFile(file, "utf8")).toContain("getBuiltinModule");
      expect(JSON.parse(stdout)).toEqual([true, true]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("bundles through CDK what the bench and these tests build, byte for byte (one function)", async () => {
    // Prepare: a stack of one function, bundled by CDK as `cdk synth` bundles (the other infra tests
    // skip bundling), and the same handler built with the bench's options into a file of CDK's name.
    // A business function: it takes both of the stack's aliases (credentials, web streams).
    const handler = "lambdas/accounts/get-account.handler";
    const outdir = await mkdtemp(join(tmpdir(), "fynex-cdk-bundle-"));
    try {
      const app = new App({ outdir, context: { ...appContext(), "aws:cdk:bundling-stacks": ["**"] } });
      new FynexFunction(new Stack(app, "BundleCheck"), "UsageHistory", {
        projectRoot: ROOT,
        handler: `${handler}.ts`,
        logRetention: RetentionDays.ONE_DAY,
        logRemovalPolicy: "destroy",
      });
      const assets = readdirSync(outdir).filter((name) => name.startsWith("asset."));
      expect(assets).toHaveLength(1);
      const ours = join(outdir, "ours", "index.js");
      await build({ ...DEPLOYED_BUILD, entryPoints: [join(ROOT, `${handler}.ts`)], outfile: ours });

      // Assess: the same code file, so the options CDK is handed are the ones measured.
      const cdkBundle = await readFile(join(outdir, assets[0] as string, "index.js"), "utf8");
      const ourBundle = await readFile(ours, "utf8");
      expect(cdkBundle.length).toBeGreaterThan(100_000);
      expect(cdkBundle.length, "CDK's bundle's length").toBe(ourBundle.length);
      expect(cdkBundle === ourBundle, "CDK's bundle equals the bench's").toBe(true);

      // And it starts as deployed without loading Node's web streams (@middy/core's import of them
      // is the stand-in's, docs/DECISIONS.md #337).
      const { stdout } = await execFileAsync(
        process.execPath,
        [
          "-e",
          `require(${JSON.stringify(ours)});` +
            'console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("stream/web"))))',
        ],
        { env: { PATH: process.env.PATH, AWS_REGION: "eu-west-1", DATA_TABLE_NAME: "data" } },
      );
      expect(cdkBundle).toContain("@middy/core");
      expect(JSON.parse(stdout)).toEqual([]);
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it("bundles the generator into the OpenAPI Lambda, which serves the document", () => {
    const inputs = inputsByHandler.get(OPENAPI_HANDLER) ?? [];
    expect(inputs.some((input) => input.includes("node_modules/zod-openapi"))).toBe(true);
  });
});
