"""The internal Application Load Balancer behind CloudFront's VPC origin, and the two target
groups ECS moves live traffic between.

How only CloudFront gets in: the ALB is `internal` in the private subnets (no public address,
no route from the internet), CloudFront reaches it through a VPC origin (components/cdn.py), and
its security group admits only CloudFront's origin-facing prefix list on the one listener port
(components/network.py). No shared-secret header: AWS's VPC-origin design replaces it
(CloudFront developer guide, "Restrict access with VPC origins").

Why the prefix list and not `CloudFront-VPCOrigins-Service-SG`: CloudFront creates that group
itself, through its service-linked role (AWSCloudFrontVPCOriginServiceRolePolicy:
ec2:CreateSecurityGroup tagged aws.cloudfront.vpcorigin), when the VPC's first VPC origin is
created; it does not exist when the first `pulumi up` plans this ALB's rules, and a lookup of
it would fail that preview. Narrowing the rule to that group later is a two-step change (add a
rule referencing it, verify traffic, then drop the prefix-list rule).

With a certificate (`service.certificateArn`) the one listener is HTTPS on 443 (TLS 1.3
policy). **Without one it is HTTP on 80**: the hop from CloudFront's VPC-origin interfaces to
the ALB stays inside AWS's network and the VPC, like the ALB-to-task hop after it; viewers still
get HTTPS from CloudFront. There is no port-80 redirect listener: nothing but the VPC origin can
reach the ALB, and it uses one protocol.

Progressive delivery (ECS native blue/green, canary, linear): ECS needs two target groups and a
production listener rule that forwards to both by weight; it registers the new tasks in the
idle group and shifts the rule's weights, assuming the infrastructure role made here. Every
action on the listener is a forward (ECS refuses listeners that mix forward with fixed-response
or redirect actions: ECS developer guide, "Application Load Balancer resources for blue/green,
linear, and canary deployments"). The rule's weights belong to ECS after the first deploy, so
Pulumi ignores changes to its actions. Rolling stacks keep the same shape (the second group
stays empty), so switching strategy is a setting, not a replacement.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.contracts import ComponentArgs, LoadBalancerOrigin, TrafficTarget
from components.log_bucket import private_log_bucket
from components.trust import service_trust_policy

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
"""TLS 1.3 and 1.2 only, forward-secret ciphers."""
ACCESS_LOG_PREFIX = "alb"
PRODUCTION_RULE_PRIORITY = 1
ALL_PATHS = "/*"
HEALTHY_THRESHOLD = 2
UNHEALTHY_THRESHOLD = 3
HEALTH_CHECK_INTERVAL = 15
HEALTH_CHECK_TIMEOUT = 5
ECS_LOAD_BALANCER_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
"""AWS managed policy ECS needs to modify listener rules and target groups during deploys
(`arn:<partition>:iam::aws:policy/<name>`, no `service-role/` path)."""
TARGET_GROUPS = ("blue", "green")


class LoadBalancerArgs(ComponentArgs):
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    """One per AZ, in a VPC with an internet gateway (a VPC-origin prerequisite): the ALB's
    nodes live here, with no public address."""
    security_group_id: pulumi.Input[str]
    """The Network's load-balancer group (CloudFront's prefix list in, the service out)."""
    app_port: int
    """The Next.js container port the target groups forward to."""
    health_path: str
    """The Next.js health path the target groups check."""
    deregistration_delay_seconds: int
    """How long a stopping task keeps serving its in-flight requests."""
    certificate_arn: str | None
    """Regional ACM certificate: HTTPS on 443; None: HTTP on 80 (inside AWS's network)."""
    deletion_protection: bool
    """AWS-side deletion protection on the ALB (prod)."""
    log_retention_days: int
    """Days the access logs are kept."""
    protect: bool
    """Pulumi protect on the access-log bucket."""


class LoadBalancer(pulumi.ComponentResource):
    """Internal ALB, one forwarding listener, two target groups, the production rule ECS
    shifts, the role it shifts them with, and the encrypted access-log bucket."""

    origin: LoadBalancerOrigin
    dns_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:load_balancer:LoadBalancer", name, None, opts)
        prefix = args["name_prefix"]
        logs_bucket, logs_ready = self._access_log_bucket(name, args)

        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=True,
            ip_address_type="ipv4",
            subnets=args["private_subnet_ids"],
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

        groups = {colour: self._target_group(name, colour, args) for colour in TARGET_GROUPS}
        blue, green = groups["blue"], groups["green"]

        certificate = args["certificate_arn"]
        forward_to_blue = aws.lb.ListenerDefaultActionArgs(
            type="forward", target_group_arn=blue.arn
        )
        if certificate:
            serving = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=alb.arn,
                port=443,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate,
                default_actions=[forward_to_blue],
                opts=pulumi.ResourceOptions(parent=self),
            )
        else:
            serving = aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[forward_to_blue],
                opts=pulumi.ResourceOptions(parent=self),
            )

        production = aws.lb.ListenerRule(
            f"{name}-production",
            listener_arn=serving.arn,
            priority=PRODUCTION_RULE_PRIORITY,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=[ALL_PATHS])
                )
            ],
            actions=[
                aws.lb.ListenerRuleActionArgs(
                    type="forward",
                    forward=aws.lb.ListenerRuleActionForwardArgs(
                        target_groups=[
                            aws.lb.ListenerRuleActionForwardTargetGroupArgs(
                                arn=blue.arn, weight=100
                            ),
                            aws.lb.ListenerRuleActionForwardTargetGroupArgs(
                                arn=green.arn, weight=0
                            ),
                        ]
                    ),
                )
            ],
            # ECS owns the weights once it has deployed: an `up` must not shift traffic back.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["actions"]),
        )
        infrastructure_role_arn = self._infrastructure_role(name)

        # ECS refuses a service whose target groups are not yet behind a listener: whoever uses
        # these ARNs (the service) also waits for the production rule.
        def behind_rule(arn: pulumi.Output[str]) -> pulumi.Output[str]:
            return pulumi.Output.all(arn, production.arn).apply(lambda arns: arns[0])

        self.dns_name = alb.dns_name
        self.origin = LoadBalancerOrigin(
            dns_name=alb.dns_name,
            zone_id=alb.zone_id,
            arn=alb.arn,
            arn_suffix=alb.arn_suffix,
            primary=TrafficTarget(arn=behind_rule(blue.arn), arn_suffix=blue.arn_suffix),
            alternate=TrafficTarget(arn=behind_rule(green.arn), arn_suffix=green.arn_suffix),
            production_rule_arn=production.arn,
            infrastructure_role_arn=infrastructure_role_arn,
            origin_protocol_policy="https-only" if certificate else "http-only",
        )
        self.register_outputs(
            {
                "dnsName": alb.dns_name,
                "arn": alb.arn,
                "listenerArn": serving.arn,
                "productionRuleArn": production.arn,
                "targetGroupArns": [blue.arn, green.arn],
                "accessLogBucket": logs_bucket.bucket,
            }
        )

    def _target_group(self, name: str, colour: str, args: LoadBalancerArgs) -> aws.lb.TargetGroup:
        """One of the two identical groups (ECS registers each deploy's tasks in the idle one)."""
        return aws.lb.TargetGroup(
            f"{name}-tg-{colour}",
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
            tags={"Name": f"{args['name_prefix']}-web-{colour}"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _infrastructure_role(self, name: str) -> pulumi.Output[str]:
        """The ARN of the role ECS assumes to move traffic (the AWS managed load-balancer policy),
        resolved once the policy is attached. Its trust is the one AWS documents for the ECS
        infrastructure role for load balancers (ECS developer guide, "Amazon ECS infrastructure
        IAM role"): the ECS principal, no aws:SourceAccount condition, which AWS does not say
        ECS sends for this role (if it did not, every traffic shift would roll back)."""
        partition = aws.get_partition_output()
        role = aws.iam.Role(
            f"{name}-ecs-traffic-role",
            assume_role_policy=service_trust_policy("ecs.amazonaws.com", None),
            description="ECS shifts traffic between the web target groups during deploys",
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-ecs-traffic-policy",
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", partition.partition, f":iam::aws:policy/{ECS_LOAD_BALANCER_POLICY}"
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return pulumi.Output.all(role.arn, attachment.id).apply(lambda values: values[0])

    def _access_log_bucket(
        self, name: str, args: LoadBalancerArgs
    ) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        """A private bucket only ELB log delivery may write to, SSE-S3 (ALB access-log delivery
        does not support SSE-KMS buckets), expiring old logs."""
        identity = aws.get_caller_identity_output()
        elb_account = aws.elb.get_service_account_output()

        def delivery(bucket: aws.s3.Bucket) -> list[aws.iam.GetPolicyDocumentStatementArgs]:
            log_objects = pulumi.Output.concat(
                bucket.arn, f"/{ACCESS_LOG_PREFIX}/AWSLogs/", identity.account_id, "/*"
            )
            # Regions from before August 2022 deliver as the regional ELB account; newer ones
            # as the log-delivery service principal.
            writers = [
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="AWS", identifiers=[elb_account.arn]
                ),
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="Service", identifiers=["logdelivery.elasticloadbalancing.amazonaws.com"]
                ),
            ]
            return [
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="ElbLogDelivery",
                    actions=["s3:PutObject"],
                    resources=[log_objects],
                    principals=writers,
                )
            ]

        return private_log_bucket(
            f"{name}-access-logs",
            bucket_prefix=f"{args['name_prefix']}-alb-logs-",
            retention_days=args["log_retention_days"],
            protect=args["protect"],
            parent=self,
            delivery=delivery,
            renamed_from={
                "public-access": f"{name}-access-logs-public-block",
                "lifecycle": f"{name}-access-logs-expiry",
            },
        )
