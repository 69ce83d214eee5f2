"""Secret-ness reaches the rules: a plain literal and a Pulumi secret no longer look alike.

The engine sends an analyzer's properties with secrets kept (MarshalOptions KeepSecrets); the
kit unwraps them for rules to read and records which paths were secret. Properties, each with
members of our own:
- the kit's record: every secret path at any depth, and no plain one;
- an input made for a secret (AWS keeps it write-only) takes a Pulumi secret or an unknown; a
  plain literal there is a finding, at any nesting depth;
- a header value shaped like a generated secret is a finding in plain text, not as a secret;
  a header that holds a name (a host, a hyphenated label) passes either way;
- a top-level input named like a credential passes as a Pulumi secret, not in plain text;
- a secret-wrapped credential in a setting AWS returns in plain text (an environment, a Glue
  connection's properties) is still a finding: the Pulumi secret protects the state, not the
  resource.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.builders import UNKNOWN, record, secret, stack_run
from tests.policies.support import synthetic_config_dir
from tools.offline.policy_driver import analyze_request, evaluate_packs, load_pack

load_pack("guardrails")  # puts the kit and the pack on sys.path, as the engine does
from perfcheck_guardrails import credentials  # noqa: E402
from perfcheck_policykit import values  # noqa: E402
from perfcheck_policykit.wire import to_props  # noqa: E402

POLICY = "no-credentials-in-resource-inputs"


def _props(inputs: dict[str, Any]) -> Any:
    """The props a rule reads, converted from the request the engine sends."""
    return to_props(analyze_request(record("prod", "aws:x/y:Z", "subject", inputs)).properties)


def _findings(type_token: str, inputs: dict[str, Any]) -> list[str]:
    run = stack_run([record("prod", type_token, "subject", inputs)])
    report = evaluate_packs(run, "prod", synthetic_config_dir(), packs=("guardrails",))
    return [v.message for v in report.violations if v.policy == POLICY]


# -- the kit's record ----------------------------------------------------------------------------


def test_the_kit_records_every_secret_path_and_no_plain_one() -> None:
    props = _props(
        {
            "token": secret("t0p-level"),
            "users": [{"name": "a", "password": secret("n3sted")}, {"name": "b"}],
            "options": secret({"inner": {"key": "wrapped-map"}}),
            "plain": {"value": "visible"},
        }
    )
    assert values.get(props, "users", 0, "password") == "n3sted"  # rules still read the value
    assert values.secret_at(props, "token")
    assert values.secret_at(props, "users", 0, "password")
    assert values.secret_at(props, "options", "inner", "key")  # inside a secret object
    assert not values.secret_at(props, "users", 0, "name")
    assert not values.secret_at(props, "users", 1)
    assert not values.secret_at(props, "plain", "value")
    assert not values.secret_at(props, "absent")


def test_plain_data_reads_as_plain() -> None:
    """Only the kit's props carry the record; anything else is plain (fail closed)."""
    assert not values.secret_at({"token": "x"}, "token")


# -- inputs made for a secret --------------------------------------------------------------------

SECRET_INPUT_CASES = [
    (
        "aws:elasticache/user:User",
        lambda v: {"authenticationMode": {"type": "password", "passwords": [v]}},
    ),
    (
        "aws:opensearch/domain:Domain",
        lambda v: {
            "advancedSecurityOptions": {
                "enabled": True,
                "masterUserOptions": {"masterUserName": "admin", "masterUserPassword": v},
            }
        },
    ),
    (
        "aws:mq/broker:Broker",
        lambda v: {"engineType": "ActiveMQ", "users": [{"username": "ops", "password": v}]},
    ),
    ("aws:memorydb/user:User", lambda v: {"authenticationMode": {"passwords": [v]}}),
]
PLAIN_PASSWORD = "Fz4-not-real-Qm8"  # the shape of a password, never a real one


@pytest.mark.parametrize(("type_token", "inputs"), SECRET_INPUT_CASES)
def test_a_plain_literal_in_an_input_made_for_a_secret_is_a_finding(
    type_token: str, inputs: Any
) -> None:
    found = _findings(type_token, inputs(PLAIN_PASSWORD))
    assert any("plain literal in an input made for a secret" in m for m in found), found
    assert PLAIN_PASSWORD not in " ".join(found)  # never shown


@pytest.mark.parametrize(("type_token", "inputs"), SECRET_INPUT_CASES)
def test_a_secret_or_a_generated_value_in_such_an_input_passes(
    type_token: str, inputs: Any
) -> None:
    assert not _findings(type_token, inputs(secret(PLAIN_PASSWORD)))
    assert not _findings(type_token, inputs(UNKNOWN))


# -- header values --------------------------------------------------------------------------------

GENERATED = [
    "9f86d081884c7d659a2feaa0c55ad015",  # hex, as `openssl rand -hex 16` writes it
    "3b1f7c2e-8d4a-4e6b-9a0c-5f2d7e8b1c94",  # a UUID
    "qT7vK2pX9mL4wR8zN1bY",  # mixed case and digits
]
NAMES = ["app.perfcheck.example.com", "Q3-Campaign-Launch-Readiness-Review-2026", "no-cache"]


def _distribution_header(value: Any) -> dict[str, Any]:
    return {
        "origins": [
            {
                "originId": "alb",
                "domainName": "origin.perfcheck.example.com",
                "customHeaders": [{"name": "X-Cdn-Check", "value": value}],
            }
        ]
    }


def _event_target_header(value: Any) -> dict[str, Any]:
    return {"httpTarget": {"headerParameters": {"X-Edge-Check": value}}}


@pytest.mark.parametrize("shape", [_distribution_header, _event_target_header])
@pytest.mark.parametrize("value", GENERATED)
def test_a_generated_looking_header_value_in_plain_text_is_a_finding(
    shape: Any, value: str
) -> None:
    found = _findings("aws:cloudfront/distribution:Distribution", shape(value))
    assert any("header value in plain text" in m for m in found), found


@pytest.mark.parametrize("shape", [_distribution_header, _event_target_header])
@pytest.mark.parametrize("value", GENERATED)
def test_the_same_header_value_as_a_pulumi_secret_passes(shape: Any, value: str) -> None:
    assert not _findings("aws:cloudfront/distribution:Distribution", shape(secret(value)))


@pytest.mark.parametrize("value", NAMES)
def test_a_header_holding_a_name_passes_in_plain_text(value: str) -> None:
    assert not _findings("aws:cloudfront/distribution:Distribution", _distribution_header(value))


@pytest.mark.parametrize("value", GENERATED)
def test_generated_shape_is_not_a_name(value: str) -> None:
    assert credentials.generated_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        *NAMES,
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x",
        "short1A",
        "20261207t1530utc",  # a build stamp: long, one token, but two classes only
        "pk_live_51HqLyjWDarjtT1zdp7dc",  # a Stripe publishable key: public by design
    ],
)
def test_names_references_and_short_values_are_not_generated(value: str) -> None:
    assert not credentials.generated_secret(value)


# -- credential inputs of any type: a Pulumi secret is where a credential belongs ---------------

CREDENTIAL_INPUTS = [
    ("aws:docdbelastic/cluster:Cluster", "adminUserPassword"),
    ("aws:ec2/vpnConnection:VpnConnection", "tunnel1PresharedKey"),
    ("aws:sns/platformApplication:PlatformApplication", "platformCredential"),
]


@pytest.mark.parametrize(("type_token", "name"), CREDENTIAL_INPUTS)
def test_a_credential_named_input_passes_as_a_secret(type_token: str, name: str) -> None:
    assert not _findings(type_token, {name: secret(PLAIN_PASSWORD)})


@pytest.mark.parametrize(("type_token", "name"), CREDENTIAL_INPUTS)
def test_the_same_input_in_plain_text_is_a_finding(type_token: str, name: str) -> None:
    assert _findings(type_token, {name: PLAIN_PASSWORD})


def test_a_secret_map_that_aws_returns_is_still_scanned() -> None:
    """Glue returns connectionProperties (its PASSWORD too) from GetConnection: the map is not a
    credential input, whatever the SDK's wrapping."""
    found = _findings(
        "aws:glue/connection:Connection",
        {"connectionProperties": secret({"USERNAME": "etl", "PASSWORD": PLAIN_PASSWORD})},
    )
    assert found


# -- AWS-readable settings: a Pulumi secret does not hide them -----------------------------------


def test_a_secret_wrapped_credential_in_an_environment_is_still_a_finding() -> None:
    found = _findings(
        "aws:lambda/function:Function",
        {"environment": {"variables": {"DB_PASSWORD": secret(PLAIN_PASSWORD)}}},
    )
    assert found
