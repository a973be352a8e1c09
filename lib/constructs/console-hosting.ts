import { existsSync } from "node:fs";
import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { CONSOLE_PAGE_PATH, type ConsolePageConfig } from "../../contract/console";
import {
  type ConsoleOrigins,
  consoleCacheControl,
  consoleHeaderPolicy,
  UNHASHED_FILES,
} from "../../contract/console-headers";
import { ownLogGroup } from "./own-log-group";

export type { ConsolePageConfig };

export interface ConsoleHostingProps {
  /** Of the upload's log group; the buckets are always retained (they are emptied by hand first). */
  removalPolicy: "destroy" | "retain";
  logRetention: RetentionDays;
  /** The built page (`npm run build`): `index.html` and its content-hashed script and style. */
  pageDir: string;
  /** The inputs of the page's headers: the API's origin and the sign-in's (the local server's too). */
  origins: ConsoleOrigins;
}

/**
 * The console's static page, per environment (API.md §10): a private, encrypted S3 bucket that only
 * this distribution reads (origin access control), CloudFront over HTTPS only with a response headers
 * policy carrying the strict Content-Security-Policy, HSTS and `frame-ancestors 'none'`, and a viewer
 * function that serves `/settings/integrations` from its `index.html`.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  private readonly props: ConsoleHostingProps;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    if (!existsSync(`${props.pageDir}/index.html`)) {
      throw new Error(`The console page is not built in ${props.pageDir}: run \`npm run build\` first.`);
    }
    this.props = props;
    // Retained in every environment: CloudFormation cannot delete a bucket that holds objects, and
    // emptying one on delete takes another custom resource function (docs/DEPLOY.md: empty, then delete).
    const logs = new Bucket(this, "AccessLogs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This bucket is the access log destination itself; logging it would log the logs.",
    });
    this.bucket = new Bucket(this, "Page", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: "s3/",
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The same policy the local server sends (contract/console-headers.ts), from the same inputs.
    const policy = consoleHeaderPolicy(props.origins);
    const headers = new ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "Fynex console: strict CSP, HSTS, no framing",
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: policy.contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(policy.hstsMaxAgeSeconds),
          includeSubdomains: policy.hstsIncludeSubdomains,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    // The page's address has no file name: serve its index (and nothing above it) from the bucket.
    const indexRewrite = new CloudFrontFunction(this, "PageIndex", {
      comment: "Serves /settings/integrations from its index.html",
      code: FunctionCode.fromInline(
        `function handler(event) { var r = event.request; if (r.uri === "${CONSOLE_PAGE_PATH}" || r.uri === "${CONSOLE_PAGE_PATH}/") { r.uri = "${CONSOLE_PAGE_PATH}/index.html"; } return r; }`,
      ),
    });
    this.distribution = new Distribution(this, "Distribution", {
      comment: "Fynex console (Settings > Integrations)",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: indexRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: "cloudfront/",
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason:
          "Admins of any country may manage their keys; the page holds no data (the API checks every call).",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "Static files only: the page holds no data and every call it makes meets the API's Cognito " +
          "authorizer; a web ACL would guard nothing here (docs/DEPLOY.md).",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The default *.cloudfront.net certificate cannot be pinned to TLS 1.2 by CloudFront (a minimum " +
          "protocol version has no effect without a certificate of our own); a custom domain for the " +
          "page, with its certificate, would take TLS_V1_2_2021.",
      },
    );
  }

  /** The page's origin (CORS on `/console/v1`, the sign-in's callback). */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** The page's address. */
  get pageUrl(): string {
    return `${this.origin}${CONSOLE_PAGE_PATH}`;
  }

  /** Uploads the built page and its configuration, written at deploy time from the stack's values. */
  deploy(config: ConsolePageConfig): BucketDeployment {
    // As the project's own functions; BucketDeployment adds its S3 and CloudFront grants.
    const { logGroup, role } = ownLogGroup(this, "Deploy", {
      logRetention: this.props.logRetention,
      logRemovalPolicy: this.props.removalPolicy,
    });
    const common = {
      role,
      logGroup,
      destinationBucket: this.bucket,
      destinationKeyPrefix: `${CONSOLE_PAGE_PATH.slice(1)}/`,
      memoryLimit: 256,
    };
    // Content-hashed script and style first, cached for a year; never pruned, so a page loaded just
    // before a deploy still finds the files its HTML names.
    const assets = new BucketDeployment(this, "DeployAssets", {
      ...common,
      sources: [Source.asset(this.props.pageDir)],
      exclude: [...UNHASHED_FILES],
      cacheControl: [CacheControl.fromString(consoleCacheControl("app.js"))],
      prune: false,
    });
    // Then the HTML (revalidated at every load) and the configuration (never stored), each with the
    // same Cache-Control the local server sends; only these need CloudFront's cache invalidated.
    const unhashed = UNHASHED_FILES.map((file) => {
      const deployment = new BucketDeployment(this, file === "index.html" ? "Deploy" : "DeployConfig", {
        ...common,
        sources: [
          file === "config.json" ? Source.jsonData("config.json", config) : Source.asset(this.props.pageDir),
        ],
        include: [file],
        exclude: ["*"],
        cacheControl: [CacheControl.fromString(consoleCacheControl(file))],
        distribution: this.distribution,
        distributionPaths:
          file === "index.html"
            ? [CONSOLE_PAGE_PATH, `${CONSOLE_PAGE_PATH}/`, `${CONSOLE_PAGE_PATH}/index.html`]
            : [`${CONSOLE_PAGE_PATH}/${file}`],
        prune: false,
      });
      deployment.node.addDependency(assets);
      return deployment;
    });
    const deployment = unhashed[0] as BucketDeployment;
    const pageBucketId = Stack.of(this).resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
    Validations.of(role).acknowledge(
      ...["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          "CDK's BucketDeployment grants these on the CDK asset bucket and on this page's bucket only: it " +
          "reads the page's asset and replaces the bucket's files (prune), whose names change per build.",
      })),
      {
        id: "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
        reason:
          "The CDK bootstrap asset bucket, where the built page is staged; asset names are content hashes.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${pageBucketId}.Arn>/*]`,
        reason: "Every file of the page's own bucket: a deploy replaces them all.",
      },
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "cloudfront:CreateInvalidation and GetInvalidation, which CloudFront does not scope below '*' in " +
          "BucketDeployment's grant; the function is only invoked by CloudFormation at deploy time.",
      },
    );
    // The provider function is a stack-wide singleton that CDK names after its settings.
    for (const child of Stack.of(this).node.children) {
      if (child.node.id.startsWith("Custom::CDKBucketDeployment")) {
        Validations.of(child).acknowledge({
          id: "AwsSolutions-L1",
          reason:
            "CDK's BucketDeployment provider runs on the runtime aws-cdk-lib pins (it follows aws-cdk-lib " +
            "upgrades); it runs only during deployments and handles no request.",
        });
      }
    }
    return deployment;
  }
}
