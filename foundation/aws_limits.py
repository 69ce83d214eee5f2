"""Limits AWS enforces at deploy time that the settings, the components and the deploy checks
all need: written once here, so a stack file value is refused by the settings (with its line)
exactly when a component or a check would refuse it later.

Standard library only (a policy pack carries foundation/). Sources are the API references as
botocore's models ship them, unless said otherwise.
"""

from __future__ import annotations

# --- ECS deployments (CreateService, DeploymentConfiguration) ---------------------------------
# The ranges of the traffic-shifting strategies (ECS API reference; botocore's model has the
# types but not the ranges): bakeTimeInMinutes, canaryBakeTimeInMinutes and
# stepBakeTimeInMinutes 0-1440; canaryPercent 0.1-100.0; linear stepPercent 3.0-100.0.
ECS_BAKE_MINUTES = (0, 1440)
ECS_CANARY_PERCENT = (0.1, 100.0)
ECS_LINEAR_STEP_PERCENT = (3.0, 100.0)
# A rolling deploy's bounds, as a percent of the desired count: ECS's defaults for a REPLICA
# service (maximumPercent 200, minimumHealthyPercent 100), which this project keeps: new tasks
# start before old ones stop, and the connection budget counts the doubled task count.
ECS_ROLLING_MAXIMUM_PERCENT = 200
ECS_ROLLING_MINIMUM_HEALTHY_PERCENT = 100

# --- ECS Exec (Amazon ECS Developer Guide, "Monitor Amazon ECS containers with ECS Exec",
# Considerations) -------------------------------------------------------------------------------
ECS_EXEC_NEEDS_WRITABLE_ROOT = True
"""The SSM agent ECS Exec runs inside the container must create directories and files in the
container's filesystem, so a read-only root filesystem (`readonlyRootFilesystem`, or any other
way) is not supported (the guide's Considerations; aws-containers/amazon-ecs-exec-checker#21,
where AWS added that note). Writable mounts over the agent's paths are a community workaround
(aws/containers-roadmap#1359), not a supported setup."""


def ecs_exec_problem(exec_enabled: bool, readonly_root_filesystem: bool) -> str | None:
    """Why ECS Exec cannot work on a container with this root filesystem, or None."""
    if exec_enabled and readonly_root_filesystem and ECS_EXEC_NEEDS_WRITABLE_ROOT:
        return (
            "with a read-only root filesystem ECS Exec is not supported: the SSM agent it starts "
            "in the container writes to it (Amazon ECS Developer Guide, ECS Exec considerations)"
        )
    return None


# --- CloudFront to an origin over HTTPS (CloudFront developer guide, "HTTP 502 status code (Bad
# Gateway)", SSL/TLS negotiation failure with a custom origin) -------------------------------------
# A domain name in the origin's certificate must match the origin domain name the distribution
# names (or the Host header, when it is forwarded); else the TLS handshake fails and CloudFront
# answers 502 to every viewer. A VPC origin is a custom origin reached inside the VPC: the same
# rule holds, and the certificate is always the owner's (its load balancer's or instance's).
# Nobody but AWS can get a certificate for a name in AWS's own domains.
AWS_OWNED_DOMAINS = ("amazonaws.com", "amazonaws.com.cn", "internal")
"""Domains whose names no certificate of the owner can cover (ACM validates control of the
domain; `internal` is EC2's private DNS, not a public name)."""
OWNER_SERVED_AWS_DOMAINS = (
    "elb.amazonaws.com",
    "elb.amazonaws.com.cn",
    "compute.amazonaws.com",
    "compute-1.amazonaws.com",
    "compute.amazonaws.com.cn",
    "internal",
)
"""AWS-named hosts that present the owner's certificate, not AWS's: load balancers and EC2
instances. (S3, API Gateway, MediaStore... present AWS's own certificate for their names.)"""


def _in_domain(name: str, domains: tuple[str, ...]) -> str | None:
    host = name.lower().rstrip(".")
    return next((d for d in domains if host == d or host.endswith("." + d)), None)


def origin_certificate_problem(domain: str, *, vpc_origin: bool) -> str | None:
    """Why CloudFront cannot reach an origin over HTTPS at `domain` (every request 502), or None.

    A VPC origin always presents the owner's certificate, so no name in AWS's domains can be
    matched; a custom origin at an AWS-named host serving the owner's certificate neither."""
    owned = _in_domain(domain, AWS_OWNED_DOMAINS if vpc_origin else OWNER_SERVED_AWS_DOMAINS)
    if owned is None:
        return None
    return (
        f"a name in AWS's domain {owned!r}, which no certificate on the load "
        "balancer or instance can cover: over HTTPS CloudFront checks the origin's certificate "
        "against the origin domain name and answers 502 to every request (CloudFront developer "
        "guide, HTTP 502: SSL/TLS negotiation failure)"
    )


# --- ElastiCache (CreateReplicationGroup) -------------------------------------------------------
ELASTICACHE_MAX_CACHE_CLUSTERS = 6
"""NumCacheClusters: "The maximum permitted value ... is 6 (1 primary plus 5 replicas)"."""
ELASTICACHE_FAILOVER_MIN_NODES = 2
"""NumCacheClusters: "If AutomaticFailoverEnabled is true, the value ... must be at least 2"
(and Multi-AZ requires automatic failover)."""

# --- CloudWatch (PutMetricAlarm) ----------------------------------------------------------------
CLOUDWATCH_MAX_METRICS_PER_ALARM = 10
"""A metric-math alarm watches at most 10 metrics (CloudWatch service quotas, a hard limit)."""
CACHE_HIT_RATE_METRICS_PER_NODE = 2
"""The cache hit-rate alarm sums CacheHits and CacheMisses of every node
(components/alarm_catalog.py): each node spends two of the alarm's metrics."""
MAX_CACHE_NODES = min(
    ELASTICACHE_MAX_CACHE_CLUSTERS,
    CLOUDWATCH_MAX_METRICS_PER_ALARM // CACHE_HIT_RATE_METRICS_PER_NODE,
)
"""The most nodes a replication group of this project may have: what ElastiCache allows, and
what the hit-rate alarm can still watch (5)."""

# --- IAM policy sizes (IAM User Guide, "IAM and AWS STS quotas") -------------------------------
IAM_ROLE_INLINE_POLICIES_MAX_CHARS = 10_240
"""All inline policies of one role together; IAM does not count white space."""
IAM_MANAGED_POLICY_MAX_CHARS = 6_144
"""One managed policy (a permissions boundary is one); white space not counted."""
IAM_TRUST_POLICY_MAX_CHARS = 2_048
"""A role's trust policy at the default quota (raisable to 4,096); white space not counted."""


def iam_policy_size(document: str) -> int:
    """The size IAM compares with its quotas: the characters that are not white space."""
    return sum(1 for character in document if not character.isspace())


# --- Trust policies: the condition keys each service principal sends when it assumes a role ---
# A trust condition on a key the service does not put in its AssumeRole request is false, so the
# role can never be assumed (IAM User Guide, "IAM JSON policy elements: Condition operators",
# a key absent from the request context). A key is listed only where the service's own guide
# documents it in the trust policy of the kind of role the program gives that service; a service
# listed with no keys gets none (its role is passed with iam:PassRole by this account's deploy
# role only, so another account cannot point the service at it).
TRUST_CONDITION_KEYS: dict[str, tuple[frozenset[str], str]] = {
    "ecs-tasks.amazonaws.com": (
        frozenset({"aws:SourceAccount", "aws:SourceArn"}),
        "Amazon ECS Developer Guide, 'Amazon ECS task IAM role' (trust example with aws:SourceArn "
        "arn:aws:ecs:<region>:<account>:* and aws:SourceAccount): "
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html ; "
        "awsdocs/amazon-ecs-developer-guide#208. The task execution role is assumed by the same "
        "principal; its page shows no condition (from memory)",
    ),
    "vpc-flow-logs.amazonaws.com": (
        frozenset({"aws:SourceAccount", "aws:SourceArn"}),
        "Amazon VPC User Guide, 'IAM role for publishing flow logs to CloudWatch Logs' (trust "
        "example against the confused deputy): "
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html (from memory)",
    ),
    "monitoring.rds.amazonaws.com": (
        frozenset({"aws:SourceAccount", "aws:SourceArn"}),
        "Amazon RDS User Guide, 'Setting up and enabling Enhanced Monitoring', 'Protecting "
        "against the confused deputy problem': https://docs.aws.amazon.com/AmazonRDS/latest/"
        "UserGuide/USER_Monitoring.OS.Enabling.html#USER_Monitoring.OS.confused-deputy",
    ),
    "rds.amazonaws.com": (
        frozenset(),
        "RDS Proxy's role: Amazon RDS User Guide, 'Configuring IAM authentication for RDS "
        "Proxy' (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html)"
        " gives the role no condition; 'Preventing cross-service confused deputy problems' speaks "
        "of resource policies and does not say RDS Proxy sends the keys",
    ),
    "lambda.amazonaws.com": (
        frozenset(),
        "AWS Lambda Developer Guide, 'Defining Lambda function permissions with an execution "
        "role' (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html): "
        "the trust example has no condition and no page says Lambda sends aws:SourceAccount "
        "(AWS's sample aws/agent-toolkit-for-aws lambda-trust-policy.json uses it: not a guide)",
    ),
    "ecs.amazonaws.com": (
        frozenset(),
        "Amazon ECS Developer Guide, 'Amazon ECS infrastructure IAM role for load balancers': "
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html"
        " (trust without a condition, from memory)",
    ),
    "cognito-identity.amazonaws.com": (
        frozenset({"cognito-identity.amazonaws.com:aud", "cognito-identity.amazonaws.com:amr"}),
        "Amazon Cognito Developer Guide, 'Role trust and permissions': "
        "https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html",
    ),
}
"""Service (or federated) principal -> (the condition keys AWS documents it sends, the source)."""


def undocumented_trust_keys(principal: str, keys: set[str] | frozenset[str]) -> set[str]:
    """The keys of a trust condition the principal is not documented to send (all of them for a
    principal not in the table: what is not known to work is not assumed to)."""
    documented, _ = TRUST_CONDITION_KEYS.get(principal, (frozenset(), ""))
    return {key for key in keys if key.casefold() not in {d.casefold() for d in documented}}


# --- AWS Budgets (CreateNotification, Subscribers) ----------------------------------------------
BUDGETS_MAX_EMAIL_SUBSCRIBERS = 10
"""NotificationWithSubscribers: "A notification can have one SNS subscriber and up to 10 email
subscribers, for a total of 11 subscribers"."""


def cache_nodes_problem(nodes: int) -> str | None:
    """Why a replication group of `nodes` nodes cannot be built and watched, or None."""
    if nodes < 1:
        return "a replication group has at least 1 node (the primary)"
    if nodes > ELASTICACHE_MAX_CACHE_CLUSTERS:
        return (
            f"ElastiCache allows at most {ELASTICACHE_MAX_CACHE_CLUSTERS} "
            "(1 primary plus 5 replicas) without sharding"
        )
    if nodes * CACHE_HIT_RATE_METRICS_PER_NODE > CLOUDWATCH_MAX_METRICS_PER_ALARM:
        return (
            "the cache hit-rate alarm sums CacheHits and CacheMisses over every "
            f"node and CloudWatch allows {CLOUDWATCH_MAX_METRICS_PER_ALARM} metrics per alarm, "
            f"so use at most {MAX_CACHE_NODES} nodes"
        )
    return None


def failover_nodes_problem(nodes: int, multi_az: bool) -> str | None:
    """Why Multi-AZ cannot be had with `nodes` nodes (it needs automatic failover, which needs a
    replica), or None."""
    if multi_az and nodes < ELASTICACHE_FAILOVER_MIN_NODES:
        return (
            f"Multi-AZ needs at least {ELASTICACHE_FAILOVER_MIN_NODES} nodes for automatic "
            f"failover (nodes: {nodes})"
        )
    return None


def budget_emails_problem(emails: list[str]) -> str | None:
    """Why AWS Budgets would refuse these e-mail subscribers on one notification, or None.

    Counts distinct addresses: a repeated one is subscribed once (components/budget.py)."""
    distinct = len(set(emails))
    if distinct > BUDGETS_MAX_EMAIL_SUBSCRIBERS:
        return (
            f"{distinct} addresses; AWS Budgets allows {BUDGETS_MAX_EMAIL_SUBSCRIBERS} e-mail "
            "subscribers per notification (subscribe a mailing list, or use the SNS topic)"
        )
    return None


# --- RDS (CreateDBInstance) ---------------------------------------------------------------------
RDS_PERFORMANCE_INSIGHTS_RETENTION_DAYS = frozenset(
    [7, 731, *(31 * month for month in range(1, 24))]
)
"""PerformanceInsightsRetentionPeriod: 7, month * 31 (month 1-23), or 731."""
RDS_MAX_BACKUP_RETENTION_DAYS = 35
"""BackupRetentionPeriod: 0 to 35 (0 turns automated backups off)."""
ELASTICACHE_MAX_SNAPSHOT_RETENTION_DAYS = 35
"""SnapshotRetentionLimit: "The maximum backup retention limit is 35 days" (ElastiCache user
guide, "Scheduling automatic backups"; 0 turns automatic backups off)."""
