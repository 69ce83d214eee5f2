"""Alarms on the owners' targets, the SNS topics they notify, the stack's dashboard, RUM for Core
Web Vitals, and the monthly cost budget.

What each alarm watches and why lives in components/alarm_catalog.py (plain data); the dashboard
body in components/dashboard.py; the budget's rules in components/budget.py. This module only
turns them into resources.

Two regions: CloudFront publishes its metrics in us-east-1 only, and an alarm must live in the
region of its metric and notify a topic in its own region, so the CloudFront alarms get their own
topic (and key) in us-east-1 through pulumi-aws 7's per-resource `region`.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components import budget as budget_rules
from components.alarm_catalog import (
    GLOBAL_METRICS_REGION,
    HOME,
    AlarmSpec,
    Metric,
    Ref,
    Source,
    WatchedScope,
    alarm_catalog,
    rollback_slugs,
)
from components.contracts import (
    CacheConnection,
    DatabaseConnection,
    Distribution,
    LoadBalancerOrigin,
)
from components.dashboard import DashboardInputs, dashboard_body
from components.encryption import ServiceGrant, create_kms_key
from components.log_bucket import deny_insecure_transport
from components.naming import alarm_name
from settings.schema import AlarmSettings, BudgetSettings

RUM_TELEMETRIES = ["performance", "errors", "http"]


class ObservabilityArgs(TypedDict):
    name_prefix: str
    """Physical-name prefix, `<project>-<stack>`; alarm names are `<prefix>-<slug>`."""
    region: str
    """The stack's region (alarms on regional metrics, the RUM app monitor, the home topic)."""
    alarms: AlarmSettings
    """Thresholds (defaults: the owners' targets), e-mail recipients, RUM sample rate."""
    budget: BudgetSettings
    """Monthly amount and extra alert recipients."""
    budget_cost_tag: tuple[str, str]
    """(key, value) of the cost-allocation tag the budget counts, unique to this stack."""
    cluster_name: str
    """ECS cluster name (components.naming.cluster_name), known before the cluster exists."""
    service_name: str
    """ECS service name (components.naming.service_name), known before the service exists."""
    load_balancer: LoadBalancerOrigin
    database: DatabaseConnection
    database_max_connections: int
    """The instance class's max_connections (settings.database.max_connections); the connection
    alarm uses it only without RDS Proxy (with one, it reads the proxy's own pool metrics)."""
    cache: CacheConnection
    cache_nodes: int
    """Nodes in the replication group (settings.cache.nodes)."""
    distribution: Distribution
    cdn_additional_metrics: bool
    """CloudFront additional metrics are on (settings.cdn.realtime_metrics): CacheHitRate exists."""
    public_domain: str | None
    """The site's domain for RUM (settings.cdn.domain_name); None uses the CloudFront domain."""
    protect: bool
    """Pulumi protect on the topics' keys."""


class Observability(pulumi.ComponentResource):
    """Alarms -> SNS (CMK) -> e-mail; one dashboard; RUM app monitor; monthly budget."""

    catalog: tuple[AlarmSpec, ...]
    rollback_alarm_names: list[str]
    """Plain strings, known before the service exists: the ECS service's `alarms.alarm_names`."""
    alarm_topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str]
    rum_app_monitor_id: pulumi.Output[str]
    rum_app_monitor_name: str
    rum_identity_pool_id: pulumi.Output[str]
    rum_guest_role_arn: pulumi.Output[str]
    rum_region: str
    budget_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:observability:Observability", name, None, opts)
        prefix = args["name_prefix"]
        try:
            self.catalog = alarm_catalog(
                args["alarms"],
                WatchedScope(
                    cache_nodes=args["cache_nodes"],
                    database_max_connections=args["database_max_connections"],
                    cdn_additional_metrics=args["cdn_additional_metrics"],
                    database_proxy=args["database"].proxy_name is not None,
                ),
            )
            budget_emails = budget_rules.email_subscribers(args["budget"].alert_emails)
        except ValueError as error:
            # A settings combination AWS would refuse: one line for the user, no traceback.
            raise pulumi.RunError(str(error)) from None
        self.rollback_alarm_names = [
            alarm_name(prefix, slug) for slug in rollback_slugs(self.catalog)
        ]
        if not args["alarms"].notification_emails:
            pulumi.log.warn(
                f"{prefix}: alarms.notificationEmails is empty, so alarm notifications reach "
                "nobody (the SNS topic has no subscriber); add the on-call addresses",
                resource=self,
            )

        identity = aws.get_caller_identity_output()
        partition = aws.get_partition_output()
        home_topic, home_policy = self._topic(
            name, args, args["region"], home=True, identity=identity, partition=partition
        )
        global_topic = home_topic
        if args["region"] != GLOBAL_METRICS_REGION:
            global_topic, _ = self._topic(
                f"{name}-global",
                args,
                GLOBAL_METRICS_REGION,
                home=False,
                identity=identity,
                partition=partition,
            )
        self.alarm_topic_arn = home_topic.arn

        refs: dict[Source, pulumi.Output[str]] = {
            "load_balancer": args["load_balancer"].arn_suffix,
            "target_group": args["load_balancer"].primary.arn_suffix,
            "alternate_target_group": args["load_balancer"].alternate.arn_suffix,
            "cluster": pulumi.Output.from_input(args["cluster_name"]),
            "service": pulumi.Output.from_input(args["service_name"]),
            "db_instance": args["database"].instance_identifier,
            "cache_group": args["cache"].replication_group_id,
            "distribution": args["distribution"].id,
        }
        if args["database"].proxy_name is not None:
            refs["db_proxy"] = args["database"].proxy_name
        for spec in self.catalog:
            topic = home_topic if spec.region == HOME else global_topic
            self._alarm(name, prefix, spec, refs, topic, args["region"])

        self.rum_app_monitor_name = f"{prefix}-web"
        self.rum_region = args["region"]
        monitor, pool, guest_role = self._rum(name, args, self.rum_app_monitor_name)
        self.rum_app_monitor_id = monitor.app_monitor_id
        self.rum_identity_pool_id = pool.id
        self.rum_guest_role_arn = guest_role.arn

        proxy_name = args["database"].proxy_name
        body = pulumi.Output.all(
            refs=pulumi.Output.all(**refs),
            proxy=proxy_name if proxy_name is not None else pulumi.Output.from_input(""),
        ).apply(
            lambda resolved: dashboard_body(
                DashboardInputs(
                    region=args["region"],
                    refs=resolved["refs"],
                    catalog=self.catalog,
                    rum_app_name=self.rum_app_monitor_name,
                    cdn_cache_hit_rate_percent=args["alarms"].cdn_cache_hit_rate_percent,
                    database_max_connections=args["database_max_connections"],
                    database_proxy_name=resolved["proxy"] or None,
                )
            )
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{prefix}-overview",
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name

        budget = self._budget(name, args, budget_emails, home_topic.arn, home_policy)
        self.budget_name = budget.name

        self.register_outputs(
            {
                "rollbackAlarmNames": self.rollback_alarm_names,
                "alarmTopicArn": self.alarm_topic_arn,
                "dashboardName": self.dashboard_name,
                "rumAppMonitorId": self.rum_app_monitor_id,
                "budgetName": self.budget_name,
            }
        )

    def _topic(
        self,
        name: str,
        args: ObservabilityArgs,
        region: str,
        home: bool,
        identity: pulumi.Output[aws.GetCallerIdentityResult],
        partition: pulumi.Output[aws.GetPartitionResult],
    ) -> tuple[aws.sns.Topic, aws.sns.TopicPolicy]:
        """A topic under its own CMK that CloudWatch (and, at home, Budgets) may publish to."""
        prefix = args["name_prefix"]
        other_region = None if home else region
        grants = [ServiceGrant(principal="cloudwatch.amazonaws.com")]
        if home:
            grants.append(ServiceGrant(principal="budgets.amazonaws.com"))
        key = create_kms_key(
            f"{name}-alarms-key",
            alias=f"{prefix}/alarms" if home else f"{prefix}/alarms-{region}",
            description=f"{prefix} alarm notifications ({region})",
            parent=self,
            grants=grants,
            protect=args["protect"],
            region=other_region,
        )
        topic = aws.sns.Topic(
            f"{name}-alarms",
            name=f"{prefix}-alarms",
            display_name=f"{prefix} alarms",
            kms_master_key_id=key.arn,
            region=other_region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        account = identity.account_id
        arn_partition = partition.partition

        def service_publishes(
            sid: str, service: str, source_arn: pulumi.Output[str]
        ) -> aws.iam.GetPolicyDocumentStatementArgs:
            return aws.iam.GetPolicyDocumentStatementArgs(
                sid=sid,
                actions=["sns:Publish"],
                resources=[topic.arn],
                principals=[
                    aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="Service", identifiers=[service]
                    )
                ],
                conditions=[
                    aws.iam.GetPolicyDocumentStatementConditionArgs(
                        test="StringEquals", variable="aws:SourceAccount", values=[account]
                    ),
                    aws.iam.GetPolicyDocumentStatementConditionArgs(
                        test="ArnLike", variable="aws:SourceArn", values=[source_arn]
                    ),
                ],
            )

        statements = [
            aws.iam.GetPolicyDocumentStatementArgs(
                sid="AccountManagesTopic",
                actions=[
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                    "sns:DeleteTopic",
                    "sns:Subscribe",
                    "sns:ListSubscriptionsByTopic",
                    "sns:Publish",
                ],
                resources=[topic.arn],
                principals=[
                    aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="AWS",
                        identifiers=[
                            pulumi.Output.concat("arn:", arn_partition, ":iam::", account, ":root")
                        ],
                    )
                ],
            ),
            service_publishes(
                "CloudWatchAlarmsPublish",
                "cloudwatch.amazonaws.com",
                pulumi.Output.concat(
                    "arn:",
                    arn_partition,
                    ":cloudwatch:",
                    region,
                    ":",
                    account,
                    ":alarm:",
                    prefix,
                    "-*",
                ),
            ),
            deny_insecure_transport(["sns:Publish"], [topic.arn]),
        ]
        if home:
            statements.insert(
                2,
                service_publishes(
                    "BudgetsPublish",
                    "budgets.amazonaws.com",
                    pulumi.Output.concat("arn:", arn_partition, ":budgets::", account, ":*"),
                ),
            )
        policy = aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=topic.arn,
            policy=aws.iam.get_policy_document_output(statements=statements).json,
            region=other_region,
            opts=pulumi.ResourceOptions(parent=topic),
        )
        for email in sorted(set(args["alarms"].notification_emails)):
            aws.sns.TopicSubscription(
                f"{name}-alarms-{email}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                region=other_region,
                opts=pulumi.ResourceOptions(parent=topic),
            )
        return topic, policy

    def _alarm(
        self,
        name: str,
        prefix: str,
        spec: AlarmSpec,
        refs: dict[Source, pulumi.Output[str]],
        topic: aws.sns.Topic,
        home_region: str,
    ) -> aws.cloudwatch.MetricAlarm:
        def dimensions(metric: Metric) -> dict[str, pulumi.Input[str]]:
            return {
                key: (
                    refs[value.source].apply(lambda v, s=value.suffix: v + s)
                    if isinstance(value, Ref)
                    else value
                )
                for key, value in metric.dimensions
            }

        shape: dict[str, object] = {}
        if spec.expressions:
            shape["metric_queries"] = [
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=metric.id,
                    return_data=False,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace=metric.namespace,
                        metric_name=metric.name,
                        dimensions=dimensions(metric),
                        stat=metric.stat,
                        period=metric.period,
                    ),
                )
                for metric in spec.metrics
            ] + [
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=expression.id,
                    expression=expression.expression,
                    label=expression.label,
                    return_data=expression.id == spec.watched_id,
                )
                for expression in spec.expressions
            ]
        else:
            (metric,) = spec.metrics
            shape.update(
                namespace=metric.namespace,
                metric_name=metric.name,
                dimensions=dimensions(metric),
                period=metric.period,
            )
            if metric.is_percentile:
                shape["extended_statistic"] = metric.stat
                shape["evaluate_low_sample_count_percentiles"] = "ignore"
            else:
                shape["statistic"] = metric.stat
        region = None if spec.region == HOME or spec.region == home_region else spec.region
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.slug}",
            name=alarm_name(prefix, spec.slug),
            alarm_description=(
                f"{spec.summary} Runbook: docs/runbooks/alarms.md#{spec.slug}"
                + (" Rolls back an ECS deployment." if spec.rolls_back_deploy else "")
            ),
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
            actions_enabled=True,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
            **shape,  # type: ignore[arg-type]
        )

    def _rum(
        self, name: str, args: ObservabilityArgs, monitor_name: str
    ) -> tuple[aws.rum.AppMonitor, aws.cognito.IdentityPool, aws.iam.Role]:
        """App monitor + the unauthenticated Cognito identity the browser uses to send events."""
        prefix = args["name_prefix"]
        pool = aws.cognito.IdentityPool(
            f"{name}-rum-identity-pool",
            identity_pool_name=f"{prefix}-rum",
            allow_unauthenticated_identities=True,
            # aws-rum-web uses Cognito's basic (classic) flow when the snippet carries
            # guestRoleArn, as the exported snippet inputs do; the guest role may only
            # PutRumEvents on this app monitor.
            allow_classic_flow=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        trust = aws.iam.get_policy_document_output(
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    actions=["sts:AssumeRoleWithWebIdentity"],
                    principals=[
                        aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                            type="Federated", identifiers=["cognito-identity.amazonaws.com"]
                        )
                    ],
                    conditions=[
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="StringEquals",
                            variable="cognito-identity.amazonaws.com:aud",
                            values=[pool.id],
                        ),
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="ForAnyValue:StringLike",
                            variable="cognito-identity.amazonaws.com:amr",
                            values=["unauthenticated"],
                        ),
                    ],
                )
            ]
        )
        guest_role = aws.iam.Role(
            f"{name}-rum-guest",
            # Autonamed: a fixed name collides with itself when a change replaces the role
            # (create-before-delete), as the role path's introduction does for deployed stacks.
            name_prefix=f"{prefix}-rum-guest-",
            description="Unauthenticated RUM web client: may only send events to this monitor",
            assume_role_policy=trust.json,
            opts=pulumi.ResourceOptions(parent=self),
        )
        monitor = aws.rum.AppMonitor(
            f"{name}-rum",
            name=monitor_name,
            domain=args["public_domain"] or args["distribution"].domain_name,
            app_monitor_configuration=aws.rum.AppMonitorAppMonitorConfigurationArgs(
                telemetries=RUM_TELEMETRIES,
                session_sample_rate=args["alarms"].rum_sample_rate,
                allow_cookies=True,
                enable_xray=True,
                identity_pool_id=pool.id,
                guest_role_arn=guest_role.arn,
            ),
            # RUM keeps events 30 days itself and publishes the Core Web Vitals metrics either
            # way. A copy in CloudWatch Logs would land in a group RUM creates outside Pulumi,
            # whose retention the program cannot set (terraform-provider-aws#46407).
            cw_log_enabled=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-rum-guest-put-events",
            role=guest_role.id,
            policy=aws.iam.get_policy_document_output(
                statements=[
                    aws.iam.GetPolicyDocumentStatementArgs(
                        actions=["rum:PutRumEvents"], resources=[monitor.arn]
                    )
                ]
            ).json,
            opts=pulumi.ResourceOptions(parent=guest_role),
        )
        aws.cognito.IdentityPoolRoleAttachment(
            f"{name}-rum-roles",
            identity_pool_id=pool.id,
            roles={"unauthenticated": guest_role.arn},
            opts=pulumi.ResourceOptions(parent=pool),
        )
        return monitor, pool, guest_role

    def _budget(
        self,
        name: str,
        args: ObservabilityArgs,
        emails: list[str],
        topic_arn: pulumi.Output[str],
        topic_policy: aws.sns.TopicPolicy,
    ) -> aws.budgets.Budget:
        """The stack's own budget (its cost tag) and the account budget (no filter: what no tag
        sees); the own one is returned. Budgets checks at creation that it may publish to the
        topic: policy first."""
        settings = args["budget"]
        tag_key, tag_value = args["budget_cost_tag"]
        tag_filter = budget_rules.cost_tag_filter(tag_key, tag_value)
        own = self._monthly_budget(
            f"{name}-budget",
            f"{args['name_prefix']}-monthly-cost",
            settings.monthly_usd,
            [aws.budgets.BudgetCostFilterArgs(**tag_filter)],  # type: ignore[arg-type]
            emails,
            topic_arn,
            topic_policy,
        )
        self._monthly_budget(
            f"{name}-account-budget",
            f"{args['name_prefix']}-account-monthly-cost",
            settings.account_amount,
            None,
            emails,
            topic_arn,
            topic_policy,
        )
        return own

    def _monthly_budget(
        self,
        resource_name: str,
        budget_name: str,
        amount: float,
        cost_filters: list[aws.budgets.BudgetCostFilterArgs] | None,
        emails: list[str],
        topic_arn: pulumi.Output[str],
        topic_policy: aws.sns.TopicPolicy,
    ) -> aws.budgets.Budget:
        return aws.budgets.Budget(
            resource_name,
            name=budget_name,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=budget_rules.limit_amount(amount),
            limit_unit="USD",
            cost_filters=cost_filters,
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    notification_type=alert.notification_type,
                    comparison_operator="GREATER_THAN",
                    threshold=alert.threshold_percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[topic_arn],
                    subscriber_email_addresses=emails or None,
                )
                for alert in budget_rules.ALERTS
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[topic_policy]),
        )
