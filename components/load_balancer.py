"""The Application Load Balancer in front of the ECS service, open only to CloudFront.

Three locks, each enough to stop a request that did not come through CloudFront:
1. the load balancer's security group admits only CloudFront's origin-facing prefix list, on the
   one listener port (components/network.py);
2. the serving listener's default action is a fixed 403;
3. a listener rule forwards to the target group only when the `X-Origin-Verify` header equals
   the generated secret CloudFront adds to every origin request.

With a certificate (settings `service.certificateArn`) the serving listener is HTTPS on 443 with
a TLS 1.3 policy and the HTTP listener on 80 only redirects to it. **Without a certificate the
HTTP listener on 80 serves**: CloudFront then reaches the ALB over plain HTTP, inside AWS's
network, through the CloudFront-only security group; viewers still get HTTPS from CloudFront.

Deploys are rolling (minimum 100 %, maximum 200 %), not ECS native blue/green: ECS blue/green
fails on listeners whose rules mix forward and non-forward actions (ECS developer guide,
"Application Load Balancer resources for blue/green deployments"), and the fixed-403 default
that locks the origin is exactly such a mix. Blue/green would also move live traffic to the other
target group on every deploy, which the ALBRequestCountPerTarget scaling policy and target-group
alarms are bound to.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.contracts import ORIGIN_VERIFY_HEADER, LoadBalancerOrigin

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
"""TLS 1.3 and 1.2 only, forward-secret ciphers."""
ACCESS_LOG_PREFIX = "alb"
FORWARD_RULE_PRIORITY = 10
HEALTHY_THRESHOLD = 2
UNHEALTHY_THRESHOLD = 3
HEALTH_CHECK_INTERVAL = 15
HEALTH_CHECK_TIMEOUT = 5


class LoadBalancerArgs(TypedDict):
    name_prefix: str
    """Physical-name prefix, `<project>-<stack>`."""
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[list[str]]
    """One per AZ: the ALB's nodes live here."""
    security_group_id: pulumi.Input[str]
    """The Network's load-balancer group (CloudFront's prefix list in, the service out)."""
    app_port: int
    """The Next.js container port the target group forwards to."""
    health_path: str
    """The Next.js health path the target group checks."""
    deregistration_delay_seconds: int
    """How long a stopping task keeps serving its in-flight requests."""
    certificate_arn: str | None
    """Regional ACM certificate: HTTPS on 443 and HTTP redirects; None: HTTP on 80 serves."""
    deletion_protection: bool
    """AWS-side deletion protection on the ALB (prod)."""
    log_retention_days: int
    """Days the access logs are kept."""
    protect: bool
    """Pulumi protect on the access-log bucket."""
    origin_verify_value: pulumi.Input[str]
    """Secret: the header value CloudFront sends; the only way past the 403."""


class LoadBalancer(pulumi.ComponentResource):
    """ALB, listeners, origin-verify rule, target group and the encrypted access-log bucket."""

    origin: LoadBalancerOrigin
    dns_name: pulumi.Output[str]
    access_log_bucket: pulumi.Output[str]

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:load_balancer:LoadBalancer", name, None, opts)
        prefix = args["name_prefix"]
        logs_bucket, logs_ready = self._access_log_bucket(name, args)

        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            ip_address_type="ipv4",
            subnets=args["public_subnet_ids"],
            security_groups=[args["security_group_id"]],
            drop_invalid_header_fields=True,
            # CloudFront normalises what it forwards, so nothing legitimate is ambiguous here:
            # the strictest mode rejects every request that is not RFC 7230 compliant.
            desync_mitigation_mode="strictest",
            enable_http2=True,
            idle_timeout=60,
            enable_deletion_protection=args["deletion_protection"],
            xff_header_processing_mode="append",
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=logs_bucket.bucket, prefix=ACCESS_LOG_PREFIX, enabled=True
            ),
            tags={"Name": f"{prefix}-alb"},
            # ELB checks it may write to the bucket when access logs are turned on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=logs_ready),
        )

        target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            target_type="ip",
            protocol="HTTP",
            protocol_version="HTTP1",
            port=args["app_port"],
            vpc_id=args["vpc_id"],
            deregistration_delay=args["deregistration_delay_seconds"],
            # Requests go to the task with the fewest in flight: kinder to P99 than round robin
            # when a few Next.js renders are slow.
            load_balancing_algorithm_type="least_outstanding_requests",
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol="HTTP",
                port="traffic-port",
                path=args["health_path"],
                matcher="200",
                interval=HEALTH_CHECK_INTERVAL,
                timeout=HEALTH_CHECK_TIMEOUT,
                healthy_threshold=HEALTHY_THRESHOLD,
                unhealthy_threshold=UNHEALTHY_THRESHOLD,
            ),
            tags={"Name": f"{prefix}-web"},
            opts=pulumi.ResourceOptions(parent=self),
        )

        forbidden = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Forbidden", status_code="403"
            ),
        )
        certificate = args["certificate_arn"]
        if certificate:
            serving = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=alb.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate,
                default_actions=[forbidden],
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.lb.Listener(
                f"{name}-http-redirect",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            protocol="HTTPS", port="443", status_code="HTTP_301"
                        ),
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
        else:
            serving = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[forbidden],
                opts=pulumi.ResourceOptions(parent=self),
            )

        forward = aws.lb.ListenerRule(
            f"{name}-origin-verified",
            listener_arn=serving.arn,
            priority=FORWARD_RULE_PRIORITY,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                        http_header_name=ORIGIN_VERIFY_HEADER,
                        values=[pulumi.Output.secret(args["origin_verify_value"])],
                    )
                )
            ],
            actions=[
                aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )

        # ECS refuses a service whose target group is not yet behind a listener: whoever uses
        # this ARN (the service) therefore also waits for the forwarding rule.
        target_group_arn = pulumi.Output.all(target_group.arn, forward.arn).apply(
            lambda arns: arns[0]
        )
        self.dns_name = alb.dns_name
        self.access_log_bucket = logs_bucket.bucket
        self.origin = LoadBalancerOrigin(
            dns_name=alb.dns_name,
            arn=alb.arn,
            arn_suffix=alb.arn_suffix,
            listener_arn=serving.arn,
            target_group_arn=target_group_arn,
            target_group_arn_suffix=target_group.arn_suffix,
            origin_protocol_policy="https-only" if certificate else "http-only",
            origin_port=443 if certificate else 80,
        )
        self.register_outputs(
            {
                "dnsName": alb.dns_name,
                "arn": alb.arn,
                "listenerArn": serving.arn,
                "targetGroupArn": target_group.arn,
                "accessLogBucket": logs_bucket.bucket,
            }
        )

    def _access_log_bucket(
        self, name: str, args: LoadBalancerArgs
    ) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        """A private bucket only ELB log delivery may write to, SSE-S3, expiring old logs.

        SSE-S3 (AES256): ALB access-log delivery does not support SSE-KMS buckets.
        """
        protect = args["protect"]
        bucket = aws.s3.Bucket(
            f"{name}-access-logs",
            bucket_prefix=f"{args['name_prefix']}-alb-logs-",
            force_destroy=not protect,
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        child = pulumi.ResourceOptions(parent=bucket)
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-access-logs-public-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-access-logs-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-access-logs-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-access-logs-expiry",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=args["log_retention_days"]
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=child,
        )
        identity = aws.get_caller_identity_output()
        elb_account = aws.elb.get_service_account_output()
        log_objects = pulumi.Output.concat(
            bucket.arn, f"/{ACCESS_LOG_PREFIX}/AWSLogs/", identity.account_id, "/*"
        )
        document = aws.iam.get_policy_document_output(
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="ElbLogDelivery",
                    actions=["s3:PutObject"],
                    resources=[log_objects],
                    principals=[
                        # Regions from before August 2022 deliver as the regional ELB account;
                        # newer ones as the log-delivery service principal.
                        aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                            type="AWS", identifiers=[elb_account.arn]
                        ),
                        aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                            type="Service",
                            identifiers=["logdelivery.elasticloadbalancing.amazonaws.com"],
                        ),
                    ],
                ),
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="DenyInsecureTransport",
                    effect="Deny",
                    actions=["s3:*"],
                    resources=[bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                    principals=[
                        aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="*", identifiers=["*"])
                    ],
                    conditions=[
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="Bool", variable="aws:SecureTransport", values=["false"]
                        )
                    ],
                ),
            ]
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-access-logs-policy",
            bucket=bucket.id,
            policy=document.json,
            # S3 rejects a bucket policy while the public access block is being changed.
            opts=pulumi.ResourceOptions(parent=bucket, depends_on=[block]),
        )
        return bucket, [policy, ownership, encryption]
