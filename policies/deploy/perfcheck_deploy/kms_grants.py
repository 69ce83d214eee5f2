"""A log group encrypted with a customer-managed key needs the key to let CloudWatch Logs use it.

CreateLogGroup (and AssociateKmsKey) fail with `AccessDeniedException: The specified KMS key does
not exist or is not allowed to be used with Arn ...` unless the key policy allows the service
principal `logs.<region>.amazonaws.com` to encrypt and generate data keys. Only keys this stack
creates are judged (their policy is known); an unknown policy is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from foundation import iampolicy
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


def _allows(statement: iampolicy.Statement, principal: str, action: str) -> bool:
    services = statement.principals("Service")
    return (
        statement.allow
        and (principal in services or "logs.amazonaws.com" in services)
        and statement.covers_action(action)
    )


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
        document = iampolicy.parse_policy(policy_text)
    except iampolicy.PolicyDocumentError:
        return  # the IAM check reports a malformed policy
    if not isinstance(document, iampolicy.PolicyDocument):
        return
    principal = f"logs.{region}.amazonaws.com"
    missing = [
        action
        for action in NEEDED
        if not any(_allows(s, principal, action) for s in document.statements or ())
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
