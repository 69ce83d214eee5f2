"""Instance capacities the settings checks need (memory decides PostgreSQL's connection limit)."""

from __future__ import annotations

# Memory (GiB) of the RDS instance classes this project may use. Source: the RDS instance class
# tables in the RDS user guide ("DB instance classes", hardware specifications).
RDS_MEMORY_GIB: dict[str, float] = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.t4g.xlarge": 16,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.m7g.2xlarge": 32,
    "db.m7g.4xlarge": 64,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
    "db.r7g.2xlarge": 64,
    "db.r7g.4xlarge": 128,
    "db.m8g.large": 8,
    "db.m8g.xlarge": 16,
    "db.r8g.large": 16,
    "db.r8g.xlarge": 32,
}

# RDS keeps this many connections for its own superusers (rds.superuser_reserved_connections).
RESERVED_CONNECTIONS = 3


def postgres_max_connections(instance_class: str) -> int:
    """RDS for PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory/9531392, 5000).

    DBInstanceClassMemory is a little below the nominal memory (the OS keeps some); like the RDS
    documentation's own examples we take the nominal figure, which errs on the generous side by a
    few percent, and the pool check below keeps a 20 % margin.
    """
    memory_bytes = RDS_MEMORY_GIB[instance_class] * 1024**3
    return min(int(memory_bytes // 9531392), 5000)


def worst_case_connections(max_tasks: int, pool_size_per_task: int, max_percent: int) -> int:
    """Connections the app can open at once: every task at max, doubled during a rolling deploy.

    ECS runs up to max_percent % of the desired count while old and new tasks overlap, so the
    ceiling is max_tasks * max_percent / 100 tasks, each with a full pool.
    """
    peak_tasks = -(-max_tasks * max_percent // 100)
    return peak_tasks * pool_size_per_task


def proxy_connection_ceiling(max_connections: int, max_connections_percent: int) -> int:
    """The most connections RDS Proxy opens to the database: MaxConnectionsPercent of the
    instance's max_connections (RDS Proxy's connection pool settings), rounded down."""
    return max_connections * max_connections_percent // 100
