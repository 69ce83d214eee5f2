"""The design properties behind the wave-4 fixes, each with members of its own class.

Every test names the property it guards and fails with the fix removed (the members are not
wave 4's: the class is closed, not the examples). Judged through the real packs on prod.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policies.support import UNPRICED_SIZE
from tests.redteam.harness import judge
from tests.redteam.programs import Program, one
from tools.offline.policy_driver import load_pack

load_pack("guardrails")  # puts the pack's modules on sys.path, as the engine does
from perfcheck_guardrails import credentials, hollow_controls  # noqa: E402

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ALB_TARGET_GROUP = "aws:alb/targetGroup:TargetGroup"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
TRAIL = "aws:cloudtrail/trail:Trail"
DETECTOR = "aws:guardduty/detector:Detector"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
LAMBDA_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf"


def _findings(type_token: str, inputs: dict[str, Any], rule: str) -> list[str]:
    program = Program("p", "property", True, one(type_token, "subject", inputs))
    return [v.message for v in judge(program).findings if v.policy == rule]


def _alarm(**extra: Any) -> dict[str, Any]:
    return {
        "comparisonOperator": "GreaterThanThreshold",
        "evaluationPeriods": 1,
        "metricName": "Errors",
        "namespace": "AWS/Lambda",
        "period": 60,
        "statistic": "Sum",
        "threshold": 0,
        "alarmActions": ["arn:aws:sns:eu-west-1:123456789012:alarms"],
        **extra,
    }


def _target_group(**extra: Any) -> dict[str, Any]:
    return {"port": 8080, "protocol": "HTTP", "targetType": "ip", "vpcId": "vpc-1", **extra}


def _rotation(**rules: Any) -> dict[str, Any]:
    return {"secretId": SECRET_ARN, "rotationLambdaArn": LAMBDA_ARN, "rotationRules": rules}


# -- a control present but switched off counts as absent ----------------------------------------

SWITCHED_OFF = [
    (ALARM, _alarm(actionsEnabled=False)),
    (ALARM, _alarm(actionsEnabled="false")),
    (EVENT_RULE, {"scheduleExpression": "rate(1 hour)", "state": "disabled"}),
    (TARGET_GROUP, _target_group(healthCheck={"enabled": False, "path": "/health"})),
    (ALB_TARGET_GROUP, _target_group(healthCheck={"enabled": "false"})),
    (ROTATION, _rotation(automaticallyAfterDays=365)),
    (ROTATION, _rotation(scheduleExpression="rate(180 days)")),
    (ROTATION, _rotation(scheduleExpression="cron(0 4 1 1 ? *)")),  # once a year
    (ROTATION, _rotation(scheduleExpression="cron(0 4 1 JAN,JUL ? *)")),  # every six months
    (ROTATION, _rotation(scheduleExpression="cron(0 4 1 JAN,FEB ? *)")),  # then 11 months
    (ROTATION, _rotation(scheduleExpression="every month")),  # not understood: fail closed
    (ROTATION, {**_rotation(automaticallyAfterDays=30), "rotationEnabled": False}),
    (ROTATION, _rotation(duration="2h")),  # no period at all
    (TRAIL, {"s3BucketName": "trail", "enableLogging": False}),
    (DETECTOR, {"enable": "false"}),
    (VERSIONING, {"bucket": "b", "versioningConfiguration": {"status": "Suspended"}}),
    (VERSIONING_V2, {"bucket": "b", "versioningConfiguration": {"status": "Disabled"}}),
    (VERSIONING, {"bucket": "b", "versioningConfiguration": {}}),
]


@pytest.mark.parametrize(("type_token", "inputs"), SWITCHED_OFF)
def test_a_control_switched_off_is_a_finding(type_token: str, inputs: dict[str, Any]) -> None:
    assert _findings(type_token, inputs, "control-not-switched-off")


SWITCHED_ON = [
    (ALARM, _alarm()),
    (ALARM, _alarm(actionsEnabled=True)),
    (EVENT_RULE, {"scheduleExpression": "rate(1 hour)", "state": "ENABLED"}),
    (TARGET_GROUP, _target_group(healthCheck={"path": "/health"})),
    (TARGET_GROUP, {"targetType": "lambda", "healthCheck": {"enabled": False}}),
    (ROTATION, _rotation(automaticallyAfterDays=30)),
    (ROTATION, _rotation(scheduleExpression="rate(12 hours)")),
    (ROTATION, _rotation(scheduleExpression="cron(0 4 1 * ? *)")),  # monthly
    (ROTATION, _rotation(scheduleExpression="cron(0 4 1 */2 ? *)")),  # every two months
    (ROTATION, _rotation(scheduleExpression="cron(0 4 ? FEB-DEC/2 MON#1 *)")),
    (TRAIL, {"s3BucketName": "trail"}),
    (DETECTOR, {"enable": True}),
    (VERSIONING, {"bucket": "b", "versioningConfiguration": {"status": "enabled"}}),
]


@pytest.mark.parametrize(("type_token", "inputs"), SWITCHED_ON)
def test_a_control_switched_on_passes(type_token: str, inputs: dict[str, Any]) -> None:
    assert _findings(type_token, inputs, "control-not-switched-off") == []


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("rate(10 days)", 10),
        ("rate(1 day)", 1),
        ("rate(36 hours)", 1.5),
        ("cron(0 4 1 * ? *)", 31),
        ("cron(0 4 1 3,6,9,12 ? *)", 93),
        ("cron(0 4 1 OCT ? *)", 372),
        ("cron(0 4 1 1,2 ? *)", 341),  # the longest gap counts, not the shortest
        ("cron(0 4 1 13 ? *)", None),
        ("cron(0 4 1 * ?)", None),
        ("rate(2 weeks)", None),
    ],
)
def test_rotation_schedules_are_read_as_secrets_manager_reads_them(
    expression: str, days: float | None
) -> None:
    assert hollow_controls.rotation_period_days(expression) == days


# -- credentials: a setting that states a credential's rules holds no credential ---------------


def _scanner() -> credentials.CredentialScanner:
    return credentials.CredentialScanner(
        {
            "credentialNamePatterns": list(credentials.CREDENTIAL_NAME_PATTERNS),
            "publicVariablePrefixes": list(credentials.PUBLIC_PREFIXES),
        }
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PASSWORD_POLICY", "min=12,upper=1,digit=1"),
        ("passwordRules", "minLength: 14; requireSymbols: true"),
        ("TOKEN_REQUIREMENTS", "length=32"),
        ("SECRET_COMPLEXITY", "min-length=20, symbols=yes"),
    ],
)
def test_rules_of_a_credential_are_no_credential(name: str, value: str) -> None:
    assert _scanner().setting(name, value) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PASSWORD_POLICY", "Xk9q2Lm7Vb4N"),  # a value that is not a list of small settings
        ("PASSWORD_POLICY", "min=12,password=hunter2secret"),  # a word where a number goes
        ("PASSWORD", "min=12,upper=1"),  # the name announces a password, not its rules
        ("TOKEN_RULES", "length=32,token=ab12cd34ef56gh78"),
    ],
)
def test_credentials_under_rule_names_are_still_found(name: str, value: str) -> None:
    assert _scanner().setting(name, value) is not None


# -- who may use a resource: a role's trust policy is its resource policy ----------------------

ROLE = "aws:iam/role:Role"


def _document(principal: Any, **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


OPEN_TO_EVERYONE = [
    (ROLE, {"assumeRolePolicy": _document({"AWS": "*"})}),
    (ROLE, {"assumeRolePolicy": _document("*", StringEquals={"sts:ExternalId": "partner"})}),
    ("aws:glacier/vault:Vault", {"accessPolicy": _document("*")}),
    ("aws:cloudwatch/eventBusPolicy:EventBusPolicy", {"policy": _document({"AWS": ["*"]})}),
    ("aws:dynamodb/resourcePolicy:ResourcePolicy", {"policy": _document("*"), "resourceArn": "t"}),
    ("aws:s3/accessPoint:AccessPoint", {"bucket": "b", "policy": _document("*")}),
]


@pytest.mark.parametrize(("type_token", "inputs"), OPEN_TO_EVERYONE)
def test_a_resource_policy_or_trust_open_to_everyone_is_a_finding(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert _findings(type_token, inputs, "resource-policy-not-public")


NARROWED = [
    (ROLE, {"assumeRolePolicy": _document({"Service": "ecs-tasks.amazonaws.com"})}),
    (
        ROLE,
        {"assumeRolePolicy": _document({"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": "o-1"})},
    ),
    (ROLE, {"assumeRolePolicy": _document({"AWS": "arn:aws:iam::123456789012:root"})}),
    ("aws:glacier/vault:Vault", {}),
]


@pytest.mark.parametrize(("type_token", "inputs"), NARROWED)
def test_a_resource_policy_or_trust_for_known_principals_passes(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert _findings(type_token, inputs, "resource-policy-not-public") == []


# -- an EFS volume of any task type is encrypted in transit only when the task asks -----------


def _efs(mode: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {"fileSystemId": "fs-1"}
    if mode is not None:
        config["transitEncryption"] = mode
    return {"name": "shared", "efsVolumeConfiguration": config}


TASK = "aws:ecs/taskDefinition:TaskDefinition"
DAEMON = "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition"
BATCH = "aws:batch/jobDefinition:JobDefinition"


@pytest.mark.parametrize(
    ("type_token", "inputs"),
    [
        (TASK, {"family": "f", "containerDefinitions": "[]", "volumes": [_efs(None)]}),
        (TASK, {"family": "f", "containerDefinitions": "[]", "volumes": [_efs("disabled")]}),
        (DAEMON, {"family": "f", "containerDefinitions": "[]", "volumes": [_efs("DISABLED")]}),
        (
            BATCH,
            {"type": "container", "containerProperties": json.dumps({"volumes": [_efs(None)]})},
        ),
        (BATCH, {"type": "container", "containerProperties": "{not json"}),
    ],
)
def test_an_efs_volume_without_transit_encryption_is_a_finding(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert _findings(type_token, inputs, "efs-volume-transit-encryption")


@pytest.mark.parametrize(
    ("type_token", "inputs"),
    [
        (TASK, {"family": "f", "containerDefinitions": "[]", "volumes": [_efs("enabled")]}),
        (TASK, {"family": "f", "containerDefinitions": "[]", "volumes": [{"name": "tmp"}]}),
        (
            BATCH,
            {
                "type": "container",
                "containerProperties": json.dumps({"volumes": [_efs("ENABLED")]}),
            },
        ),
        (BATCH, {"type": "container", "containerProperties": json.dumps({"image": "x"})}),
    ],
)
def test_an_efs_volume_with_transit_encryption_passes(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert _findings(type_token, inputs, "efs-volume-transit-encryption") == []


# -- an instance's root volume from its launch template: judged on the template of this stack --


def _instance_with_template(reference: dict[str, Any], template_id: str | None) -> Program:
    """An instance (no rootBlockDevice) and, when `template_id`, a template of the stack with
    that id (known, as at `pulumi up`) and encrypted block devices."""
    instance = one(
        "aws:ec2/instance:Instance",
        "host",
        {"ami": "ami-1", "instanceType": "t4g.small", "launchTemplate": reference},
    )
    if template_id is None:
        return Program("p", "property", False, instance)
    template = one(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "host-template",
        {
            "imageId": "ami-1",
            "metadataOptions": {"httpTokens": "required"},
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}
            ],
        },
        computed={"id": template_id, "name": "host-template-1a2b"},
    )
    return Program("p", "property", False, lambda r: {**instance(r), **template(r)})


@pytest.mark.parametrize(
    "reference",
    [{"id": "lt-0aa11bb22cc33dd44", "version": "$Latest"}, {"name": "host-template-1a2b"}],
)
def test_an_instance_whose_root_comes_from_a_known_template_of_the_stack_passes(
    reference: dict[str, Any],
) -> None:
    program = _instance_with_template(reference, "lt-0aa11bb22cc33dd44")
    findings = judge(program).findings
    # The cost pack's unpriced-size finding (an EC2 instance the estimate does not price) is
    # another property, held in test_unpriced.py; this one is the root volume's.
    assert not [
        v for v in findings if v.enforcement_level == "mandatory" and UNPRICED_SIZE not in v.message
    ]


@pytest.mark.parametrize(
    ("reference", "template_id"),
    [
        ({"id": "lt-0ffffffffffffffff", "version": "1"}, "lt-0aa11bb22cc33dd44"),
        ({"name": "golden-image-template"}, None),
        ({"version": "$Latest"}, None),
    ],
)
def test_an_instance_whose_root_comes_from_a_template_outside_the_stack_is_refused(
    reference: dict[str, Any], template_id: str | None
) -> None:
    findings = judge(_instance_with_template(reference, template_id)).findings
    assert {"ebs-instance-template-in-stack", "ebs-volume-encrypted"} & {
        v.policy for v in findings if v.enforcement_level == "mandatory"
    }


# -- a map key written as a command-line argument names its setting ---------------------------

GLUE_JOB = "aws:glue/job:Job"


def _glue_job(**arguments: Any) -> dict[str, Any]:
    return {
        "roleArn": "arn:aws:iam::123456789012:role/etl",
        "command": {"scriptLocation": "s3://etl/job.py"},
        **arguments,
    }


@pytest.mark.parametrize(
    "inputs",
    [
        _glue_job(defaultArguments={"--warehouse_password": "Wh-pw-Kq82nZ4x"}),
        _glue_job(nonOverridableArguments={"-api-token": "Tk9q2Lm7Vb4Nc8Zp"}),
        _glue_job(defaultArguments={"--db.password": "Pq8-zX2-wL5-mN7"}),
    ],
)
def test_a_credential_under_an_argument_style_name_is_a_finding(inputs: dict[str, Any]) -> None:
    assert _findings(GLUE_JOB, inputs, "no-credentials-in-resource-inputs")


def test_argument_style_settings_that_are_no_credentials_pass() -> None:
    inputs = _glue_job(
        defaultArguments={
            "--job-language": "python",
            "--enable-metrics": "true",
            "--TempDir": "s3://etl/tmp/",
            "--password_secret_arn": SECRET_ARN,
        }
    )
    assert _findings(GLUE_JOB, inputs, "no-credentials-in-resource-inputs") == []


# -- one front door: exposure stated by a mode, or by the type itself --------------------------

APPSYNC = "aws:appsync/graphQLApi:GraphQLApi"
OPENSEARCH_NETWORK = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"


def _network_policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": "net", "type": "network", "policy": json.dumps(list(rules))}


PUBLIC_BY_MODE = [
    (APPSYNC, {"authenticationType": "AWS_IAM", "name": "api"}),  # GLOBAL by default
    (
        "aws:msk/cluster:Cluster",
        {
            "kafkaVersion": "3.7.x",
            "numberOfBrokerNodes": 3,
            "brokerNodeGroupInfo": {
                "instanceType": "kafka.m7g.large",
                "clientSubnets": ["s-1"],
                "connectivityInfo": {"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}},
            },
        },
    ),
    ("aws:lightsail/instance:Instance", {"availabilityZone": "eu-west-1a", "blueprintId": "x"}),
    (OPENSEARCH_NETWORK, _network_policy({"Rules": [], "AllowFromPublic": True})),
    (OPENSEARCH_NETWORK, {"name": "net", "type": "NETWORK", "policy": "not json"}),
]


@pytest.mark.parametrize(("type_token", "inputs"), PUBLIC_BY_MODE)
def test_a_resource_public_by_its_mode_or_type_is_a_second_front_door(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert _findings(type_token, inputs, "one-front-door")


PRIVATE_BY_MODE = [
    (APPSYNC, {"authenticationType": "AWS_IAM", "name": "api", "visibility": "PRIVATE"}),
    (
        OPENSEARCH_NETWORK,
        _network_policy({"Rules": [], "AllowFromPublic": False, "SourceVPCEs": ["vpce-1"]}),
    ),
    (OPENSEARCH_NETWORK, {"name": "enc", "type": "encryption", "policy": "{}"}),
]


@pytest.mark.parametrize(("type_token", "inputs"), PRIVATE_BY_MODE)
def test_a_resource_private_by_its_mode_is_no_front_door(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert _findings(type_token, inputs, "one-front-door") == []


# -- encryption at rest: the Glue Data Catalog is a data store of the family -------------------

CATALOG = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"


def _catalog(mode: str | None) -> dict[str, Any]:
    at_rest = {} if mode is None else {"catalogEncryptionMode": mode}
    return {"dataCatalogEncryptionSettings": {"encryptionAtRest": at_rest}}


@pytest.mark.parametrize("mode", ["DISABLED", "disabled", None])
def test_a_glue_catalog_not_encrypted_with_kms_is_a_finding(mode: str | None) -> None:
    assert _findings(CATALOG, _catalog(mode), "data-encrypted-at-rest")


@pytest.mark.parametrize("mode", ["SSE-KMS", "sse-kms-with-service-role"])
def test_a_glue_catalog_encrypted_with_kms_passes(mode: str) -> None:
    assert _findings(CATALOG, _catalog(mode), "data-encrypted-at-rest") == []
