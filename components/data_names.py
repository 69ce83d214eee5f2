"""Physical names of the data tier, known before the resources exist.

Alarms, dashboards, log groups and runbooks name the database instance, its proxy and the cache
replication group; deriving the names from the stack's prefix (instead of letting Pulumi add a
random suffix) lets all of them agree without waiting for the resources.
"""

from __future__ import annotations

import re

DATABASE_IDENTIFIER_MAX = 63
"""RDS DBInstanceIdentifier: 1-63 letters, digits or hyphens."""
PROXY_NAME_MAX = 60
"""RDS Proxy DBProxyName: same character rules as an instance identifier."""
REPLICATION_GROUP_ID_MAX = 40
"""ElastiCache ReplicationGroupId: 1-40 letters, digits or hyphens."""
RDS_LOG_EXPORTS = ("postgresql", "upgrade")
"""The PostgreSQL logs RDS publishes to CloudWatch Logs (enabled_cloudwatch_logs_exports)."""


def aws_identifier(text: str, max_length: int) -> str:
    """`text` as an RDS/ElastiCache identifier: lowercase letters, digits and single hyphens,
    a letter first, no hyphen last, at most `max_length` characters (the services store these
    identifiers in lowercase, so a mixed-case name would never match alarms or log groups)."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", text.lower())
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:max_length].strip("-")
    if not cleaned or not cleaned[0].isalpha():
        raise ValueError(
            f"'{text}' cannot become an identifier: it must start with a letter "
            "(lowercase letters, digits and hyphens only)"
        )
    return cleaned


def database_identifier(name_prefix: str) -> str:
    """e.g. perfcheck-prod-postgres"""
    return aws_identifier(f"{name_prefix}-postgres", DATABASE_IDENTIFIER_MAX)


def database_proxy_name(name_prefix: str) -> str:
    """e.g. perfcheck-prod-postgres-proxy"""
    return aws_identifier(f"{name_prefix}-postgres-proxy", PROXY_NAME_MAX)


def cache_replication_group_id(name_prefix: str) -> str:
    """e.g. perfcheck-prod-cache"""
    return aws_identifier(f"{name_prefix}-cache", REPLICATION_GROUP_ID_MAX)


def rds_log_group_name(identifier: str, log_type: str) -> str:
    """The log group RDS publishes an exported log to; created beforehand so it has retention."""
    return f"/aws/rds/instance/{identifier}/{log_type}"


def database_task_log_group_name(name_prefix: str, purpose: str) -> str:
    """Log group of a one-off database task (e.g. the migration), under the database's key."""
    return f"/perfcheck/{name_prefix}/database/{purpose}"


def cache_slow_log_group_name(replication_group_id: str) -> str:
    return f"/aws/elasticache/{replication_group_id}/slow-log"
