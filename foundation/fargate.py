"""The task sizes Fargate accepts (Linux), so a bad pair fails before any resource is registered.

Source: the ECS developer guide, "Task CPU and memory" (Fargate). CPU in CPU units, memory in MiB.
"""

from __future__ import annotations

# cpu -> (lowest memory, highest memory, step)
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),  # 512, 1024, 2048 (1536 is not offered; handled below)
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


def allowed_memory(cpu: int) -> list[int]:
    """Every memory size (MiB) Fargate accepts with this CPU; empty for an unknown CPU value."""
    if cpu == 256:
        return [512, 1024, 2048]
    if cpu not in FARGATE_MEMORY_BY_CPU:
        return []
    low, high, step = FARGATE_MEMORY_BY_CPU[cpu]
    return list(range(low, high + 1, step))


def fargate_size_problem(cpu: int, memory: int) -> str | None:
    """Why Fargate would refuse this CPU/memory pair, or None when it accepts it."""
    if cpu not in FARGATE_MEMORY_BY_CPU:
        cpus = ", ".join(str(c) for c in FARGATE_MEMORY_BY_CPU)
        return f"cpu {cpu} is not a Fargate task size; allowed: {cpus}"
    memories = allowed_memory(cpu)
    if memory not in memories:
        low, high, step = FARGATE_MEMORY_BY_CPU[cpu]
        span = "512, 1024 or 2048" if cpu == 256 else f"{low}-{high} in steps of {step}"
        return f"memory {memory} MiB does not fit cpu {cpu}; Fargate allows {span} MiB"
    return None


def parse_task_cpu(value: object) -> int | None:
    """CPU units from a task `cpu` input ("256", 256, "1 vCPU", "0.5 vcpu"); None if unreadable.

    ECS accepts an integer of CPU units or a string with "vCPU" (RegisterTaskDefinition, `cpu`).
    """
    return _parse_units(value, "vcpu")


def parse_task_memory(value: object) -> int | None:
    """MiB from a task-level `memory` input ("512", 512, "2 GB", "2gb"); None if unreadable.

    ECS accepts an integer of MiB or a string with "GB" (RegisterTaskDefinition, `memory`).
    """
    return _parse_units(value, "gb")


def _parse_units(value: object, unit: str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace(" ", "")
    scale = 1
    if text.endswith(unit):
        text, scale = text[: -len(unit)], 1024
    try:
        number = float(text)
    except ValueError:
        return None
    result = number * scale
    return int(result) if result.is_integer() and result > 0 else None
