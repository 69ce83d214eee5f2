"""Issue 22 (types, families, hollow controls, run-time resources, prod invariants): cases run by
test_policy_rules' parametrized tests (each non-compliant case must be reported with its
property; each compliant variant must pass with no mandatory finding at all)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.policies.builders import UNKNOWN, record, replace, with_options
from tests.policies.cases import Case, R, Variant


def extra(type_token: str, name: str, inputs: dict[str, Any], **kw: Any) -> Callable[[R], Any]:
    """One more resource of `type_token`, tagged like the rest of the compliant stack."""
    return lambda r: {
        name: record(
            "prod", type_token, name, {"tags": r["db"].wire_inputs["tags"], **inputs}, **kw
        )
    }


def service(**inputs: Any) -> Callable[[R], Any]:
    return lambda r: {"service": replace(r["service"], **inputs)}


def web_acl(default: str, rules: list[dict[str, Any]] | None = None, **inputs: Any) -> Any:
    body: dict[str, Any] = {
        "scope": "CLOUDFRONT",
        "defaultAction": {default: {}},
        "visibilityConfig": {
            "metricName": "acl",
            "sampledRequestsEnabled": True,
            "cloudwatchMetricsEnabled": True,
        },
        **inputs,
    }
    if rules is not None:
        body["rules"] = rules
    return extra("aws:wafv2/webAcl:WebAcl", "edge-acl", body)


def managed_group(override: str) -> dict[str, Any]:
    return {
        "name": "common",
        "priority": 1,
        "overrideAction": {override: {}},
        "statement": {
            "managedRuleGroupStatement": {
                "vendorName": "AWS",
                "name": "AWSManagedRulesCommonRuleSet",
            }
        },
    }


RATE_COUNT = {
    "name": "rate",
    "priority": 0,
    "action": {"count": {}},
    "statement": {"rateBasedStatement": {"limit": 2000, "aggregateKeyType": "IP"}},
}

FUNCTION = "aws:lambda/function:Function"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPOSITORY = "aws:ecr/repository:Repository"


def repository_and_registry(filter_text: str, frequency: str = "CONTINUOUS_SCAN") -> Any:
    def changes(r: R) -> dict[str, Any]:
        tags = r["db"].wire_inputs["tags"]
        return {
            "repo": record(
                "prod",
                REPOSITORY,
                "web-repo",
                {"name": "perfcheck/web", "imageTagMutability": "IMMUTABLE", "tags": tags},
            ),
            "registry": record(
                "prod",
                REGISTRY_SCANNING,
                "registry-scanning",
                {
                    "scanType": "ENHANCED",
                    "rules": [
                        {
                            "scanFrequency": frequency,
                            "repositoryFilters": [
                                {"filter": filter_text, "filterType": "WILDCARD"}
                            ],
                        }
                    ],
                },
            ),
        }

    return changes


def parameter_group(name: str, value: str, family: str = "postgres16") -> Any:
    return lambda r: {
        "db_params": replace(
            r["db_params"],
            family=family,
            parameters=[
                {"name": "rds.force_ssl", "value": "1"},
                {"name": name, "value": value},
            ],
        )
    }


def awsx_vpc(**inputs: Any) -> Any:
    return lambda r: {
        "vpc": record(
            "prod",
            "awsx:ec2:Vpc",
            "network-vpc",
            {"cidrBlock": "10.30.0.0/16", "numberOfAvailabilityZones": 3, **inputs},
            custom=False,
        )
    }


def provider_resource(tags: dict[str, str]) -> Any:
    return lambda r: {
        "aws_provider": record(
            "prod",
            "pulumi:providers:aws",
            "aws",
            {"region": "eu-west-1", "defaultTags": json.dumps({"tags": tags})},
        )
    }


def tagged_topic(**tags: str) -> Any:
    return lambda r: {"topic": replace(r["topic"], tags={**r["topic"].wire_inputs["tags"], **tags})}


def instance(**inputs: Any) -> Any:
    return extra(
        "aws:ec2/instance:Instance",
        "bastion",
        {"instanceType": "t4g.micro", "ami": "ami-1", **inputs},
    )


TYPE_NONCOMPLIANT: list[Case] = [
    # -- class 1: fail closed on types (members the rules were never written for) -------------
    Case(
        "resource-type-judged",
        "glue-catalog-never-judged",
        extra("aws:glue/catalogDatabase:CatalogDatabase", "lake", {"name": "lake"}),
        "lake",
        "'aws:glue/catalogDatabase:CatalogDatabase', which no rule of the policy packs judges",
    ),
    Case(
        "resource-type-judged",
        "docdb-instance-never-judged",
        extra(
            "aws:docdb/clusterInstance:ClusterInstance", "docs-1", {"instanceClass": "db.r6g.large"}
        ),
        "docs-1",
        "which no rule of the policy packs judges",
    ),
    # -- class 2: type families: encryption at rest ------------------------------------------
    Case(
        "data-encrypted-at-rest",
        "docdb-cluster-unencrypted",
        extra("aws:docdb/cluster:Cluster", "docs", {"storageEncrypted": False}),
        "docs",
        "storageEncrypted is false",
    ),
    Case(
        "data-encrypted-at-rest",
        "neptune-cluster-encryption-unset",
        extra("aws:neptune/cluster:Cluster", "graph", {"deletionProtection": True}),
        "graph",
        "storageEncrypted is not set",
    ),
    Case(
        "data-encrypted-at-rest",
        "global-cluster-unencrypted",
        extra("aws:rds/globalCluster:GlobalCluster", "global-db", {"engine": "aurora-postgresql"}),
        "global-db",
        "storageEncrypted is not set",
    ),
    Case(
        "data-encrypted-at-rest",
        "snapshot-copy-without-key",
        extra("aws:rds/snapshotCopy:SnapshotCopy", "db-copy", {"sourceDbSnapshotIdentifier": "s"}),
        "db-copy",
        "kmsKeyId is not set",
    ),
    Case(
        "data-encrypted-at-rest",
        "dynamodb-aws-owned-key",
        extra("aws:dynamodb/table:Table", "sessions", {"serverSideEncryption": {"enabled": False}}),
        "sessions",
        "serverSideEncryption.enabled is false",
    ),
    Case(
        "data-encrypted-at-rest",
        "kinesis-stream-none",
        extra("aws:kinesis/stream:Stream", "events", {"encryptionType": "NONE"}),
        "events",
        "encryptionType is 'NONE'",
    ),
    Case(
        "data-encrypted-at-rest",
        "sqs-queue-sse-off",
        extra("aws:sqs/queue:Queue", "jobs", {"sqsManagedSseEnabled": False}),
        "jobs",
        "sqsManagedSseEnabled false",
    ),
    Case(
        "data-encrypted-at-rest",
        "opensearch-at-rest-off",
        extra("aws:opensearch/domain:Domain", "search", {"encryptAtRest": {"enabled": False}}),
        "search",
        "encryptAtRest.enabled is false",
    ),
    Case(
        "data-encrypted-at-rest",
        "ebs-snapshot-copy-unencrypted",
        extra("aws:ebs/snapshotCopy:SnapshotCopy", "vol-copy", {"sourceSnapshotId": "snap-1"}),
        "vol-copy",
        "encrypted is not set",
    ),
    # -- class 2: families of public access, deletion protection, backups --------------------
    Case(
        "rds-not-publicly-accessible",
        "redshift-public",
        extra(
            "aws:redshift/cluster:Cluster", "dw", {"publiclyAccessible": True, "encrypted": True}
        ),
        "dw",
        "publiclyAccessible is true",
    ),
    Case(
        "rds-not-publicly-accessible",
        "dms-instance-public",
        extra(
            "aws:dms/replicationInstance:ReplicationInstance", "dms", {"publiclyAccessible": True}
        ),
        "dms",
        "publiclyAccessible is true",
    ),
    Case(
        "rds-deletion-protection",
        "docdb-cluster-deletable",
        extra("aws:docdb/cluster:Cluster", "docs", {"storageEncrypted": True}),
        "docs",
        "deletionProtection is not set",
    ),
    Case(
        "rds-deletion-protection",
        "dynamodb-table-deletable",
        extra(
            "aws:dynamodb/table:Table",
            "sessions",
            {"serverSideEncryption": {"enabled": True}, "deletionProtectionEnabled": False},
        ),
        "sessions",
        "deletionProtectionEnabled is false",
    ),
    Case(
        "rds-backup-retention",
        "neptune-one-day",
        extra("aws:neptune/cluster:Cluster", "graph", {"backupRetentionPeriod": 1}),
        "graph",
        "backupRetentionPeriod is 1",
    ),
    Case(
        "rds-backup-retention",
        "dynamodb-without-pitr",
        extra("aws:dynamodb/table:Table", "sessions", {"serverSideEncryption": {"enabled": True}}),
        "sessions",
        "pointInTimeRecovery.enabled is not set",
    ),
    Case(
        "ecs-service-no-public-ip",
        "task-set-public-ip",
        extra(
            "aws:ecs/taskSet:TaskSet",
            "canary-set",
            {"networkConfiguration": {"subnets": [UNKNOWN], "assignPublicIp": True}},
        ),
        "canary-set",
        "assignPublicIp is true",
    ),
    Case(
        "ecs-container-non-root-user",
        "daemon-task-definition-root",
        extra(
            "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition",
            "node-agent",
            {
                "family": "node-agent",
                "containerDefinitions": [{"name": "agent", "image": "agent:1", "user": "0"}],
            },
        ),
        "node-agent",
        "containerDefinitions[agent].user is '0'",
    ),
    Case(
        "efs-volume-transit-encryption",
        "batch-efs-volume-clear",
        extra(
            "aws:batch/jobDefinition:JobDefinition",
            "export-job",
            {
                "type": "container",
                "containerProperties": json.dumps(
                    {
                        "volumes": [
                            {"name": "exports", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}
                        ]
                    }
                ),
            },
        ),
        "export-job",
        "volumes[exports].efsVolumeConfiguration.transitEncryption is not set (DISABLED)",
    ),
    # -- class 3: controls present but hollow ------------------------------------------------
    Case(
        "control-not-switched-off",
        "alarm-actions-off",
        extra(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "queue-age",
            {"metricName": "ApproximateAgeOfOldestMessage", "actionsEnabled": False},
        ),
        "queue-age",
        "actionsEnabled is false",
    ),
    Case(
        "control-not-switched-off",
        "rotation-yearly",
        extra(
            "aws:secretsmanager/secretRotation:SecretRotation",
            "token-rotation",
            {"secretId": UNKNOWN, "rotationRules": {"scheduleExpression": "cron(0 4 1 1 ? *)"}},
        ),
        "token-rotation",
        "rotationRules.scheduleExpression is 'cron(0 4 1 1 ? *)'",
    ),
    Case(
        "waf-web-acl-effective",
        "no-rules-default-allow",
        web_acl("allow", []),
        "edge-acl",
        "no rules, with defaultAction allow",
    ),
    Case(
        "waf-web-acl-effective",
        "count-only",
        web_acl("allow", [RATE_COUNT, managed_group("count")]),
        "edge-acl",
        "2 rule(s) that only count or allow",
    ),
    Case(
        "waf-web-acl-effective",
        "rule-json-count-only",
        web_acl(
            "allow",
            None,
            ruleJson=json.dumps(
                [{"Name": "r", "Priority": 0, "Action": {"Count": {}}, "Statement": {}}]
            ),
        ),
        "edge-acl",
        "1 rule(s) that only count or allow",
    ),
    Case(
        "ecs-deployment-bake-time-not-zero",
        "bake-zero",
        service(deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "0"}),
        "web-service",
        "deploymentConfiguration.bakeTimeInMinutes is '0'",
    ),
    Case(
        "ecs-deployment-bake-time-not-zero",
        "canary-bake-zero",
        service(
            deploymentConfiguration={
                "strategy": "CANARY",
                "bakeTimeInMinutes": "15",
                "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": "0"},
            }
        ),
        "web-service",
        "canaryBakeTimeInMinutes is '0'",
    ),
    Case(
        "ecs-deployment-controller-rolls-back",
        "external-controller",
        service(deploymentController={"type": "EXTERNAL"}),
        "web-service",
        "'EXTERNAL' (nothing in AWS rolls a failed deployment back)",
    ),
    Case(
        "ecs-deployment-controller-rolls-back",
        "code-deploy-without-group",
        service(deploymentController={"type": "code_deploy"}),
        "web-service",
        "CODE_DEPLOY with no CodeDeploy deployment group",
    ),
    Case(
        "ecr-repository-immutable-scanned",
        "registry-filter-matches-nothing",
        repository_and_registry("legacy-*"),
        "web-repo",
        "no registry scanning rule's filter matches the repository",
    ),
    Case(
        "ecr-repository-immutable-scanned",
        "registry-scan-manual-only",
        repository_and_registry("*", "MANUAL"),
        "web-repo",
        "imageScanningConfiguration.scanOnPush is not set",
    ),
    Case(
        "required-cost-tags",
        "placeholder-owner",
        tagged_topic(Owner="TBD"),
        "observability-alarms",
        "a placeholder: Owner='TBD'",
    ),
    Case(
        "required-cost-tags",
        "placeholder-cost-center-dash",
        tagged_topic(CostCenter=" - "),
        "observability-alarms",
        "a placeholder: CostCenter=",
    ),
    Case(
        "required-cost-tags",
        "another-projects-tag",
        tagged_topic(Project="billing-api"),
        "observability-alarms",
        "tags.Project is 'billing-api'",
    ),
    Case(
        "provider-default-tags-this-stack",
        "copied-provider-other-project",
        provider_resource(
            {"Project": "billing-api", "Environment": "prod", "Owner": "x", "CostCenter": "y"}
        ),
        "aws",
        "defaultTags.tags.Project is 'billing-api'",
    ),
    Case(
        "provider-default-tags-this-stack",
        "copied-provider-other-stack",
        provider_resource({"Project": "perfcheck", "Environment": "staging"}),
        "aws",
        "defaultTags.tags.Environment is 'staging'",
    ),
    Case(
        "provider-default-tags-this-stack",
        "copied-provider-placeholder-owner",
        provider_resource({"Project": "perfcheck", "Environment": "prod", "Owner": "TBD"}),
        "aws",
        "defaultTags.tags.Owner is 'TBD'",
    ),
    # -- class 4: resources AWS creates at run time ------------------------------------------
    Case(
        "ecs-managed-ebs-volume-encrypted",
        "task-volume-unencrypted",
        service(
            volumeConfiguration={
                "name": "scratch",
                "managedEbsVolume": {"roleArn": UNKNOWN, "sizeInGb": 20},
            }
        ),
        "web-service",
        "volumeConfiguration.managedEbsVolume.encrypted is not set",
    ),
    Case(
        "identity-policy-not-administrator",
        "allow-not-action",
        extra(
            "aws:iam/policy:Policy",
            "ops",
            {
                "policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
                )
            },
        ),
        "ops",
        "statement '0' allowing every action",
    ),
    Case(
        "rds-export-log-groups-managed",
        "export-to-implicit-group",
        extra(
            "aws:rds/instance:Instance",
            "reports-db",
            {
                "identifier": "perfcheck-prod-reports",
                "enabledCloudwatchLogsExports": ["postgresql"],
            },
        ),
        "reports-db",
        "/aws/rds/instance/perfcheck-prod-reports/postgresql, which RDS creates at run time",
    ),
    Case(
        "lambda-log-group-managed",
        "implicit-log-group",
        extra(FUNCTION, "resize", {"name": "perfcheck-prod-resize", "role": UNKNOWN}),
        "resize",
        "the implicit '/aws/lambda/perfcheck-prod-resize'",
    ),
    Case(
        "ecs-tasks-carry-tags",
        "tags-not-propagated",
        service(propagateTags="NONE"),
        "web-service",
        "propagateTags is 'NONE'",
    ),
    Case(
        "autoscaling-group-launch-template",
        "launch-configuration",
        extra(
            "aws:autoscaling/group:Group",
            "workers",
            {"maxSize": 2, "minSize": 1, "launchConfiguration": "workers-lc"},
        ),
        "workers",
        "launchConfiguration is set",
    ),
    Case(
        "ebs-instance-template-in-stack",
        "instance-from-outside-template",
        instance(launchTemplate={"id": "lt-0123456789abcdef0", "version": "$Latest"}),
        "bastion",
        "launchTemplate is 'lt-0123456789abcdef0' with no rootBlockDevice",
    ),
    # -- class 5: transport settings no rule read --------------------------------------------
    Case(
        "front-door-tls-minimum",
        "api-gateway-tls-1-0",
        extra(
            "aws:apigateway/domainName:DomainName",
            "api-domain",
            {"domainName": "api.example.com", "securityPolicy": "TLS_1_0"},
        ),
        "api-domain",
        "securityPolicy is 'TLS_1_0'",
    ),
    Case(
        "front-door-tls-minimum",
        "http-api-domain-policy-unset",
        extra(
            "aws:apigatewayv2/domainName:DomainName",
            "http-api-domain",
            {
                "domainName": "api.example.com",
                "domainNameConfiguration": {"endpointType": "REGIONAL"},
            },
        ),
        "http-api-domain",
        "domainNameConfiguration.securityPolicy is not set",
    ),
    Case(
        "front-door-tls-minimum",
        "opensearch-tls-1-0",
        extra(
            "aws:opensearch/domain:Domain",
            "search",
            {
                "encryptAtRest": {"enabled": True},
                "domainEndpointOptions": {
                    "enforceHttps": True,
                    "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07",
                },
            },
        ),
        "search",
        "tlsSecurityPolicy is 'Policy-Min-TLS-1-0-2019-07'",
    ),
    Case(
        "front-door-tls-minimum",
        "msk-plaintext-clients",
        extra(
            "aws:msk/cluster:Cluster",
            "kafka",
            {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT"}}},
        ),
        "kafka",
        "clientBroker is 'TLS_PLAINTEXT'",
    ),
    Case(
        "rds-tls-minimum-version",
        "postgres-ssl-min-tls-1",
        parameter_group("ssl_min_protocol_version", "TLSv1"),
        "database-params",
        "parameters[ssl_min_protocol_version] is 'TLSv1'",
    ),
    Case(
        "rds-tls-minimum-version",
        "mysql-tls-version-allows-1-1",
        parameter_group("tls_version", "TLSv1.1,TLSv1.2", "mysql8.0"),
        "database-params",
        "parameters[tls_version] is 'TLSv1.1,TLSv1.2'",
    ),
    Case(
        "sns-subscription-https",
        "http-subscription",
        extra(
            "aws:sns/topicSubscription:TopicSubscription",
            "hook",
            {"topic": UNKNOWN, "protocol": "HTTP", "endpoint": "http://hooks.example.com/x"},
        ),
        "hook",
        "protocol is 'HTTP' (notifications in plaintext)",
    ),
    # -- class 6: prod's invariants ----------------------------------------------------------
    Case(
        "vpc-nat-gateway-per-az",
        "single-nat",
        awsx_vpc(natGateways={"strategy": "Single"}),
        "network-vpc",
        "natGateways.strategy is 'Single'",
    ),
    Case(
        "vpc-nat-gateway-per-az",
        "no-nat",
        awsx_vpc(natGateways={"strategy": "None"}),
        "network-vpc",
        "natGateways.strategy is 'None'",
    ),
    Case(
        "ecs-exec-disabled",
        "exec-on",
        service(enableExecuteCommand=True),
        "web-service",
        "enableExecuteCommand is true",
    ),
    Case(
        "ecs-exec-disabled",
        "daemon-exec-on",
        extra("aws:ecs/daemon:Daemon", "node-daemon", {"enableExecuteCommand": "true"}),
        "node-daemon",
        "enableExecuteCommand is true",
    ),
]


def instance_and_template(template_id: str) -> Any:
    """An instance whose root comes from a launch template of this stack, its id known (as at
    `pulumi up`, when the template was created first)."""
    template = extra(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "bastion-template",
        {
            "imageId": "ami-1",
            "metadataOptions": {"httpTokens": "required"},
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}
            ],
        },
        computed={"id": template_id},
    )
    host = instance(launchTemplate={"id": template_id, "version": "$Latest"})
    return lambda r: {**template(r), **host(r)}


TYPE_VARIANTS: list[Variant] = [
    # Reviewed in the stack's config (the program's VPC has NAT gateways): judged by the review.
    Variant(
        "resource-type-judged",
        "reviewed-nat-gateway",
        lambda r: {  # the review says the NAT gateways awsx's VPC creates: one of its children
            "nat-a": with_options(
                extra("aws:ec2/natGateway:NatGateway", "nat-a", {"subnetId": UNKNOWN})(r)["nat-a"],
                urn="urn:pulumi:prod::perfcheck::awsx:ec2:Vpc$aws:ec2/natGateway:NatGateway::nat-a",
                parent="urn:pulumi:prod::perfcheck::awsx:ec2:Vpc::vpc",
            )
        },
    ),
    Variant(
        "ebs-instance-template-in-stack",
        "instance-from-known-template-of-the-stack",
        instance_and_template("lt-0aa11bb22cc33dd44"),
    ),
    Variant(
        "efs-volume-transit-encryption",
        "batch-efs-volume-tls",
        extra(
            "aws:batch/jobDefinition:JobDefinition",
            "export-job",
            {
                "type": "container",
                "containerProperties": json.dumps(
                    {
                        "volumes": [
                            {
                                "name": "exports",
                                "efsVolumeConfiguration": {
                                    "fileSystemId": "fs-1",
                                    "transitEncryption": "ENABLED",
                                },
                            }
                        ]
                    }
                ),
            },
        ),
    ),
    Variant(
        "control-not-switched-off",
        "rotation-monthly-cron",
        extra(
            "aws:secretsmanager/secretRotation:SecretRotation",
            "token-rotation",
            {"secretId": UNKNOWN, "rotationRules": {"scheduleExpression": "cron(0 4 1 * ? *)"}},
        ),
    ),
    # The false positives of issue 22 (each must pass every rule, not only its own).
    Variant(
        "ecr-repository-immutable-scanned",
        "registry-wide-enhanced-scanning",
        repository_and_registry("*"),
    ),
    Variant(
        "ecr-repository-immutable-scanned",
        "registry-scanning-prefix-filter",
        repository_and_registry("perfcheck/*", "SCAN_ON_PUSH"),
    ),
    Variant(
        "ebs-volume-encrypted",
        "instance-root-from-stack-launch-template",
        instance(launchTemplate={"id": UNKNOWN, "version": "$Latest"}),
    ),
    Variant(
        "ecs-service-deploys-with-automatic-rollback",
        "queue-worker-rolling-without-load-balancer",
        service(
            drop=["loadBalancers"],
            deploymentConfiguration={"strategy": "ROLLING"},
        ),
    ),
    Variant(
        "data-encrypted-at-rest",
        "aws-always-encrypts-msk-and-sqs-sse-stated",
        lambda r: {
            **extra(
                "aws:msk/cluster:Cluster",
                "kafka",
                {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS"}}},
            )(r),
            **extra("aws:sqs/queue:Queue", "jobs", {"sqsManagedSseEnabled": True})(r),
            **extra("aws:sqs/queue:Queue", "jobs-kms", {"kmsMasterKeyId": UNKNOWN})(r),
        },
    ),
    Variant(
        "waf-web-acl-effective",
        "managed-group-with-one-rule-counted",
        web_acl("allow", [RATE_COUNT, managed_group("none")]),
    ),
    Variant("waf-web-acl-effective", "default-block", web_acl("block", [])),
    Variant(
        "identity-policy-not-administrator",
        "named-actions-and-a-deny-fence",
        extra(
            "aws:iam/policy:Policy",
            "ops",
            {
                "policy": json.dumps(
                    {
                        "Statement": [
                            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                            {"Effect": "Deny", "NotAction": "sqs:*", "Resource": "*"},
                        ]
                    }
                )
            },
        ),
    ),
    Variant(
        "rds-export-log-groups-managed",
        "declared-export-group",
        lambda r: {
            "db": replace(
                r["db"], identifier="perfcheck-prod-db", enabledCloudwatchLogsExports=["upgrade"]
            ),
            "db_upgrade_logs": replace(
                r["log_group"], name="/aws/rds/instance/perfcheck-prod-db/upgrade"
            ),
        },
    ),
    Variant(
        "lambda-log-group-managed",
        "explicit-log-group-by-name",
        lambda r: {
            **extra(FUNCTION, "resize", {"name": "perfcheck-prod-resize", "role": UNKNOWN})(r),
            "resize_logs": replace(r["log_group"], name="/aws/lambda/perfcheck-prod-resize"),
        },
    ),
    Variant(
        "vpc-nat-gateway-per-az",
        "awsx-default-is-one-per-az",
        awsx_vpc(),
    ),
    Variant(
        "autoscaling-group-launch-template",
        "launch-template",
        extra(
            "aws:autoscaling/group:Group",
            "workers",
            {"maxSize": 2, "minSize": 1, "launchTemplate": {"id": UNKNOWN, "version": "$Latest"}},
        ),
    ),
    Variant(
        "front-door-tls-minimum",
        "api-gateway-and-opensearch-tls-1-2",
        lambda r: {
            **extra(
                "aws:apigateway/domainName:DomainName",
                "api-domain",
                {"domainName": "api.example.com", "securityPolicy": "tls_1_2"},
            )(r),
            **extra(
                "aws:opensearch/domain:Domain",
                "search",
                {
                    "encryptAtRest": {"enabled": True},
                    "nodeToNodeEncryption": {"enabled": True},
                    "domainEndpointOptions": {
                        "enforceHttps": True,
                        "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
                    },
                    # inside the VPC: one-front-door refuses a public domain endpoint
                    "vpcOptions": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]},
                },
            )(r),
        },
    ),
    Variant(
        "provider-default-tags-this-stack",
        "this-project-and-stack",
        provider_resource({"Project": "perfcheck", "Environment": "prod", "Owner": "platform"}),
    ),
    Variant(
        "resource-type-judged",
        "own-components-and-judged-types",
        lambda r: {
            "component": record(
                "prod", "perfcheck:web_service:WebService", "web", {}, custom=False
            ),
            **extra("aws:sqs/queue:Queue", "jobs", {"sqsManagedSseEnabled": True})(r),
        },
    ),
    Variant(
        "sns-subscription-https",
        "https-subscription",
        extra(
            "aws:sns/topicSubscription:TopicSubscription",
            "hook",
            {"topic": UNKNOWN, "protocol": "https", "endpoint": "https://hooks.example.com/x"},
        ),
    ),
    Variant(
        "required-cost-tags",
        "real-values-that-look-short",
        tagged_topic(Owner="ops", CostCenter="cc-7"),
    ),
]
