"""Wave 7 of the red-team corpus, written blind (from the issue, the README, docs/security.md,
the policy configs and their documented format, and pulumi-aws 7's argument names; not from the
rules' code or the earlier corpora).

Its new ground is the config a program ships with: exemptions wider than their reason,
reviewed-type entries that hide a judged type, levels and thresholds lowered in prod's config, a
duplicate key, a stack named so that prod's config does not apply. A program with a config (or
stack) of its own is judged in a run of its own (tests.redteam.harness.judge_configured); a
config the packs refuse counts as caught (the preview stops before anything is deployed). The
rest: types outside today's stacks, values the provider folds, hollow controls, credentials in
new places, and good programs that a rule could be tempted to flag.

First run (before any fix), prod, guardrails + cost (`python -m tests.redteam.score -v
tests.redteam.corpus_wave7`): **97 of 128 bad caught, 1 of 37 good
flagged** (87 caught by content, other than resource-type-judged). Missed by class: exemption 5,
config 9, stack-name 3, reviewed 4, hollow 6, new-type 1, folded 1, efs-engine 1, credential 1;
flagged: a DynamoDB index's `hashKey` read as a credential. checkov 3.3.30 on the same programs
(tests.redteam.tfplan, tests.redteam.checkov_score): 79 of 128 caught, 21 of 37 flagged. Three
members were corrected for their intent before this score (an exemption key the schema does not
know, a resource another rule caught, a cost note at stack level counted for one member only).
After the fixes by property (this session): 121 of 128 caught, 0 of 37 flagged; with engineer
gates's parameter floor (prod_floor.parameter_errors, merged from main; it applies when the stack's
settings say prod, as Pulumi.prod.yaml's do, so the three config-value members carry them): 124 of
128. The four left are in test_redteam_wave7.KNOWN_WRONG with why.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

from tests.policies.builders import PROJECT, cost_tags, record, with_options
from tests.redteam.programs import (
    ECR,
    STACK,
    TAGS,
    UNKNOWN,
    Program,
    R,
    add,
    arn,
    b64,
    both,
    changed,
    container,
    env,
    lambda_env,
    mount,
    one,
    renamed,
    replace,
    secret,
    task,
    worker,
)

Patch = Callable[[dict[str, Any]], str | None]

# -- config patches ---------------------------------------------------------------------------


def exempt(rule: str, **entry: Any) -> Patch:
    """Add one exemption to `rule` in the guardrails config."""

    def patch(config: dict[str, Any]) -> None:
        current = config.get(rule, "mandatory")
        body = current if isinstance(current, dict) else {"enforcementLevel": current}
        body.setdefault("exemptions", []).append(entry)
        config[rule] = body

    return patch


def review(type_token: str, reason: str, **extra: Any) -> Patch:
    """Add one reviewed-type entry."""

    def patch(config: dict[str, Any]) -> None:
        config["resource-type-judged"]["reviewedTypes"].append(
            {"type": type_token, "reason": reason, **extra}
        )

    return patch


def level(rule: str, value: str) -> Patch:
    def patch(config: dict[str, Any]) -> None:
        current = config.get(rule)
        if isinstance(current, dict):
            current["enforcementLevel"] = value
        else:
            config[rule] = value

    return patch


def keys(rule: str, **values: Any) -> Patch:
    """Set config keys of `rule` (its level kept)."""

    def patch(config: dict[str, Any]) -> None:
        current = config.get(rule, "mandatory")
        body = current if isinstance(current, dict) else {"enforcementLevel": current}
        body.update(values)
        config[rule] = body

    return patch


def patches(*steps: Patch) -> Patch:
    def patch(config: dict[str, Any]) -> str | None:
        text = None
        for step in steps:
            text = step(config) or text
        return text

    return patch


# -- resources --------------------------------------------------------------------------------


def component(type_token: str, name: str) -> dict[str, Any]:
    return {name: record(STACK, type_token, name, {}, custom=False)}


def child(parent_type: str, parent_name: str, rec: Any) -> Any:
    """`rec` registered under the component `parent_type` named `parent_name`."""
    parent = f"urn:pulumi:{STACK}::{PROJECT}::{parent_type}::{parent_name}"
    return with_options(
        rec,
        urn=f"urn:pulumi:{STACK}::{PROJECT}::{parent_type}${rec.type}::{rec.name}",
        parent=parent,
    )


def database(name: str, **changes: Any) -> Any:
    """A compliant prod RDS instance of its own (apart from `changes`)."""
    inputs = {
        "identifier": f"perfcheck-{name}",
        "allocatedStorage": 50,
        "backupRetentionPeriod": 7,
        "copyTagsToSnapshot": True,
        "deletionProtection": True,
        "engine": "postgres",
        "engineVersion": "16.4",
        "finalSnapshotIdentifier": f"perfcheck-{name}-final",
        "instanceClass": "db.t4g.medium",
        "kmsKeyId": UNKNOWN,
        "manageMasterUserPassword": True,
        "multiAz": True,
        "publiclyAccessible": False,
        "skipFinalSnapshot": False,
        "storageEncrypted": True,
        "storageType": "gp3",
        "username": "perfcheck",
        **changes,
    }
    inputs = {k: v for k, v in inputs.items() if v is not None}
    return add("aws:rds/instance:Instance", name, inputs, protect=True)


def restack(stack: str, build: Callable[[R], Any]) -> Callable[[R], Any]:
    """`build`'s records as resources of `stack` (URN, cost tags, provider)."""

    def rebuilt(r: R) -> dict[str, Any]:
        out = {}
        for key, rec in build(r).items():
            inputs = dict(rec.wire_inputs)
            if "tags" in inputs:
                inputs["tags"] = cost_tags(stack)
            out[key] = record(stack, rec.type, rec.name, inputs, protect=rec.protect)
        return out

    return rebuilt


def listener(name: str, r: R, **changes: Any) -> Any:
    """An HTTPS listener of its own on the stack's internal ALB."""
    inputs = {
        "loadBalancerArn": UNKNOWN,
        "port": 8443,
        "protocol": "HTTPS",
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "certificateArn": UNKNOWN,
        "defaultActions": [{"type": "forward", "targetGroupArn": UNKNOWN}],
        **changes,
    }
    return add(
        "aws:lb/listener:Listener",
        name,
        inputs,
        property_dependencies={"loadBalancerArn": [r["alb"].urn]},
    )


def containers_task(name: str, *definitions: dict[str, Any], **extra: Any) -> Callable[[R], Any]:
    return lambda r: {name: task(name, list(definitions), **extra)}


def image(name: str) -> str:
    return f"{ECR}/perfcheck-{name}:1.0.0"


def lam(name: str, **variables: Any) -> Callable[[R], Any]:
    return lambda_env(name, **variables)


def doc(*statements: dict[str, Any], single: bool = False) -> str:
    body: Any = statements[0] if single else list(statements)
    return json.dumps({"Version": "2012-10-17", "Statement": body})


QUEUE_ARN = arn("sqs", "perfcheck-jobs")
PROD_SETTINGS = {"perfcheck:environment": "prod"}
"""What Pulumi.prod.yaml hands the packs (ConfigureStack) beside its resources."""
ALB_DEP = "alb"


# -- (a) exemptions and config wider than their reason -----------------------------------------

REPLICA_REASON = (
    "Read-only reporting copy, rebuilt from the nightly snapshot in 40 minutes; single-AZ "
    "by the owners' decision of 2026-11-02 (OPS-142)."
)


def _reporting_pair(bad_parent: tuple[str, str]) -> Callable[[R], Any]:
    """A single-AZ replica under the `reporting` component (the exempted one) and another
    single-AZ database named alike under `bad_parent`."""

    def build(r: R) -> dict[str, Any]:
        good = child(
            "perfcheck:reporting:Reporting", "reporting", database("replica", multiAz=False)
        )
        bad = child(*bad_parent, database("replica", identifier="perfcheck-orders", multiAz=False))
        out = component("perfcheck:reporting:Reporting", "reporting")
        (parent,) = component(*bad_parent).values()
        out["other-parent"] = parent  # the same logical name under another component type
        out.update({"reporting-replica": good, "orders-replica": bad})
        return out

    return build


EXEMPTION_BAD: list[Program] = [
    Program(
        "w7-exempt-parent-name-other-component",
        "exemption",
        True,
        # a component of another type with the same logical name as the exempted parent
        lambda r: {
            **_reporting_pair(("perfcheck:analytics:Warehouse", "reporting"))(r),
        },
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="reporting",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-exempt-root-parent-covers-child",
        "exemption",
        True,
        lambda r: {
            "replica": database("replica", multiAz=False),
            **component("perfcheck:orders:Orders", "orders"),
            "orders-replica": child(
                "perfcheck:orders:Orders",
                "orders",
                database("replica", identifier="perfcheck-orders-replica", multiAz=False),
            ),
        },
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-exempt-name-other-case",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="Replica",
            parent="",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-exempt-urn-from-staging",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            urn="urn:pulumi:staging::perfcheck::aws:rds/instance:Instance::replica",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-exempt-urn-wildcard-stack",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            urn="urn:pulumi:*::perfcheck::aws:rds/instance:Instance::replica",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-exempt-name-glob",
        "exemption",
        True,
        lambda r: {"replica-eu": database("replica-eu", multiAz=False)},
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica-*",
            parent="",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-exempt-reason-todo",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="",
            reason="TODO",
        ),
    ),
    Program(
        "w7-exempt-reason-na",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="",
            reason="n/a",
        ),
    ),
    Program(
        "w7-exempt-reason-whitespace",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="",
            reason=" \t ",
        ),
    ),
    Program(
        "w7-exempt-reason-expired",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="",
            reason="Temporary during the migration to Aurora; expires 2026-03-31 (MIG-88).",
        ),
    ),
    Program(
        "w7-exempt-other-value-tls-policy",
        "exemption",
        True,
        lambda r: {"partner": listener("partner", r, sslPolicy="ELBSecurityPolicy-2016-08")},
        exempt(
            "alb-https-listener-tls-policy",
            type="aws:lb/listener:Listener",
            name="partner",
            parent="",
            property="sslPolicy",
            found="'ELBSecurityPolicy-TLS-1-1-2017-01'",
            reason="The partner's payment terminals speak TLS 1.1 at most until firmware 4.2 "
            "(PAY-311); TLS 1.0 stays refused.",
        ),
    ),
    Program(
        "w7-exempt-property-prefix",
        "exemption",
        True,
        lambda r: {"partner": listener("partner", r, sslPolicy="ELBSecurityPolicy-2016-08")},
        exempt(
            "alb-https-listener-tls-policy",
            type="aws:lb/listener:Listener",
            name="partner",
            parent="",
            property="ssl",
            reason="Partner terminals (PAY-311).",
        ),
    ),
    Program(
        "w7-exempt-no-property-reason-names-one-container",
        "exemption",
        True,
        containers_task(
            "edge",
            container("proxy", image("nginx"), 80, readonlyRootFilesystem=False),
            container("app", image("edge-app"), 8080, readonlyRootFilesystem=False),
        ),
        exempt(
            "ecs-container-read-only-root-filesystem",
            type="aws:ecs/taskDefinition:TaskDefinition",
            name="edge",
            parent="",
            reason="The nginx 'proxy' sidecar writes its pid file and cache under /var; the app "
            "container stays read-only.",
        ),
    ),
    Program(
        "w7-exempt-for-other-rule-name",
        "exemption",
        True,
        lambda r: {"replica": database("replica", multiAz=False, backupRetentionPeriod=1)},
        exempt(
            "rds-backup-retention",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="",
            reason="Rebuilt from the primary's snapshot; its own backups are not needed.",
        ),
    ),
]

CONFIG_BAD: list[Program] = [
    Program(
        "w7-config-multi-az-lowered",
        "config",
        True,
        lambda r: {"orders-db": database("orders-db", multiAz=False)},
        level("rds-multi-az", "advisory"),
    ),
    Program(
        "w7-config-protect-disabled",
        "config",
        True,
        lambda r: {"orders-db": with_options(database("orders-db"), protect=False)},
        level("stateful-resources-protected", "disabled"),
    ),
    Program(
        "w7-config-all-advisory-rule-dropped",
        "config",
        True,
        lambda r: {"orders-db": database("orders-db", deletionProtection=False)},
        lambda c: json.dumps(
            {"all": "advisory", **{k: v for k, v in c.items() if k != "rds-deletion-protection"}}
        ),
    ),
    Program(
        "w7-config-duplicate-key-last-wins",
        "config",
        True,
        lambda r: {"orders-db": database("orders-db", multiAz=False)},
        lambda c: json.dumps(c)[:-1] + ', "rds-multi-az": "advisory"}',
    ),
    Program(
        "w7-config-backup-minimum-lowered",
        "config",
        True,
        lambda r: {"orders-db": database("orders-db", backupRetentionPeriod=1)},
        keys("rds-backup-retention", minimumDays=1),
        stack_config=PROD_SETTINGS,
    ),
    Program(
        "w7-config-snapshot-minimum-zero",
        "config",
        True,
        lambda r: {
            "sessions-cache": renamed(
                replace(r["cache"], snapshotRetentionLimit=0, replicationGroupId="perfcheck-s"),
                "sessions-cache",
            )
        },
        keys("elasticache-snapshot-retention", minimumDays=0),
    ),
    Program(
        "w7-config-rolling-strategy-allowed",
        "config",
        True,
        lambda r: {
            "worker-svc": renamed(
                replace(
                    r["service"],
                    deploymentConfiguration={"strategy": "ROLLING"},
                    drop=["loadBalancers"],
                ),
                "worker-svc",
            )
        },
        keys(
            "ecs-service-deploys-with-automatic-rollback",
            allowedStrategies=["CANARY", "LINEAR", "BLUE_GREEN", "ROLLING"],
        ),
        stack_config=PROD_SETTINGS,
    ),
    Program(
        "w7-config-credential-patterns-hollow",
        "config",
        True,
        containers_task(
            "billing",
            worker(image("billing"), environment=env(BILLING_DB_PASSWORD="Bill1ng-Pr0d-2026")),
        ),
        keys("ecs-no-credentials-in-environment", credentialNamePatterns=["^NO_SUCH_SETTING$"]),
        stack_config=PROD_SETTINGS,
    ),
    Program(
        "w7-config-postgres-declared-client",
        "config",
        True,
        containers_task(
            "pg",
            worker(
                image("pg"),
                command=["postgres", "-D", "/var/lib/postgresql/data"],
                mountPoints=mount("/var/lib/postgresql/data"),
            ),
            volumes=[
                {"name": "tmp"},
                {
                    "name": "data",
                    "efsVolumeConfiguration": {
                        "fileSystemId": "fs-0123456789abcdef0",
                        "transitEncryption": "ENABLED",
                        "authorizationConfig": {"iam": "ENABLED"},
                    },
                },
            ],
        ),
        keys("no-database-on-efs", clientTools=["postgres", "pg_dump", "psql"]),
    ),
    Program(
        "w7-config-exec-lowered",
        "config",
        True,
        lambda r: {
            "ops-svc": renamed(replace(r["service"], enableExecuteCommand=True), "ops-svc"),
        },
        level("ecs-exec-disabled", "advisory"),
    ),
    Program(
        "w7-config-type-rule-advisory",
        "config",
        True,
        one(
            "aws:dax/cluster:Cluster",
            "prices-dax",
            {
                "clusterName": "perfcheck-prices",
                "nodeType": "dax.t3.small",
                "replicationFactor": 3,
                "iamRoleArn": UNKNOWN,
                "serverSideEncryption": {"enabled": False},
                "clusterEndpointEncryptionType": "NONE",
            },
        ),
        level("resource-type-judged", "advisory"),
    ),
]

STACK_NAME_BAD: list[Program] = [
    Program(
        "w7-stack-production-with-staging-config",
        "stack-name",
        True,
        restack("production", lambda r: {"orders-db": database("orders-db", multiAz=False)}),
        stack="production",
        config_from="staging",
        stack_config={"perfcheck:environment": "prod", "perfcheck:protect": "true"},
    ),
    Program(
        "w7-stack-promises-multi-az-under-staging-levels",
        "stack-name",
        True,
        restack("perf", lambda r: {"orders-db": database("orders-db", multiAz=False)}),
        stack="perf",
        config_from="staging",
        stack_config={
            "perfcheck:environment": "staging",
            "perfcheck:database": json.dumps({"multiAz": True, "deletionProtection": True}),
        },
    ),
    Program(
        "w7-stack-prod-capitalised",
        "stack-name",
        True,
        restack("Prod", lambda r: {"orders-db": database("orders-db", deletionProtection=False)}),
        stack="Prod",
        config_from="staging",
        stack_config={"perfcheck:environment": "prod"},
    ),
]

REVIEWED_BAD: list[Program] = [
    Program(
        "w7-reviewed-admin-policy-attachment",
        "reviewed",
        True,
        lambda r: {
            "task-admin": add(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "task-admin",
                {"role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                property_dependencies={"role": [r["task_role"].urn]},
            )
        },
    ),
    Program(
        "w7-reviewed-poweruser-attachment",
        "reviewed",
        True,
        lambda r: {
            "task-power": add(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "task-power",
                {"role": "task", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
            )
        },
    ),
    Program(
        "w7-reviewed-secret-version-literal",
        "reviewed",
        True,
        lambda r: {
            "api-key-value": add(
                "aws:secretsmanager/secretVersion:SecretVersion",
                "api-key-value",
                {
                    "secretId": UNKNOWN,
                    "secretString": json.dumps({"apiKey": "Zq8vN3kLp0sT7wXy2aBcD4eF"}),
                },
                property_dependencies={"secretId": [r["secret"].urn]},
            )
        },
    ),
    Program(
        "w7-reviewed-scaling-max-zero",
        "reviewed",
        True,
        one(
            "aws:appautoscaling/target:Target",
            "app-scaling-night",
            {
                "serviceNamespace": "ecs",
                "scalableDimension": "ecs:service:DesiredCount",
                "resourceId": "service/perfcheck/app",
                "minCapacity": 0,
                "maxCapacity": 0,
            },
        ),
    ),
    Program(
        "w7-reviewed-cloudfront-function-basic-auth",
        "reviewed",
        True,
        one(
            "aws:cloudfront/function:Function",
            "preview-gate",
            {
                "runtime": "cloudfront-js-2.0",
                "publish": True,
                "code": "function handler(event) {\n"
                "  var h = event.request.headers.authorization;\n"
                "  if (!h || h.value !== 'Basic YWRtaW46UHIwZC1QcmV2aWV3LTIwMjY=') {\n"
                "    return {statusCode: 401, statusDescription: 'Unauthorized'};\n"
                "  }\n  return event.request;\n}\n",
            },
        ),
    ),
    Program(
        "w7-reviewed-invocation-password",
        "reviewed",
        True,
        one(
            "aws:lambda/invocation:Invocation",
            "seed-admin",
            {
                "functionName": "perfcheck-bootstrap",
                "input": json.dumps(
                    {"action": "create-admin", "user": "ops", "pass": "0ps-Adm1n-26"}
                ),
            },
        ),
    ),
    Program(
        "w7-reviewed-kinesis-hidden",
        "reviewed",
        True,
        one(
            "aws:kinesis/stream:Stream",
            "clicks",
            {"shardCount": 1, "retentionPeriod": 24, "encryptionType": "NONE"},
        ),
        review(
            "aws:kinesis/stream:Stream",
            "Clickstream of anonymous page views; no personal data (DPIA-7).",
        ),
    ),
    Program(
        "w7-reviewed-mq-public-hidden",
        "reviewed",
        True,
        one(
            "aws:mq/broker:Broker",
            "jobs-broker",
            {
                "brokerName": "perfcheck-jobs",
                "engineType": "RabbitMQ",
                "engineVersion": "3.13",
                "hostInstanceType": "mq.m7g.medium",
                "deploymentMode": "CLUSTER_MULTI_AZ",
                "publiclyAccessible": True,
                "users": [{"username": "app", "password": secret("generated-elsewhere-1234")}],
            },
        ),
        review(
            "aws:mq/broker:Broker",
            "Job queue for the exporter; credentials come from the secret store.",
        ),
    ),
    Program(
        "w7-reviewed-transfer-public-hidden",
        "reviewed",
        True,
        one(
            "aws:transfer/server:Server",
            "partner-sftp",
            {
                "endpointType": "PUBLIC",
                "protocols": ["SFTP"],
                "identityProviderType": "SERVICE_MANAGED",
                "securityPolicyName": "TransferSecurityPolicy-2018-11",
            },
        ),
        review("aws:transfer/server:Server", "Partner drop box for CSV uploads (PART-12)."),
    ),
    Program(
        "w7-reviewed-placeholder-reason",
        "reviewed",
        True,
        one(
            "aws:sfn/stateMachine:StateMachine",
            "exporter",
            {"roleArn": UNKNOWN, "definition": json.dumps({"StartAt": "A", "States": {}})},
        ),
        review("aws:sfn/stateMachine:StateMachine", "TODO"),
    ),
    Program(
        "w7-reviewed-created-by-borrowed",
        "reviewed",
        True,
        one(
            "aws:ec2/route:Route",
            "db-subnet-default-route",
            {
                "routeTableId": "rtb-0isolated0000000",
                "destinationCidrBlock": "0.0.0.0/0",
                "gatewayId": "igw-0123456789abcdef0",
            },
        ),
        review(
            "aws:ec2/route:Route",
            "Routing of the awsx VPC's subnets.",
            createdBy="awsx:ec2:Vpc",
        ),
    ),
]

# -- (b) types outside today's stacks ---------------------------------------------------------

NEW_TYPE_BAD: list[Program] = [
    Program(
        "w7-firehose-unencrypted",
        "new-type",
        True,
        one(
            "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
            "events-firehose",
            {
                "destination": "extended_s3",
                "serverSideEncryption": {"enabled": False},
                "extendedS3Configuration": {"bucketArn": UNKNOWN, "roleArn": UNKNOWN},
            },
        ),
    ),
    Program(
        "w7-docdb-unencrypted",
        "new-type",
        True,
        one(
            "aws:docdb/cluster:Cluster",
            "catalog-docdb",
            {
                "clusterIdentifier": "perfcheck-catalog",
                "engine": "docdb",
                "masterUsername": "catalog",
                "manageMasterUserPassword": True,
                "storageEncrypted": False,
                "deletionProtection": True,
                "backupRetentionPeriod": 7,
                "skipFinalSnapshot": False,
                "finalSnapshotIdentifier": "perfcheck-catalog-final",
            },
            protect=True,
        ),
    ),
    Program(
        "w7-neptune-unencrypted",
        "new-type",
        True,
        one(
            "aws:neptune/cluster:Cluster",
            "graph",
            {
                "clusterIdentifier": "perfcheck-graph",
                "engine": "neptune",
                "storageEncrypted": False,
                "deletionProtection": True,
                "backupRetentionPeriod": 7,
                "skipFinalSnapshot": False,
                "finalSnapshotIdentifier": "perfcheck-graph-final",
                "iamDatabaseAuthenticationEnabled": True,
            },
            protect=True,
        ),
    ),
    Program(
        "w7-redshift-unencrypted",
        "new-type",
        True,
        one(
            "aws:redshift/cluster:Cluster",
            "warehouse",
            {
                "clusterIdentifier": "perfcheck-warehouse",
                "nodeType": "ra3.large",
                "numberOfNodes": 2,
                "manageMasterPassword": True,
                "masterUsername": "wh",
                "encrypted": False,
                "publiclyAccessible": False,
                "automatedSnapshotRetentionPeriod": 7,
                "skipFinalSnapshot": False,
                "finalSnapshotIdentifier": "perfcheck-warehouse-final",
            },
            protect=True,
        ),
    ),
    Program(
        "w7-dax-unencrypted",
        "new-type",
        True,
        one(
            "aws:dax/cluster:Cluster",
            "sessions-dax",
            {
                "clusterName": "perfcheck-sessions",
                "nodeType": "dax.t3.small",
                "replicationFactor": 3,
                "iamRoleArn": UNKNOWN,
                "serverSideEncryption": {"enabled": False},
                "clusterEndpointEncryptionType": "TLS",
            },
        ),
    ),
    Program(
        "w7-dax-plaintext-endpoint",
        "new-type",
        True,
        one(
            "aws:dax/cluster:Cluster",
            "cart-dax",
            {
                "clusterName": "perfcheck-cart",
                "nodeType": "dax.t3.small",
                "replicationFactor": 3,
                "iamRoleArn": UNKNOWN,
                "serverSideEncryption": {"enabled": True},
                "clusterEndpointEncryptionType": "NONE",
            },
        ),
    ),
    Program(
        "w7-opensearch-no-encryption-at-rest",
        "new-type",
        True,
        one(
            "aws:opensearch/domain:Domain",
            "search",
            {
                "engineVersion": "OpenSearch_2.17",
                "clusterConfig": {"instanceType": "t3.small.search", "instanceCount": 2},
                "encryptAtRest": {"enabled": False},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "w7-opensearch-node-to-node-off",
        "new-type",
        True,
        one(
            "aws:opensearch/domain:Domain",
            "logs-search",
            {
                "engineVersion": "OpenSearch_2.17",
                "clusterConfig": {"instanceType": "t3.small.search", "instanceCount": 2},
                "encryptAtRest": {"enabled": True},
                "nodeToNodeEncryption": {"enabled": False},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "w7-msk-plaintext-allowed",
        "new-type",
        True,
        one(
            "aws:msk/cluster:Cluster",
            "events-msk",
            {
                "clusterName": "perfcheck-events",
                "kafkaVersion": "3.7.x",
                "numberOfBrokerNodes": 3,
                "brokerNodeGroupInfo": {
                    "instanceType": "kafka.t3.small",
                    "clientSubnets": [UNKNOWN, UNKNOWN, UNKNOWN],
                    "securityGroups": [UNKNOWN],
                },
                "encryptionInfo": {
                    "encryptionAtRestKmsKeyArn": UNKNOWN,
                    "encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT", "inCluster": True},
                },
            },
        ),
    ),
    Program(
        "w7-sagemaker-notebook-internet-root",
        "new-type",
        True,
        one(
            "aws:sagemaker/notebookInstance:NotebookInstance",
            "analysis-notebook",
            {
                "instanceType": "ml.t3.medium",
                "roleArn": UNKNOWN,
                "directInternetAccess": "Enabled",
                "rootAccess": "Enabled",
            },
        ),
    ),
    Program(
        "w7-ebs-snapshot-copy-unencrypted",
        "new-type",
        True,
        one(
            "aws:ebs/snapshotCopy:SnapshotCopy",
            "dr-snapshot",
            {
                "sourceSnapshotId": "snap-0123456789abcdef0",
                "sourceRegion": "eu-west-1",
                "encrypted": False,
            },
        ),
    ),
    Program(
        "w7-global-cluster-unencrypted",
        "new-type",
        True,
        one(
            "aws:rds/globalCluster:GlobalCluster",
            "global-db",
            {
                "globalClusterIdentifier": "perfcheck-global",
                "engine": "aurora-postgresql",
                "engineVersion": "16.4",
                "storageEncrypted": False,
                "deletionProtection": True,
            },
        ),
    ),
    Program(
        "w7-glue-catalog-unencrypted",
        "new-type",
        True,
        one(
            "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings",
            "catalog-encryption",
            {
                "dataCatalogEncryptionSettings": {
                    "encryptionAtRest": {"catalogEncryptionMode": "DISABLED"},
                    "connectionPasswordEncryption": {"returnConnectionPasswordEncrypted": False},
                }
            },
        ),
    ),
    Program(
        "w7-ecr-immutable-with-exclusion-star",
        "new-type",
        True,
        one(
            "aws:ecr/repository:Repository",
            "worker-repo",
            {
                "name": "perfcheck/worker",
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                "imageScanningConfiguration": {"scanOnPush": True},
                "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": UNKNOWN}],
            },
        ),
    ),
    Program(
        "w7-aurora-single-instance",
        "new-type",
        True,
        lambda r: {
            "orders-aurora": add(
                "aws:rds/cluster:Cluster",
                "orders-aurora",
                {
                    "clusterIdentifier": "perfcheck-orders",
                    "engine": "aurora-postgresql",
                    "engineVersion": "16.4",
                    "masterUsername": "orders",
                    "manageMasterUserPassword": True,
                    "storageEncrypted": True,
                    "kmsKeyId": UNKNOWN,
                    "deletionProtection": True,
                    "backupRetentionPeriod": 7,
                    "skipFinalSnapshot": False,
                    "finalSnapshotIdentifier": "perfcheck-orders-final",
                    "availabilityZones": ["eu-west-1a"],
                },
                protect=True,
            ),
            "orders-aurora-1": add(
                "aws:rds/clusterInstance:ClusterInstance",
                "orders-aurora-1",
                {
                    "clusterIdentifier": "perfcheck-orders",
                    "engine": "aurora-postgresql",
                    "instanceClass": "db.t4g.medium",
                    "availabilityZone": "eu-west-1a",
                    "publiclyAccessible": False,
                },
            ),
        },
    ),
]

FRONT_DOOR_BAD: list[Program] = [
    Program(
        "w7-global-accelerator-to-internal-alb",
        "front-door",
        True,
        lambda r: {
            "ga": add(
                "aws:globalaccelerator/accelerator:Accelerator",
                "ga",
                {"name": "perfcheck", "ipAddressType": "IPV4", "enabled": True},
            ),
            "ga-listener": add(
                "aws:globalaccelerator/listener:Listener",
                "ga-listener",
                {
                    "acceleratorArn": UNKNOWN,
                    "protocol": "TCP",
                    "portRanges": [{"fromPort": 443, "toPort": 443}],
                },
            ),
            "ga-endpoints": add(
                "aws:globalaccelerator/endpointGroup:EndpointGroup",
                "ga-endpoints",
                {
                    "listenerArn": UNKNOWN,
                    "endpointConfigurations": [
                        {"endpointId": UNKNOWN, "weight": 100, "clientIpPreservationEnabled": True}
                    ],
                },
                property_dependencies={"endpointConfigurations": [r["alb"].urn]},
            ),
        },
    ),
    Program(
        "w7-apprunner-public",
        "front-door",
        True,
        one(
            "aws:apprunner/service:Service",
            "admin-ui",
            {
                "serviceName": "perfcheck-admin",
                "sourceConfiguration": {
                    "imageRepository": {
                        "imageIdentifier": image("admin"),
                        "imageRepositoryType": "ECR",
                        "imageConfiguration": {"port": "8080"},
                    },
                    "autoDeploymentsEnabled": False,
                },
                "networkConfiguration": {
                    "ingressConfiguration": {"isPubliclyAccessible": True},
                    "egressConfiguration": {"egressType": "DEFAULT"},
                },
            },
        ),
    ),
    Program(
        "w7-http-api-vpc-link-to-alb",
        "front-door",
        True,
        lambda r: {
            "http-api": add(
                "aws:apigatewayv2/api:Api",
                "http-api",
                {"protocolType": "HTTP", "name": "perfcheck-direct"},
            ),
            "http-api-link": add(
                "aws:apigatewayv2/vpcLink:VpcLink",
                "http-api-link",
                {"name": "perfcheck", "subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            ),
            "http-api-integration": add(
                "aws:apigatewayv2/integration:Integration",
                "http-api-integration",
                {
                    "apiId": UNKNOWN,
                    "integrationType": "HTTP_PROXY",
                    "integrationMethod": "ANY",
                    "connectionType": "VPC_LINK",
                    "connectionId": UNKNOWN,
                    "integrationUri": UNKNOWN,
                },
                property_dependencies={"integrationUri": [r["https_listener"].urn]},
            ),
            "http-api-route": add(
                "aws:apigatewayv2/route:Route",
                "http-api-route",
                {"apiId": UNKNOWN, "routeKey": "ANY /{proxy+}", "target": UNKNOWN},
            ),
            "http-api-stage": add(
                "aws:apigatewayv2/stage:Stage",
                "http-api-stage",
                {"apiId": UNKNOWN, "name": "$default", "autoDeploy": True},
            ),
        },
    ),
    Program(
        "w7-lightsail-instance",
        "front-door",
        True,
        one(
            "aws:lightsail/instance:Instance",
            "status",
            {
                "availabilityZone": "eu-west-1a",
                "blueprintId": "ubuntu_24_04",
                "bundleId": "nano_3_0",
            },
        ),
    ),
    Program(
        "w7-second-alb-internal-string-false",
        "front-door",
        True,
        lambda r: {
            "partner-alb": renamed(replace(r["alb"], internal="false"), "partner-alb"),
        },
    ),
    Program(
        "w7-lambda-permission-public-url",
        "front-door",
        True,
        one(
            "aws:lambda/permission:Permission",
            "webhook-public",
            {
                "action": "lambda:InvokeFunctionUrl",
                "function": "perfcheck-webhook",
                "principal": "*",
                "functionUrlAuthType": "NONE",
            },
        ),
    ),
    Program(
        "w7-sg-ipv6-long-form-any",
        "front-door",
        True,
        lambda r: {
            "app-v6-in": add(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "app-v6-in",
                {
                    "securityGroupId": UNKNOWN,
                    "cidrIpv6": "0:0:0:0:0:0:0:0/0",
                    "ipProtocol": "tcp",
                    "fromPort": 8787,
                    "toPort": 8787,
                },
                property_dependencies={"securityGroupId": [r["app_sg"].urn]},
            )
        },
    ),
    Program(
        "w7-sg-protocol-number",
        "front-door",
        True,
        lambda r: {
            "app-any-in": add(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "app-any-in",
                {
                    "securityGroupId": UNKNOWN,
                    "cidrIpv4": "0.0.0.0/0",
                    "ipProtocol": "6",
                    "fromPort": 3000,
                    "toPort": 3000,
                },
                property_dependencies={"securityGroupId": [r["app_sg"].urn]},
            )
        },
    ),
    Program(
        "w7-nlb-tls-old-policy",
        "front-door",
        True,
        lambda r: {
            "tls": listener(
                "tls", r, protocol="TLS", port=6443, sslPolicy="ELBSecurityPolicy-2016-08"
            )
        },
    ),
    Program(
        "w7-alb-tls13-with-tls10",
        "front-door",
        True,
        lambda r: {
            "legacy": listener("legacy", r, sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06")
        },
    ),
    Program(
        "w7-alb-fs-policy-tls10",
        "front-door",
        True,
        lambda r: {"fs": listener("fs", r, sslPolicy="ELBSecurityPolicy-FS-2018-06")},
    ),
    Program(
        "w7-opensearch-tls10-endpoint",
        "front-door",
        True,
        one(
            "aws:opensearch/domain:Domain",
            "legacy-search",
            {
                "engineVersion": "OpenSearch_2.17",
                "clusterConfig": {"instanceType": "t3.small.search", "instanceCount": 2},
                "encryptAtRest": {"enabled": True},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07",
                },
                "vpcOptions": {"subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            },
        ),
    ),
]

# -- (c) values the provider folds ------------------------------------------------------------

FOLDED_BAD: list[Program] = [
    Program(
        "w7-rds-encryption-secret-false",
        "folded",
        True,
        lambda r: {
            "ledger-db": database("ledger-db", storageEncrypted=secret(False), kmsKeyId=None)
        },
    ),
    Program(
        "w7-rds-public-string-true",
        "folded",
        True,
        lambda r: {"billing-db": database("billing-db", publiclyAccessible="true")},
    ),
    Program(
        "w7-queue-empty-key-string-false",
        "folded",
        True,
        one("aws:sqs/queue:Queue", "jobs", {"kmsMasterKeyId": "", "sqsManagedSseEnabled": "false"}),
    ),
    Program(
        "w7-topic-empty-key",
        "folded",
        True,
        one("aws:sns/topic:Topic", "alerts-2", {"kmsMasterKeyId": ""}),
    ),
    Program(
        "w7-cache-preferred-mode-capitalised",
        "folded",
        True,
        lambda r: {
            "sessions-cache": renamed(
                replace(
                    r["cache"], transitEncryptionMode="Preferred", replicationGroupId="perfcheck-s"
                ),
                "sessions-cache",
            )
        },
    ),
    Program(
        "w7-bucket-policy-not-principal",
        "folded",
        True,
        one(
            "aws:s3/bucketPolicy:BucketPolicy",
            "assets-policy",
            {
                "bucket": "perfcheck-prod-assets",
                "policy": doc(
                    {
                        "Effect": "Allow",
                        "NotPrincipal": {"AWS": f"arn:aws:iam::{'123456789012'}:root"},
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::perfcheck-prod-assets/*",
                    },
                    single=True,
                ),
            },
        ),
    ),
    Program(
        "w7-queue-policy-match-all-condition",
        "folded",
        True,
        one(
            "aws:sqs/queuePolicy:QueuePolicy",
            "jobs-policy",
            {
                "queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/perfcheck-jobs",
                "policy": doc(
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "sqs:SendMessage",
                        "Resource": QUEUE_ARN,
                        "Condition": {"StringLike": {"aws:SourceAccount": "*"}},
                    }
                ),
            },
        ),
    ),
    Program(
        "w7-role-policy-not-resource-admin",
        "folded",
        True,
        one(
            "aws:iam/rolePolicy:RolePolicy",
            "ops-inline",
            {
                "role": "task",
                "policy": doc(
                    {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::nothing-here"},
                    single=True,
                ),
            },
        ),
    ),
    Program(
        "w7-role-policy-iam-star",
        "folded",
        True,
        one(
            "aws:iam/rolePolicy:RolePolicy",
            "ci-inline",
            {
                "role": "task",
                "policy": doc({"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"}),
            },
        ),
    ),
    Program(
        "w7-circuit-breaker-strings",
        "folded",
        True,
        changed("service", deploymentCircuitBreaker={"enable": "true", "rollback": "false"}),
    ),
    Program(
        "w7-log-retention-string-ten-years",
        "folded",
        True,
        one(
            "aws:cloudwatch/logGroup:LogGroup",
            "audit-logs",
            {"retentionInDays": "3653", "kmsKeyId": UNKNOWN},
        ),
    ),
    Program(
        "w7-log-retention-zero-never-expires",
        "folded",
        True,
        one(
            "aws:cloudwatch/logGroup:LogGroup",
            "trace-logs",
            {"retentionInDays": 0, "kmsKeyId": UNKNOWN},
        ),
    ),
]

# -- (d) hollow controls ----------------------------------------------------------------------


def _health(command: list[str]) -> dict[str, Any]:
    return {"command": command, "interval": 15, "timeout": 5, "retries": 3, "startPeriod": 30}


COMMON_RULES = [
    "NoUserAgent_HEADER",
    "UserAgent_BadBots_HEADER",
    "SizeRestrictions_QUERYSTRING",
    "SizeRestrictions_Cookie_HEADER",
    "SizeRestrictions_BODY",
    "SizeRestrictions_URIPATH",
    "EC2MetaDataSSRF_BODY",
    "EC2MetaDataSSRF_COOKIE",
    "EC2MetaDataSSRF_URIPATH",
    "EC2MetaDataSSRF_QUERYARGUMENTS",
    "GenericLFI_QUERYARGUMENTS",
    "GenericLFI_URIPATH",
    "GenericLFI_BODY",
    "RestrictedExtensions_URIPATH",
    "RestrictedExtensions_QUERYARGUMENTS",
    "GenericRFI_QUERYARGUMENTS",
    "GenericRFI_BODY",
    "GenericRFI_URIPATH",
    "CrossSiteScripting_COOKIE",
    "CrossSiteScripting_QUERYARGUMENTS",
    "CrossSiteScripting_BODY",
    "CrossSiteScripting_URIPATH",
]


def web_acl(
    name: str, overrides: list[str], extra_rules: list[dict[str, Any]] | None = None
) -> Callable[[R], Any]:
    rules = [
        {
            "name": "common",
            "priority": 1,
            "overrideAction": {"none": {}},
            "statement": {
                "managedRuleGroupStatement": {
                    "vendorName": "AWS",
                    "name": "AWSManagedRulesCommonRuleSet",
                    "ruleActionOverrides": [
                        {"name": rule, "actionToUse": {"count": {}}} for rule in overrides
                    ],
                }
            },
            "visibilityConfig": {
                "cloudwatchMetricsEnabled": True,
                "metricName": "common",
                "sampledRequestsEnabled": True,
            },
        },
        *(extra_rules or []),
    ]
    return one(
        "aws:wafv2/webAcl:WebAcl",
        name,
        {
            "scope": "CLOUDFRONT",
            "defaultAction": {"allow": {}},
            "rules": rules,
            "visibilityConfig": {
                "cloudwatchMetricsEnabled": True,
                "metricName": name,
                "sampledRequestsEnabled": True,
            },
        },
    )


HOLLOW_BAD: list[Program] = [
    Program(
        "w7-health-check-exit-zero",
        "hollow",
        True,
        containers_task(
            "api2", worker(image("api2"), healthCheck=_health(["CMD-SHELL", "exit 0"]))
        ),
    ),
    Program(
        "w7-health-check-cmd-true",
        "hollow",
        True,
        containers_task("api3", worker(image("api3"), healthCheck=_health(["CMD", "true"]))),
    ),
    Program(
        "w7-health-check-or-true",
        "hollow",
        True,
        containers_task(
            "api4",
            worker(
                image("api4"),
                healthCheck=_health(["CMD-SHELL", "curl -f http://localhost:8080/health || true"]),
            ),
        ),
    ),
    Program(
        "w7-scheduled-scale-to-zero",
        "hollow",
        True,
        one(
            "aws:appautoscaling/scheduledAction:ScheduledAction",
            "night-off",
            {
                "serviceNamespace": "ecs",
                "scalableDimension": "ecs:service:DesiredCount",
                "resourceId": "service/perfcheck/app",
                "schedule": "cron(0 22 * * ? *)",
                "scalableTargetAction": {"minCapacity": 0, "maxCapacity": 0},
            },
        ),
    ),
    Program(
        "w7-target-group-matcher-any",
        "hollow",
        True,
        one(
            "aws:lb/targetGroup:TargetGroup",
            "api-tg",
            {
                "port": 8787,
                "protocol": "HTTP",
                "targetType": "ip",
                "vpcId": UNKNOWN,
                "healthCheck": {"enabled": True, "path": "/health", "matcher": "200-499"},
            },
        ),
    ),
    Program(
        "w7-grace-period-max",
        "hollow",
        True,
        changed("service", healthCheckGracePeriodSeconds=2147483647),
    ),
    Program(
        "w7-canary-hundred-percent",
        "hollow",
        True,
        changed(
            "service",
            deploymentConfiguration={
                "strategy": "CANARY",
                "bakeTimeInMinutes": "15",
                "canaryConfiguration": {"canaryPercent": 100, "canaryBakeTimeInMinutes": "10"},
            },
        ),
    ),
    Program(
        "w7-linear-one-step",
        "hollow",
        True,
        changed(
            "service",
            deploymentConfiguration={
                "strategy": "LINEAR",
                "bakeTimeInMinutes": "15",
                "linearConfiguration": {"stepPercent": 100, "stepBakeTimeInMinutes": "10"},
            },
        ),
    ),
    Program(
        "w7-rollback-alarms-rollback-off",
        "hollow",
        True,
        changed("service", alarms={"alarmNames": ["app-5xx"], "enable": True, "rollback": False}),
    ),
    Program(
        "w7-backup-plan-feb-30",
        "hollow",
        True,
        one(
            "aws:backup/plan:Plan",
            "db-backups",
            {
                "name": "perfcheck-db",
                "rules": [
                    {
                        "ruleName": "daily",
                        "targetVaultName": "perfcheck",
                        "schedule": "cron(0 5 30 2 ? *)",
                        "lifecycle": {"deleteAfter": 35},
                    }
                ],
            },
        ),
    ),
    Program(
        "w7-backup-plan-one-day",
        "hollow",
        True,
        one(
            "aws:backup/plan:Plan",
            "db-backups-short",
            {
                "name": "perfcheck-db-short",
                "rules": [
                    {
                        "ruleName": "daily",
                        "targetVaultName": "perfcheck",
                        "schedule": "cron(0 5 ? * * *)",
                        "lifecycle": {"deleteAfter": 1},
                    }
                ],
            },
        ),
    ),
    Program(
        "w7-dynamodb-pitr-one-day",
        "hollow",
        True,
        one(
            "aws:dynamodb/table:Table",
            "orders-table",
            {
                "billingMode": "PAY_PER_REQUEST",
                "hashKey": "pk",
                "attributes": [{"name": "pk", "type": "S"}],
                "deletionProtectionEnabled": True,
                "pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 1},
                "serverSideEncryption": {"enabled": True, "kmsKeyArn": UNKNOWN},
            },
            protect=True,
        ),
    ),
    Program(
        "w7-ecr-scan-manual",
        "hollow",
        True,
        one(
            "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
            "scanning",
            {
                "scanType": "ENHANCED",
                "rules": [
                    {
                        "scanFrequency": "MANUAL",
                        "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
                    }
                ],
            },
        ),
        alone=True,
    ),
    Program(
        "w7-waf-every-common-rule-counted",
        "hollow",
        True,
        web_acl("edge-acl", COMMON_RULES),
    ),
    Program(
        "w7-guardduty-suspended",
        "hollow",
        True,
        one("aws:guardduty/detector:Detector", "detector", {"enable": False}),
    ),
    Program(
        "w7-cloudtrail-logging-off",
        "hollow",
        True,
        one(
            "aws:cloudtrail/trail:Trail",
            "audit-trail",
            {
                "s3BucketName": "perfcheck-prod-trail",
                "isMultiRegionTrail": True,
                "enableLogging": False,
                "kmsKeyId": UNKNOWN,
            },
        ),
    ),
    Program(
        "w7-config-recorder-stopped",
        "hollow",
        True,
        one(
            "aws:cfg/recorderStatus:RecorderStatus",
            "recorder-status",
            {"name": "default", "isEnabled": False},
        ),
    ),
    Program(
        "w7-budget-threshold-unreachable",
        "hollow",
        True,
        changed(
            "budget",
            notifications=[
                {
                    "comparisonOperator": "GREATER_THAN",
                    "threshold": 100000,
                    "thresholdType": "PERCENTAGE",
                    "notificationType": "ACTUAL",
                    "subscriberEmailAddresses": ["platform-team@example.com"],
                }
            ],
        ),
    ),
    Program(
        "w7-alarm-ninety-day-window",
        "hollow",
        True,
        one(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "app-5xx",
            {
                "name": "app-5xx",
                "namespace": "AWS/ApplicationELB",
                "metricName": "HTTPCode_Target_5XX_Count",
                "statistic": "Sum",
                "period": 86400,
                "evaluationPeriods": 90,
                "datapointsToAlarm": 90,
                "threshold": 10,
                "comparisonOperator": "GreaterThanThreshold",
                "alarmActions": [UNKNOWN],
            },
        ),
    ),
]

# -- database engines on EFS ------------------------------------------------------------------


def _efs_task(name: str, command: list[str], path: str, img: str = "") -> Callable[[R], Any]:
    def build(r: R) -> dict[str, Any]:
        definition = worker(img or image(name), command=command, mountPoints=mount(path))
        volumes = [
            {"name": "tmp"},
            {
                "name": "data",
                "efsVolumeConfiguration": {
                    "fileSystemId": "fs-0123456789abcdef0",
                    "transitEncryption": "ENABLED",
                    "authorizationConfig": {"iam": "ENABLED"},
                },
            },
        ]
        return {name: task(name, [definition], volumes)}

    return build


ENGINE_BAD: list[Program] = [
    Program(
        "w7-prometheus-tsdb-on-efs",
        "efs-engine",
        True,
        _efs_task(
            "metrics",
            [
                "/bin/prometheus",
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
            ],
            "/prometheus",
            "quay.io/prometheus/prometheus:v3.1.0",
        ),
    ),
    Program(
        "w7-typesense-on-efs",
        "efs-engine",
        True,
        _efs_task(
            "typesense", ["typesense-server", "--data-dir", "/data", "--api-port", "8108"], "/data"
        ),
    ),
    Program(
        "w7-nats-jetstream-on-efs",
        "efs-engine",
        True,
        _efs_task("nats", ["nats-server", "-js", "-sd", "/data/jetstream"], "/data"),
    ),
    Program(
        "w7-victoria-metrics-on-efs",
        "efs-engine",
        True,
        _efs_task(
            "vm",
            ["/victoria-metrics-prod", "-storageDataPath=/storage", "-retentionPeriod=12"],
            "/storage",
        ),
    ),
    Program(
        "w7-sqlite-path-env-on-efs",
        "efs-engine",
        True,
        lambda r: {
            "notes": task(
                "notes",
                [
                    worker(
                        image("notes"),
                        environment=env(DB_PATH="/data/notes.db"),
                        mountPoints=mount("/data"),
                    )
                ],
                [
                    {"name": "tmp"},
                    {
                        "name": "data",
                        "efsVolumeConfiguration": {
                            "fileSystemId": "fs-0123456789abcdef0",
                            "transitEncryption": "ENABLED",
                            "authorizationConfig": {"iam": "ENABLED"},
                        },
                    },
                ],
            )
        },
    ),
]

# -- (e) credentials in new shapes and places -------------------------------------------------

CLOUD_INIT = (
    'Content-Type: multipart/mixed; boundary="//"\nMIME-Version: 1.0\n\n--//\n'
    'Content-Type: text/cloud-config; charset="us-ascii"\n\n#cloud-config\nchpasswd:\n'
    "  expire: false\n  users:\n  - {name: ops, password: 0ps-Cl0ud-2026!, type: text}\n--//--\n"
)

CREDENTIAL_BAD: list[Program] = [
    Program(
        "w7-sagemaker-model-hf-token",
        "credential",
        True,
        one(
            "aws:sagemaker/model:Model",
            "ranker",
            {
                "executionRoleArn": UNKNOWN,
                "primaryContainer": {
                    "image": image("ranker"),
                    "environment": {"HF_HUB": "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
                },
            },
        ),
    ),
    Program(
        "w7-glue-job-argument-password",
        "credential",
        True,
        one(
            "aws:glue/job:Job",
            "nightly-etl",
            {
                "roleArn": UNKNOWN,
                "command": {"scriptLocation": "s3://perfcheck-prod-etl/etl.py"},
                "defaultArguments": {
                    "--db_password": "Etl-Nightly-2026!",
                    "--job-language": "python",
                },
            },
        ),
    ),
    Program(
        "w7-step-function-basic-auth-header",
        "credential",
        True,
        one(
            "aws:sfn/stateMachine:StateMachine",
            "partner-sync",
            {
                "roleArn": UNKNOWN,
                "definition": json.dumps(
                    {
                        "StartAt": "Call",
                        "States": {
                            "Call": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::http:invoke",
                                "Parameters": {
                                    "ApiEndpoint": "https://partner.example.com/sync",
                                    "Method": "POST",
                                    "Headers": {
                                        "Authorization": "Basic " + b64("perfcheck:Sync-2026-pw")
                                    },
                                },
                                "End": True,
                            }
                        },
                    }
                ),
            },
        ),
    ),
    Program(
        "w7-event-connection-api-key",
        "credential",
        True,
        one(
            "aws:cloudwatch/eventConnection:EventConnection",
            "partner-conn",
            {
                "authorizationType": "API_KEY",
                "authParameters": {
                    "apiKey": {"key": "x-partner-key", "value": "pk9Fh2LmQ7rT4vXz8bNc3dWe"}
                },
            },
        ),
    ),
    Program(
        "w7-glue-connection-password",
        "credential",
        True,
        one(
            "aws:glue/connection:Connection",
            "warehouse-jdbc",
            {
                "connectionType": "JDBC",
                "connectionProperties": {
                    "JDBC_CONNECTION_URL": "jdbc:postgresql://wh.internal:5432/wh",
                    "USERNAME": "etl",
                    "PASSWORD": "Wh-Etl-Passw0rd",
                },
            },
        ),
    ),
    Program(
        "w7-dms-endpoint-password",
        "credential",
        True,
        one(
            "aws:dms/endpoint:Endpoint",
            "legacy-source",
            {
                "endpointId": "legacy-source",
                "endpointType": "source",
                "engineName": "mysql",
                "serverName": "legacy.internal",
                "port": 3306,
                "username": "dms",
                "password": "Dms-Legacy-2026",
                "sslMode": "require",
            },
        ),
    ),
    Program(
        "w7-datasync-smb-password",
        "credential",
        True,
        one(
            "aws:datasync/locationSmb:LocationSmb",
            "fileshare",
            {
                "serverHostname": "files.corp.internal",
                "subdirectory": "/exports",
                "user": "svc-datasync",
                "password": "Smb-Sync-2026!",
                "agentArns": [UNKNOWN],
            },
        ),
    ),
    Program(
        "w7-launch-template-mime-cloud-init",
        "credential",
        True,
        one(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "bastion-lt",
            {
                "imageId": "ami-0123456789abcdef0",
                "instanceType": "t4g.nano",
                "userData": b64(CLOUD_INIT),
                "blockDeviceMappings": [
                    {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}
                ],
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
    Program(
        "w7-codebuild-inline-buildspec-token",
        "credential",
        True,
        one(
            "aws:codebuild/project:Project",
            "release-notes",
            {
                "serviceRole": UNKNOWN,
                "artifacts": {"type": "NO_ARTIFACTS"},
                "environment": {
                    "computeType": "BUILD_GENERAL1_SMALL",
                    "image": "aws/codebuild/amazonlinux-aarch64-standard:3.0",
                    "type": "ARM_CONTAINER",
                },
                "source": {
                    "type": "NO_SOURCE",
                    "buildspec": "version: 0.2\nphases:\n  build:\n    commands:\n"
                    "      - curl -sH 'Authorization: token "
                    "ghp_R3dT34mT0k3nV4lu3Xy7890abcdEFGHijkl' "
                    "https://api.github.com/repos/acme/perfcheck/releases\n",
                },
                "logsConfig": {"cloudwatchLogs": {"status": "ENABLED"}},
            },
        ),
    ),
    Program(
        "w7-codepipeline-oauth-token",
        "credential",
        True,
        one(
            "aws:codepipeline/pipeline:Pipeline",
            "release",
            {
                "roleArn": UNKNOWN,
                "artifactStores": [{"location": "perfcheck-prod-artifacts", "type": "S3"}],
                "stages": [
                    {
                        "name": "Source",
                        "actions": [
                            {
                                "name": "GitHub",
                                "category": "Source",
                                "owner": "ThirdParty",
                                "provider": "GitHub",
                                "version": "1",
                                "outputArtifacts": ["src"],
                                "configuration": {
                                    "Owner": "acme",
                                    "Repo": "perfcheck",
                                    "Branch": "main",
                                    "OAuthToken": "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
                                },
                            }
                        ],
                    }
                ],
            },
        ),
    ),
    Program(
        "w7-amplify-basic-auth",
        "credential",
        True,
        one(
            "aws:amplify/app:App",
            "docs-site",
            {
                "name": "perfcheck-docs",
                "enableBasicAuth": True,
                "basicAuthCredentials": b64("docs:D0cs-Preview-2026"),
            },
        ),
    ),
    Program(
        "w7-splunk-log-driver-token",
        "credential",
        True,
        containers_task(
            "audit-shipper",
            worker(
                image("audit-shipper"),
                logConfiguration={
                    "logDriver": "splunk",
                    "options": {
                        "splunk-url": "https://splunk.corp.example.com:8088",
                        "splunk-token": "7c1e9a4b-2f3d-4c5e-8a6b-9d0e1f2a3b4c",
                    },
                },
            ),
        ),
    ),
    Program(
        "w7-ado-connection-string",
        "credential",
        True,
        containers_task(
            "reports-api",
            worker(
                image("reports-api"),
                environment=env(
                    CONNSTR="Server=tcp:reports.internal,1433;Database=reports;User ID=sa;"
                    "Password=Rep0rts-Sql-2026;Encrypt=True;"
                ),
            ),
        ),
    ),
    Program(
        "w7-jdbc-query-password",
        "credential",
        True,
        lam(
            "ledger-fn",
            LEDGER_JDBC="jdbc:mysql://ledger.internal:3306/ledger?user=ledger&password=L3dger-2026",
        ),
    ),
    Program(
        "w7-slack-webhook-url",
        "credential",
        True,
        lam(
            "alerts-fn",
            ALERTS_HOOK="https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/"
            + "aBcDeFgHiJkLmNoPqRsTuVwX",
        ),
    ),
    Program(
        "w7-stripe-live-secret-harmless-name",
        "credential",
        True,
        lam(
            "payments-fn",
            PAYMENTS_PROVIDER_CONFIG="sk_live_" + "51Hx9kQ2eZvKYlo2C0a1b2c3d4e5f6g7h8i9j0",
        ),
    ),
    Program(
        "w7-mysql-pwd-name",
        "credential",
        True,
        lam("import-fn", MYSQL_PWD="Imp0rt-2026-db"),
    ),
    Program(
        "w7-db-pw-short-name",
        "credential",
        True,
        lam("export-fn", DB_PW="Exp0rt-2026-db"),
    ),
    Program(
        "w7-tag-deploy-token",
        "credential",
        True,
        one(
            "aws:sns/topic:Topic",
            "deploys",
            {
                "kmsMasterKeyId": UNKNOWN,
                "tags": {**TAGS, "deploy-token": "glpat-" + "Xy7Zk2Lm9Qw4Er6Ty8Ui"},
            },
        ),
    ),
    Program(
        "w7-s3-object-dotenv",
        "credential",
        True,
        one(
            "aws:s3/bucketObjectv2:BucketObjectv2",
            "app-env-file",
            {
                "bucket": "perfcheck-prod-config",
                "key": "app/.env",
                "content": "NODE_ENV=production\nDATABASE_PASSWORD=Env-F1le-2026\n",
                "serverSideEncryption": "aws:kms",
            },
        ),
    ),
    Program(
        "w7-ssm-document-inline-password",
        "credential",
        True,
        one(
            "aws:ssm/document:Document",
            "db-maintenance",
            {
                "documentType": "Command",
                "documentFormat": "YAML",
                "content": "schemaVersion: '2.2'\ndescription: vacuum\nmainSteps:\n"
                "- action: aws:runShellScript\n  name: vacuum\n  inputs:\n    runCommand:\n"
                "    - mysql -u root -p'R00t-Maint-2026' -e 'OPTIMIZE TABLE app.events'\n",
            },
        ),
    ),
    Program(
        "w7-ssm-stringlist-password",
        "credential",
        True,
        one(
            "aws:ssm/parameter:Parameter",
            "smtp-settings",
            {
                "name": "/perfcheck/prod/smtp",
                "type": "StringList",
                "value": "host=smtp.example.com,user=mailer,password=Ma1ler-2026",
            },
        ),
    ),
    Program(
        "w7-eks-addon-config-password",
        "credential",
        True,
        one(
            "aws:eks/addon:Addon",
            "grafana-addon",
            {
                "clusterName": "perfcheck-tools",
                "addonName": "grafana-labs_kubernetes-monitoring",
                "configurationValues": json.dumps(
                    {"grafana": {"adminUser": "admin", "adminPassword": "Gr4fana-Adm1n-26"}}
                ),
            },
        ),
    ),
    Program(
        "w7-opensearch-master-password",
        "credential",
        True,
        one(
            "aws:opensearch/domain:Domain",
            "app-search",
            {
                "engineVersion": "OpenSearch_2.17",
                "clusterConfig": {"instanceType": "t3.small.search", "instanceCount": 2},
                "encryptAtRest": {"enabled": True},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
                },
                "advancedSecurityOptions": {
                    "enabled": True,
                    "internalUserDatabaseEnabled": True,
                    "masterUserOptions": {
                        "masterUserName": "admin",
                        "masterUserPassword": "0pen-Search-26!",
                    },
                },
                "vpcOptions": {"subnetIds": [UNKNOWN], "securityGroupIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "w7-batch-ecs-properties-env",
        "credential",
        True,
        one(
            "aws:batch/jobDefinition:JobDefinition",
            "reindex",
            {
                "type": "container",
                "platformCapabilities": ["FARGATE"],
                "ecsProperties": json.dumps(
                    {
                        "taskProperties": [
                            {
                                "containers": [
                                    {
                                        "name": "reindex",
                                        "image": image("reindex"),
                                        "environment": [
                                            {"name": "SEARCH_ADMIN_PASS", "value": "Re1ndex-2026"}
                                        ],
                                    }
                                ]
                            }
                        ]
                    }
                ),
            },
        ),
    ),
    Program(
        "w7-gzip-user-data-spot",
        "credential",
        True,
        one(
            "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
            "batch-spot",
            {
                "ami": "ami-0123456789abcdef0",
                "instanceType": "t4g.small",
                "userDataBase64": __import__("base64")
                .b64encode(
                    gzip.compress(
                        b"#!/bin/sh\nexport PGPASSWORD='Sp0t-Batch-2026'\n"
                        b"psql -h db -c 'select 1'\n",
                        mtime=0,
                    )
                )
                .decode(),
                "rootBlockDevice": {"encrypted": True, "volumeType": "gp3"},
                "metadataOptions": {"httpTokens": "required"},
            },
        ),
    ),
]

# -- (f) good programs ------------------------------------------------------------------------

GOOD: list[Program] = [
    Program(
        "w7-good-queue-kms-dlq",
        "good",
        False,
        one(
            "aws:sqs/queue:Queue",
            "exports",
            {
                "kmsMasterKeyId": UNKNOWN,
                "kmsDataKeyReusePeriodSeconds": 300,
                "redrivePolicy": json.dumps(
                    {"deadLetterTargetArn": QUEUE_ARN, "maxReceiveCount": 5}
                ),
            },
        ),
    ),
    Program(
        "w7-good-queue-sse-sqs",
        "good",
        False,
        one("aws:sqs/queue:Queue", "thumbnails", {"sqsManagedSseEnabled": True}),
    ),
    Program(
        "w7-good-kinesis-kms",
        "good",
        False,
        one(
            "aws:kinesis/stream:Stream",
            "audit-stream",
            {
                "shardCount": 1,
                "retentionPeriod": 168,
                "encryptionType": "KMS",
                "kmsKeyId": "alias/aws/kinesis",
            },
        ),
    ),
    Program(
        "w7-good-dynamodb",
        "good",
        False,
        one(
            "aws:dynamodb/table:Table",
            "carts",
            {
                "billingMode": "PAY_PER_REQUEST",
                "hashKey": "pk",
                "attributes": [{"name": "pk", "type": "S"}],
                "deletionProtectionEnabled": True,
                "pointInTimeRecovery": {"enabled": True},
                "serverSideEncryption": {"enabled": True, "kmsKeyArn": UNKNOWN},
            },
            protect=True,
        ),
    ),
    Program(
        "w7-good-opensearch",
        "good",
        False,
        one(
            "aws:opensearch/domain:Domain",
            "catalog-search",
            {
                "engineVersion": "OpenSearch_2.17",
                "clusterConfig": {
                    "instanceType": "t3.small.search",
                    "instanceCount": 2,
                    "zoneAwarenessEnabled": True,
                },
                "encryptAtRest": {"enabled": True, "kmsKeyId": UNKNOWN},
                "nodeToNodeEncryption": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
                },
                "advancedSecurityOptions": {
                    "enabled": True,
                    "internalUserDatabaseEnabled": False,
                    "masterUserOptions": {
                        "masterUserArn": arn("iam", "role/search-admin").replace(":eu-west-1", "")
                    },
                },
                "vpcOptions": {"subnetIds": [UNKNOWN, UNKNOWN], "securityGroupIds": [UNKNOWN]},
            },
        ),
    ),
    Program(
        "w7-good-msk-tls-iam",
        "good",
        False,
        one(
            "aws:msk/cluster:Cluster",
            "orders-msk",
            {
                "clusterName": "perfcheck-orders",
                "kafkaVersion": "3.7.x",
                "numberOfBrokerNodes": 3,
                "brokerNodeGroupInfo": {
                    "instanceType": "kafka.t3.small",
                    "clientSubnets": [UNKNOWN, UNKNOWN, UNKNOWN],
                    "securityGroups": [UNKNOWN],
                },
                "clientAuthentication": {"sasl": {"iam": True}},
                "encryptionInfo": {
                    "encryptionAtRestKmsKeyArn": UNKNOWN,
                    "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True},
                },
            },
        ),
    ),
    Program(
        "w7-good-docdb",
        "good",
        False,
        one(
            "aws:docdb/cluster:Cluster",
            "profiles-docdb",
            {
                "clusterIdentifier": "perfcheck-profiles",
                "engine": "docdb",
                "masterUsername": "profiles",
                "manageMasterUserPassword": True,
                "storageEncrypted": True,
                "kmsKeyId": UNKNOWN,
                "deletionProtection": True,
                "backupRetentionPeriod": 14,
                "skipFinalSnapshot": False,
                "finalSnapshotIdentifier": "perfcheck-profiles-final",
            },
            protect=True,
        ),
    ),
    Program(
        "w7-good-lambda-public-values",
        "good",
        False,
        lam(
            "web-config-fn",
            SENTRY_DSN="https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4505",
            STRIPE_PUBLISHABLE_KEY="pk_live_51Hx9kQ2eZvKYlo2CexamplePublishable0",
            RECAPTCHA_SITE_KEY="6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI",
        ),
    ),
    Program(
        "w7-good-lambda-credential-looking-names",
        "good",
        False,
        lam(
            "auth-config-fn",
            TOKEN_TTL_SECONDS="3600",
            PASSWORD_MIN_LENGTH="12",
            SECRET_ARN=arn("secretsmanager", "secret:perfcheck/api-AbCdEf"),
            OAUTH_TOKEN_URL="https://login.example.com/oauth2/token",
            API_KEY_HEADER="x-api-key",
            KEY_ROTATION_DAYS="90",
        ),
    ),
    Program(
        "w7-good-lambda-url-without-password",
        "good",
        False,
        lam(
            "reader-fn",
            DATABASE_URL="postgres://reader@perfcheck-db.abc.eu-west-1.rds.amazonaws.com:5432/app?sslmode=verify-full",
            REDIS_URL="rediss://perfcheck-cache.abc.euw1.cache.amazonaws.com:6379",
        ),
    ),
    Program(
        "w7-good-container-password-file-path",
        "good",
        False,
        containers_task(
            "migrator",
            worker(
                image("migrator"),
                environment=env(PGPASSFILE="/tmp/.pgpass", DB_PASSWORD_FILE="/tmp/db-password"),
            ),
        ),
    ),
    Program(
        "w7-good-mongodump-to-efs",
        "good",
        False,
        _efs_task(
            "catalog-backup",
            [
                "mongodump",
                "--uri",
                "mongodb+srv://catalog.internal/app",
                "--out",
                "/backups/nightly",
            ],
            "/backups",
            "docker.io/library/mongo:7.0",
        ),
    ),
    Program(
        "w7-good-mysql-router-stateless",
        "good",
        False,
        containers_task(
            "db-router",
            worker(
                "container-registry.oracle.com/mysql/community-router:8.4",
                command=["mysqlrouter", "--config", "/tmp/router.conf"],
            ),
        ),
    ),
    Program(
        "w7-good-bucket-policy-deny-insecure",
        "good",
        False,
        one(
            "aws:s3/bucketPolicy:BucketPolicy",
            "logs-tls-only",
            {
                "bucket": "perfcheck-prod-alb-logs",
                "policy": doc(
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            "arn:aws:s3:::perfcheck-prod-alb-logs",
                            "arn:aws:s3:::perfcheck-prod-alb-logs/*",
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            },
        ),
    ),
    Program(
        "w7-good-queue-policy-from-topic",
        "good",
        False,
        one(
            "aws:sqs/queuePolicy:QueuePolicy",
            "exports-from-topic",
            {
                "queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/perfcheck-jobs",
                "policy": doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": QUEUE_ARN,
                        "Condition": {
                            "ArnEquals": {"aws:SourceArn": arn("sns", "perfcheck-alerts")}
                        },
                    }
                ),
            },
        ),
    ),
    Program(
        "w7-good-lambda-permission-events",
        "good",
        False,
        one(
            "aws:lambda/permission:Permission",
            "nightly-trigger",
            {
                "action": "lambda:InvokeFunction",
                "function": "perfcheck-nightly",
                "principal": "events.amazonaws.com",
                "sourceArn": arn("events", "rule/perfcheck-nightly"),
            },
        ),
    ),
    Program(
        "w7-good-waf-tuned-overrides",
        "good",
        False,
        web_acl(
            "tuned-acl",
            ["SizeRestrictions_BODY", "NoUserAgent_HEADER"],
            [
                {
                    "name": "rate",
                    "priority": 2,
                    "action": {"block": {}},
                    "statement": {"rateBasedStatement": {"limit": 2000, "aggregateKeyType": "IP"}},
                    "visibilityConfig": {
                        "cloudwatchMetricsEnabled": True,
                        "metricName": "rate",
                        "sampledRequestsEnabled": True,
                    },
                }
            ],
        ),
    ),
    Program(
        "w7-good-listener-tls13-only",
        "good",
        False,
        lambda r: {"admin": listener("admin", r, sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06")},
    ),
    Program(
        "w7-good-sg-cgnat-range",
        "good",
        False,
        lambda r: {
            "app-cgnat-in": add(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "app-cgnat-in",
                {
                    "securityGroupId": UNKNOWN,
                    "cidrIpv4": "100.64.0.0/10",
                    "ipProtocol": "tcp",
                    "fromPort": 8787,
                    "toPort": 8787,
                },
                property_dependencies={"securityGroupId": [r["app_sg"].urn]},
            )
        },
    ),
    Program(
        "w7-good-role-policy-deny-not-action",
        "good",
        False,
        one(
            "aws:iam/rolePolicy:RolePolicy",
            "reader-inline",
            {
                "role": "task",
                "policy": doc(
                    {"Effect": "Deny", "NotAction": ["s3:GetObject"], "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::perfcheck-prod-assets/*",
                    },
                ),
            },
        ),
    ),
    Program(
        "w7-good-kms-key-via-service",
        "good",
        False,
        one(
            "aws:kms/key:Key",
            "ebs-key",
            {
                "description": "EBS volumes of the batch hosts",
                "enableKeyRotation": True,
                "rotationPeriodInDays": 180,
                "policy": doc(
                    {
                        "Sid": "Root",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Sid": "ViaEbs",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {
                                "kms:CallerAccount": "123456789012",
                                "kms:ViaService": "ec2.eu-west-1.amazonaws.com",
                            }
                        },
                    },
                ),
            },
            protect=True,
        ),
    ),
    Program(
        "w7-good-ecr-immutable-exclusion-latest",
        "good",
        False,
        one(
            "aws:ecr/repository:Repository",
            "tools-repo",
            {
                "name": "perfcheck/tools",
                "imageTagMutability": "IMMUTABLE",
                "imageScanningConfiguration": {"scanOnPush": True},
                "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": UNKNOWN}],
            },
        ),
    ),
    Program(
        "w7-good-health-check-binary",
        "good",
        False,
        containers_task(
            "api5",
            worker(
                image("api5"), healthCheck=_health(["CMD", "/app/healthcheck", "--port", "8080"])
            ),
        ),
    ),
    Program(
        "w7-good-log-group-one-year",
        "good",
        False,
        one(
            "aws:cloudwatch/logGroup:LogGroup",
            "audit-log-year",
            {"retentionInDays": 365, "kmsKeyId": UNKNOWN},
        ),
    ),
    Program(
        "w7-good-ssm-secure-string",
        "good",
        False,
        one(
            "aws:ssm/parameter:Parameter",
            "smtp-password",
            {
                "name": "/perfcheck/prod/smtp/password",
                "type": "SecureString",
                "keyId": UNKNOWN,
                "value": secret("generated-by-rotation-lambda"),
            },
        ),
    ),
    Program(
        "w7-good-neptune",
        "good",
        False,
        one(
            "aws:neptune/cluster:Cluster",
            "recs-graph",
            {
                "clusterIdentifier": "perfcheck-recs",
                "engine": "neptune",
                "storageEncrypted": True,
                "kmsKeyArn": UNKNOWN,
                "deletionProtection": True,
                "backupRetentionPeriod": 7,
                "skipFinalSnapshot": False,
                "finalSnapshotIdentifier": "perfcheck-recs-final",
                "iamDatabaseAuthenticationEnabled": True,
            },
            protect=True,
        ),
    ),
]

GOOD += [
    Program(
        "w7-good-cache-policy-cache-key",
        "good",
        False,
        one(
            "aws:cloudfront/cachePolicy:CachePolicy",
            "static-assets",
            {
                "comment": "long-lived hashed assets",
                "defaultTtl": 86400,
                "maxTtl": 31536000,
                "minTtl": 1,
                "parametersInCacheKeyAndForwardedToOrigin": {
                    "cookiesConfig": {"cookieBehavior": "none"},
                    "headersConfig": {"headerBehavior": "none"},
                    "queryStringsConfig": {
                        "queryStringBehavior": "whitelist",
                        "queryStrings": {"items": ["v"]},
                    },
                    "enableAcceptEncodingBrotli": True,
                    "enableAcceptEncodingGzip": True,
                },
            },
        ),
    ),
    Program(
        "w7-good-kms-key-usage-spec",
        "good",
        False,
        one(
            "aws:kms/key:Key",
            "signing-envelope-key",
            {
                "description": "envelope encryption of exports",
                "keyUsage": "ENCRYPT_DECRYPT",
                "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
                "enableKeyRotation": True,
                "deletionWindowInDays": 30,
            },
            protect=True,
        ),
    ),
    Program(
        "w7-good-ssm-string-api-key-header-name",
        "good",
        False,
        one(
            "aws:ssm/parameter:Parameter",
            "api-key-header",
            {
                "name": "/perfcheck/prod/partner/api-key-header",
                "type": "String",
                "value": "x-api-key",
            },
        ),
    ),
    Program(
        "w7-good-lifecycle-tag-filter",
        "good",
        False,
        one(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "alb-logs-expiry",
            {
                "bucket": "perfcheck-prod-alb-logs",
                "rules": [
                    {
                        "id": "expire-debug-logs",
                        "status": "Enabled",
                        "filter": {"tag": {"key": "retention", "value": "short"}},
                        "expiration": {"days": 30},
                    }
                ],
            },
        ),
    ),
    Program(
        "w7-good-dynamodb-gsi-keys",
        "good",
        False,
        one(
            "aws:dynamodb/table:Table",
            "sessions-index",
            {
                "billingMode": "PAY_PER_REQUEST",
                "hashKey": "pk",
                "rangeKey": "sk",
                "attributes": [
                    {"name": "pk", "type": "S"},
                    {"name": "sk", "type": "S"},
                    {"name": "userId", "type": "S"},
                ],
                "globalSecondaryIndexes": [
                    {
                        "name": "by-user",
                        "hashKey": "userId",
                        "rangeKey": "sk",
                        "projectionType": "ALL",
                    }
                ],
                "deletionProtectionEnabled": True,
                "pointInTimeRecovery": {"enabled": True},
                "serverSideEncryption": {"enabled": True, "kmsKeyArn": UNKNOWN},
            },
            protect=True,
        ),
    ),
]

PUBLIC_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYWnm/eplO9BFtXszMRQNL5UtZ8HJ\n"
    "dIyF2EEdDLmmV0xVfOoqjTAtrKOf1ocUbeGKNn4kmlYlQH4Z7fo5PfYBaQ==\n"
    "-----END PUBLIC KEY-----\n"
)

GOOD += [
    Program(
        "w7-good-wordpress-uploads-on-efs",
        "good",
        False,
        lambda r: {
            "cms": task(
                "cms",
                [
                    worker(
                        "docker.io/library/wordpress:6.6-php8.3-fpm",
                        environment=env(
                            WORDPRESS_DB_HOST="perfcheck-cms.abc.eu-west-1.rds.amazonaws.com",
                            WORDPRESS_DB_NAME="cms",
                        ),
                        mountPoints=mount("/var/www/html/wp-content/uploads"),
                    )
                ],
                [
                    {"name": "tmp"},
                    {
                        "name": "data",
                        "efsVolumeConfiguration": {
                            "fileSystemId": "fs-0123456789abcdef0",
                            "transitEncryption": "ENABLED",
                            "authorizationConfig": {"iam": "ENABLED"},
                        },
                    },
                ],
            )
        },
    ),
    Program(
        "w7-good-lambda-public-key-pem",
        "good",
        False,
        lam(
            "verify-fn",
            JWT_VERIFY_PUBLIC_KEY=PUBLIC_PEM,
            JWKS_URL="https://login.example.com/.well-known/jwks.json",
        ),
    ),
]

GOOD_CONFIGURED: list[Program] = [
    Program(
        "w7-good-exemption-bound-by-urn",
        "good-config",
        False,
        lambda r: {"replica": database("replica", multiAz=False)},
        exempt(
            "rds-multi-az",
            urn=f"urn:pulumi:{STACK}::{PROJECT}::aws:rds/instance:Instance::replica",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-good-exemption-under-its-component",
        "good-config",
        False,
        lambda r: {
            **component("perfcheck:reporting:Reporting", "reporting"),
            "reporting-replica": child(
                "perfcheck:reporting:Reporting", "reporting", database("replica", multiAz=False)
            ),
        },
        exempt(
            "rds-multi-az",
            type="aws:rds/instance:Instance",
            name="replica",
            parent="reporting",
            reason=REPLICA_REASON,
        ),
    ),
    Program(
        "w7-good-level-raised",
        "good-config",
        False,
        one(
            "aws:cloudwatch/logGroup:LogGroup",
            "payments-logs",
            {"retentionInDays": 90, "kmsKeyId": UNKNOWN},
        ),
        level("cloudwatch-log-group-encrypted", "mandatory"),
    ),
    Program(
        "w7-good-stack-production-prod-config",
        "good-config",
        False,
        restack(
            "production", one("aws:sqs/queue:Queue", "invoices", {"sqsManagedSseEnabled": True})
        ),
        stack="production",
        config_from="prod",
        stack_config={"perfcheck:environment": "prod"},
    ),
]

BAD: list[Program] = [
    *EXEMPTION_BAD,
    *CONFIG_BAD,
    *STACK_NAME_BAD,
    *REVIEWED_BAD,
    *NEW_TYPE_BAD,
    *FRONT_DOOR_BAD,
    *FOLDED_BAD,
    *HOLLOW_BAD,
    *ENGINE_BAD,
    *CREDENTIAL_BAD,
]
GOOD = [*GOOD, *GOOD_CONFIGURED]
PROGRAMS: list[Program] = [*BAD, *GOOD]
MEMBERS = PROGRAMS


def records_of(name: str) -> dict[str, Any]:
    """The resources member `name` registers beside the compliant stack."""
    from tests.policies.builders import compliant_resources

    program = next(p for p in PROGRAMS if p.name == name)
    return program.build(compliant_resources(program.stack))


__all__ = ["BAD", "GOOD", "PROGRAMS", "both", "records_of"]
