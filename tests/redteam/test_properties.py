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
