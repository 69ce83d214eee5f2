"""Instance capacities the settings checks need (memory decides PostgreSQL's connection limit)."""

from __future__ import annotations

from foundation.instance_classes import RDS_POSTGRES_CLASSES_GIB
from foundation.prices import load_price_table

# Memory (GiB) of the RDS instance classes this project may use: the real RDS for PostgreSQL
# classes of the dated list that the price table prices (the cost estimate must judge each one).
RDS_MEMORY_GIB: dict[str, float] = {
    name: memory
    for name, memory in RDS_POSTGRES_CLASSES_GIB.items()
    if load_price_table().has(f"rds.instance.{name}")
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
