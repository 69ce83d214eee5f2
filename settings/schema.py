"""The typed, frozen settings of one stack, and the rules that tie their values together.

Pydantic does the validation, so every problem in a stack file is found in one pass and reported
one line each. Sections map one to one onto the stack file's structured config keys
(`perfcheck:service`, `perfcheck:database`, ...); field names are camelCase there.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from foundation.app_contract import (
    HONO,
    HONO_DEFAULT_PORT,
    HONO_HEALTH_PATH_DEFAULT,
    NEXTJS,
    NEXTJS_DEFAULT_PORT,
    NEXTJS_HEALTH_PATH_DEFAULT,
)
from foundation.aws_limits import (
    ECS_BAKE_MINUTES,
    ECS_CANARY_PERCENT,
    ECS_LINEAR_STEP_PERCENT,
    ECS_ROLLING_MAXIMUM_PERCENT,
    ECS_ROLLING_MINIMUM_HEALTHY_PERCENT,
    ELASTICACHE_MAX_SNAPSHOT_RETENTION_DAYS,
    RDS_MAX_BACKUP_RETENTION_DAYS,
    RDS_PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    budget_emails_problem,
    cache_nodes_problem,
    ecs_exec_problem,
    failover_nodes_problem,
    origin_certificate_problem,
)
from foundation.aws_regions import REGIONS, REGIONS_AS_OF
from foundation.capacity import (
    RDS_MEMORY_GIB,
    RESERVED_CONNECTIONS,
    postgres_max_connections,
    worst_case_connections,
)
from foundation.engine_versions import cache_parameter_group_family, offered_version_problem
from foundation.fargate import fargate_size_problem
from foundation.images import DIGEST_PATTERN, moving_tag_word, parse_image_reference
from foundation.instance_classes import (
    CLASSES_AS_OF,
    DATABASE_CLASSES,
    ELASTICACHE_NODE_TYPES,
    closest,
)
from foundation.prices import load_price_table
from foundation.text_shapes import word_shaped
from foundation.usage import UsageAssumptions
from foundation.windows import (
    ELASTICACHE_MIN_MAINTENANCE_MINUTES,
    ELASTICACHE_MIN_SNAPSHOT_MINUTES,
    RDS_MIN_WINDOW_MINUTES,
    overlap_problem,
    window_problem,
)

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
RetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
]  # fmt: skip

# Task images other than the app's, pinned by digest (a tag can move; staging and prod must run
# the same bytes). Each digest is the multi-arch index of that tag (ARM64 and X86_64), as
# published on ECR Public; docs/delivery.md, "Every image by digest", says how to renew one.
OTEL_COLLECTOR_IMAGE = (
    "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
    "@sha256:8aa9ea5f67b8d318f7d6af24677e3c70f7098bc0631147cb5fa91addbe980b06"
)
TOKEN_SIGNER_IMAGE = (
    "public.ecr.aws/aws-cli/aws-cli:2.27.26"
    "@sha256:ce3aee116adc8e9ba7ad27295102eb1c9c91525fbad18f45ee7a9bfd01cfec73"
)
POSTGRES_TOOLS_REPOSITORY = "public.ecr.aws/docker/library/postgres"
"""The official postgres image (Docker Hub library, mirrored on ECR Public: no pull limits)."""
POSTGRES_TOOLS_IMAGES: dict[int, str] = {
    major: f"{POSTGRES_TOOLS_REPOSITORY}:{tag}-alpine@sha256:{digest}"
    for major, tag, digest in (
        (14, "14.20", "3ccbb4eb4e8fe35fef673c52c2fc664713420bf5b68610cc581157f2358824a5"),
        (15, "15.15", "2e7b888f221193cddee9ce554d3311dc8be197a5d0c904fe30f5f568e0f99851"),
        (16, "16.11", "a5074487380d4e686036ce61ed6f2d363939ae9a0c40123d1a9e3bb3a5f344b4"),
        (17, "17.6", "ef257d85f76e48da1c64832459b59fcaba1a4dac97bf5d7450c77753542eee94"),
        (18, "18.1", "aa6eb304ddb6dd26df23d05db4e5cb05af8951cda3e0dc57731b771e0ef4ab29"),
    )
}
"""Client tools per engine major: at least the server's major (pg_dump refuses a newer one)."""


def postgres_tools_image(major: int) -> str:
    """The pinned client image for a server major; a major with none pinned gets its moving
    `<major>-alpine` tag, which prod refuses and the image guardrail reports."""
    return POSTGRES_TOOLS_IMAGES.get(major, f"{POSTGRES_TOOLS_REPOSITORY}:{major}-alpine")


REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
ACM_ARN_PATTERN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
IMAGE_TAG_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
DOMAIN_PATTERN = r"^([a-z0-9-]+\.)+[a-z]{2,}$"

PATTERN_HELP: dict[str, str] = {
    REGION_PATTERN: "an AWS Region name such as eu-west-1",
    ACM_ARN_PATTERN: (
        "an ACM certificate ARN (arn:aws:acm:<region>:<12-digit account>:certificate/<id>)"
    ),
    EMAIL_PATTERN: "an e-mail address such as oncall@example.com",
    IMAGE_TAG_PATTERN: (
        "an image tag: letters, digits, '_', '.', '-', up to 128 characters, not starting with "
        "'.' or '-'"
    ),
    r"^[1-9]\d{2,9}(:[1-9]\d{2,9})?$": (
        "a numeric user id, optionally with a group id (uid or uid:gid, e.g. 1001:1001), each "
        "from 100 upwards; never 0 (root)"
    ),
    r"^/[A-Za-z0-9/_.-]*$": "a URL path starting with '/' (letters, digits, '/', '_', '.', '-')",
    r"^[a-z][a-z0-9_]{0,62}$": (
        "a PostgreSQL database name: lowercase letter first, then lowercase letters, digits or "
        "'_', up to 63 characters"
    ),
    DOMAIN_PATTERN: "a lowercase domain name such as app.example.com",
    r"^Z[A-Z0-9]{4,32}$": "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
    r"^arn:aws[a-z-]*:secretsmanager:": "a Secrets Manager secret ARN (arn:aws:secretsmanager:...)",
    r"^arn:aws[a-z-]*:kms:": "a KMS key ARN (arn:aws:kms:...)",
    r"^[A-Za-z_][A-Za-z0-9_]{0,62}$": (
        "a database name: letter or '_' first, then letters, digits or '_', up to 63 characters"
    ),
    r"^\d+\.\d+$": "a major.minor version such as 8.0",
    r"^1[4-8](\.\d{1,2})?$": "a PostgreSQL version 14 to 18, major or major.minor (e.g. 17.6)",
    r"^cache\.[a-z0-9]+\.[a-z0-9]+$": "an ElastiCache node type such as cache.t4g.micro",
    rf"^{DIGEST_PATTERN}$": "an image digest: sha256: followed by 64 lowercase hex digits",
}
"""Every pattern a setting is checked against, in the words an operator reads (a test keeps it
complete): an error message says what is allowed, never the regular expression."""

SECRET_LIKE = (
    re.compile(r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"),  # AWS access key id
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub tokens
    re.compile(r"\bxox[abpors]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe keys
    re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\."),  # JSON Web Token
    re.compile(r"://[^/\s:@]+:[^/\s@]+@"),  # credentials in a URL
    re.compile(r"(?i)\b(?:password|passwd|secret|token|api[_-]?key)\s*[:=]"),
)


def looks_like_secret(value: str) -> bool:
    """A credential pattern, or a long random-looking string (high entropy, mixed classes, not
    words joined by separators: `Q3-Campaign-Launch-Review-2026` is a name)."""
    if any(pattern.search(value) for pattern in SECRET_LIKE):
        return True
    compact = value.strip()
    if len(compact) < 20 or " " in compact or word_shaped(compact):
        return False
    classes = sum(any(test(c) for c in compact) for test in (str.islower, str.isupper, str.isdigit))
    counts = {c: compact.count(c) for c in set(compact)}
    entropy = -sum(n / len(compact) * math.log2(n / len(compact)) for n in counts.values())
    return classes >= 3 and entropy >= 4.0


def _no_secret(value: str) -> str:
    if looks_like_secret(value):
        raise PydanticCustomError(
            "secret_like",
            "looks like a credential (value not shown); tags are plain text on every resource, "
            "in the console and in the bill: never put a secret there. Store it in Secrets "
            "Manager, and rotate it if it was real",
        )
    return value


def _known_region(value: str) -> str:
    if value not in REGIONS:
        near = closest(value, REGIONS)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        raise PydanticCustomError(
            "unknown_region",
            f"not an AWS Region; {hint}Regions as of {REGIONS_AS_OF}: e.g. eu-west-1, "
            "eu-central-1, us-east-1 (foundation/aws_regions.py has the full list)",
        )
    return value


Region = Annotated[str, Field(pattern=REGION_PATTERN), AfterValidator(_known_region)]


def _image_reference(value: str) -> str:
    parse_image_reference(value)  # raises, naming what a reference looks like
    return value


ImageUri = Annotated[str, AfterValidator(_image_reference)]
"""`registry/repository[:tag][@sha256:...]`."""


def _ipv4_network(value: str) -> str:
    try:
        ipaddress.IPv4Network(value)
    except ValueError as error:
        raise ValueError(f"not an IPv4 CIDR block ({error})") from None
    return value


Ipv4Cidr = Annotated[str, AfterValidator(_ipv4_network)]
Email = Annotated[str, Field(pattern=EMAIL_PATTERN)]

# How many tasks may run during a rolling deploy, as a percent of the desired count.
DEPLOY_MAXIMUM_PERCENT = ECS_ROLLING_MAXIMUM_PERCENT
DEPLOY_MINIMUM_HEALTHY_PERCENT = ECS_ROLLING_MINIMUM_HEALTHY_PERCENT

DeploymentStrategy = Literal["rolling", "blue-green", "canary", "linear"]
"""ECS native deployment strategies (deployment_configuration.strategy ROLLING, BLUE_GREEN,
CANARY, LINEAR). All but rolling shift traffic between two target groups through the ALB's
production listener rule, wait the bake time, and roll back on an alarm."""
TRAFFIC_SHIFTING: tuple[DeploymentStrategy, ...] = ("blue-green", "canary", "linear")
# ECS's ranges (foundation/aws_limits.py): the settings refuse what CreateService would.
BakeMinutes = Annotated[int, Field(ge=ECS_BAKE_MINUTES[0], le=ECS_BAKE_MINUTES[1])]
DEFAULT_BAKE_MINUTES = 10
DEFAULT_CANARY_PERCENT = 10.0
DEFAULT_LINEAR_STEP_PERCENT = 25.0


def refusing(problem_of: Callable[[Any], str | None]) -> AfterValidator:
    """The value, or a ValueError with the problem a foundation check finds in it (the fact, and
    its wording, live in foundation/, where components and rules read them too)."""

    def check(value: Any) -> Any:
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def window(weekly: bool, minimum_minutes: int) -> AfterValidator:
    return refusing(partial(window_problem, weekly=weekly, minimum_minutes=minimum_minutes))


def _apart(daily: object, weekly: str, daily_key: str) -> str:
    """The maintenance window, when it does not overlap the section's daily window (a daily
    window that failed its own check is not in `info.data` and is reported on its own)."""
    problem = overlap_problem(daily, weekly, daily_key) if isinstance(daily, str) else None
    if problem:
        raise ValueError(problem)
    return weekly


class Section(BaseModel):
    """A config section: camelCase keys, unknown keys rejected, values immutable, JSON types."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=False,
        extra="forbid",
        frozen=True,
        strict=True,
    )


class NetworkSettings(Section):
    cidr: Ipv4Cidr = "10.0.0.0/16"
    """VPC IPv4 range; /16 to /20 so every tier fits in every AZ."""
    availability_zones: Annotated[int, Field(ge=2, le=3)]
    """AZs the subnets span: 2 in staging, 3 in prod."""
    nat_gateways: Literal["single", "one-per-az"]
    """One NAT for the VPC (cheap, one AZ failure cuts egress) or one per AZ (prod)."""
    flow_log_retention_days: RetentionDays = 30

    @field_validator("cidr")
    @classmethod
    def _cidr_is_private_range(cls, value: str) -> str:
        network = ipaddress.IPv4Network(value)
        if not network.is_private or not 16 <= network.prefixlen <= 20:
            raise ValueError("must be a private IPv4 range from /16 to /20, e.g. 10.0.0.0/16")
        return value


class ContainerSettings(Section):
    port: Annotated[int, Field(ge=1024, le=65535)]
    """Listening port; 1024 or above, because the container runs as a non-root user."""
    health_path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_.-]*$")]
    image: ImageUri | None = None
    """A full image URI that overrides the stack's ECR repository (e.g. the shared release
    repository): `registry/repository[:tag][@sha256:...]`."""
    image_digest: Annotated[str, Field(pattern=rf"^{DIGEST_PATTERN}$")] | None = None
    """`sha256:<64 hex>`: pull this exact image (from `image`'s repository or the stack's ECR
    repository) instead of the tag. Prod requires a digest (docs/delivery.md, "Promotion")."""

    @model_validator(mode="after")
    def _one_digest(self) -> ContainerSettings:
        given = parse_image_reference(self.image).digest if self.image else None
        if given and self.image_digest and given != self.image_digest:
            raise ValueError(
                f"image names digest {given} and imageDigest {self.image_digest}: set one"
            )
        return self

    @property
    def digest(self) -> str | None:
        """The digest this container is pinned to, from either key."""
        return self.image_digest or (
            parse_image_reference(self.image).digest if self.image else None
        )


class ServiceSettings(Section):
    cpu: int
    """Task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192, 16384)."""
    memory: int
    """Task memory in MiB; must be a size Fargate offers with this CPU."""
    architecture: Literal["ARM64", "X86_64"] = "ARM64"
    image_tag: Annotated[str, Field(pattern=IMAGE_TAG_PATTERN)]
    """The one build tag both app images carry (one build ID across all tasks)."""
    nextjs: ContainerSettings = Field(
        default_factory=lambda: ContainerSettings.model_validate(
            {"port": NEXTJS_DEFAULT_PORT, "healthPath": NEXTJS_HEALTH_PATH_DEFAULT}
        )
    )
    hono: ContainerSettings = Field(
        default_factory=lambda: ContainerSettings.model_validate(
            {"port": HONO_DEFAULT_PORT, "healthPath": HONO_HEALTH_PATH_DEFAULT}
        )
    )
    otel_collector_image: ImageUri = OTEL_COLLECTOR_IMAGE
    """The OpenTelemetry collector sidecar, pinned by digest like the app images (prod refuses a
    tag-only image: a tag can name another image tomorrow)."""
    run_as_user: Annotated[str, Field(pattern=r"^[1-9]\d{2,9}(:[1-9]\d{2,9})?$")] = "1001:1001"
    """uid[:gid] the app containers run as; never 0 (root)."""
    min_tasks: Annotated[int, Field(ge=1, le=100)]
    max_tasks: Annotated[int, Field(ge=1, le=200)]
    cpu_target_percent: Annotated[int, Field(ge=20, le=90)] = 60
    requests_per_target: Annotated[int, Field(ge=10, le=100000)] = 1000
    """Target of ALBRequestCountPerTarget scaling (requests per task per minute)."""
    log_retention_days: RetentionDays
    container_auth: bool = False
    """Give both app containers a shared token from Secrets Manager for calls between them."""
    deployment_strategy: DeploymentStrategy = "rolling"
    """rolling (tasks replaced in place), or a traffic-shifting ECS deployment: blue-green (all
    at once), canary (canaryPercent first, then the rest) or linear (stepPercent per step)."""
    bake_time_minutes: BakeMinutes | None = None
    """Traffic-shifting strategies: minutes the old tasks stay ready after all traffic moved
    (alarms can still roll back); default 10. Not used by rolling (refused there)."""
    canary_percent: (
        Annotated[float, Field(ge=ECS_CANARY_PERCENT[0], le=ECS_CANARY_PERCENT[1])] | None
    ) = None
    """canary: share of traffic the new tasks take first; default 10."""
    canary_bake_minutes: BakeMinutes | None = None
    """canary: minutes at canaryPercent before the rest moves; default bakeTimeMinutes."""
    linear_step_percent: (
        Annotated[float, Field(ge=ECS_LINEAR_STEP_PERCENT[0], le=ECS_LINEAR_STEP_PERCENT[1])] | None
    ) = None
    """linear: share of traffic moved per step; default 25."""
    linear_step_bake_minutes: BakeMinutes | None = None
    """linear: minutes between steps; default bakeTimeMinutes."""
    readonly_root_filesystem: bool = True
    """The task's containers have a read-only root filesystem (the apps write only to /tmp and
    the Next.js cache, mounted from task storage); the guardrails require it."""
    exec_enabled: bool = False
    """ECS Exec (shell into tasks); off in prod. AWS does not support it with a read-only root
    filesystem, so it needs readonlyRootFilesystem: false."""
    certificate_arn: Annotated[str, Field(pattern=ACM_ARN_PATTERN)] | None = None
    """Regional ACM certificate for the ALB's HTTPS listener; without it CloudFront reaches the
    ALB over HTTP on port 80 through the CloudFront-only security group. Needs originDomainName:
    over HTTPS CloudFront checks the certificate against the origin's name."""
    origin_domain_name: Annotated[str, Field(pattern=DOMAIN_PATTERN)] | None = None
    """The name CloudFront reaches the ALB at (its origin domain, e.g. origin.example.com): one
    certificateArn covers. The program points it at the ALB with an alias record in
    cdn.hostedZoneId; without it the origin is the ALB's own *.elb.amazonaws.com name."""
    health_check_grace_seconds: Annotated[int, Field(ge=0, le=600)] = 60
    deregistration_delay_seconds: Annotated[int, Field(ge=0, le=3600)] = 30
    trace_sample_rate: Annotated[float, Field(ge=0, le=1)] = 0.05
    """Share of requests X-Ray records beyond the first one each second (the reservoir)."""

    @field_validator("exec_enabled")
    @classmethod
    def _exec_supported(cls, value: bool, info: ValidationInfo) -> bool:
        read_only = info.data.get("readonly_root_filesystem", True)
        problem = ecs_exec_problem(value, read_only)
        if problem:
            raise ValueError(
                f"{problem}; allowed: execEnabled false while readonlyRootFilesystem is true "
                "(its default), or execEnabled true with readonlyRootFilesystem: false (which "
                "the guardrails' ecs-container-read-only-root-filesystem then reports)"
            )
        return value

    @field_validator("origin_domain_name")
    @classmethod
    def _origin_name_coverable(cls, value: str | None) -> str | None:
        problem = value and origin_certificate_problem(value, vpc_origin=True)
        if problem:
            raise ValueError(
                f"{problem}; allowed: a name in a domain you own that certificateArn covers, "
                "e.g. origin.<cdn.domainName's domain>"
            )
        return value

    @model_validator(mode="after")
    def _sizes_fit(self) -> ServiceSettings:
        problem = fargate_size_problem(self.cpu, self.memory)
        if problem:
            raise ValueError(f"cpu/memory ({self.cpu}/{self.memory}): {problem}")
        if self.max_tasks < self.min_tasks:
            raise ValueError(f"maxTasks ({self.max_tasks}) is below minTasks ({self.min_tasks})")
        if self.nextjs.port == self.hono.port:
            raise ValueError("nextjs.port and hono.port must differ (one task, one network)")
        return self

    @model_validator(mode="after")
    def _deployment_settings_fit_the_strategy(self) -> ServiceSettings:
        strategy = self.deployment_strategy
        used_by = {
            "bakeTimeMinutes": (self.bake_time_minutes, TRAFFIC_SHIFTING),
            "canaryPercent": (self.canary_percent, ("canary",)),
            "canaryBakeMinutes": (self.canary_bake_minutes, ("canary",)),
            "linearStepPercent": (self.linear_step_percent, ("linear",)),
            "linearStepBakeMinutes": (self.linear_step_bake_minutes, ("linear",)),
        }
        wrong = [
            f"{key} ({value}) is used only with deploymentStrategy "
            + " or ".join(f"'{s}'" for s in strategies)
            for key, (value, strategies) in used_by.items()
            if value is not None and strategy not in strategies
        ]
        if wrong:
            raise ValueError(f"deploymentStrategy is '{strategy}': " + "; ".join(wrong))
        return self

    @property
    def shifts_traffic(self) -> bool:
        """The deploy moves traffic between two target groups (blue-green, canary, linear)."""
        return self.deployment_strategy in TRAFFIC_SHIFTING

    @property
    def bake_minutes(self) -> int:
        return _given(self.bake_time_minutes, DEFAULT_BAKE_MINUTES)

    @property
    def canary_step(self) -> tuple[float, int]:
        """(percent, minutes) of the canary step."""
        return _given(self.canary_percent, DEFAULT_CANARY_PERCENT), _given(
            self.canary_bake_minutes, self.bake_minutes
        )

    @property
    def linear_step(self) -> tuple[float, int]:
        """(percent, minutes) of each linear step."""
        return _given(self.linear_step_percent, DEFAULT_LINEAR_STEP_PERCENT), _given(
            self.linear_step_bake_minutes, self.bake_minutes
        )


T = TypeVar("T")


def _given(value: T | None, default: T) -> T:
    """The setting, or its default when unset (0 is a setting: `or` would drop it)."""
    return default if value is None else value


class ProxySettings(Section):
    """RDS Proxy's connection pool (the default target group). The database-connection alarm
    reads the pool the proxy reports (MaxDatabaseConnectionsAllowed), not a figure derived from
    these and the instance class's nominal memory."""

    max_connections_percent: Annotated[int, Field(ge=1, le=100)] = 90
    """Share of the instance's max_connections the proxy may open; the rest is left for
    operators, migrations and monitoring."""
    max_idle_connections_percent: Annotated[int, Field(ge=0, le=100)] = 50
    connection_borrow_timeout_seconds: Annotated[int, Field(ge=0, le=3600)] = 120
    """How long a client waits for a pooled connection before the proxy refuses it."""
    idle_client_timeout_seconds: Annotated[int, Field(ge=1, le=28800)] = 1800

    @model_validator(mode="after")
    def _idle_within_max(self) -> ProxySettings:
        if self.max_idle_connections_percent > self.max_connections_percent:
            raise ValueError(
                f"maxIdleConnectionsPercent ({self.max_idle_connections_percent}) must not exceed "
                f"maxConnectionsPercent ({self.max_connections_percent})"
            )
        return self


class DatabaseSettings(Section):
    engine_version: Annotated[str, refusing(partial(offered_version_problem, "postgres"))]
    """PostgreSQL version, major (e.g. 17) or major.minor (e.g. 17.6), one RDS offers
    (foundation/offered_engine_versions.json)."""
    instance_class: str
    allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)]
    max_allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)]
    multi_az: bool
    backup_retention_days: Annotated[int, Field(ge=1, le=RDS_MAX_BACKUP_RETENTION_DAYS)]
    """At least 1: 0 would turn automated backups (and point-in-time recovery) off."""
    deletion_protection: bool
    proxy_enabled: bool
    """RDS Proxy pools connections (and absorbs the doubling of tasks during a deploy)."""
    proxy: ProxySettings = Field(default_factory=lambda: ProxySettings.model_validate({}))
    pool_size_per_task: Annotated[int, Field(ge=1, le=200)] = 10
    database_name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "perfcheck"
    performance_insights_retention_days: int = 7
    backup_window: Annotated[str, window(False, RDS_MIN_WINDOW_MINUTES)] = "02:00-03:00"
    """Daily UTC window of the automated backup, hh24:mi-hh24:mi, at least 30 minutes."""
    maintenance_window: Annotated[str, window(True, RDS_MIN_WINDOW_MINUTES)] = "sun:04:00-sun:05:00"
    """Weekly UTC window, ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes, not overlapping
    backupWindow (RDS refuses both otherwise; foundation/windows.py)."""
    dr_region: Region | None = None
    """Region that receives replicated automated backups (disaster recovery); None = off."""
    password_rotation_days: Annotated[int, Field(ge=1, le=365)] = 30
    slow_statement_ms: Annotated[int, Field(ge=0, le=600_000)] = 500
    """Statements slower than this (ms) are logged (log_min_duration_statement); the owners'
    p99 target is 500 ms, so anything slower is worth a look."""
    log_retention_days: RetentionDays = 30
    """Retention of the exported `postgresql` and `upgrade` log groups."""
    tools_image: ImageUri | None = None
    """The PostgreSQL client image the one-off tasks run (roles, bootstrap, migration); default:
    the digest-pinned image of the engine's major (POSTGRES_TOOLS_IMAGES). A tag that names a
    major (`17.6-alpine`) must name at least the server's (pg_dump refuses a newer server)."""
    token_image: ImageUri = TOKEN_SIGNER_IMAGE
    """The image of the one-off tasks' sidecar that signs RDS IAM tokens (the AWS CLI)."""

    @field_validator("tools_image")
    @classmethod
    def _tools_match_the_server(cls, value: str | None, info: ValidationInfo) -> str | None:
        server = str(info.data.get("engine_version") or "").split(".")[0]
        tag = parse_image_reference(value).tag if value else None
        client = re.match(r"(\d+)", tag or "")
        if client and server.isdigit() and int(client.group(1)) < int(server):
            raise ValueError(
                f"client major {client.group(1)} is below the server's {server}: pg_dump "
                f"refuses a newer server; use a {server} (or newer) image, pinned by digest"
            )
        return value

    @property
    def one_off_tools_image(self) -> str:
        """The client image the one-off tasks run: the setting, else the pinned default of the
        engine's major, else (a major with no pinned image) its moving `<major>-alpine` tag,
        which prod refuses (task_image_pinning_problems)."""
        return self.tools_image or postgres_tools_image(self.major_version)

    @field_validator("instance_class")
    @classmethod
    def _known_instance_class(cls, value: str) -> str:
        known = DATABASE_CLASSES["postgres"]
        if value not in known:
            near = closest(value, known)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise ValueError(
                f"not an RDS for PostgreSQL instance class (list of {CLASSES_AS_OF}); {hint}"
                "e.g. db.t4g.medium, db.m7g.large, db.r7g.large "
                "(foundation/instance_classes.py has the full list)"
            )
        if value not in RDS_MEMORY_GIB:
            raise ValueError(
                "an RDS for PostgreSQL class, but foundation/prices.json has no price for it, so "
                "the cost estimate cannot judge it: add its price (docs/cost.md) or use a priced "
                f"class: {', '.join(RDS_MEMORY_GIB)}"
            )
        return value

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, value: int) -> int:
        if value in RDS_PERFORMANCE_INSIGHTS_RETENTION_DAYS:
            return value
        raise ValueError("Performance Insights keeps 7 days, a multiple of 31 up to 713, or 731")

    @field_validator("maintenance_window")
    @classmethod
    def _maintenance_window(cls, value: str, info: ValidationInfo) -> str:
        return _apart(info.data.get("backup_window"), value, "backupWindow")

    @property
    def major_version(self) -> int:
        return int(self.engine_version.split(".")[0])

    @property
    def max_connections(self) -> int:
        return postgres_max_connections(self.instance_class)

    @model_validator(mode="after")
    def _storage_grows(self) -> DatabaseSettings:
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError(
                f"maxAllocatedStorageGb ({self.max_allocated_storage_gb}) is below "
                f"allocatedStorageGb ({self.allocated_storage_gb})"
            )
        return self


class CacheSettings(Section):
    engine: Literal["valkey", "redis"] = "valkey"
    engine_version: str = "8.0"
    """major.minor, one ElastiCache offers for the engine. Automatic minor upgrades are off, so
    the version AWS runs is always this one (no drift that a later `up` would try to undo); a
    minor upgrade is a change of this setting."""
    node_type: Annotated[str, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")]
    nodes: Annotated[int, refusing(cache_nodes_problem)]
    """Nodes in the replication group (1 primary + replicas), 1 to 5: ElastiCache allows 6, the
    hit-rate alarm can watch 5 (foundation/aws_limits.py)."""
    multi_az: bool
    snapshot_retention_days: Annotated[int, Field(ge=1, le=ELASTICACHE_MAX_SNAPSHOT_RETENTION_DAYS)]
    slow_log_retention_days: RetentionDays = 14
    snapshot_window: Annotated[str, window(False, ELASTICACHE_MIN_SNAPSHOT_MINUTES)] = "03:00-04:00"
    """Daily UTC window of the automatic snapshot, hh24:mi-hh24:mi, at least 60 minutes."""
    maintenance_window: Annotated[str, window(True, ELASTICACHE_MIN_MAINTENANCE_MINUTES)] = (
        "sun:05:00-sun:06:00"
    )
    """Weekly UTC window, ddd:hh24:mi-ddd:hh24:mi, at least 60 minutes, not overlapping
    snapshotWindow (ElastiCache refuses both otherwise; foundation/windows.py)."""

    @field_validator("maintenance_window")
    @classmethod
    def _maintenance_window(cls, value: str, info: ValidationInfo) -> str:
        return _apart(info.data.get("snapshot_window"), value, "snapshotWindow")

    @field_validator("node_type")
    @classmethod
    def _known_node_type(cls, value: str, info: ValidationInfo) -> str:
        engine = info.data.get("engine", "valkey")
        known = ELASTICACHE_NODE_TYPES.get(engine, frozenset())
        if value not in known:
            near = closest(value, known)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise ValueError(
                f"not an ElastiCache node type for {engine} (list of {CLASSES_AS_OF}); {hint}"
                "e.g. cache.t4g.micro, cache.m7g.large, cache.r7g.large "
                "(foundation/instance_classes.py has the full list)"
            )
        priced = sorted(
            t for t in known if load_price_table().has(f"elasticache.node.{engine}.{t}")
        )
        if value not in priced:
            raise ValueError(
                f"an ElastiCache node type, but foundation/prices.json has no {engine} price for "
                "it, so the cost estimate cannot judge it: add its price (docs/cost.md) or use a "
                f"priced type: {', '.join(priced)}"
            )
        return value

    @field_validator("engine_version")
    @classmethod
    def _offered_cache_version(cls, value: str, info: ValidationInfo) -> str:
        engine = info.data.get("engine", "valkey")
        problem = offered_version_problem(engine, value)
        if problem:
            raise ValueError(problem)
        cache_parameter_group_family(engine, value)  # every offered version has a family
        return value

    @model_validator(mode="after")
    def _failover_needs_replicas(self) -> CacheSettings:
        problem = failover_nodes_problem(self.nodes, self.multi_az)
        if problem:
            raise ValueError(f"multiAz: {problem}")
        return self


class CdnSettings(Section):
    domain_name: Annotated[str, Field(pattern=DOMAIN_PATTERN)] | None = None
    hosted_zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,32}$")] | None = None
    """Route 53 zone for the domain: validates the us-east-1 certificate and holds the alias."""
    waf_enabled: bool
    waf_rate_limit: Annotated[int, Field(ge=100, le=2_000_000_000)] = 2000
    """Requests per 5 minutes per client IP before WAF blocks."""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    realtime_metrics: bool = True
    """CloudFront additional metrics (cache hit rate); billed per distribution."""
    log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """Days CloudFront access logs stay in the log bucket before a lifecycle rule deletes them."""

    @model_validator(mode="after")
    def _domain_and_zone_together(self) -> CdnSettings:
        if (self.domain_name is None) != (self.hosted_zone_id is None):
            raise ValueError("domainName and hostedZoneId go together: set both or neither")
        return self


class AlarmSettings(Section):
    """Thresholds; the defaults are the owners' targets."""

    p99_latency_seconds: Annotated[float, Field(gt=0, le=30)] = 0.5
    error_rate_percent: Annotated[float, Field(gt=0, le=100)] = 0.1
    cache_hit_rate_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    cdn_cache_hit_rate_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    service_cpu_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    service_memory_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    database_cpu_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    database_free_storage_gb: Annotated[float, Field(gt=0)] = 5.0
    database_connections_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    """Without RDS Proxy: share of the instance's max_connections above which
    rds-connections-high fires."""
    database_pool_percent: Annotated[float, Field(gt=0, le=100)] = 90.0
    """Behind RDS Proxy: share of the proxy's pool (its MaxDatabaseConnectionsAllowed metric)
    lent to clients at or above which rds-connections-high fires; 100 means full."""
    cache_cpu_percent: Annotated[float, Field(gt=0, le=100)] = 75.0
    cache_memory_percent: Annotated[float, Field(gt=0, le=100)] = 80.0
    notification_emails: list[Email] = []
    nobody_paged_reason: Annotated[str, Field(min_length=10, max_length=500)] | None = None
    """Why a prod stack may run with no notificationEmails for now (who decides, by when).
    Without addresses or this acknowledgement a prod stack is refused: its alarms would page
    nobody."""
    rum_sample_rate: Annotated[float, Field(ge=0, le=1)] = 0.1
    min_requests_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = 50
    """Below this many requests (or cache lookups) per minute a rate alarm (5xx rate, cache hit
    rate) does not judge: one error in a quiet minute is not an error rate."""
    cache_evictions_per_five_minutes: Annotated[int, Field(ge=1, le=100_000_000)] = 100
    """Evictions across all cache nodes in 5 minutes above which the cache is too small."""


class BudgetSettings(Section):
    monthly_usd: Annotated[float, Field(gt=0, le=1_000_000)]
    """The stack's own budget: the spend carrying its CostCenter cost-allocation tag."""
    account_monthly_usd: Annotated[float, Field(gt=0, le=1_000_000)] | None = None
    """The account budget: the account's whole bill, tagged or not (data transfer, requests,
    spend before the tag is activated). Default monthlyUsd (one account per environment, as
    AWS recommends); stacks sharing an account set the account's total. Never below
    monthlyUsd: the account's bill includes the stack's tagged spend."""
    alert_emails: Annotated[list[Email], refusing(budget_emails_problem)] = []
    """Up to 10 addresses: AWS Budgets' limit of e-mail subscribers per notification."""

    @field_validator("account_monthly_usd")
    @classmethod
    def _account_covers_the_stack(cls, value: float | None, info: ValidationInfo) -> float | None:
        stack = info.data.get("monthly_usd")
        if value is not None and stack is not None and value < stack:
            raise ValueError(
                f"the account's bill includes the stack's tagged spend (monthlyUsd {stack:g}); "
                f"allowed: at least {stack:g}, or unset (then monthlyUsd)"
            )
        return value

    @property
    def account_amount(self) -> float:
        """What the account budget alerts on."""
        return self.monthly_usd if self.account_monthly_usd is None else self.account_monthly_usd


_USAGE_DEFAULTS = UsageAssumptions()
NonNegative = Annotated[float, Field(ge=0)]


class UsageSettings(Section):
    """What the stack is assumed to do in a month: the usage lines of the cost estimate.

    Like an Infracost usage file; defaults are a quiet stack (foundation/usage.py), each stack
    file states its own (docs/cost.md). Integers are accepted where a number is expected.
    """

    model_config = ConfigDict(strict=False)

    requests_per_month: NonNegative = _USAGE_DEFAULTS.requests_per_month
    gb_served_per_month: NonNegative = _USAGE_DEFAULTS.gb_served_per_month
    cdn_cache_hit_percent: Annotated[float, Field(ge=0, le=100)] = (
        _USAGE_DEFAULTS.cdn_cache_hit_percent
    )
    average_tasks: Annotated[float, Field(ge=1)] | None = _USAGE_DEFAULTS.average_tasks
    """Tasks running on average; between service.minTasks and service.maxTasks (None: min)."""
    log_gb_per_month: NonNegative = _USAGE_DEFAULTS.log_gb_per_month
    flow_log_gb_per_month: NonNegative = _USAGE_DEFAULTS.flow_log_gb_per_month
    nat_gb_per_month: NonNegative = _USAGE_DEFAULTS.nat_gb_per_month
    endpoint_gb_per_month: NonNegative = _USAGE_DEFAULTS.endpoint_gb_per_month
    page_views_per_month: NonNegative = _USAGE_DEFAULTS.page_views_per_month
    rum_events_per_page_view: NonNegative = _USAGE_DEFAULTS.rum_events_per_page_view
    custom_metrics: NonNegative = _USAGE_DEFAULTS.custom_metrics
    log_bucket_gb: NonNegative = _USAGE_DEFAULTS.log_bucket_gb
    image_storage_gb: NonNegative = _USAGE_DEFAULTS.image_storage_gb
    lambda_invocations_per_month: NonNegative = _USAGE_DEFAULTS.lambda_invocations_per_month
    database_change_gb_per_month: NonNegative = _USAGE_DEFAULTS.database_change_gb_per_month

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_only(cls, value: object) -> object:
        if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
            raise ValueError("expected a number")
        return value

    def assumptions(self) -> UsageAssumptions:
        """The plain form the estimate (estimate/) reads."""
        return UsageAssumptions(**self.model_dump())


TagValue = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_no_secret)]


class TagSettings(Section):
    """Free-form cost tags; every value lands on every resource, so none may look like a secret."""

    owner: TagValue
    cost_center: TagValue
    extra: dict[
        Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_no_secret)],
        Annotated[str, Field(max_length=256), AfterValidator(_no_secret)],
    ] = {}


class MigrationSettings(Section):
    """The one-off task that copies the old EFS-backed PostgreSQL into RDS."""

    enabled: bool = False
    source_host: str | None = None
    """Host name of the old PostgreSQL (reachable from the private subnets)."""
    source_secret_arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:secretsmanager:")] | None = (
        None
    )
    """Secrets Manager secret with the old database's credentials (JSON: username, password)."""
    source_secret_kms_key_arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:kms:")] | None = None
    """The customer-managed key of that secret, if any (None: the aws/secretsmanager key)."""
    source_port: Annotated[int, Field(ge=1, le=65535)] = 5432
    source_database_name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")] | None = (
        None
    )
    """The old database's name; None = the same as database.databaseName."""
    source_cidr: Ipv4Cidr | None = None
    """Where the old PostgreSQL lives, for the task's egress rule; None = the VPC's range."""
    source_ssl_mode: Literal[
        "disable", "allow", "prefer", "require", "verify-ca", "verify-full"
    ] = "prefer"
    """libpq sslmode towards the old database (the EFS-backed one often has no TLS)."""

    @model_validator(mode="after")
    def _source_when_enabled(self) -> MigrationSettings:
        if self.enabled and (self.source_host is None or self.source_secret_arn is None):
            raise ValueError("enabled needs sourceHost and sourceSecretArn")
        return self


Environment = Literal["staging", "prod"]


class Settings(BaseModel):
    """Everything the program needs, for one stack."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", frozen=True
    )

    project: str
    stack: str
    region: Region
    environment: Environment
    protect: bool
    """Pulumi `protect` on stateful resources (database, cache, keys, log buckets)."""
    tags: TagSettings
    network: NetworkSettings
    service: ServiceSettings
    database: DatabaseSettings
    cache: CacheSettings
    cdn: CdnSettings
    alarms: AlarmSettings = Field(default_factory=lambda: AlarmSettings.model_validate({}))
    budget: BudgetSettings
    migration: MigrationSettings = Field(
        default_factory=lambda: MigrationSettings.model_validate({})
    )
    usage: UsageSettings = Field(default_factory=lambda: UsageSettings.model_validate({}))
    """Usage assumptions of the cost estimate (not read by any resource)."""

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def name_prefix(self) -> str:
        """Short prefix for physical names: `<project>-<stack>`."""
        return f"{self.project}-{self.stack}"

    @property
    def cost_tags(self) -> dict[str, str]:
        """The cost-allocation tags every taggable resource carries.

        Environment is the stack's name, not `environment` (which only says which production
        rules apply): the bill separates every stack, and a new stack copied from staging is not
        billed as staging (the cost pack's required-cost-tags rule expects the stack name).
        """
        return {
            **self.tags.extra,
            "Project": self.project,
            "Environment": self.stack,
            "Owner": self.tags.owner,
            "CostCenter": self.tags.cost_center,
            "ManagedBy": "pulumi",
        }


STACK_NAME_MAX = 17
"""The longest stack name whose physical names the provider accepts: it prefixes
`perfcheck-<stack>-rum-guest-` (an IAM role name prefix, at most 64 - 26 characters) and
`perfcheck-<stack>-cdn-logs-` (an S3 bucket prefix, at most 63 - 26), to which the provider
appends 26 characters (review 21 pass 5, R29; tests/test_procedures.py holds it)."""
STACK_NAME = re.compile(rf"[a-z][a-z0-9-]{{0,{STACK_NAME_MAX - 1}}}")


def cross_section_problems(settings: Settings) -> list[tuple[str, str]]:
    """Rules that tie sections together, as (config key, problem) pairs."""
    problems: list[tuple[str, str]] = []
    if not STACK_NAME.fullmatch(settings.stack):
        problems.append(
            (
                "stack",
                f"'{settings.stack}': lowercase letters, digits, hyphens (max {STACK_NAME_MAX})",
            )
        )
    alarms = settings.alarms
    if settings.is_prod and not alarms.notification_emails and alarms.nobody_paged_reason is None:
        problems.append(
            (
                "alarms.notificationEmails",
                "empty in a prod stack, so every alarm would page nobody; add the on-call "
                "address (pulumi config set --path 'perfcheck:alarms.notificationEmails[0]' "
                "oncall@example.com) or, until the owners decide, acknowledge it with "
                "alarms.nobodyPagedReason: '<who decides, by when>'",
            )
        )
    database = settings.database
    if database.dr_region is not None and database.dr_region == settings.region:
        problems.append(
            ("database.drRegion", f"'{database.dr_region}' must differ from aws:region")
        )
    if not database.proxy_enabled:
        limit = database.max_connections - RESERVED_CONNECTIONS
        budget = int(limit * 0.8)
        peak = worst_case_connections(
            settings.service.max_tasks, database.pool_size_per_task, DEPLOY_MAXIMUM_PERCENT
        )
        if peak > budget:
            problems.append(
                (
                    "database.poolSizePerTask",
                    f"connection budget exceeded: service.maxTasks {settings.service.max_tasks} x "
                    f"{DEPLOY_MAXIMUM_PERCENT}% during deploys x poolSizePerTask "
                    f"{database.pool_size_per_task} = {peak} connections, but "
                    f"{database.instance_class} allows {database.max_connections} (budget: 80% of "
                    f"what is left after {RESERVED_CONNECTIONS} reserved = {budget}); turn on "
                    "database.proxyEnabled, use a larger instanceClass, or lower "
                    "service.maxTasks or database.poolSizePerTask",
                )
            )
    problems.extend(_usage_problems(settings))
    problems.extend(origin_name_problems(settings))
    if settings.is_prod:
        problems += image_pinning_problems(settings.service)
        problems += task_image_pinning_problems(settings)
    return problems


def origin_name_problems(settings: Settings) -> list[tuple[str, str]]:
    """An HTTPS origin needs a name its certificate covers, published in the stack's zone.

    Over HTTPS CloudFront checks the ALB's certificate against the origin domain name (CloudFront
    developer guide, HTTP 502: SSL/TLS negotiation failure); the ALB's own name is in AWS's
    domain, so a certificate without originDomainName means every request 502."""
    service, cdn = settings.service, settings.cdn
    origin = service.origin_domain_name
    if service.certificate_arn and origin is None:
        return [
            (
                "service.certificateArn",
                f"'{service.certificate_arn}' without service.originDomainName: CloudFront would "
                "reach the ALB over HTTPS at its *.elb.amazonaws.com name, which no certificate "
                "covers, and answer 502 to every request; allowed: also set "
                "service.originDomainName to a name this certificate covers (e.g. "
                "origin.example.com, with cdn.domainName and cdn.hostedZoneId), or no "
                "certificateArn (HTTP inside AWS's network)",
            )
        ]
    if origin is None:
        return []
    if cdn.domain_name is None or cdn.hosted_zone_id is None:
        return [
            (
                "service.originDomainName",
                f"'{origin}' without cdn.domainName and cdn.hostedZoneId: the program publishes "
                "the origin name as an alias of the ALB in that zone; allowed: set both, or no "
                "originDomainName",
            )
        ]
    zones = origin_zone_candidates(cdn.domain_name)
    if origin == cdn.domain_name or not any(origin.endswith("." + zone) for zone in zones):
        return [
            (
                "service.originDomainName",
                f"'{origin}' is not a name of its own in cdn.domainName's zone (the record goes "
                f"in cdn.hostedZoneId, and {cdn.domain_name} points at CloudFront); allowed: a "
                "name under " + " or ".join(zones) + f", e.g. origin.{zones[-1]}",
            )
        ]
    return []


def origin_zone_candidates(domain: str) -> list[str]:
    """Where cdn.domainName's hosted zone can be: the name itself, or its parent when the name
    is a subdomain (www.example.com in example.com)."""
    labels = domain.split(".")
    return [domain, ".".join(labels[1:])] if len(labels) > 2 else [domain]


def task_image_pinning_problems(settings: Settings) -> list[tuple[str, str]]:
    """Prod runs every image of its tasks by digest: the collector sidecar and the one-off
    tasks' images too, not only the app's (a tag can name another image tomorrow)."""
    database = settings.database
    images = {
        "service.otelCollectorImage": settings.service.otel_collector_image,
        "database.toolsImage": database.one_off_tools_image,
        "database.tokenImage": database.token_image,
    }
    problems = []
    for key, image in images.items():
        reference = parse_image_reference(image)
        if reference.digest is None:
            default = ""
            if key == "database.toolsImage" and database.tools_image is None:
                default = f" (the default for engine major {database.major_version}: none pinned)"
            problems.append(
                (
                    key,
                    f"'{image}'{default} is pinned by tag only; prod runs every task image by "
                    "digest: give it as repository[:tag]@sha256:<64 hex digits>",
                )
            )
    return problems


def image_pinning_problems(service: ServiceSettings) -> list[tuple[str, str]]:
    """Prod runs only images pinned by digest (the ones staging verified), never a moving tag."""
    problems: list[tuple[str, str]] = []
    word = moving_tag_word(service.image_tag)
    if word:
        problems.append(
            (
                "service.imageTag",
                f"'{service.image_tag}' is a moving tag ('{word}' names whatever was pushed "
                "last); prod is refused moving tags: use the build's own tag",
            )
        )
    for app in (NEXTJS, HONO):
        container: ContainerSettings = getattr(service, app)
        tag = parse_image_reference(container.image).tag if container.image else None
        word = moving_tag_word(tag)
        if word:
            problems.append(
                (
                    f"service.{app}.image",
                    f"'{container.image}' carries the moving tag '{tag}'; prod is refused moving "
                    "tags: give the image as repository@sha256:<digest>",
                )
            )
        elif container.digest is None:
            problems.append(
                (
                    f"service.{app}.imageDigest",
                    f"not set (image {container.image or 'from the stack ECR repository'}, "
                    f"tag '{tag or service.image_tag}'); prod deploys by digest only, the one the "
                    "staging deploy verified: set imageDigest to sha256:<64 hex digits> or give "
                    "image as repository@sha256:<digest>",
                )
            )
    return problems


def _usage_problems(settings: Settings) -> list[tuple[str, str]]:
    """The assumed task count must be one the service can run."""
    average, service = settings.usage.average_tasks, settings.service
    if average is not None and not service.min_tasks <= average <= service.max_tasks:
        return [
            (
                "usage.averageTasks",
                f"got {average:g}; expected a count between service.minTasks "
                f"({service.min_tasks}) and service.maxTasks ({service.max_tasks})",
            )
        ]
    return []
