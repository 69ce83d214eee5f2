"""The design properties behind the red-team fixes, each with members of its own class.

Every test names the property it guards and fails with the fix removed (see the report's
mutation sample). Rule-level properties are judged through the real packs on prod.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.redteam.harness import judge
from tests.redteam.programs import UNKNOWN, Program, one, task, worker
from tools.offline.policy_driver import load_pack

load_pack("guardrails")  # puts the pack's modules on sys.path, as the engine does
from perfcheck_guardrails import credentials  # noqa: E402


def _scanner() -> credentials.CredentialScanner:
    return credentials.CredentialScanner(
        {
            "credentialNamePatterns": list(credentials.CREDENTIAL_NAME_PATTERNS),
            "publicVariablePrefixes": list(credentials.PUBLIC_PREFIXES),
        }
    )


def _policies(program: Program) -> set[str]:
    return {v.policy for v in judge(program).findings}


# -- credentials: a name that only sometimes means a credential needs a credential's value ----

AMBIGUOUS_NAMES_WITH_NAMES = [
    ("hashKey", "id"),
    ("rangeKey", "created_at"),
    ("FEATURE_KEYS", "alpha,beta"),
    ("CACHE_KEY", "user:session"),
    ("partitionKey", "tenant-id"),
]


@pytest.mark.parametrize(("name", "value"), AMBIGUOUS_NAMES_WITH_NAMES)
def test_ambiguous_key_name_with_a_plain_word_value_is_no_credential(name: str, value: str) -> None:
    assert _scanner().setting(name, value) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CACHE_KEY", "Zx8kLq0pTyb7RmW2"),  # a random value under an ambiguous name
        ("hashKey", "s3cr3t-v4lue"),
        ("DB_PASSWORD", "alpha"),  # a strong name flags plain words too
        ("API_KEY", "alpha,beta"),
        ("SECRET_KEY", "plainwords"),  # a framework secret's name flags any value
    ],
)
def test_strong_names_and_random_values_stay_credentials(name: str, value: str) -> None:
    assert _scanner().setting(name, value) is not None


# -- credentials: a value from a setting's vocabulary is a mode, not a secret -------------------


@pytest.mark.parametrize("value", ["required", "optional", "Disabled", "none"])
def test_mode_words_under_token_names_pass(value: str) -> None:
    assert _scanner().setting("httpTokens", value) is None


def test_mode_words_do_not_cover_other_values() -> None:
    assert _scanner().setting("httpTokens", "required-Xk9q2") is not None


# -- credentials: a parameter name says where the secret is, as an ARN does --------------------


@pytest.mark.parametrize("name", ["API_KEY_PARAMETER", "DB_PASSWORD_PARAM", "TOKEN_SSM_PARAMETER"])
def test_parameter_path_references_pass(name: str) -> None:
    assert _scanner().setting(name, "/perfcheck/prod/api-key") is None


@pytest.mark.parametrize("value", ["Xk9-Zq7-Pw8-random!", "/Xk9Zq7Pw8Lm2Nb4Vc6/x"])
def test_parameter_suffix_does_not_wave_through_secret_shapes(value: str) -> None:
    assert _scanner().setting("API_KEY_PARAMETER", value) is not None


# -- engines: the image-name guess yields to words that say 'application' -----------------------


def _image_task(name: str, image: str, **overrides: Any) -> Program:
    return Program(
        name, "engine", False, lambda r: {name: task(name, [worker(image, **overrides)])}
    )


@pytest.mark.parametrize(
    "image",
    [
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck-mysql-admin-api:1.0",
        "ghcr.io/acme/postgres-sync-worker:2",
        "acme/mongo-dashboard:3",
        "acme/redis_ui:1",
    ],
)
def test_application_named_after_an_engine_is_not_an_engine(image: str) -> None:
    assert "no-database-on-efs" not in _policies(_image_task("app", image))


@pytest.mark.parametrize(
    ("image", "overrides"),
    [
        ("acme/postgres16-custom:1", {}),
        ("acme/rapid-mongo:1", {}),  # 'rapid' contains 'api' but is not the word
        ("acme/mysql-admin-api:1", {"command": ["mysqld", "--datadir=/var/lib/mysql"]}),
    ],
)
def test_engine_images_and_engine_processes_are_still_refused(
    image: str, overrides: dict[str, Any]
) -> None:
    assert "no-database-on-efs" in _policies(_image_task("db", image, **overrides))


# -- transport: a parameter group that turns TLS off is refused on its own ---------------------

TLS_SWITCHES_OFF = [
    ("aws:rds/parameterGroup:ParameterGroup", "postgres16", "rds.force_ssl", "0"),
    (
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aurora-mysql8.0",
        "require_secure_transport",
        "off",
    ),
    ("aws:docdb/clusterParameterGroup:ClusterParameterGroup", "docdb5.0", "tls", "DISABLED"),
    ("aws:redshift/parameterGroup:ParameterGroup", "redshift-1.0", "require_ssl", "False"),
]


def _group(type_token: str, family: str, parameter: str, value: str) -> Program:
    body = {"family": family, "parameters": [{"name": parameter, "value": value}]}
    return Program("group", "transport", False, one(type_token, "tls-group", body))


@pytest.mark.parametrize(("type_token", "family", "parameter", "value"), TLS_SWITCHES_OFF)
def test_unattached_parameter_group_turning_tls_off_is_refused(
    type_token: str, family: str, parameter: str, value: str
) -> None:
    assert "rds-tls-minimum-version" in _policies(_group(type_token, family, parameter, value))


@pytest.mark.parametrize(
    ("type_token", "family", "parameter", "value"),
    [
        ("aws:rds/parameterGroup:ParameterGroup", "postgres16", "rds.force_ssl", "1"),
        ("aws:docdb/clusterParameterGroup:ClusterParameterGroup", "docdb5.0", "tls", "enabled"),
        ("aws:redshift/parameterGroup:ParameterGroup", "redshift-1.0", "require_ssl", "true"),
        ("aws:rds/parameterGroup:ParameterGroup", "mysql8.0", "max_connections", "0"),
    ],
)
def test_parameter_group_keeping_tls_on_passes(
    type_token: str, family: str, parameter: str, value: str
) -> None:
    assert not _policies(_group(type_token, family, parameter, value))


# -- SSM parameters: a credential is a SecureString under the stack's key -----------------------


def _parameter(**inputs: Any) -> Program:
    return Program("param", "ssm", False, one("aws:ssm/parameter:Parameter", "param", inputs))


@pytest.mark.parametrize(
    "inputs",
    [
        {"name": "/app/db/password", "type": "SecureString", "value": "x"},  # AWS-managed key
        {"name": "/app/db/password", "type": "String", "value": UNKNOWN},  # generated, plain
        {"name": "/app/flag", "type": "Secret", "value": "on"},  # a type AWS does not have
    ],
)
def test_ssm_parameter_holding_a_credential_badly_is_refused(inputs: dict[str, Any]) -> None:
    assert "ssm-parameter-secure-string" in _policies(_parameter(**inputs))


@pytest.mark.parametrize(
    "inputs",
    [
        {"name": "/app/db/password", "type": "SecureString", "keyId": UNKNOWN, "value": "x"},
        {"name": "/app/flags/new-ui", "type": "string", "value": "enabled"},
        {"name": "/app/hosts", "type": "StringList", "value": UNKNOWN},
    ],
)
def test_ssm_parameter_settings_and_secure_strings_pass(inputs: dict[str, Any]) -> None:
    assert not _policies(_parameter(**inputs))


# -- exposure: a Lambda resource policy open to anyone is a front door --------------------------


def _permission(**inputs: Any) -> Program:
    body = {"action": "lambda:InvokeFunction", "function": UNKNOWN, **inputs}
    return Program("perm", "exposure", False, one("aws:lambda/permission:Permission", "perm", body))


@pytest.mark.parametrize(
    "inputs",
    [
        {"principal": "*"},
        {"principal": "*", "action": "lambda:InvokeFunctionUrl", "functionUrlAuthType": "NONE"},
        {"principal": "arn:aws:iam::*:root"},
    ],
)
def test_lambda_permission_for_anyone_is_a_door(inputs: dict[str, Any]) -> None:
    assert "one-front-door" in _policies(_permission(**inputs))


@pytest.mark.parametrize(
    "inputs",
    [
        {"principal": "*", "sourceAccount": "123456789012"},
        {"principal": "*", "principalOrgId": "o-abc123"},
        {"principal": "events.amazonaws.com", "sourceArn": UNKNOWN},
        {"principal": "secretsmanager.amazonaws.com"},
    ],
)
def test_scoped_lambda_permissions_pass(inputs: dict[str, Any]) -> None:
    assert "one-front-door" not in _policies(_permission(**inputs))


# -- credentials: one kind's public key is meant to be shared ----------------------------------


@pytest.mark.parametrize("name", ["PUBLIC_VAPID_KEY", "PUBLIC_SIGNING_KEY", "webPushPublicKey"])
def test_a_kinds_public_key_passes(name: str) -> None:
    assert _scanner().setting(name, "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZ") is None


def test_a_private_key_under_a_public_name_is_found() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----"
    assert _scanner().setting("PUBLIC_VAPID_KEY", pem) is not None


def test_parameter_paths_are_judged_per_segment() -> None:
    scanner = _scanner()
    assert scanner.setting("API_KEY_PARAMETER_NAME", "/perfcheck/secure-store/api-key") is None
    assert scanner.setting("API_KEY_PARAMETER_NAME", "/perfcheck/Xk9Zq7Pw8Lm2Nb4Vc6") is not None


# -- engines: a network file system at an engine's own data directory holds its data ----------


def _efs_at(path: str, image: str = "public.ecr.aws/docker/library/debian:12") -> Program:
    from tests.redteam.programs import efs_task

    return Program("efs", "engine", False, efs_task("efsapp", image, path))


@pytest.mark.parametrize(
    "path", ["/var/lib/rabbitmq", "/qdrant/storage/collections", "/var/lib/arangodb3/"]
)
def test_efs_at_an_engines_own_data_directory_is_refused_whatever_the_image(path: str) -> None:
    assert "no-database-on-efs" in _policies(_efs_at(path))


@pytest.mark.parametrize("path", ["/data/uploads", "/srv/media", "/var/lib", "/tmp/kafka-logs"])
def test_efs_at_generic_or_parent_directories_passes_for_a_plain_image(path: str) -> None:
    assert "no-database-on-efs" not in _policies(_efs_at(path))


# -- exposure and transport: AWS's defaults count ------------------------------------------------


def _dms(**inputs: Any) -> Program:
    body = {"replicationInstanceClass": "dms.t3.medium", "replicationInstanceId": "m", **inputs}
    return Program(
        "dms", "exposure", False, one("aws:dms/replicationInstance:ReplicationInstance", "m", body)
    )


def test_dms_instance_public_by_aws_default_is_a_door() -> None:
    assert "one-front-door" in _policies(_dms())
    assert "one-front-door" in _policies(_dms(publiclyAccessible=True))
    assert "one-front-door" not in _policies(_dms(publiclyAccessible=False))


def _msk(in_cluster: Any) -> Program:
    transit: dict[str, Any] = {"clientBroker": "TLS"}
    if in_cluster is not None:
        transit["inCluster"] = in_cluster
    body = {
        "kafkaVersion": "3.6.0",
        "numberOfBrokerNodes": 3,
        "brokerNodeGroupInfo": {"instanceType": "kafka.m5.large", "clientSubnets": [UNKNOWN]},
        "encryptionInfo": {"encryptionInTransit": transit},
    }
    return Program("msk", "transport", False, one("aws:msk/cluster:Cluster", "msk", body))


def test_msk_traffic_between_brokers_must_stay_encrypted() -> None:
    assert "front-door-tls-minimum" in _policies(_msk(False))
    assert "front-door-tls-minimum" not in _policies(_msk(True))
    assert "front-door-tls-minimum" not in _policies(_msk(None))  # AWS's default: on


# -- cost: a budget is judged by whether it can alert in time -----------------------------------


def _notification(**changes: Any) -> Program:
    from tests.redteam.programs import replace as replaced

    def build(r: Any) -> Any:
        first = {**r["budget"].wire_inputs["notifications"][0], **changes}
        return {"budget": replaced(r["budget"], notifications=[first])}

    return Program("budget", "cost", False, build)


@pytest.mark.parametrize(
    "changes",
    [
        {"threshold": 150},
        {"threshold": 100000},
        {"threshold": 5000, "thresholdType": "ABSOLUTE_VALUE"},  # the limit is $400
    ],
)
def test_budget_notification_that_fires_only_after_the_overspend_is_no_alert(
    changes: dict[str, Any],
) -> None:
    assert "budget-exists" in _policies(_notification(**changes))


@pytest.mark.parametrize(
    "changes",
    [{"threshold": 100}, {"threshold": 350, "thresholdType": "absolute_value"}],
)
def test_budget_notification_by_the_limit_passes(changes: dict[str, Any]) -> None:
    assert "budget-exists" not in _policies(_notification(**changes))


def _limit(amount: str) -> Program:
    from tests.redteam.programs import changed

    return Program("limit", "cost", False, changed("budget", limitAmount=amount))


def test_budget_far_above_the_estimate_never_fires() -> None:
    assert "monthly-estimate-within-budget" in _policies(_limit("1000000"))
    assert "monthly-estimate-within-budget" not in _policies(_limit("400"))


# -- exposure: a resource policy for everyone is public, whichever service holds it ------------

_POLICY_TYPES = [
    ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
    ("aws:sns/topic:Topic", "policy"),
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"),
    ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy"),
    ("aws:kms/key:Key", "policy"),
    ("aws:efs/fileSystemPolicy:FileSystemPolicy", "policy"),
    ("aws:opensearch/domainPolicy:DomainPolicy", "accessPolicies"),
    ("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "policyDocument"),
]


def _document(principal: Any, **extra: Any) -> str:
    import json

    statement = {"Effect": "Allow", "Principal": principal, "Action": "*", "Resource": "*"}
    return json.dumps({"Statement": [{**statement, **extra}]})


def _holder(type_token: str, prop: str, document: str) -> Program:
    return Program("policy", "exposure", False, one(type_token, "holder", {prop: document}))


@pytest.mark.parametrize(("type_token", "prop"), _POLICY_TYPES)
def test_resource_policy_for_everyone_is_public(type_token: str, prop: str) -> None:
    for principal in ("*", {"AWS": "*"}, {"aws": ["arn:aws:iam::123456789012:root", "*"]}):
        found = _policies(_holder(type_token, prop, _document(principal)))
        assert "resource-policy-not-public" in found, principal


@pytest.mark.parametrize(("type_token", "prop"), _POLICY_TYPES)
def test_resource_policy_narrowed_or_named_passes(type_token: str, prop: str) -> None:
    narrowed = _document("*", Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})
    named = _document({"AWS": "arn:aws:iam::123456789012:root"})
    denied = _document("*", Effect="Deny")
    for document in (narrowed, named, denied):
        assert "resource-policy-not-public" not in _policies(_holder(type_token, prop, document))


def test_resource_policy_table_names_real_inputs() -> None:
    """Every (type, input) of the table is a constructor input of the installed pulumi_aws."""
    import importlib
    import inspect
    import re

    from perfcheck_guardrails.public_access import RESOURCE_POLICY_DOCUMENTS

    for token, prop in RESOURCE_POLICY_DOCUMENTS.items():
        module = token.split(":")[1].split("/")[0]
        cls_name = token.split(":")[2]
        package = importlib.import_module(
            f"pulumi_aws.{'lambda_' if module == 'lambda' else module}"
        )
        cls = getattr(package, cls_name)
        params = inspect.signature(cls._internal_init).parameters
        assert re.sub(r"(?<!^)([A-Z])", r"_\1", prop).lower() in params, (token, prop)
