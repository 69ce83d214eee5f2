"""Resource names within AWS limits, including the names Pulumi makes up.

The rule applied (pulumi-aws 7, Terraform bridge):
- an explicit name input (e.g. `name`, `identifier`, `bucket`) is used as given;
- a `*Prefix` input (namePrefix, identifierPrefix, bucketPrefix) gets 26 characters appended by
  the Terraform provider (id.PrefixedUniqueId), so the prefix may be at most limit - 26 long;
- with neither, Pulumi auto-names the resource: the logical name, lowercased where the provider
  says so (S3 buckets, ElastiCache replication groups), plus "-" and 7 random hex characters. The
  bridge caps that at its own maximum (target groups 32, replication groups 40, S3 63, IAM roles
  64, other resources 255) and the AWS limit applies on top. RDS identifiers are auto-named without
  lowercasing; pulumi-aws omits the "-" there, we count it anyway (one character stricter).

Limits and character rules come from botocore's models where they carry them (IAM RoleName and
CloudWatch Logs logGroupName: min/max/pattern) and otherwise from the request documentation in the
same models (ELBv2 Name, RDS DBInstanceIdentifier, ElastiCache ReplicationGroupId, Secrets Manager
Name) and the S3 user guide, "General purpose bucket naming rules".
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from foundation.records import ResourceRecord
from perfcheck_deploy.awsmodels import input_member
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

AUTONAME_SUFFIX = 8  # "-" + 7 hex characters
PREFIX_SUFFIX = 26  # Terraform id.PrefixedUniqueId
SAMPLE_SUFFIX = "-0a1b2c3"

LB_ID = describe("name-load-balancer", "load balancer names: 32, alphanumerics/hyphens")
TARGET_GROUP_ID = describe("name-target-group", "target group names: 32, alphanumerics/hyphens")
RDS_ID = describe(
    "name-rds-identifier",
    "RDS identifiers: 63, lowercase, start with a letter, no -- or trailing -",
)
REPLICATION_GROUP_ID = describe(
    "name-elasticache-replication-group",
    "ElastiCache replication group ids: 40, start with a letter, no -- or trailing -",
)
ROLE_ID = describe("name-iam-role", "IAM role names: botocore RoleName max and pattern")
BUCKET_ID = describe("name-s3-bucket", "S3 bucket names: 3-63, lowercase, DNS-compatible")
LOG_GROUP_ID = describe("name-log-group", "log group names: botocore logGroupName max and pattern")
SECRET_ID = describe(
    "name-secret", "Secrets Manager names: botocore Name max; letters, numbers, /_+=.@-"
)

NAMED_TYPES = (
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:alb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:alb/targetGroup:TargetGroup",
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:iam/role:Role",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
)

Validator = Callable[[str], list[str]]


@dataclass(frozen=True)
class NameRule:
    """How one kind of resource is named and what AWS accepts."""

    check_id: str
    types: tuple[str, ...]
    service: str
    name_prop: str
    prefix_prop: str | None
    max_length: int
    autoname_max: int
    lowercase_autoname: bool
    validate: Validator


def _elb_name(allow_internal: bool) -> Validator:
    def validate(name: str) -> list[str]:
        problems = []
        if not re.fullmatch(r"[A-Za-z0-9-]+", name):
            problems.append("must contain only alphanumeric characters or hyphens")
        if name.startswith("-") or name.endswith("-"):
            problems.append("must not begin or end with a hyphen")
        if not allow_internal and name.startswith("internal-"):
            problems.append('must not begin with "internal-"')
        return problems

    return validate


def _identifier(lowercase_only: bool) -> Validator:
    """RDS DBInstanceIdentifier / ElastiCache ReplicationGroupId rules."""

    def validate(name: str) -> list[str]:
        problems = []
        charset = r"[a-z0-9-]+" if lowercase_only else r"[A-Za-z0-9-]+"
        if not re.fullmatch(charset, name):
            problems.append(
                "must contain only lowercase letters, numbers or hyphens"
                if lowercase_only
                else "must contain only letters, numbers or hyphens"
            )
        if not name[:1].isalpha():
            problems.append("must start with a letter")
        if "--" in name:
            problems.append("must not contain two consecutive hyphens")
        if name.endswith("-"):
            problems.append("must not end with a hyphen")
        return problems

    return validate


def _model_pattern(service: str, operation: str, member: str) -> Validator:
    """Length and pattern straight from botocore's model of the request member."""

    def validate(name: str) -> list[str]:
        metadata = input_member(service, operation, member).metadata
        problems = []
        pattern = metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, name):
            problems.append(f"must match the pattern {pattern}")
        if len(name) < metadata.get("min", 0):
            problems.append(f"must have at least {metadata['min']} characters")
        return problems

    return validate


def _log_group(name: str) -> list[str]:
    problems = _model_pattern("logs", "CreateLogGroup", "logGroupName")(name)
    if name.startswith("aws/"):
        problems.append('must not start with "aws/" (reserved for AWS services)')
    return problems


def _secret(name: str) -> list[str]:
    if re.fullmatch(r"[A-Za-z0-9/_+=.@-]+", name):
        return []
    return ["may contain only ASCII letters, numbers and / _ + = . @ -"]


S3_FORBIDDEN_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_FORBIDDEN_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _bucket(name: str) -> list[str]:
    problems = []
    if len(name) < 3:
        problems.append("must be at least 3 characters long")
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        problems.append("must contain only lowercase letters, numbers, dots and hyphens")
    if not re.fullmatch(r"[a-z0-9].*[a-z0-9]|[a-z0-9]", name):
        problems.append("must begin and end with a letter or number")
    if ".." in name:
        problems.append("must not contain two adjacent periods")
    try:
        ipaddress.IPv4Address(name)
        problems.append("must not be formatted as an IP address")
    except ValueError:
        pass
    if name.startswith(S3_FORBIDDEN_PREFIXES):
        problems.append(f"must not start with {', '.join(S3_FORBIDDEN_PREFIXES)}")
    if name.endswith(S3_FORBIDDEN_SUFFIXES):
        problems.append(f"must not end with {', '.join(S3_FORBIDDEN_SUFFIXES)}")
    return problems


def _role_max() -> int:
    return int(input_member("iam", "CreateRole", "RoleName").metadata["max"])


def _log_group_max() -> int:
    return int(input_member("logs", "CreateLogGroup", "logGroupName").metadata["max"])


def _secret_max() -> int:
    return int(input_member("secretsmanager", "CreateSecret", "Name").metadata["max"])


@functools.cache
def rules() -> dict[str, NameRule]:
    """The naming rule per type token, with the limits botocore's models carry read from them."""
    all_rules = (
        NameRule(
            LB_ID,
            ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"),
            "Elastic Load Balancing",
            "name",
            "namePrefix",
            32,
            255,
            False,
            _elb_name(False),
        ),
        NameRule(
            TARGET_GROUP_ID,
            ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"),
            "Elastic Load Balancing",
            "name",
            "namePrefix",
            32,
            32,
            False,
            _elb_name(True),
        ),
        NameRule(
            RDS_ID,
            ("aws:rds/instance:Instance",),
            "RDS",
            "identifier",
            "identifierPrefix",
            63,
            255,
            False,
            _identifier(True),
        ),
        NameRule(
            REPLICATION_GROUP_ID,
            ("aws:elasticache/replicationGroup:ReplicationGroup",),
            "ElastiCache",
            "replicationGroupId",
            None,
            40,
            40,
            True,
            _identifier(False),
        ),
        NameRule(
            ROLE_ID,
            ("aws:iam/role:Role",),
            "IAM",
            "name",
            "namePrefix",
            _role_max(),
            64,
            False,
            _model_pattern("iam", "CreateRole", "RoleName"),
        ),
        NameRule(
            BUCKET_ID,
            ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"),
            "S3",
            "bucket",
            "bucketPrefix",
            63,
            63,
            True,
            _bucket,
        ),
        NameRule(
            LOG_GROUP_ID,
            ("aws:cloudwatch/logGroup:LogGroup",),
            "CloudWatch Logs",
            "name",
            "namePrefix",
            _log_group_max(),
            255,
            False,
            _log_group,
        ),
        NameRule(
            SECRET_ID,
            ("aws:secretsmanager/secret:Secret",),
            "Secrets Manager",
            "name",
            "namePrefix",
            _secret_max(),
            255,
            False,
            _secret,
        ),
    )
    return {type_token: rule for rule in all_rules for type_token in rule.types}


def _check_name(rule: NameRule, record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    explicit = inputs.get(rule.name_prop)
    prefix = inputs.get(rule.prefix_prop) if rule.prefix_prop else None
    if is_unknown(explicit) or is_unknown(prefix):
        return
    if isinstance(explicit, str) and explicit:
        yield from _judge(rule, record, rule.name_prop, explicit, explicit, rule.max_length)
    elif isinstance(prefix, str) and prefix and rule.prefix_prop:
        limit = rule.max_length - PREFIX_SUFFIX
        sample = prefix + "0" * PREFIX_SUFFIX
        yield from _judge(rule, record, rule.prefix_prop, prefix, sample, limit, is_prefix=True)
    else:
        logical = record.name.lower() if rule.lowercase_autoname else record.name
        limit = min(rule.autoname_max, rule.max_length) - AUTONAME_SUFFIX
        yield from _judge(
            rule, record, rule.name_prop, logical, logical + SAMPLE_SUFFIX, limit, autonamed=True
        )


def _judge(
    rule: NameRule,
    record: ResourceRecord,
    prop: str,
    given: str,
    complete: str,
    limit: int,
    *,
    is_prefix: bool = False,
    autonamed: bool = False,
) -> Iterator[Finding]:
    """Length of what the user controls against its share of the limit, then the format."""
    if autonamed:
        subject = (
            f"no {prop} is set, so Pulumi names it '{given}-<7 hex>' "
            f"({len(given) + AUTONAME_SUFFIX} characters)"
        )
        fix_length = (
            f"Shorten the logical name '{record.name}' to at most {limit} characters, or set "
            f"{prop} explicitly."
        )
    elif is_prefix:
        subject = f"{prop} '{given}' gets {PREFIX_SUFFIX} characters appended"
        fix_length = f"Shorten {prop} to at most {limit} characters."
    else:
        subject = f"{prop} '{given}' has {len(given)} characters"
        fix_length = f"Shorten {prop} to at most {limit} characters."
    if len(given) > limit:
        cap = min(rule.autoname_max, rule.max_length) if autonamed else rule.max_length
        yield finding(
            rule.check_id,
            record,
            prop,
            f"{rule.service} rejects the name: {subject}; the maximum is {cap}.",
            fix_length,
        )
    problems = rule.validate(complete)
    if problems:
        where = "the logical name" if autonamed else prop
        yield finding(
            rule.check_id,
            record,
            prop,
            f"{rule.service} rejects the name: {subject}; a name {'; '.join(problems)}.",
            f"Change {where} to follow the {rule.service} naming rules.",
        )


@checks(*NAMED_TYPES)
def check_name(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    yield from _check_name(rules()[record.type], record, index)
