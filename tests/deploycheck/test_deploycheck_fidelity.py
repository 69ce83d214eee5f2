"""The checks read the inputs pulumi-aws 7 really sends and the limits AWS's models really carry."""

from __future__ import annotations

import html
import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest
from perfcheck_deploy import alb, awsmodels, cloudfront, ecs, naming, rds
from perfcheck_deploy import elasticache as cache_checks
from perfcheck_deploy.windows import overlaps, parse_daily, parse_weekly

from foundation.fargate import (
    allowed_memory,
    fargate_size_problem,
    parse_task_cpu,
    parse_task_memory,
)

# Top-level inputs each check reads, per Pulumi type token.
INPUTS_READ = {
    "aws:ecs/taskDefinition:TaskDefinition": [
        "containerDefinitions",
        "cpu",
        "memory",
        "networkMode",
        "requiresCompatibilities",
        "pidMode",
        "ipcMode",
        "runtimePlatform",
    ],
    "aws:rds/instance:Instance": [
        "engine",
        "engineVersion",
        "instanceClass",
        "parameterGroupName",
        "multiAz",
        "storageEncrypted",
        "performanceInsightsEnabled",
        "performanceInsightsRetentionPeriod",
        "backupWindow",
        "maintenanceWindow",
        "monitoringInterval",
        "monitoringRoleArn",
        "backupRetentionPeriod",
        "identifier",
        "identifierPrefix",
    ],
    "aws:rds/parameterGroup:ParameterGroup": ["family", "name"],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "automaticFailoverEnabled",
        "multiAzEnabled",
        "numNodeGroups",
        "replicasPerNodeGroup",
        "numCacheClusters",
        "clusterMode",
        "authToken",
        "transitEncryptionEnabled",
        "nodeType",
        "engine",
        "engineVersion",
        "dataTieringEnabled",
        "parameterGroupName",
        "snapshotWindow",
        "maintenanceWindow",
        "replicationGroupId",
    ],
    "aws:elasticache/parameterGroup:ParameterGroup": ["family", "name"],
    "aws:cloudfront/distribution:Distribution": [
        "origins",
        "originGroups",
        "defaultCacheBehavior",
        "orderedCacheBehaviors",
        "viewerCertificate",
        "aliases",
    ],
    "aws:lb/loadBalancer:LoadBalancer": [
        "loadBalancerType",
        "subnets",
        "subnetMappings",
        "name",
        "namePrefix",
    ],
    "aws:alb/loadBalancer:LoadBalancer": ["loadBalancerType", "subnets", "name", "namePrefix"],
    "aws:lb/targetGroup:TargetGroup": ["name", "namePrefix"],
    "aws:lb/listener:Listener": ["protocol", "certificateArn", "sslPolicy"],
    "aws:ec2/subnet:Subnet": ["availabilityZone", "availabilityZoneId"],
    "aws:acm/certificate:Certificate": ["region"],
    "aws:iam/role:Role": ["assumeRolePolicy", "inlinePolicies", "name", "namePrefix"],
    "aws:iam/rolePolicy:RolePolicy": ["policy"],
    "aws:iam/policy:Policy": ["policy"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
    "aws:s3/bucketPolicy:BucketPolicy": ["policy"],
    "aws:kms/key:Key": ["policy"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ["policyDocument"],
    "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
    "aws:secretsmanager/secretPolicy:SecretPolicy": ["policy"],
    "aws:ec2/securityGroup:SecurityGroup": ["ingress", "egress"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
        "securityGroupId",
        "referencedSecurityGroupId",
    ],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
        "securityGroupId",
        "referencedSecurityGroupId",
    ],
    "aws:ec2/securityGroupRule:SecurityGroupRule": ["securityGroupId", "sourceSecurityGroupId"],
}


PULUMI_AWS = Path(importlib.util.find_spec("pulumi_aws").origin).parent  # type: ignore[arg-type,union-attr]


@cache
def pulumi_aws_inputs(type_token: str) -> set[str]:
    """The wire names of a pulumi-aws resource's inputs, read from the installed SDK's source
    (reading, not importing: importing pulumi_aws modules is slow and noisy)."""
    module_name, class_name = type_token.split(":")[1].split("/")[0], type_token.split(":")[2]
    file_name = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower() + ".py"
    package = {"lambda": "lambda_"}.get(module_name, module_name)  # a Python keyword
    source = (PULUMI_AWS / package / file_name).read_text()
    start = source.index(f"class {class_name}Args:")
    end = source.index("\nclass ", start + 1)
    return {
        m[1] or m[2]
        for m in re.finditer(
            r'@pulumi\.getter(?:\(name="(\w+)"\))?\s*\n\s*def (\w+)\(', source[start:end]
        )
    }


@pytest.mark.parametrize("type_token", INPUTS_READ)
def test_inputs_read_exist_in_pulumi_aws(type_token: str) -> None:
    missing = set(INPUTS_READ[type_token]) - pulumi_aws_inputs(type_token)
    assert not missing, f"{type_token} has no input(s) {sorted(missing)}"


def test_naming_rules_use_real_inputs() -> None:
    for type_token, rule in naming.rules().items():
        props = {rule.name_prop, *([rule.prefix_prop] if rule.prefix_prop else [])}
        assert props <= pulumi_aws_inputs(type_token), type_token


def test_registered_types_are_pulumi_aws_resources() -> None:
    from perfcheck_deploy.registry import CHECKS_BY_TYPE

    for type_token in CHECKS_BY_TYPE:
        assert pulumi_aws_inputs(type_token), type_token


def test_name_limits_come_from_botocore() -> None:
    rules = naming.rules()
    assert rules["aws:iam/role:Role"].max_length == 64
    assert rules["aws:cloudwatch/logGroup:LogGroup"].max_length == 512
    assert rules["aws:secretsmanager/secret:Secret"].max_length == 512


def test_models_load_once() -> None:
    awsmodels.service_model("ecs")
    before = awsmodels.service_model.cache_info()
    awsmodels.service_model("ecs")
    after = awsmodels.service_model.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_recommended_listener_policy_is_known() -> None:
    assert alb.RECOMMENDED_SSL_POLICY in alb.SSL_POLICIES
    assert "ELBSecurityPolicy-TLS13-1-2-2021-06" in alb.SSL_POLICIES
    assert "ELBSecurityPolicy-TLS13-1-2-2021-07" not in alb.SSL_POLICIES


def test_managed_policy_ids_are_distinct_uuids() -> None:
    ids = [
        *cloudfront.MANAGED_CACHE_POLICIES,
        *cloudfront.MANAGED_ORIGIN_REQUEST_POLICIES,
        *cloudfront.MANAGED_RESPONSE_HEADERS_POLICIES,
    ]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", i) for i in ids)


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("postgres", "16.4", "postgres16"),
        ("postgres", "16", "postgres16"),
        ("postgres", "9.6.24", "postgres9.6"),
        ("mysql", "8.0.39", "mysql8.0"),
        ("mariadb", "10.11.9", "mariadb10.11"),
        ("oracle-ee", "19", None),
    ],
)
def test_rds_family(engine: str, version: str, family: str | None) -> None:
    assert rds.expected_family(engine, version) == family


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("valkey", "8.0", "valkey8"),
        ("valkey", "7.2", "valkey7"),
        ("redis", "7.1", "redis7"),
        ("redis", "6.2", "redis6.x"),
        ("redis", "5.0.6", "redis5.0"),
    ],
)
def test_elasticache_family(engine: str, version: str, family: str) -> None:
    assert cache_checks.expected_family(engine, version) == family


def test_performance_insights_retention_values() -> None:
    assert {7, 31, 93, 713, 731} <= rds.PI_RETENTION_DAYS
    assert not {0, 8, 30, 744, 732} & rds.PI_RETENTION_DAYS


def test_fargate_helpers_keep_their_contract() -> None:
    assert allowed_memory(256) == [512, 1024, 2048]
    assert fargate_size_problem(512, 1024) is None
    assert "does not fit" in (fargate_size_problem(256, 4096) or "")
    assert parse_task_cpu("0.25 vCPU") == 256 and parse_task_cpu("1024") == 1024
    assert parse_task_memory("2 GB") == 2048 and parse_task_memory("2gb") == 2048
    assert parse_task_cpu("lots") is None and parse_task_memory(True) is None


def test_windows_compare_across_the_week() -> None:
    backup = parse_daily("23:45-00:15")
    assert backup is not None and backup.length == 30
    assert overlaps(backup, parse_weekly("mon:00:00-mon:00:30"))  # type: ignore[arg-type]
    assert overlaps(parse_daily("00:10-00:40"), parse_weekly("sun:23:50-mon:00:20"))  # type: ignore[arg-type]
    assert not overlaps(parse_daily("02:00-02:30"), parse_weekly("sun:03:00-sun:04:00"))  # type: ignore[arg-type]
    assert parse_weekly("SUN:03:00-Sun:04:00") is not None
    assert parse_daily("24:00-01:00") is None and parse_weekly("sunday:03:00-mon:00:00") is None


def model_doc(service: str, operation: str, *path: str) -> str:
    """The documentation botocore ships for a request member, as plain text."""
    shape = awsmodels.input_member(service, operation, path[0])
    for step in path[1:]:
        shape = shape.member if step == "[]" else shape.members[step]  # type: ignore[attr-defined]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shape.documentation)))


ECS = ("ecs", "RegisterTaskDefinition", "containerDefinitions", "[]")


@pytest.mark.parametrize("key", sorted(ecs.HEALTH_CHECK_RANGES))
def test_health_check_ranges_match_the_ecs_model(key: str) -> None:
    text = model_doc(*ECS, "healthCheck", key)
    low, high = map(int, re.search(r"between (\d+) and (\d+)", text).groups())  # type: ignore[union-attr]
    assert ecs.HEALTH_CHECK_RANGES[key] == (low, high)


def test_ecs_rules_match_the_ecs_model() -> None:
    assert f"max stop timeout value is {ecs.FARGATE_MAX_STOP_TIMEOUT} seconds" in model_doc(
        *ECS, "stopTimeout"
    )
    assert "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens" in (
        model_doc(*ECS, "name")
    )
    port_name = model_doc(*ECS, "portMappings", "[]", "name")
    assert "up to 64 characters" in port_name and "lowercase letters" in port_name
    condition = model_doc(*ECS, "dependsOn", "[]", "condition")
    for exit_condition in ecs.EXIT_CONDITIONS:
        part = condition.split(f"{exit_condition} -")[1].split(" - ")[0]
        assert "can't be set on an essential container" in part
    assert "CMD to run the command arguments directly, or CMD-SHELL" in model_doc(
        *ECS, "healthCheck", "command"
    )
    assert "hostPort can either be left blank or set to the same value as the containerPort" in (
        model_doc(*ECS, "portMappings", "[]", "hostPort")
    )


def test_rds_rules_match_the_rds_model() -> None:
    retention = model_doc("rds", "CreateDBInstance", "PerformanceInsightsRetentionPeriod")
    assert "month * 31, where month is a number of months from 1-23" in retention
    assert "731" in retention
    intervals = model_doc("rds", "CreateDBInstance", "MonitoringInterval")
    assert "Valid Values: " + " | ".join(map(str, rds.MONITORING_INTERVALS)) in intervals
    backups = model_doc("rds", "CreateDBInstance", "BackupRetentionPeriod")
    assert f"from 0 to {rds.MAX_BACKUP_RETENTION}" in backups
    for member in ("PreferredBackupWindow", "PreferredMaintenanceWindow"):
        text = model_doc("rds", "CreateDBInstance", member)
        assert f"at least {rds.MIN_WINDOW_MINUTES} minutes" in text
        assert "conflict with the preferred" in text
    assert "1 to 63 letters, numbers, or hyphens" in model_doc(
        "rds", "CreateDBInstance", "DBInstanceIdentifier"
    )


def test_elasticache_rules_match_the_elasticache_model() -> None:
    token = model_doc("elasticache", "CreateReplicationGroup", "AuthToken")
    assert (
        f"at least {cache_checks.AUTH_TOKEN_MIN} characters and no more than "
        f"{cache_checks.AUTH_TOKEN_MAX}" in token
    )
    assert "!, &, #, $, ^, <, >, and -" in token
    assert set("!&#$^<>-") == set(cache_checks.AUTH_TOKEN_SPECIALS)
    assert "only on replication groups where TransitEncryptionEnabled is true" in token
    clusters = model_doc("elasticache", "CreateReplicationGroup", "NumCacheClusters")
    assert f"maximum permitted value for NumCacheClusters is {cache_checks.MAX_CACHE_CLUSTERS}" in (
        clusters
    )
    assert (
        "If AutomaticFailoverEnabled is true, the value of this parameter must be at least 2"
        in (clusters)
    )
    window = model_doc("elasticache", "CreateReplicationGroup", "PreferredMaintenanceWindow")
    assert (
        f"minimum maintenance window is a {cache_checks.MIN_MAINTENANCE_MINUTES} minute" in window
    )
    assert "from 1 to 40 alphanumeric characters or hyphens" in model_doc(
        "elasticache", "CreateReplicationGroup", "ReplicationGroupId"
    )


def test_name_rules_match_the_models() -> None:
    for operation in ("CreateLoadBalancer", "CreateTargetGroup"):
        text = model_doc("elbv2", operation, "Name")
        assert "maximum of 32 characters" in text and "must not begin or end with a hyphen" in text
    assert 'must not begin with "internal-"' in model_doc("elbv2", "CreateLoadBalancer", "Name")
    assert "/_+=.@-" in model_doc("secretsmanager", "CreateSecret", "Name")
