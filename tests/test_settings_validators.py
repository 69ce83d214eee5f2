"""Every validator of the settings, each case named after the property it guards, at its
boundaries: the last value allowed is accepted and the first refused is refused, with the key
that holds it (which is how the preview finds the stack file's line).

Cases are edits of the prod stack file; AWS facts shared with a component or a deploy check are
in tests/test_settings_facts.py.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from foundation.capacity import RESERVED_CONNECTIONS, postgres_max_connections
from settings import SettingsError, settings_from_config
from tools.offline.runner import stack_config

NEXTJS_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/nextjs"
DIGEST = "sha256:" + "ab" * 32


def problems_after(
    edits: dict[str, Any], stack: str = "prod", region: str | None = None
) -> list[str]:
    """The problems of the prod stack file with `section.key[.key]` edits (None deletes)."""
    config, _ = stack_config("prod")
    for dotted, value in edits.items():
        section, *path = dotted.split(".")
        key = f"perfcheck:{section}"
        if not path:
            config[key] = value
            continue
        data = json.loads(config.get(key, "{}"))
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
        config[key] = json.dumps(data)
    if region is not None:
        config["aws:region"] = region
    try:
        settings_from_config("perfcheck", stack, config)
    except SettingsError as error:
        return error.problems
    return []


def verdict(problems: list[str], key: str | None) -> None:
    if key is None:
        assert problems == []
        return
    assert problems, f"expected {key} to be refused"
    pattern = re.compile(rf"(perfcheck:{re.escape(key)}|{re.escape(key)})([.:\[ ]|$)")
    assert all(pattern.match(p) for p in problems), problems


CASES: list[tuple[str, dict[str, Any], str | None]] = [
    # (property guarded, edits, key refused or None)
    ("vpc-range-private-16-to-20: /20 allowed", {"network.cidr": "10.0.0.0/20"}, None),
    ("vpc-range-private-16-to-20: /21 refused", {"network.cidr": "10.0.0.0/21"}, "network.cidr"),
    ("vpc-range-private-16-to-20: /15 refused", {"network.cidr": "10.0.0.0/15"}, "network.cidr"),
    ("vpc-range-private: public refused", {"network.cidr": "8.8.0.0/16"}, "network.cidr"),
    ("vpc-range-is-a-network: host bits refused", {"network.cidr": "10.0.0.1/16"}, "network.cidr"),
    ("vpc-range-is-a-network: text refused", {"network.cidr": "ten"}, "network.cidr"),
    ("azs-2-to-3: 2 allowed", {"network.availabilityZones": 2}, None),
    ("azs-2-to-3: 1 refused", {"network.availabilityZones": 1}, "network.availabilityZones"),
    (
        "max-tasks-not-below-min: equal allowed",
        {"service.minTasks": 4, "service.maxTasks": 4},
        None,
    ),
    ("max-tasks-not-below-min: below refused", {"service.maxTasks": 2}, "service"),
    ("ports-differ: same port refused", {"service.hono.port": 3000}, "service"),
    (
        "ports-differ: any same port refused",
        {"service.hono.port": 8080, "service.nextjs.port": 8080},
        "service",
    ),
    ("port-non-root: 1024 allowed", {"service.hono.port": 1024}, None),
    ("port-non-root: 1023 refused", {"service.hono.port": 1023}, "service.hono.port"),
    ("port-range: 65535 allowed", {"service.hono.port": 65535}, None),
    ("port-range: 65536 refused", {"service.hono.port": 65536}, "service.hono.port"),
    ("run-as-non-root: uid 100 allowed", {"service.runAsUser": "100"}, None),
    ("run-as-non-root: uid 99 refused", {"service.runAsUser": "99"}, "service.runAsUser"),
    ("run-as-non-root: uid 0 refused", {"service.runAsUser": "0"}, "service.runAsUser"),
    ("run-as-non-root: gid 0 refused", {"service.runAsUser": "1001:0"}, "service.runAsUser"),
    ("cpu-target-20-to-90: 90 allowed", {"service.cpuTargetPercent": 90}, None),
    (
        "cpu-target-20-to-90: 91 refused",
        {"service.cpuTargetPercent": 91},
        "service.cpuTargetPercent",
    ),
    (
        "cpu-target-20-to-90: 19 refused",
        {"service.cpuTargetPercent": 19},
        "service.cpuTargetPercent",
    ),
    (
        "strategy-keys-belong-to-the-strategy: bake time with rolling refused",
        {"service.deploymentStrategy": "rolling", "service.canaryPercent": None}
        | {"service.canaryBakeMinutes": None},
        "service",
    ),
    (
        "strategy-keys-belong-to-the-strategy: rolling alone allowed",
        {"service.deploymentStrategy": "rolling", "service.canaryPercent": None}
        | {"service.canaryBakeMinutes": None, "service.bakeTimeMinutes": None},
        None,
    ),
    (
        "one-digest: two different digests refused",
        {"service.nextjs.imageDigest": DIGEST},
        "service.nextjs",
    ),
    (
        "one-digest: the same digest twice allowed",
        {
            "service.nextjs.image": f"{NEXTJS_IMAGE}@{DIGEST}",
            "service.nextjs.imageDigest": DIGEST,
        },
        None,
    ),
    (
        "image-is-a-reference: spaces refused",
        {"service.nextjs.image": "a b"},
        "service.nextjs.image",
    ),
    (
        "proxy-idle-within-max: equal allowed",
        {"database.proxy": {"maxConnectionsPercent": 50}},
        None,
    ),
    (
        "proxy-idle-within-max: above refused",
        {"database.proxy": {"maxConnectionsPercent": 49}},
        "database.proxy",
    ),
    ("postgres-version-offered: major alone allowed", {"database.engineVersion": "17"}, None),
    (
        "postgres-version-offered: unoffered minor refused",
        {"database.engineVersion": "17.99"},
        "database.engineVersion",
    ),
    (
        "postgres-version-offered: old major refused",
        {"database.engineVersion": "13"},
        "database.engineVersion",
    ),
    (
        "instance-class-known-and-priced: typo refused",
        {"database.instanceClass": "db.t4g.mediun"},
        "database.instanceClass",
    ),
    ("storage-grows: equal allowed", {"database.maxAllocatedStorageGb": 100}, None),
    ("storage-grows: below refused", {"database.maxAllocatedStorageGb": 99}, "database"),
    ("backups-on: 1 day allowed", {"database.backupRetentionDays": 1}, None),
    (
        "backups-on: 0 days refused",
        {"database.backupRetentionDays": 0},
        "database.backupRetentionDays",
    ),
    ("pool-size-1-to-200: 200 allowed", {"database.poolSizePerTask": 200}, None),
    (
        "pool-size-1-to-200: 201 refused",
        {"database.poolSizePerTask": 201},
        "database.poolSizePerTask",
    ),
    ("rotation-1-to-365: 365 allowed", {"database.passwordRotationDays": 365}, None),
    (
        "rotation-1-to-365: 366 refused",
        {"database.passwordRotationDays": 366},
        "database.passwordRotationDays",
    ),
    (
        "dr-region-differs: same region refused",
        {"database.drRegion": "eu-west-1"},
        "database.drRegion",
    ),
    (
        "dr-region-known: unknown region refused",
        {"database.drRegion": "eu-west-9"},
        "database.drRegion",
    ),
    (
        "cache-node-type-known-for-engine: typo refused",
        {"cache.nodeType": "cache.t4g.mediun"},
        "cache.nodeType",
    ),
    (
        "cache-version-offered-for-engine: valkey version on redis refused",
        {"cache.engine": "redis"},
        "cache.engineVersion",
    ),
    (
        "cache-version-offered: redis 7.1 allowed",
        {"cache.engine": "redis", "cache.engineVersion": "7.1"},
        None,
    ),
    ("snapshot-retention-1-to-35: 35 allowed", {"cache.snapshotRetentionDays": 35}, None),
    (
        "snapshot-retention-1-to-35: 36 refused",
        {"cache.snapshotRetentionDays": 36},
        "cache.snapshotRetentionDays",
    ),
    (
        "snapshot-retention-1-to-35: 0 refused",
        {"cache.snapshotRetentionDays": 0},
        "cache.snapshotRetentionDays",
    ),
    (
        "domain-and-zone-together: domain alone refused",
        {"cdn.domainName": "app.example.com"},
        "cdn",
    ),
    (
        "domain-and-zone-together: zone alone refused",
        {"cdn.hostedZoneId": "Z0123456789ABCDEFGHIJ"},
        "cdn",
    ),
    (
        "domain-and-zone-together: both allowed",
        {"cdn.domainName": "app.example.com", "cdn.hostedZoneId": "Z0123456789ABCDEFGHIJ"},
        None,
    ),
    ("waf-rate-limit-from-100: 100 allowed", {"cdn.wafRateLimit": 100}, None),
    ("waf-rate-limit-from-100: 99 refused", {"cdn.wafRateLimit": 99}, "cdn.wafRateLimit"),
    (
        "nobody-paged-reason-says-why: 10 characters allowed",
        {"alarms.nobodyPagedReason": "x" * 10},
        None,
    ),
    (
        "nobody-paged-reason-says-why: 9 characters refused",
        {"alarms.nobodyPagedReason": "x" * 9},
        "alarms.nobodyPagedReason",
    ),
    (
        "prod-pages-someone: no address and no reason refused",
        {"alarms.nobodyPagedReason": None},
        "alarms.notificationEmails",
    ),
    (
        "prod-pages-someone: an address allowed",
        {"alarms.nobodyPagedReason": None, "alarms.notificationEmails": ["oncall@example.com"]},
        None,
    ),
    ("budget-positive: a cent allowed", {"budget.monthlyUsd": 0.01}, None),
    ("budget-positive: zero refused", {"budget.monthlyUsd": 0}, "budget.monthlyUsd"),
    ("usage-numbers-only: text refused", {"usage.logGbPerMonth": "5"}, "usage.logGbPerMonth"),
    ("usage-numbers-only: boolean refused", {"usage.logGbPerMonth": True}, "usage.logGbPerMonth"),
    ("usage-numbers-only: integer allowed", {"usage.logGbPerMonth": 5}, None),
    ("average-tasks-within-min-max: max allowed", {"usage.averageTasks": 12}, None),
    ("average-tasks-within-min-max: min allowed", {"usage.averageTasks": 3}, None),
    (
        "average-tasks-within-min-max: above refused",
        {"usage.averageTasks": 12.5},
        "usage.averageTasks",
    ),
    (
        "average-tasks-within-min-max: below refused",
        {"usage.averageTasks": 2.5},
        "usage.averageTasks",
    ),
    ("migration-source-when-enabled: no source refused", {"migration.enabled": True}, "migration"),
    (
        "migration-source-when-enabled: a host without its secret refused",
        {"migration.enabled": True, "migration.sourceHost": "old-db.internal"},
        "migration",
    ),
    (
        "migration-source-when-enabled: host and secret allowed",
        {
            "migration.enabled": True,
            "migration.sourceHost": "old-db.internal",
            "migration.sourceSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x",
        },
        None,
    ),
    (
        "migration-cidr-is-a-network: text refused",
        {"migration.sourceCidr": "ten"},
        "migration.sourceCidr",
    ),
    ("migration-cidr-is-a-network: /32 allowed", {"migration.sourceCidr": "10.9.8.7/32"}, None),
    (
        "tags-hold-no-secret: a key id refused",
        {"tags.extra": {"k": "AKIA" + "Q" * 16}},
        "tags.extra",
    ),
    (
        "prod-runs-pinned-images: moving tag refused",
        {"service.imageTag": "latest"},
        "service.imageTag",
    ),
    (
        "prod-runs-pinned-images: no digest refused",
        {"service.hono.image": None},
        "service.hono.imageDigest",
    ),
]


# Ranges: (property, key, last allowed, first refused).
RANGES: list[tuple[str, str, Any, Any]] = [
    ("min-tasks-at-most-100", "service.minTasks", 100, 101),  # with room around it (CONTEXT)
    ("min-tasks-at-least-1", "service.minTasks", 1, 0),
    ("max-tasks-at-most-200", "service.maxTasks", 200, 201),
    ("requests-per-target-from-10", "service.requestsPerTarget", 10, 9),
    ("health-grace-at-most-600s", "service.healthCheckGraceSeconds", 600, 601),
    ("deregistration-at-most-3600s", "service.deregistrationDelaySeconds", 3600, 3601),
    ("trace-sample-at-most-1", "service.traceSampleRate", 1.0, 1.01),
    ("log-retention-a-cloudwatch-value", "service.logRetentionDays", 3653, 3652),
    ("image-tag-at-most-128-characters", "service.imageTag", "b" * 128, "b" * 129),
    ("image-tag-not-starting-with-a-dot", "service.imageTag", "b.1", ".b1"),
    ("health-path-starts-with-slash", "service.nextjs.healthPath", "/", "health"),
    ("storage-from-20-gb", "database.allocatedStorageGb", 20, 19),
    ("storage-at-most-64-tib", "database.maxAllocatedStorageGb", 65536, 65537),
    ("database-name-postgres-identifier", "database.databaseName", "a" * 63, "a" * 64),
    ("database-name-lowercase-first", "database.databaseName", "app_1", "1app"),
    ("slow-statement-at-most-10-minutes", "database.slowStatementMs", 600_000, 600_001),
    ("proxy-share-at-most-100", "database.proxy.maxConnectionsPercent", 100, 101),
    ("proxy-idle-client-at-most-8h", "database.proxy.idleClientTimeoutSeconds", 28800, 28801),
    ("cdn-log-days-at-most-3650", "cdn.logRetentionDays", 3650, 3651),
    ("alarm-percent-above-0", "alarms.errorRatePercent", 0.001, 0),
    ("alarm-percent-at-most-100", "alarms.serviceCpuPercent", 100, 100.5),
    ("p99-at-most-30s", "alarms.p99LatencySeconds", 30, 30.5),
    ("budget-at-most-a-million", "budget.monthlyUsd", 1_000_000, 1_000_001),
    ("cdn-hit-share-at-most-100", "usage.cdnCacheHitPercent", 100, 100.5),
    ("usage-not-negative", "usage.natGbPerMonth", 0, -1),
    ("migration-port-at-most-65535", "migration.sourcePort", 65535, 65536),
    ("tag-value-at-most-256", "tags.owner", "o" * 256, "o" * 257),
    ("tag-value-not-empty", "tags.owner", "o", ""),
]


CONTEXT = {"service.minTasks": {"service.maxTasks": 200, "usage.averageTasks": 150}}
"""Other keys a case moves so that only the key under test can be wrong."""


@pytest.mark.parametrize(
    ("key", "allowed", "refused"), [r[1:] for r in RANGES], ids=[r[0] for r in RANGES]
)
def test_settings_range_boundary(key: str, allowed: Any, refused: Any) -> None:
    context = CONTEXT.get(key, {})
    verdict(problems_after({**context, key: allowed}), None)
    verdict(problems_after({**context, key: refused}), key)


@pytest.mark.parametrize(("edits", "refused"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_settings_validator(edits: dict[str, Any], refused: str | None) -> None:
    verdict(problems_after(edits), refused)


@pytest.mark.parametrize(
    ("stack", "refused"),
    [
        *[("prod", None), ("a" * 17, None), ("a" * 18, "stack name"), ("Prod", "stack name")],
        *[("1prod", "stack name"), ("prod_eu", "stack name"), ("prod-eu-1", None)],
    ],
)
def test_stack_name_is_lowercase_letters_digits_hyphens_up_to_17(
    stack: str, refused: str | None
) -> None:
    """17: the longest name whose physical names the provider accepts (test_procedures.py)."""
    verdict(problems_after({}, stack=stack), refused)


@pytest.mark.parametrize(
    ("region", "refused"),
    [("us-east-1", None), ("eu-west-9", "aws:region"), ("EU", "aws:region")],
)
def test_region_is_a_real_aws_region(region: str, refused: str | None) -> None:
    verdict(problems_after({}, region=region), refused)


def test_pool_budget_refuses_the_first_connection_over_80_percent_of_what_rds_leaves() -> None:
    """Without a proxy, every task's pool at maxTasks x 200 % (a rolling deploy) must fit in 80 %
    of max_connections less the reserved ones; the largest pool that fits passes, one more not."""
    usable = int((postgres_max_connections("db.t4g.medium") - RESERVED_CONNECTIONS) * 0.8)
    peak_tasks = math.ceil(12 * 200 / 100)
    largest = usable // peak_tasks
    edits = {"database.proxyEnabled": False}
    verdict(problems_after({**edits, "database.poolSizePerTask": largest}), None)
    verdict(
        problems_after({**edits, "database.poolSizePerTask": largest + 1}),
        "database.poolSizePerTask",
    )


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ({"network.availabilityZones": 1}, "got 1; expected at least 2"),
        ({"network.availabilityZones": 4}, "got 4; expected at most 3"),
        ({"budget.monthlyUsd": 0}, "got 0; expected more than 0"),
        ({"tags.owner": ""}, 'got ""; expected at least 1 character(s)'),
    ],
)
def test_a_bound_is_said_in_words_with_its_direction(edits: dict[str, Any], message: str) -> None:
    """'at least' for an inclusive lower bound, 'more than' for an exclusive one: the operator
    reads which value is allowed without knowing the schema."""
    (problem,) = problems_after(edits)
    assert problem.endswith(message), problem


def test_a_cache_version_given_as_a_major_alone_is_refused_naming_the_offered_ones() -> None:
    """Only PostgreSQL may be given as a major (RDS picks its minor); ElastiCache needs
    major.minor, and the refusal lists what AWS offers."""
    (problem,) = problems_after({"cache.engineVersion": "8"})
    assert problem.startswith('perfcheck:cache.engineVersion: got "8"; valkey 8 is not a version')
    assert "known: 7.2, 8.0, 8.1" in problem
