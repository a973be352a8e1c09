import { RetentionDays } from "aws-cdk-lib/aws-logs";
import * as z from "zod";

/**
 * Per-environment settings of the deployed stack, typed and validated. Only `bin/` reads CDK context
 * or the process environment; it hands what it read to `environmentConfig`, and the stack and its
 * constructs take the validated result as props.
 */
export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const positiveInteger = z.number().int().positive();

const stageThrottleSchema = z
  .object({
    /** Steady-state requests per second across the whole stage. */
    rateLimit: positiveInteger,
    /** Requests API Gateway lets through at once before it starts answering 429. */
    burstLimit: positiveInteger,
  })
  .strict();

const alarmsSchema = z
  .object({
    /** Who the alarm topic emails; empty: subscribe other endpoints to the topic yourself. */
    emails: z.array(z.email()),
    unauthorizedPer5Minutes: positiveInteger,
    rateLimitedPer5Minutes: positiveInteger,
    serverErrorPercent: z.number().positive().max(100),
  })
  .strict();

const customDomainSchema = z
  .object({
    /** The API's own host name, e.g. `api.fynex.solutions`; DNS points it at the stack's output. */
    domainName: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a host name"),
    /** An ACM certificate for `domainName`, in the stack's region (a regional endpoint). */
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
        "must be an ACM certificate ARN",
      ),
  })
  .strict();

const settingsSchema = z
  .object({
    envName: z.enum(ENVIRONMENT_NAMES),
    account: z
      .string()
      .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1")
      .optional(),
    /**
     * Deploy only to the `account` and `region` of these settings (or `-c account=… -c region=…`),
     * never to whatever the CLI's current credentials and profile point at.
     */
    pinTarget: z.boolean(),
    /** Default requests per key per window (API.md §3); a key may override it. */
    rateLimit: positiveInteger.max(10_000),
    /** Length of the fixed rate window. */
    rateWindowSeconds: positiveInteger.max(86_400),
    logRetentionDays: z.enum(RetentionDays),
    /** What CloudFormation does with the tables when they leave the stack. */
    removalPolicy: z.enum(["destroy", "retain"]),
    pointInTimeRecovery: z.boolean(),
    deletionProtection: z.boolean(),
    /**
     * Copy created and rotated keys to Secrets Manager under `fynex/<env>/api-keys/<orgId>/<keyId>`
     * (API.md §5); revoking schedules the copy's deletion. Off by default.
     */
    secretsManagerHook: z.boolean(),
    /** API Gateway execution logging. Never above ERROR: INFO logs authorizer and request details. */
    executionLogging: z.enum(["off", "error"]),
    /** The outer guard against floods of forged keys; per-key limits are enforced by the authorizer. */
    stageThrottle: stageThrottleSchema,
    /** Alarm thresholds and subscribers (docs/RUNBOOKS.md says what each alarm means). */
    alarms: alarmsSchema,
    /**
     * Serve the stage at the root of its own domain (`https://api.fynex.solutions/api/v1/...`) besides
     * its default URL, which carries the stage in every path. None by default.
     */
    customDomain: customDomainSchema.optional(),
    /** CloudFormation refuses to delete the stack (production: a `cdk destroy` by mistake). */
    terminationProtection: z.boolean(),
    /**
     * Reserved concurrency of the public catch-all (unknown paths, no authorization): a flood of them
     * cannot take the account's concurrency from the authorizer and the business functions.
     * Reserving needs 100 unreserved executions left in the account (docs/DEPLOY.md).
     */
    catchAllConcurrency: positiveInteger.max(1000),
  })
  .strict();

export const environmentConfigSchema = settingsSchema;

export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;

/** Settings that may be overridden per deployment (`-c rateLimit=500`); the name and target come from elsewhere. */
export type ConfigOverrides = Partial<Omit<EnvironmentConfig, "envName">>;

const overridesSchema = settingsSchema.omit({ envName: true }).partial();

/** The settings `bin/` looks for in the CDK context. */
export const OVERRIDABLE_SETTINGS = overridesSchema.keyof().options;

const SHARED = {
  rateLimit: 100,
  rateWindowSeconds: 900,
  secretsManagerHook: false,
  executionLogging: "error",
  catchAllConcurrency: 10,
} as const;

const ALARMS = {
  emails: [],
  unauthorizedPer5Minutes: 500,
  rateLimitedPer5Minutes: 1000,
  serverErrorPercent: 1,
};

const DEFAULTS: Record<EnvironmentName, EnvironmentConfig> = {
  dev: {
    ...SHARED,
    envName: "dev",
    pinTarget: false,
    logRetentionDays: RetentionDays.ONE_WEEK,
    removalPolicy: "destroy",
    pointInTimeRecovery: false,
    deletionProtection: false,
    terminationProtection: false,
    stageThrottle: { rateLimit: 50, burstLimit: 100 },
    alarms: { ...ALARMS, serverErrorPercent: 5 },
  },
  staging: {
    ...SHARED,
    envName: "staging",
    pinTarget: false,
    logRetentionDays: RetentionDays.ONE_MONTH,
    removalPolicy: "destroy",
    pointInTimeRecovery: true,
    deletionProtection: false,
    terminationProtection: false,
    stageThrottle: { rateLimit: 200, burstLimit: 400 },
    alarms: ALARMS,
  },
  prod: {
    ...SHARED,
    envName: "prod",
    pinTarget: true,
    logRetentionDays: RetentionDays.THREE_MONTHS,
    removalPolicy: "retain",
    pointInTimeRecovery: true,
    deletionProtection: true,
    terminationProtection: true,
    stageThrottle: { rateLimit: 1000, burstLimit: 2000 },
    alarms: ALARMS,
  },
};

function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/**
 * The validated settings of one environment, with overrides applied on top of its defaults.
 * Throws, naming every problem, for an unknown environment or an invalid value.
 */
export function environmentConfig(name: string, overrides: ConfigOverrides = {}): EnvironmentConfig {
  if (!isEnvironmentName(name)) {
    throw new Error(`Unknown environment "${name}": expected one of ${ENVIRONMENT_NAMES.join(", ")}`);
  }
  const result = environmentConfigSchema.safeParse({ ...DEFAULTS[name], ...overrides, envName: name });
  if (!result.success) {
    throw new Error(`Invalid settings for environment "${name}":\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** The account and region the CLI's current credentials and profile point at (`CDK_DEFAULT_*`). */
export interface CliTarget {
  account?: string;
  region?: string;
}

/**
 * Where the stack deploys. An environment with `pinTarget` goes only where its settings say, and
 * without an account and a region it is an error saying what to set; any other takes the CLI's
 * current account and region where its settings name none.
 */
export function deploymentTarget(config: EnvironmentConfig, cli: CliTarget): CliTarget {
  if (!config.pinTarget) {
    return { account: config.account ?? cli.account, region: config.region ?? cli.region };
  }
  const missing = (["account", "region"] as const).filter((setting) => config[setting] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `The ${config.envName} stack deploys only to the account and region its settings name, never the ` +
        `CLI's current ones, and ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: ` +
        `pass ${missing.map((setting) => `-c ${setting}=<${setting === "account" ? "12-digit account id" : "region, e.g. eu-west-1"}>`).join(" ")}, ` +
        `or set ${missing.join(" and ")} for "${config.envName}" in lib/config.ts.`,
    );
  }
  return { account: config.account, region: config.region };
}

/**
 * Turns raw override values (CDK context: strings from `-c key=value`, JSON values from `cdk.json`)
 * into typed overrides. A value the setting accepts as a string stays a string (`-c account=123456789012`
 * is an account id, not a number); otherwise a string that reads as JSON is taken as JSON, so
 * `-c rateLimit=500` is a number and `-c stageThrottle='{"rateLimit":20,"burstLimit":40}'` an object.
 */
export function parseOverrides(raw: Record<string, unknown>): ConfigOverrides {
  const fields: Record<string, z.ZodType> = overridesSchema.shape;
  const decoded = Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [key, decodeOverride(fields[key], value)]),
  );
  const result = overridesSchema.safeParse(decoded);
  if (!result.success) throw new Error(`Invalid setting overrides:\n${z.prettifyError(result.error)}`);
  return result.data;
}

function decodeOverride(field: z.ZodType | undefined, value: unknown): unknown {
  if (field && (typeof value === "string" || typeof value === "number")) {
    // A string setting keeps its text, even one that reads as a number (cdk.json may hold a number).
    const text = String(value);
    if (field.safeParse(text).success) return text;
    const decoded = typeof value === "string" ? fromJson(value) : value;
    // Neither fits: the text is reported, so that an account id is told it is not 12 digits.
    return field.safeParse(decoded).success ? decoded : value;
  }
  return value;
}

function fromJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
