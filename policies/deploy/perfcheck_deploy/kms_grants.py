"""A log group encrypted with a customer-managed key needs the key to let CloudWatch Logs use it.

CreateLogGroup (and AssociateKmsKey) fail with `AccessDeniedException: The specified KMS key does
not exist or is not allowed to be used with Arn ...` unless the key policy allows the service
principal `logs.<region>.amazonaws.com` to encrypt and generate data keys. Only keys this stack
creates are judged (their policy is known); an unknown policy is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

KEY = "aws:kms/key:Key"
NEEDED = ("kms:Encrypt", "kms:GenerateDataKey")

GRANT_ID = describe(
    "kms-key-grants-logs",
    "a log group's customer-managed key lets logs.<region>.amazonaws.com encrypt with it",
)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allows(statement: dict[str, Any], principal: str, action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    services = statement.get("Principal", {})
    services = _as_list(services.get("Service", [])) if isinstance(services, dict) else []
    if principal not in services and "logs.amazonaws.com" not in services:
        return False
    for pattern in _as_list(statement.get("Action", [])):
        if not isinstance(pattern, str):
            continue
        if pattern in ("*", "kms:*") or action == pattern:
            return True
        if pattern.endswith("*") and action.startswith(pattern[:-1]):
            return True
    return False


@checks("aws:cloudwatch/logGroup:LogGroup")
def log_group_key_grants_logs(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    key_arn = index.inputs(record).get("kmsKeyId")
    key = index.find(key_arn, (KEY,))
    if key is None:
        return
    policy_text = index.inputs(key).get("policy")
    region = index.region_of(record)
    if not isinstance(policy_text, str) or is_unknown(policy_text) or region is None:
        return
    try:
        statements = _as_list(json.loads(policy_text).get("Statement", []))
    except (ValueError, AttributeError):
        return  # the IAM check reports a malformed policy
    principal = f"logs.{region}.amazonaws.com"
    missing = [
        action
        for action in NEEDED
        if not any(isinstance(s, dict) and _allows(s, principal, action) for s in statements)
    ]
    if missing:
        yield finding(
            GRANT_ID,
            record,
            "kmsKeyId",
            "AccessDeniedException: The specified KMS key does not exist or is not allowed to "
            f"be used with this log group (key '{key.name}' does not allow {principal} "
            f"{', '.join(missing)}).",
            f"Add a key policy statement allowing the service principal {principal} "
            "kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe*, "
            "conditioned on kms:EncryptionContext:aws:logs:arn.",
        )
