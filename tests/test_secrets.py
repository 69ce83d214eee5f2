"""Secrets: generated at deploy time, encrypted with a CMK, never in plain text anywhere."""

from __future__ import annotations

import contextlib
import json

from foundation.records import StackRun, is_secret_wrapper

GENERATED = "random:index/randomPassword:RandomPassword"
GENERATED_BYTES = "random:index/randomBytes:RandomBytes"


def _plain_strings(value: object, inside_secret: bool = False) -> list[str]:
    """Every string in a wire value that is not inside a secret wrapper (JSON strings opened)."""
    if is_secret_wrapper(value):
        return []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _plain_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _plain_strings(v)]
    if isinstance(value, str):
        found = [value]
        if value[:1] in "[{":
            with contextlib.suppress(ValueError):
                found += _plain_strings(json.loads(value))
        return found
    return []


def test_no_generated_secret_appears_in_plain_text(each_stack: StackRun) -> None:
    values = [r.outputs["result"] for r in each_stack.by_type(GENERATED)]
    values += [r.outputs["base64"] for r in each_stack.by_type(GENERATED_BYTES)]
    assert len(values) >= 4 and all(len(v) >= 32 for v in values)
    leaks = []
    for record in each_stack.resources:
        for text in _plain_strings(dict(record.wire_inputs)):
            leaks += [f"{record.type} {record.name}" for value in values if value in text]
    for name, output in each_stack.outputs.items():
        leaks += [f"output {name}" for text in _plain_strings(output) for v in values if v in text]
    assert leaks == []


def test_secret_values_are_sent_as_pulumi_secrets(each_stack: StackRun) -> None:
    versions = each_stack.by_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert versions and all(is_secret_wrapper(v.wire_inputs["secretString"]) for v in versions)


def test_every_secret_uses_a_rotating_customer_managed_key(each_stack: StackRun) -> None:
    keys = {k.outputs["arn"]: k for k in each_stack.by_type("aws:kms/key:Key")}
    secrets = each_stack.by_type("aws:secretsmanager/secret:Secret")
    assert secrets
    for secret in secrets:
        key = keys[secret.wire_inputs["kmsKeyId"]]
        assert key.wire_inputs["enableKeyRotation"] is True, secret.name
        assert secret.protect is (each_stack.stack == "prod"), secret.name


def test_the_server_actions_key_is_256_bits_of_random_key_material(each_stack: StackRun) -> None:
    import base64

    (key,) = each_stack.by_type(GENERATED_BYTES)
    assert key.name == "app-secrets-server-actions-key-value"
    assert len(base64.b64decode(key.outputs["base64"])) == 32
