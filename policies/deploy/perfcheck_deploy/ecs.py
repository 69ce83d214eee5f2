"""ECS task definitions: what RegisterTaskDefinition would refuse, or accept into a task that fails.

`containerDefinitions` is a JSON string on `aws:ecs/taskDefinition:TaskDefinition`. Each container
is validated against botocore's `ContainerDefinition` shape (types, enums, required members,
unknown keys, ranges). The provider decodes that JSON into the AWS SDK's structs, which drop keys
they do not know, so a misspelt key is silently lost rather than rejected: we report it.

Rules the model's types cannot express are quoted from the member documentation in the same
botocore model (container name, health check ranges, dependsOn conditions, stopTimeout on
Fargate, port mapping names, hostPort in awsvpc) or, where noted, the Fargate developer guide.
tests/deploycheck/test_deploycheck_fidelity.py checks the numbers against that documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from foundation.containers import InvalidJson, NotJson, dropped_keys, parse_containers
from foundation.fargate import fargate_size_problem, parse_task_cpu, parse_task_memory
from foundation.records import ResourceRecord
from foundation.stackmodel import UNKNOWN_WIRE as UNKNOWN
from perfcheck_deploy.awsmodels import input_member, operation, validate_shape
from perfcheck_deploy.findings import Finding, finding, not_known
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, as_int, is_unknown

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"

JSON_ID = describe(
    "ecs-container-definitions-json",
    "containerDefinitions is a JSON string holding a non-empty list of container objects",
)
SHAPE_ID = describe(
    "ecs-container-definition-shape",
    "each container matches botocore's ECS ContainerDefinition shape "
    "(types, enums, required members, unknown keys, ranges)",
)
TASK_SHAPE_ID = describe(
    "ecs-task-definition-shape",
    "task-level enums (networkMode, requiresCompatibilities, pidMode, ipcMode, runtimePlatform) "
    "match RegisterTaskDefinition",
)
CONTAINER_RULES_ID = describe(
    "ecs-container-rules",
    "container names and images present, names valid and unique, one essential container, "
    "health check ranges and command form, memoryReservation within memory",
)
FARGATE_SIZE_ID = describe(
    "ecs-fargate-size", "task cpu/memory form a Fargate size and containers fit inside it"
)
FARGATE_COMPAT_ID = describe(
    "ecs-fargate-compatibility",
    "FARGATE tasks use awsvpc and no feature Fargate lacks (privileged, links, devices, "
    "host ports that differ, unsupported log drivers, stopTimeout > 120)",
)
DEPENDS_ON_ID = describe(
    "ecs-depends-on",
    "dependsOn targets exist, form no cycle, HEALTHY targets have a healthCheck, "
    "essential containers are not waited on with COMPLETE/SUCCESS",
)
PORTS_ID = describe(
    "ecs-port-mappings",
    "port mappings unique per task (awsvpc); port mapping names valid and unique",
)

# ContainerDefinition.name: "Up to 255 letters (uppercase and lowercase), numbers, underscores,
# and hyphens are allowed."
CONTAINER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
# HealthCheck.interval/timeout/retries/startPeriod: "You may specify between N and M ...".
HEALTH_CHECK_RANGES = {
    "interval": (5, 300),
    "timeout": (2, 60),
    "retries": (1, 10),
    "startPeriod": (0, 300),
}
HEALTH_CHECK_FORMS = ("CMD", "CMD-SHELL")
# Fargate developer guide, "Task definition considerations": log drivers Fargate supports.
FARGATE_LOG_DRIVERS = ("awslogs", "splunk", "awsfirelens")
# ContainerDefinition.stopTimeout: "For tasks that use the Fargate launch type, the max stop
# timeout value is 120 seconds".
FARGATE_MAX_STOP_TIMEOUT = 120
# ContainerDependency.condition: COMPLETE and SUCCESS "can't be set on an essential container".
EXIT_CONDITIONS = ("COMPLETE", "SUCCESS")
# PortMapping.name: "up to 64 characters ... lowercase letters, numbers, underscores (_), and
# hyphens (-). The name can't start with a hyphen."
PORT_MAPPING_NAME = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,63}$")

TASK_LEVEL_MEMBERS = (
    "networkMode",
    "requiresCompatibilities",
    "pidMode",
    "ipcMode",
    "runtimePlatform",
)


def _container_shape() -> Any:
    return input_member("ecs", "RegisterTaskDefinition", "containerDefinitions").member


def _containers(
    record: ResourceRecord, inputs: Mapping[str, Any]
) -> tuple[list[dict[str, Any]] | None, list[Finding]]:
    """The parsed container list, or None with the findings that say why it cannot be read."""
    raw = inputs.get("containerDefinitions")
    if raw is None:
        return None, [
            finding(
                JSON_ID,
                record,
                "containerDefinitions",
                "ClientException: containerDefinitions is required.",
                "Pass the containers as a JSON string (json.dumps of a list of container objects).",
            )
        ]
    if raw == UNKNOWN:  # the whole string is computed at deployment: judged at the update
        return None, [not_known(JSON_ID, record, "containerDefinitions")]
    if not isinstance(raw, str):
        return None, [
            finding(
                JSON_ID,
                record,
                "containerDefinitions",
                "The provider expects a JSON string here, got a structured value.",
                "Serialise the list with json.dumps (inside .apply when it holds Outputs).",
            )
        ]
    try:
        parsed = parse_containers(raw)
    except NotJson as error:
        return None, [
            finding(
                JSON_ID,
                record,
                "containerDefinitions",
                f"ECS Task Definition container_definitions is invalid: {error}.",
                "Build the string with json.dumps instead of by hand.",
            )
        ]
    except InvalidJson:
        parsed = None
    if not parsed or parsed is UNKNOWN:
        return None, [
            finding(
                JSON_ID,
                record,
                "containerDefinitions",
                "ClientException: containerDefinitions must be a non-empty list of containers.",
                "Serialise a list of container definitions, one object per container.",
            )
        ]
    return parsed, [_dropped(record, raw, path) for path in dropped_keys(raw)]


def _dropped(record: ResourceRecord, raw: str, path: str) -> Finding:
    position = int(path.split("[", 1)[1].split("]", 1)[0])
    containers = parse_containers(raw)
    return finding(
        SHAPE_ID,
        record,
        path,
        f"{_label(containers, position)}: {path} is not a member of ContainerDefinition (in any "
        "case); the provider drops keys the ECS API does not know, so this setting never "
        "reaches AWS.",
        "Spell the key as the ECS ContainerDefinition API does (camelCase).",
    )


def _label(containers: list[dict[str, Any]], index: int) -> str:
    name = containers[index].get("name")
    return f"container '{name}'" if isinstance(name, str) else f"container #{index}"


def _is_fargate(inputs: Mapping[str, Any]) -> bool:
    compat = inputs.get("requiresCompatibilities")
    return isinstance(compat, list) and "FARGATE" in compat


@checks(TASK_DEFINITION)
def check_task_definition(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    yield from _task_level_shape(record, inputs)
    containers, problems = _containers(record, inputs)
    yield from problems
    if containers is None:
        yield from _task_size(record, inputs, [])
        return
    yield from _container_shapes(record, containers)
    yield from _container_rules(record, containers)
    yield from _task_size(record, inputs, containers)
    if _is_fargate(inputs):
        yield from _fargate_compatibility(record, inputs, containers)
    yield from _depends_on(record, containers)
    yield from _port_mappings(record, inputs, containers)


def _task_level_shape(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    shape = operation("ecs", "RegisterTaskDefinition").input_shape
    assert shape is not None
    for member in TASK_LEVEL_MEMBERS:
        value = inputs.get(member)
        if value is None or is_unknown(value):
            continue
        for problem in validate_shape(value, shape.members[member], member):
            yield finding(
                TASK_SHAPE_ID,
                record,
                problem.path,
                f"ClientException: {problem.path} {problem.message}.",
                "Use a value from the RegisterTaskDefinition API model.",
            )


def _container_shapes(
    record: ResourceRecord, containers: list[dict[str, Any]]
) -> Iterator[Finding]:
    """Types, enums, required members and ranges of the decoded containers (keys the provider
    drops are reported by `_containers`)."""
    shape = _container_shape()
    for position, container in enumerate(containers):
        for problem in validate_shape(container, shape, f"containerDefinitions[{position}]"):
            yield finding(
                SHAPE_ID,
                record,
                problem.path,
                f"ClientException: {_label(containers, position)}: {problem.path} "
                f"{problem.message}.",
                "Give the value the type and range the ECS ContainerDefinition model requires.",
            )


def _container_rules(record: ResourceRecord, containers: list[dict[str, Any]]) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for position, container in enumerate(containers):
        path = f"containerDefinitions[{position}]"
        label = _label(containers, position)
        name = container.get("name")
        if is_unknown(name):
            pass  # computed at deployment: nothing to judge
        elif not isinstance(name, str) or not name:
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.name",
                "ClientException: Container.name should not be null or empty.",
                "Give every container a name.",
            )
        elif not CONTAINER_NAME.match(name):
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.name",
                f"ClientException: {label}: a name may hold up to 255 letters, numbers, "
                "underscores and hyphens.",
                "Rename the container with only those characters.",
            )
        elif name in seen:
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.name",
                f"ClientException: duplicate container name '{name}' "
                f"(also containerDefinitions[{seen[name]}]).",
                "Give each container a unique name.",
            )
        else:
            seen[name] = position
        image = container.get("image")
        if image is None or (isinstance(image, str) and not image.strip()):
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.image",
                f"ClientException: {label}: Container.image should not be null or empty.",
                "Set the image (repository URI with a tag or digest).",
            )
        yield from _health_check(record, path, label, container.get("healthCheck"))
        memory, reservation = (
            as_int(container.get("memory")),
            as_int(container.get("memoryReservation")),
        )
        if memory is not None and reservation is not None and reservation > memory:
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.memoryReservation",
                f"ClientException: {label}: memoryReservation ({reservation} MiB) must be "
                f"less than or equal to memory ({memory} MiB).",
                "Lower memoryReservation or raise the container's memory limit.",
            )
    if not any(c.get("essential", True) is not False for c in containers):
        yield finding(
            CONTAINER_RULES_ID,
            record,
            "containerDefinitions",
            "ClientException: a task definition needs at least one essential container.",
            "Leave essential unset (it defaults to true) on the main container.",
        )


def _health_check(record: ResourceRecord, path: str, label: str, health: Any) -> Iterator[Finding]:
    if not isinstance(health, dict):
        return
    for key, (low, high) in HEALTH_CHECK_RANGES.items():
        value = health.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.healthCheck.{key}",
                f"ClientException: {label}: healthCheck.{key} {value} is outside {low}-{high}.",
                f"Choose a {key} between {low} and {high}.",
            )
    command = health.get("command")
    if (
        isinstance(command, list)
        and command
        and isinstance(command[0], str)
        and not is_unknown(command[0])
    ):
        if command[0] not in HEALTH_CHECK_FORMS:
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.healthCheck.command[0]",
                f"{label}: a health check command must start with CMD or CMD-SHELL; "
                f"'{command[0]}' makes every check fail and the service never becomes healthy.",
                'Write ["CMD", "/bin/check", ...] or ["CMD-SHELL", "curl -f ... || exit 1"].',
            )
        elif len(command) < 2:
            yield finding(
                CONTAINER_RULES_ID,
                record,
                f"{path}.healthCheck.command",
                f"{label}: the health check command has nothing to run after {command[0]}.",
                "Add the command to run after CMD or CMD-SHELL.",
            )


def _task_size(
    record: ResourceRecord, inputs: Mapping[str, Any], containers: list[dict[str, Any]]
) -> Iterator[Finding]:
    raw_cpu, raw_memory = inputs.get("cpu"), inputs.get("memory")
    if is_unknown(raw_cpu) or is_unknown(raw_memory):
        return
    fargate = _is_fargate(inputs)
    if fargate and (raw_cpu is None or raw_memory is None):
        missing = [k for k, v in (("cpu", raw_cpu), ("memory", raw_memory)) if v is None]
        yield finding(
            FARGATE_SIZE_ID,
            record,
            "/".join(missing),
            f"ClientException: Fargate requires that {' and '.join(missing)} be defined at the "
            "task level.",
            "Set task-level cpu and memory (strings, e.g. cpu='512', memory='1024').",
        )
        return
    cpu = parse_task_cpu(raw_cpu) if raw_cpu is not None else None
    memory = parse_task_memory(raw_memory) if raw_memory is not None else None
    for key, raw, parsed in (("cpu", raw_cpu, cpu), ("memory", raw_memory, memory)):
        if raw is not None and parsed is None:
            yield finding(
                FARGATE_SIZE_ID,
                record,
                key,
                f"ClientException: task {key} '{raw}' is not a number of "
                f"{'CPU units or vCPU' if key == 'cpu' else 'MiB or GB'}.",
                "Write it as a number string, e.g. '512'.",
            )
    if fargate and cpu is not None and memory is not None:
        problem = fargate_size_problem(cpu, memory)
        if problem is not None:
            yield finding(
                FARGATE_SIZE_ID,
                record,
                "cpu/memory",
                f"ClientException: No Fargate configuration exists for given values: {problem}.",
                "Pick a cpu/memory pair from the Fargate task size table.",
            )
    total_cpu = sum(as_int(c.get("cpu")) or 0 for c in containers)
    if cpu is not None and total_cpu > cpu:
        yield finding(
            FARGATE_SIZE_ID,
            record,
            "containerDefinitions[*].cpu",
            f"ClientException: the containers reserve {total_cpu} CPU units, more than the "
            f"task's {cpu}.",
            "Lower the containers' cpu or raise the task cpu.",
        )
    total_memory = sum(
        as_int(c.get("memory")) or as_int(c.get("memoryReservation")) or 0 for c in containers
    )
    if memory is not None and total_memory > memory:
        yield finding(
            FARGATE_SIZE_ID,
            record,
            "containerDefinitions[*].memory",
            f"ClientException: the containers' memory adds up to {total_memory} MiB, more than "
            f"the task's {memory} MiB.",
            "Lower the containers' memory or raise the task memory.",
        )


def _fargate_compatibility(
    record: ResourceRecord, inputs: Mapping[str, Any], containers: list[dict[str, Any]]
) -> Iterator[Finding]:
    network_mode = inputs.get("networkMode")
    if is_unknown(network_mode):
        yield not_known(FARGATE_COMPAT_ID, record, "networkMode")
    elif network_mode != "awsvpc":
        yield finding(
            FARGATE_COMPAT_ID,
            record,
            "networkMode",
            f"ClientException: Fargate only supports network mode 'awsvpc' (got {network_mode!r}).",
            "Set networkMode='awsvpc'.",
        )
    for position, container in enumerate(containers):
        path = f"containerDefinitions[{position}]"
        label = _label(containers, position)
        if container.get("privileged") is True:
            yield finding(
                FARGATE_COMPAT_ID,
                record,
                f"{path}.privileged",
                f"ClientException: {label}: privileged containers are not supported on Fargate.",
                "Remove privileged; grant specific capabilities through linuxParameters instead.",
            )
        if container.get("links"):
            yield finding(
                FARGATE_COMPAT_ID,
                record,
                f"{path}.links",
                f"ClientException: {label}: links are not supported with network mode awsvpc.",
                "Remove links; containers of one task reach each other on localhost.",
            )
        linux = container.get("linuxParameters")
        if isinstance(linux, dict) and linux.get("devices"):
            yield finding(
                FARGATE_COMPAT_ID,
                record,
                f"{path}.linuxParameters.devices",
                f"ClientException: {label}: devices are not supported on Fargate.",
                "Remove linuxParameters.devices.",
            )
        log = container.get("logConfiguration")
        driver = log.get("logDriver") if isinstance(log, dict) else None
        if is_unknown(driver):
            yield not_known(FARGATE_COMPAT_ID, record, f"{path}.logConfiguration.logDriver")
        elif isinstance(driver, str) and driver not in FARGATE_LOG_DRIVERS:
            yield finding(
                FARGATE_COMPAT_ID,
                record,
                f"{path}.logConfiguration.logDriver",
                f"ClientException: {label}: log driver '{driver}' is not supported on Fargate "
                f"(supported: {', '.join(FARGATE_LOG_DRIVERS)}).",
                "Use awslogs, or awsfirelens with a FireLens sidecar.",
            )
        stop = as_int(container.get("stopTimeout"))
        if stop is not None and stop > FARGATE_MAX_STOP_TIMEOUT:
            yield finding(
                FARGATE_COMPAT_ID,
                record,
                f"{path}.stopTimeout",
                f"ClientException: {label}: stopTimeout {stop} exceeds Fargate's maximum of "
                f"{FARGATE_MAX_STOP_TIMEOUT} seconds.",
                f"Set stopTimeout to at most {FARGATE_MAX_STOP_TIMEOUT}.",
            )
        mappings = container.get("portMappings") or []
        if not isinstance(mappings, list):  # the shape check reports anything but unknown
            if is_unknown(mappings):
                yield not_known(FARGATE_COMPAT_ID, record, f"{path}.portMappings")
            continue
        for port_index, mapping in enumerate(mappings):
            if not isinstance(mapping, dict):
                continue
            host, port = mapping.get("hostPort"), mapping.get("containerPort")
            if host is None or port is None:
                continue
            if is_unknown(host) or is_unknown(port):
                yield not_known(FARGATE_COMPAT_ID, record, f"{path}.portMappings[{port_index}]")
            elif host != port:
                yield finding(
                    FARGATE_COMPAT_ID,
                    record,
                    f"{path}.portMappings[{port_index}].hostPort",
                    f"ClientException: {label}: when networkMode=awsvpc, the host ports must "
                    f"either be undefined or match the container port ({host} != {port}).",
                    "Drop hostPort or make it equal to containerPort.",
                )


def _depends_on(record: ResourceRecord, containers: list[dict[str, Any]]) -> Iterator[Finding]:
    by_name = {
        c["name"]: c
        for c in containers
        if isinstance(c.get("name"), str) and not is_unknown(c["name"])
    }
    all_names_known = not any(is_unknown(c.get("name")) for c in containers)
    edges: dict[str, list[str]] = {}
    for position, container in enumerate(containers):
        name = container.get("name")
        label = _label(containers, position)
        for dep_index, dependency in enumerate(container.get("dependsOn") or []):
            if not isinstance(dependency, dict):
                continue
            path = f"containerDefinitions[{position}].dependsOn[{dep_index}]"
            target, condition = dependency.get("containerName"), dependency.get("condition")
            if not isinstance(target, str) or is_unknown(target) or is_unknown(condition):
                continue
            if target not in by_name:
                if not all_names_known:
                    continue  # it may be the container whose name is computed at deployment
                yield finding(
                    DEPENDS_ON_ID,
                    record,
                    f"{path}.containerName",
                    f"ClientException: {label} depends on '{target}', which is not a container "
                    "of this task definition.",
                    f"Name one of: {', '.join(sorted(by_name))}.",
                )
                continue
            if target == name:
                yield finding(
                    DEPENDS_ON_ID,
                    record,
                    f"{path}.containerName",
                    f"ClientException: {label} depends on itself.",
                    "Remove the self-dependency.",
                )
                continue
            if isinstance(name, str):
                edges.setdefault(name, []).append(target)
            target_container = by_name[target]
            if condition == "HEALTHY" and not isinstance(target_container.get("healthCheck"), dict):
                yield finding(
                    DEPENDS_ON_ID,
                    record,
                    f"{path}.condition",
                    f"ClientException: {label} waits for '{target}' to be HEALTHY, but '{target}' "
                    "has no healthCheck, so it never becomes healthy.",
                    f"Add a healthCheck to '{target}' or use condition START.",
                )
            if (
                condition in EXIT_CONDITIONS
                and target_container.get("essential", True) is not False
            ):
                yield finding(
                    DEPENDS_ON_ID,
                    record,
                    f"{path}.condition",
                    f"ClientException: {label} waits for '{target}' to {condition}, but "
                    f"'{target}' is essential (essential defaults to true); an essential "
                    "container cannot be the target of COMPLETE or SUCCESS.",
                    f"Set essential=false on '{target}' or wait for START/HEALTHY instead.",
                )
    cycle = _find_cycle(edges)
    if cycle:
        yield finding(
            DEPENDS_ON_ID,
            record,
            "containerDefinitions[*].dependsOn",
            f"ClientException: container dependencies form a cycle: {' -> '.join(cycle)}; "
            "no container in it could ever start.",
            "Break the cycle so that dependencies point one way only.",
        )


def _find_cycle(edges: dict[str, list[str]]) -> list[str]:
    """One dependency cycle as a path (first node repeated at the end), or [] when none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def _port_mappings(
    record: ResourceRecord, inputs: Mapping[str, Any], containers: list[dict[str, Any]]
) -> Iterator[Finding]:
    shared_namespace = inputs.get("networkMode") in ("awsvpc", "host") or _is_fargate(inputs)
    ports: dict[tuple[Any, ...], str] = {}
    names: dict[str, str] = {}
    for position, container in enumerate(containers):
        label = _label(containers, position)
        for port_index, mapping in enumerate(container.get("portMappings") or []):
            if not isinstance(mapping, dict):
                continue
            path = f"containerDefinitions[{position}].portMappings[{port_index}]"
            port = mapping.get("containerPort")
            protocol = mapping.get("protocol", "tcp")
            if port is not None and not is_unknown(port):
                scope: tuple[Any, ...] = () if shared_namespace else (position,)
                key = (*scope, port, protocol)
                if key in ports:
                    yield finding(
                        PORTS_ID,
                        record,
                        f"{path}.containerPort",
                        f"{label} maps {protocol} port {port}, already mapped by {ports[key]}; "
                        "containers of an awsvpc task share one network namespace (hostPort = "
                        "containerPort), so the second cannot bind and the task never starts.",
                        "Give each container its own port.",
                    )
                else:
                    ports[key] = label
            name = mapping.get("name")
            if not isinstance(name, str) or is_unknown(name):
                name = None
            if name is not None and not PORT_MAPPING_NAME.match(name):
                yield finding(
                    PORTS_ID,
                    record,
                    f"{path}.name",
                    f"ClientException: {label}: port mapping name '{name}' may have up to 64 "
                    "lowercase letters, numbers, underscores and hyphens, not starting with a "
                    "hyphen.",
                    "Rename the port mapping, e.g. 'nextjs-http'.",
                )
            if isinstance(name, str):
                if name in names:
                    yield finding(
                        PORTS_ID,
                        record,
                        f"{path}.name",
                        f"port mapping name '{name}' is used twice ({names[name]} and {label}); "
                        "Service Connect and VPC Lattice address ports by these names, so they "
                        "must be unique in a task definition.",
                        "Give each port mapping a unique name.",
                    )
                else:
                    names[name] = label
