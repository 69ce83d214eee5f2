"""Properties behind wave 5's misses, each judged on members of our own (not the corpus's).

Each test names the property it guards; its bad members must get a mandatory finding in prod and
its good members no finding at all, through the real packs (tests/redteam/harness.py). A test
fails when the property is taken out of the rule that holds it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.redteam.harness import judge
from tests.redteam.programs import ACCOUNT, REGION, Program, add, lambda_env, secret

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:perfcheck-prod-jobs"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:perfcheck-prod-events"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:perfcheck/prod/x-AbCdEf"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def case(name: str, bad: bool, type_token: str, inputs: dict[str, Any], **kw: Any) -> Program:
    return Program(name, "property", bad, lambda r: {name: add(type_token, name, inputs, **kw)})


TYPE_RULE = "resource-type-judged"


def check(programs: list[Program], by_content: bool = False, ignore: tuple[str, ...] = ()) -> None:
    """Every program judged right; with `by_content`, a bad one must be caught by a rule that
    read the resource, not only by the fail-closed type rule. `ignore`: rules whose findings
    are another property's (every member is judged on the rest)."""
    wrong = []
    for program in programs:
        verdict = judge(program)
        own = [v for v in verdict.findings if v.policy not in ignore]
        caught = any(v.enforcement_level == "mandatory" for v in own)
        caught_by_content = any(
            v.enforcement_level == "mandatory" and v.policy != TYPE_RULE for v in own
        )
        correct = caught if program.bad else not own
        if not correct or (by_content and program.bad and not caught_by_content):
            rules = sorted({f"{v.policy}[{v.enforcement_level}]" for v in verdict.findings})
            wrong.append(f"{program.name} ({'bad' if program.bad else 'good'}): {rules}")
    assert not wrong, "judged wrong:\n" + "\n".join(wrong)


SQS_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
SNS_POLICY = "aws:sns/topicPolicy:TopicPolicy"
ROLE = "aws:iam/role:Role"


def test_a_principal_naming_every_account_is_everyone() -> None:
    """`*` in the account field of a principal ARN (any root, any role) names everyone."""
    check(
        [
            case(
                "p-trust-any-root",
                True,
                ROLE,
                {
                    "path": "/perfcheck/prod/",
                    "assumeRolePolicy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": ["arn:aws:iam::*:root"]},
                            "Action": "sts:AssumeRole",
                        }
                    ),
                },
            ),
            case(
                "p-queue-any-role",
                True,
                SQS_POLICY,
                {
                    "queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::*:role/reader"},
                            "Action": "sqs:ReceiveMessage",
                            "Resource": QUEUE_ARN,
                        }
                    ),
                },
            ),
            case(
                "p-trust-partner-account",
                False,
                ROLE,
                {
                    "path": "/perfcheck/prod/",
                    "assumeRolePolicy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::210987654321:role/reporting"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"sts:ExternalId": "perfcheck-prod"}},
                        }
                    ),
                },
            ),
        ]
    )


def test_a_condition_that_matches_every_value_is_no_condition() -> None:
    """A public principal behind a condition whose values are all `*` (StringLike, ArnLike,
    any set operator) is open to everyone; an exact condition or a Deny is not."""
    check(
        [
            case(
                "p-topic-like-any-account",
                True,
                SNS_POLICY,
                {
                    "arn": TOPIC_ARN,
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "sns:Publish",
                            "Resource": TOPIC_ARN,
                            "Condition": {"StringLike": {"aws:SourceAccount": ["*"]}},
                        }
                    ),
                },
            ),
            case(
                "p-queue-arnlike-any",
                True,
                SQS_POLICY,
                {
                    "queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sqs:SendMessage",
                            "Resource": QUEUE_ARN,
                            "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "*"}},
                        }
                    ),
                },
            ),
            case(
                "p-topic-if-exists",
                True,
                SNS_POLICY,
                {
                    "arn": TOPIC_ARN,
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sns:Publish",
                            "Resource": TOPIC_ARN,
                            "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
                        }
                    ),
                },
            ),
            case(
                "p-topic-null-check",
                True,
                SNS_POLICY,
                {
                    "arn": TOPIC_ARN,
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sns:Publish",
                            "Resource": TOPIC_ARN,
                            "Condition": {"Null": {"aws:SourceAccount": "false"}},
                        }
                    ),
                },
            ),
            case(
                "p-queue-arnlike-own-topics",
                False,
                SQS_POLICY,
                {
                    "queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sqs:SendMessage",
                            "Resource": QUEUE_ARN,
                            "Condition": {
                                "ArnLike": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:*"}
                            },
                        }
                    ),
                },
            ),
            case(
                "p-key-for-own-log-groups",
                False,
                "aws:kms/key:Key",
                {
                    "description": "logs",
                    "enableKeyRotation": True,
                    "deletionWindowInDays": 30,
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": {
                                "ArnLike": {
                                    "kms:EncryptionContext:aws:logs:arn": (
                                        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"
                                    )
                                }
                            },
                        },
                    ),
                },
            ),
            case(
                "p-topic-exact-account",
                False,
                SNS_POLICY,
                {
                    "arn": TOPIC_ARN,
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": TOPIC_ARN,
                            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                        }
                    ),
                },
            ),
        ]
    )


@pytest.mark.parametrize("kind", ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy"])
def test_allow_not_action_on_every_resource_is_almost_administrator(kind: str) -> None:
    """Allow + NotAction on `*` grants every action but a list; Deny + NotAction (a region or
    service fence) grants nothing."""
    base = {"role": "perfcheck-prod-x"} if kind.endswith("RolePolicy") else {}
    check(
        [
            case(
                "p-allow-notaction",
                True,
                kind,
                {
                    **base,
                    "policy": doc(
                        {"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"}
                    ),
                },
            ),
            case(
                "p-deny-notaction-fence",
                False,
                kind,
                {
                    **base,
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Action": ["sqs:SendMessage"],
                            "Resource": QUEUE_ARN,
                        },
                        {
                            "Effect": "Deny",
                            "NotAction": ["sqs:*"],
                            "Resource": "*",
                        },
                    ),
                },
            ),
        ]
    )


def test_a_literal_in_an_input_made_for_a_secret_is_a_finding() -> None:
    """A secret's value (Secrets Manager version, SSM SecureString) written as a plain literal
    sits in the state and the preview in clear; the same value as a Pulumi secret does not."""
    check(
        [
            case(
                "p-version-plain",
                True,
                "aws:secretsmanager/secretVersion:SecretVersion",
                {"secretId": SECRET_ARN, "secretString": '{"password": "Plain-Text-Pw-2026"}'},
            ),
            case(
                "p-securestring-plain",
                True,
                "aws:ssm/parameter:Parameter",
                {"name": "/perfcheck/prod/api", "type": "SecureString", "value": "xK9-vL2-pQ7-zR4"},
            ),
            case(
                "p-version-secret",
                False,
                "aws:secretsmanager/secretVersion:SecretVersion",
                {"secretId": SECRET_ARN, "secretString": secret('{"password": "From-Config-1"}')},
            ),
        ]
    )


def test_credentials_in_yaml_or_ini_lines_of_a_multiline_value() -> None:
    """A `key: value` or `key = value` line whose key names a credential, inside any multi-line
    string input (a kubeconfig, an app config), is a credential; a reference is not."""
    check(
        [
            case(
                "p-ssm-kubeconfig",
                True,
                "aws:ssm/parameter:Parameter",
                {
                    "name": "/perfcheck/prod/cluster",
                    "type": "String",
                    "value": secret(
                        "users:\n- name: ci\n  user:\n    token: 7hQx2LmP9vRt4WzK8nBc3JdF6sYa\n"
                    ),
                },
            ),
            Program(
                "p-lambda-ini",
                "property",
                True,
                lambda_env(
                    "p-lambda-ini", APP_INI="[db]\nhost = db.internal\npassword = Qw7-Er4-Ty1-Ui8\n"
                ),
            ),
            case(
                "p-ssm-yaml-references",
                False,
                "aws:ssm/parameter:Parameter",
                {
                    "name": "/perfcheck/prod/app-config",
                    "type": "String",
                    "value": "db:\n  host: db.internal\n  password_secret_arn: " + SECRET_ARN + "\n"
                    "  token_file: /run/secrets/token\n",
                },
            ),
        ]
    )


def test_a_site_key_is_public_and_its_secret_twin_is_not() -> None:
    """A CAPTCHA site key is published in every page (Google reCAPTCHA, hCaptcha docs); the
    secret key of the same pair has the same shape and is a credential by its name."""
    site = "6Le" + "Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789-"  # 40 characters, as Google issues
    check(
        [
            Program(
                "p-site-keys",
                "property",
                False,
                lambda_env(
                    "p-site-keys",
                    RECAPTCHA_SITE_KEY=site,
                    NEXT_PUBLIC_HCAPTCHA_SITEKEY="10000000-ffff-ffff-ffff-000000000001",
                ),
            ),
            Program(
                "p-recaptcha-secret",
                "property",
                True,
                lambda_env("p-recaptcha-secret", RECAPTCHA_SECRET_KEY=site),
            ),
        ]
    )


DG = "aws:codedeploy/deploymentGroup:DeploymentGroup"
TRAIL = "aws:cloudtrail/trail:Trail"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _group(rollback: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "appName": "perfcheck-prod",
        "deploymentGroupName": "web",
        "serviceRoleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/codedeploy",
        "deploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "deploymentStyle": {
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
            "deploymentType": "BLUE_GREEN",
        },
        "ecsService": {"clusterName": "perfcheck-prod", "serviceName": "perfcheck-prod-web"},
    }
    if rollback is not None:
        body["autoRollbackConfiguration"] = rollback
    return body


def _trail(**extra: Any) -> dict[str, Any]:
    return {
        "s3BucketName": "perfcheck-prod-trail",
        "kmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1",
        "enableLogging": True,
        "isMultiRegionTrail": True,
        "enableLogFileValidation": True,
        **extra,
    }


def test_a_deploy_controller_without_rollback_is_off() -> None:
    """CodeDeploy rolls an ECS deploy back only with auto-rollback enabled on failure (or an
    alarm); disabled, absent, or enabled with no event is no rollback."""
    check(
        [
            case(
                "p-dg-rollback-off",
                True,
                DG,
                _group({"enabled": False, "events": ["DEPLOYMENT_FAILURE"]}),
            ),
            case("p-dg-rollback-absent", True, DG, _group(None)),
            case("p-dg-rollback-no-event", True, DG, _group({"enabled": True, "events": []})),
            case(
                "p-dg-rollback-alarm-only",
                True,
                DG,
                _group({"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]}),
            ),
            case(
                "p-dg-rollback-failure-only",
                False,
                DG,
                _group({"enabled": True, "events": ["deployment_failure"]}),
            ),
            case(
                "p-dg-rollback-on",
                False,
                DG,
                _group(
                    {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
                ),
            ),
        ]
    )


def test_a_trail_that_records_no_write_is_off() -> None:
    """A trail whose selectors record only reads, or no management events, misses every change
    an auditor needs; the default selectors (all management events) record them."""
    check(
        [
            case(
                "p-trail-readonly",
                True,
                TRAIL,
                _trail(
                    eventSelectors=[{"readWriteType": "ReadOnly", "includeManagementEvents": True}]
                ),
            ),
            case(
                "p-trail-no-management",
                True,
                TRAIL,
                _trail(eventSelectors=[{"readWriteType": "All", "includeManagementEvents": False}]),
            ),
            case("p-trail-default", False, TRAIL, _trail()),
            case(
                "p-trail-all",
                False,
                TRAIL,
                _trail(eventSelectors=[{"readWriteType": "All", "includeManagementEvents": True}]),
            ),
        ],
        ignore=(TYPE_RULE,),  # a trail's encryption family: tests/policies/test_family_judged.py
    )


def test_an_alarm_that_notifies_nobody_is_off() -> None:
    """An alarm with actions enabled but no action in any state changes nothing; one with an
    action is a control."""
    base = {
        "namespace": "AWS/SQS",
        "metricName": "ApproximateAgeOfOldestMessage",
        "dimensions": {"QueueName": "perfcheck-prod-jobs"},
        "statistic": "Maximum",
        "period": 60,
        "evaluationPeriods": 5,
        "threshold": 600,
        "comparisonOperator": "GreaterThanThreshold",
    }
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:perfcheck-prod-alarms"
    check(
        [
            case(
                "p-alarm-empty", True, ALARM, {**base, "actionsEnabled": True, "alarmActions": []}
            ),
            case("p-alarm-none", True, ALARM, dict(base)),
            case("p-alarm-wired", False, ALARM, {**base, "alarmActions": [topic]}),
        ]
    )


SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"]


def _eks(**extra: Any) -> dict[str, Any]:
    return {
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/eks",
        "version": "1.31",
        "vpcConfig": {
            "subnetIds": SUBNETS,
            "endpointPublicAccess": False,
            "endpointPrivateAccess": True,
        },
        "encryptionConfig": {
            "resources": ["secrets"],
            "provider": {"keyArn": "arn:aws:kms:eu-west-1:123456789012:key/1"},
        },
        **extra,
    }


def _alb(**extra: Any) -> dict[str, Any]:
    return {
        "internal": True,
        "loadBalancerType": "application",
        "subnets": SUBNETS,
        "securityGroups": ["sg-0123456789abcdef0"],
        "dropInvalidHeaderFields": True,
        "enableDeletionProtection": True,
        **extra,
    }


def test_a_control_plane_or_load_balancer_without_its_logs_is_unaudited() -> None:
    """EKS without the api and audit control-plane logs, and a load balancer whose access logs
    are configured but disabled, leave no record of who did what."""
    eks = "aws:eks/cluster:Cluster"
    lb = "aws:lb/loadBalancer:LoadBalancer"
    check(
        [
            case("p-eks-no-logs", True, eks, _eks(enabledClusterLogTypes=[])),
            case("p-eks-scheduler-only", True, eks, _eks(enabledClusterLogTypes=["scheduler"])),
            case(
                "p-eks-audited",
                False,
                eks,
                _eks(enabledClusterLogTypes=["api", "audit", "authenticator"]),
            ),
            case(
                "p-alb-logs-disabled",
                True,
                lb,
                _alb(accessLogs={"bucket": "perfcheck-prod-logs", "enabled": False}),
            ),
            case("p-alb-logs-absent", True, lb, _alb()),
            case(
                "p-alb-logged",
                False,
                lb,
                _alb(accessLogs={"bucket": "perfcheck-prod-logs", "enabled": True}),
            ),
        ]
    )


def test_a_wildcard_exclusion_empties_the_control() -> None:
    """Immutable tags with an exclusion filter `*` are mutable tags; a named exclusion is not."""
    repo = "aws:ecr/repository:Repository"
    base = {
        "name": "perfcheck-prod/jobs",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [
            {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:eu-west-1:123456789012:key/1"}
        ],
    }
    check(
        [
            case(
                "p-ecr-exclude-all",
                True,
                repo,
                {
                    **base,
                    "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                    "imageTagMutabilityExclusionFilters": [
                        {"filter": "*", "filterType": "WILDCARD"}
                    ],
                },
            ),
            case(
                "p-ecr-exclude-latest",
                False,
                repo,
                {
                    **base,
                    "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                    "imageTagMutabilityExclusionFilters": [
                        {"filter": "latest", "filterType": "WILDCARD"}
                    ],
                },
            ),
        ]
    )


def test_a_secret_deleted_without_recovery_does_not_survive_a_mistake() -> None:
    """A recovery window of 0 deletes the secret at once on `pulumi destroy` or a rename; the
    default (30 days) or any window of 7 days or more keeps it recoverable."""
    sec = "aws:secretsmanager/secret:Secret"
    kms = "arn:aws:kms:eu-west-1:123456789012:key/1"
    check(
        [
            case(
                "p-secret-window-0",
                True,
                sec,
                {"namePrefix": "perfcheck/prod/a-", "kmsKeyId": kms, "recoveryWindowInDays": 0},
            ),
            case(
                "p-secret-window-7",
                False,
                sec,
                {"namePrefix": "perfcheck/prod/b-", "kmsKeyId": kms, "recoveryWindowInDays": 7},
            ),
        ]
    )


def test_a_database_on_efs_in_a_batch_job_is_a_database_on_efs() -> None:
    """Batch job definitions run containers like task definitions: an engine writing its data
    directory to an EFS volume is refused there too; an EFS scratch volume for a worker is not."""
    job = "aws:batch/jobDefinition:JobDefinition"
    efs = {
        "name": "data",
        "efsVolumeConfiguration": {
            "fileSystemId": "fs-0123456789abcdef0",
            "transitEncryption": "ENABLED",
            "authorizationConfig": {"iam": "ENABLED"},
        },
    }

    def props(image: str, path: str) -> str:
        return json.dumps(
            {
                "image": image + "@sha256:" + "5" * 64,
                "resourceRequirements": [
                    {"type": "VCPU", "value": "1"},
                    {"type": "MEMORY", "value": "2048"},
                ],
                "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/batch",
                "volumes": [efs],
                "mountPoints": [{"sourceVolume": "data", "containerPath": path}],
                "logConfiguration": {"logDriver": "awslogs"},
            }
        )

    def job_case(name: str, bad: bool, image: str, path: str) -> Program:
        return case(
            name,
            bad,
            job,
            {
                "type": "container",
                "platformCapabilities": ["FARGATE"],
                "containerProperties": props(image, path),
            },
        )

    check(
        [
            job_case(
                "p-batch-mysql-efs",
                True,
                "public.ecr.aws/docker/library/mysql:8.4",
                "/var/lib/mysql",
            ),
            job_case(
                "p-batch-mongo-efs",
                True,
                f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/mongo:7",
                "/data/db",
            ),
            job_case(
                "p-batch-export-efs",
                False,
                f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/perfcheck-export:1.0.0",
                "/mnt/exports",
            ),
        ]
    )


def test_a_flow_log_of_one_verdict_is_half_a_log() -> None:
    """A VPC flow log of only REJECT or only ACCEPT traffic misses half of what an incident
    needs; ALL records both."""
    flow = "aws:ec2/flowLog:FlowLog"

    def body(traffic: str) -> dict[str, Any]:
        return {
            "vpcId": "vpc-0123456789abcdef0",
            "trafficType": traffic,
            "logDestinationType": "cloud-watch-logs",
            "logDestination": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/perfcheck/prod/flow",
            "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/flow",
        }

    check(
        [
            case("p-flow-reject", True, flow, body("REJECT")),
            case("p-flow-accept", True, flow, body("ACCEPT")),
            case("p-flow-all", False, flow, body("ALL")),
        ]
    )


def test_types_judged_by_content_state_machines_mail_and_guardrails() -> None:
    """Step Functions without execution logs, SES allowing plaintext delivery, and a Bedrock
    guardrail whose every filter is NONE are caught by what they say, not only because their
    type is unreviewed; their compliant twins pass."""
    sfn = "aws:sfn/stateMachine:StateMachine"
    ses = "aws:ses/configurationSet:ConfigurationSet"
    guard = "aws:bedrock/guardrail:Guardrail"
    machine = {
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/sfn",
        "definition": json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    }
    logged = {
        "level": "ERROR",
        "includeExecutionData": False,
        "logDestination": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/perfcheck/prod/sfn:*",
    }

    def guardrail(strength: str) -> dict[str, Any]:
        return {
            "name": f"p-{strength.lower()}",
            "blockedInputMessaging": "Blocked.",
            "blockedOutputsMessaging": "Blocked.",
            "kmsKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1",
            "contentPolicyConfig": {
                "filtersConfigs": [
                    {"type": t, "inputStrength": strength, "outputStrength": strength}
                    for t in ("HATE", "VIOLENCE")
                ]
            },
        }

    check(
        [
            case("p-sfn-off", True, sfn, {**machine, "loggingConfiguration": {"level": "OFF"}}),
            case("p-sfn-absent", True, sfn, dict(machine)),
            case("p-sfn-logged", False, sfn, {**machine, "loggingConfiguration": logged}),
            case("p-ses-optional", True, ses, {"deliveryOptions": {"tlsPolicy": "Optional"}}),
            case("p-ses-default", True, ses, {}),
            case("p-ses-require", False, ses, {"deliveryOptions": {"tlsPolicy": "Require"}}),
            case("p-guardrail-none", True, guard, guardrail("NONE")),
            case("p-guardrail-medium", False, guard, guardrail("MEDIUM")),
        ],
        by_content=True,
    )


def test_identifiers_named_like_keys_or_tokens_are_not_credentials() -> None:
    """An idempotency token (EFS `creationToken`), a key pair's name (`keyName`, EKS
    `ec2SshKey`) and a site key name AWS or a vendor publishes are identifiers, not secrets:
    judged so, a team would switch the scanner off."""
    check(
        [
            case(
                "p-efs-creation-token",
                False,
                "aws:efs/fileSystem:FileSystem",
                {
                    "creationToken": "perfcheck-prod-uploads",
                    "encrypted": True,
                    "kmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1",
                },
                protect=True,
            ),
            case(
                "p-node-group-ssh-key-name",
                False,
                "aws:eks/nodeGroup:NodeGroup",
                {
                    "clusterName": "perfcheck-ml",
                    "nodeRoleArn": f"arn:aws:iam::{ACCOUNT}:role/perfcheck/prod/nodes",
                    "subnetIds": SUBNETS,
                    "instanceTypes": ["t4g.medium"],
                    "scalingConfig": {"desiredSize": 2, "minSize": 2, "maxSize": 3},
                    "remoteAccess": {
                        "ec2SshKey": "ops-2026",
                        "sourceSecurityGroupIds": ["sg-0123456789abcdef0"],
                    },
                },
            ),
            case(
                "p-template-key-name",
                False,
                "aws:ec2/launchTemplate:LaunchTemplate",
                {
                    "imageId": "ami-0a1b2c3d4e5f60718",
                    "instanceType": "t4g.small",
                    "keyName": "ops-2026",
                    "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
                },
            ),
        ],
        ignore=(TYPE_RULE,),
    )


def test_log_groups_aws_creates_for_exports_are_declared() -> None:
    """RDS writes each exported log to `/aws/rds/{instance|cluster}/<id>/<log>`, creating the
    group at run time with no retention and no key unless the stack declares it."""
    cluster = "aws:rds/cluster:Cluster"
    kms = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1"

    def aurora(name: str) -> dict[str, Any]:
        return {
            "clusterIdentifier": name,
            "engine": "aurora-postgresql",
            "engineVersion": "16.4",
            "masterUsername": "owner",
            "manageMasterUserPassword": True,
            "storageEncrypted": True,
            "kmsKeyId": kms,
            "deletionProtection": True,
            "backupRetentionPeriod": 14,
            "finalSnapshotIdentifier": f"{name}-final",
            "iamDatabaseAuthenticationEnabled": True,
            "dbClusterParameterGroupName": "perfcheck-prod-aurora-pg16",
            "enabledCloudwatchLogsExports": ["postgresql"],
        }

    def declared(name: str) -> Program:
        def build(r: Any) -> dict[str, Any]:
            group = add(
                "aws:cloudwatch/logGroup:LogGroup",
                f"{name}-log",
                {
                    "name": f"/aws/rds/cluster/{name}/postgresql",
                    "retentionInDays": 90,
                    "kmsKeyId": kms,
                },
            )
            return {name: add(cluster, name, aurora(name), protect=True), f"{name}-log": group}

        return Program(name, "property", False, build)

    check(
        [
            case(
                "p-aurora-undeclared-export",
                True,
                cluster,
                aurora("p-aurora-undeclared-export"),
                protect=True,
            ),
            declared("p-aurora-declared-export"),
            case(
                "p-instance-undeclared-export",
                True,
                "aws:rds/instance:Instance",
                {
                    "identifier": "p-instance-undeclared-export",
                    "engine": "postgres",
                    "engineVersion": "17.2",
                    "instanceClass": "db.t4g.medium",
                    "allocatedStorage": 50,
                    "storageType": "gp3",
                    "storageEncrypted": True,
                    "kmsKeyId": kms,
                    "multiAz": True,
                    "manageMasterUserPassword": True,
                    "username": "owner",
                    "backupRetentionPeriod": 14,
                    "deletionProtection": True,
                    "finalSnapshotIdentifier": "p-instance-undeclared-export-final",
                    "iamDatabaseAuthenticationEnabled": True,
                    "publiclyAccessible": False,
                    "enabledCloudwatchLogsExports": ["upgrade"],
                },
                protect=True,
            ),
        ],
        ignore=("rds-force-ssl",),
    )
