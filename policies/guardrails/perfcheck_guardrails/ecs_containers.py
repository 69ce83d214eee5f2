"""ECS container hardening, judged on each task definition's `containerDefinitions`.

In pulumi-aws the container definitions are one JSON string input. It is parsed once per distinct
string (cached in the policy kit), so the eight rules below share one parse per task definition.
When the string is unknown during preview (it is built from other resources' outputs), nothing
inside it can be judged: each rule says so in a note, and judges it during the update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perfcheck_policykit import (
    InvalidJson,
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

from foundation.aws_limits import ecs_exec_problem
from foundation.containers import is_root_user

from . import credentials
from .family_rules import judge_alternatives, judge_not_true
from .input_credentials import SCANNER_CONFIG
from .type_families import (
    ECS_DAEMON,
    ECS_TASK_SET,
    EXECUTE_COMMAND,
    LOGGING,
    PRIVILEGED_MODE,
    TASK_DEFINITIONS,
    task_containers,
    with_containers,
)

TASK_RUNNERS = {
    T.ECS_SERVICE: "taskDefinition",
    ECS_TASK_SET: "taskDefinition",
    ECS_DAEMON: "daemonTaskDefinitionArn",
}
"""Types that keep tasks running, and the input naming the task definition they run."""


def _labelled(containers: Sequence[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(values.container_label(c, i), c) for i, c in enumerate(containers)]


def _field(ctx: ResourceContext, container: Mapping[str, Any], label: str, key: str) -> Any:
    value = values.get(container, key)
    if value is values.UNKNOWN:
        ctx.unknown(f"{label}.{key}")
    return value


def _check_non_root(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    for label, container in _labelled(containers):
        user = _field(ctx, container, label, "user")
        if user is values.UNKNOWN:
            continue
        if user is None:
            ctx.violation(
                f"{label}.user", "not set (the image's user, often root)", "a non-root UID"
            )
        elif not isinstance(user, str) or is_root_user(user):
            ctx.violation(f"{label}.user", values.show(user), "a non-root user, e.g. '1000:1000'")


NON_ROOT_USER = ResourceRule(
    name="ecs-container-non-root-user",
    normalises="uid read as the runtime reads it (sign, leading zeros: +0 and 00 are root)",
    description=(
        "Every container must run as a non-root user (set `user` explicitly; a numeric uid is "
        "compared as a number, so '00' is root). Only the uid decides: a group of 0 with a "
        "non-root uid is allowed, as it grants no root privileges (the OpenShift-style "
        "'<uid>:0' for group-writable image paths)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        'Set "user": "<uid>:<gid>" (e.g. "1001:1001") on every container definition, '
        "sidecars included, and build images that run as that user."
    ),
    resource_types=TASK_DEFINITIONS,
    check=with_containers(_check_non_root),
    unknowns="containerDefinitions unknown: note (the whole JSON is one value).",
    tags=["ecs", "container-hardening"],
)


def _check_read_only_root(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    for label, container in _labelled(containers):
        value = _field(ctx, container, label, "readonlyRootFilesystem")
        if value is not values.UNKNOWN and values.as_bool(value) is not True:
            ctx.violation(
                f"{label}.readonlyRootFilesystem",
                "not set (writable)" if value is None else values.show(value),
                "true",
                "Mount writable paths (e.g. /tmp, .next/cache) as task volumes.",
            )


READ_ONLY_ROOT_FS = ResourceRule(
    name="ecs-container-read-only-root-filesystem",
    description="Every container's root filesystem must be read-only.",
    severity=Severity.MEDIUM,
    remediation_steps=(
        'Set "readonlyRootFilesystem": true and give the container bind-mounted task volumes '
        "for the paths it writes (e.g. /tmp, /app/.next/cache)."
    ),
    resource_types=TASK_DEFINITIONS,
    check=with_containers(_check_read_only_root),
    unknowns="containerDefinitions unknown: note.",
    tags=["ecs", "container-hardening"],
)


def _has_health_check(container: Mapping[str, Any]) -> bool | None:
    command = values.get(container, "healthCheck", "command")
    if command is values.UNKNOWN:
        return None
    return isinstance(command, list) and len(command) > 0


def _is_essential(container: Mapping[str, Any]) -> bool | None:
    essential = values.get(container, "essential")
    if essential is values.UNKNOWN:
        return None
    return essential is None or values.as_bool(essential) is not False


def _health_check_findings(
    containers: Sequence[Mapping[str, Any]],
) -> list[tuple[str, str | None]]:
    """(label, None) for an essential container without a health check, (label, prop) for one
    that cannot be judged (unknown)."""
    found: list[tuple[str, str | None]] = []
    for label, container in _labelled(containers):
        essential = _is_essential(container)
        if essential is None:
            found.append((label, f"{label}.essential"))
            continue
        if not essential:
            continue
        has = _has_health_check(container)
        if has is None:
            found.append((label, f"{label}.healthCheck.command"))
        elif not has:
            found.append((label, None))
    return found


def run_task_definitions(ctx: StackContext, service: Any) -> list[Any] | None:
    """The task definitions a service (task set, daemon) runs, told by ARN, family[:revision]
    or property dependencies; None (and a note) when they cannot be told."""
    prop = TASK_RUNNERS[service.resource_type]
    value = ctx.get(service, prop)
    if isinstance(value, str) and not value.startswith("arn:") and ":" in value:
        value = value.rsplit(":", 1)[0]  # family:revision -> family
    refs = ctx.index.references(
        service, prop, value, list(TASK_DEFINITIONS), ("arn", "id", "family")
    )
    if refs is None:
        ctx.unknown(service, prop)
        return None
    return list(refs)


def served_task_definitions(ctx: StackContext) -> tuple[set[str], bool]:
    """URNs of the task definitions an ECS service runs, and whether every service's task
    definition could be told (by ARN, family[:revision] or property dependencies)."""
    served: set[str] = set()
    complete = True
    for service in ctx.index.of_type(*TASK_RUNNERS):
        refs = run_task_definitions(ctx, service)
        if refs is None:
            complete = False
            continue
        served.update(task.urn for task in refs)
    return served, complete


def _check_exec_on_writable_root(ctx: StackContext) -> None:
    for service in ctx.index.of_type(*EXECUTE_COMMAND):
        enabled = ctx.get(service, "enableExecuteCommand")
        if enabled is values.UNKNOWN:
            ctx.unknown(service, "enableExecuteCommand")
            continue
        if values.as_bool(enabled) is not True:
            continue
        for task in run_task_definitions(ctx, service) or ():
            try:
                containers = task_containers(task.props)
            except InvalidJson:
                continue  # the container rules report it
            if containers is values.UNKNOWN:
                ctx.unknown(task, "containerDefinitions")
                continue
            for label, container in _labelled(containers or ()):
                read_only = values.get(container, "readonlyRootFilesystem")
                if read_only is values.UNKNOWN:
                    ctx.unknown(task, f"{label}.readonlyRootFilesystem")
                    continue
                problem = ecs_exec_problem(True, values.as_bool(read_only) is True)
                if problem:
                    ctx.violation(
                        task,
                        f"{label}.readonlyRootFilesystem",
                        f"true in a task that {service.name} runs with enableExecuteCommand",
                        "false in every container of a task with ECS Exec, or ECS Exec off",
                        problem[:1].upper() + problem[1:] + ".",
                    )


ECS_EXEC_WRITABLE_ROOT = StackRule(
    name="ecs-exec-writable-root",
    description=(
        "A service with ECS Exec (enableExecuteCommand) must run a task whose containers have a "
        "writable root filesystem: AWS does not support ECS Exec on a read-only one (Amazon ECS "
        "Developer Guide, ECS Exec considerations)."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Turn ECS Exec off (perfcheck:service.execEnabled: false), or give the task a writable "
        "root (perfcheck:service.readonlyRootFilesystem: false, which "
        "ecs-container-read-only-root-filesystem then reports). Writable mounts over the SSM "
        "agent's paths are not a supported setup."
    ),
    resource_types=[*TASK_DEFINITIONS, *EXECUTE_COMMAND],
    check=_check_exec_on_writable_root,
    unknowns=(
        "enableExecuteCommand unknown: note. A service's taskDefinition is followed by ARN or "
        "family, else by property dependencies; when neither tells, a note on the service. "
        "containerDefinitions unknown: note."
    ),
    tags=["ecs", "operability"],
)


def _check_health_checks(ctx: StackContext) -> None:
    served, _ = served_task_definitions(ctx)
    for task in ctx.index.of_type(*TASK_DEFINITIONS):
        if task.urn not in served:
            continue  # a one-off task (RunTask) stops by itself: no service waits on its health
        try:
            containers = task_containers(task.props)
        except InvalidJson:
            continue  # the container rules report it
        if containers is values.UNKNOWN:
            ctx.unknown(task, "containerDefinitions")
            continue
        for label, unknown in _health_check_findings(containers or ()):
            if unknown is not None:
                ctx.unknown(task, unknown)
            else:
                ctx.violation(
                    task,
                    f"{label}.healthCheck",
                    "not set",
                    "a healthCheck command on an essential container of a service's task",
                )


ESSENTIAL_HEALTH_CHECK = StackRule(
    name="ecs-essential-container-health-check",
    description=(
        "Every essential container of a task definition an ECS service runs must define a "
        "health check (followed from each service's taskDefinition); one-off tasks (RunTask "
        "jobs such as a migration) are not services and need none."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        'Add "healthCheck": {"command": ["CMD-SHELL", "<probe> || exit 1"], '
        '"interval": 15, "timeout": 5, "retries": 3, "startPeriod": 30}.'
    ),
    resource_types=[*TASK_DEFINITIONS, *TASK_RUNNERS],
    check=_check_health_checks,
    unknowns=(
        "A service's taskDefinition is followed by ARN or family, else by property "
        "dependencies; when neither tells, a note on the service. containerDefinitions "
        "unknown: note."
    ),
    tags=["ecs", "reliability"],
)


def _check_depends_on(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    by_name = {c.get("name"): c for c in containers if isinstance(c.get("name"), str)}
    for label, container in _labelled(containers):
        dependencies = values.items(container, "dependsOn")
        if dependencies is values.UNKNOWN:
            ctx.unknown(f"{label}.dependsOn")
            continue
        for dependency in dependencies:
            condition = values.get(dependency, "condition")
            target = values.get(dependency, "containerName")
            if condition is values.UNKNOWN or target is values.UNKNOWN:
                ctx.unknown(f"{label}.dependsOn")
                continue
            if values.enum(condition) != "HEALTHY":
                continue
            other = by_name.get(target)
            if other is None:
                ctx.violation(
                    f"{label}.dependsOn[{target}]",
                    "HEALTHY on a container not in this task",
                    "a container of the same task definition",
                )
                continue
            has = _has_health_check(other)
            if has is None:
                ctx.unknown(f"containerDefinitions[{target}].healthCheck.command")
            elif not has:
                ctx.violation(
                    f"{label}.dependsOn[{target}]",
                    f"condition HEALTHY on '{target}', which has no healthCheck",
                    "HEALTHY only on containers that define a healthCheck (else START)",
                )


DEPENDS_ON_HEALTHY = ResourceRule(
    name="ecs-depends-on-healthy-has-health-check",
    description=(
        "A dependsOn condition HEALTHY must name a container of the same task that defines a "
        "health check (otherwise the task never starts)."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Add a healthCheck to the container depended on, or use condition START for it."
    ),
    resource_types=TASK_DEFINITIONS,
    check=with_containers(_check_depends_on),
    unknowns="containerDefinitions unknown: note.",
    tags=["ecs", "reliability"],
)


def _check_logging(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    for label, container in _labelled(containers):
        driver = values.get(container, "logConfiguration", "logDriver")
        if driver is values.UNKNOWN:
            ctx.unknown(f"{label}.logConfiguration")
        elif not isinstance(driver, str) or not driver:
            ctx.violation(
                f"{label}.logConfiguration",
                "not set",
                "a logConfiguration (e.g. awslogs to a CloudWatch log group)",
            )
        elif driver.strip().lower() == "awslogs":
            create = values.get(container, "logConfiguration", "options", "awslogs-create-group")
            if values.as_bool(create) is True:
                ctx.violation(
                    f"{label}.logConfiguration.options[awslogs-create-group]",
                    "true (the ECS agent creates the log group at run time, outside the stack: "
                    "no retention, no KMS key, never deleted)",
                    "a log group of this stack (aws.cloudwatch.LogGroup) named in awslogs-group",
                )


_check_container_logging = with_containers(_check_logging)


def _check_workload_logging(ctx: ResourceContext) -> None:
    """Task definitions by their containers; other workloads (LOGGING) by their log switches."""
    settings = LOGGING.get(ctx.type)
    if settings is None:
        _check_container_logging(ctx)
        return
    judge_alternatives(
        ctx,
        settings,
        " or ".join(f"{'.'.join(s.path)} ENABLED" for s in settings),
        "A run whose output goes nowhere leaves nothing to investigate.",
    )


CONTAINER_LOGGING = ResourceRule(
    name="ecs-container-logging",
    description=(
        "Every container, sidecars included, must send its logs somewhere (logConfiguration), "
        "to a log group the stack manages (not one the ECS agent creates at run time with "
        "awslogs-create-group); a build project (CodeBuild) must keep CloudWatch or S3 logs on."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        'Add "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": '
        '..., "awslogs-region": ..., "awslogs-stream-prefix": "<container>"}}.'
    ),
    resource_types=(*TASK_DEFINITIONS, *LOGGING),
    check=_check_workload_logging,
    unknowns="containerDefinitions unknown: note.",
    tags=["ecs", "observability"],
)


HOST_PATHS = (
    "/",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run",
    "/run",
    "/var/lib/docker",
    "/run/containerd",
    "/var/run/containerd",
    "/var/run/crio",
    "/proc",
    "/sys",
    "/dev",
    "/etc",
    "/root",
    "/boot",
    "/var/lib/kubelet",
    "/var/lib/ecs",
    "/etc/ecs",
)
_UNCONFINED = ("seccomp:unconfined", "apparmor:unconfined", "label:disable", "label=disable")


def _capability(name: Any) -> str:
    """'cap_sys_admin', 'SYS_ADMIN', ' Sys_Admin ' -> 'SYS_ADMIN' (the runtime's reading)."""
    text = str(name).strip().upper()
    return text[4:] if text.startswith("CAP_") else text


def _host_volumes(ctx: ResourceContext) -> dict[str, str]:
    """Task volumes bound to a sensitive host path: volume name -> host path."""
    found: dict[str, str] = {}
    volumes = ctx.items("volumes")
    if volumes is values.UNKNOWN:
        ctx.unknown("volumes")
        return found
    for volume in volumes:
        path = values.get(volume, "hostPath")
        name = values.get(volume, "name")
        if not isinstance(path, str) or not isinstance(name, str):
            continue
        normalized = "/" + path.strip().strip("/")
        if any(
            normalized == p or (p != "/" and normalized.startswith(p + "/")) for p in HOST_PATHS
        ):
            found[name] = normalized
    return found


def _check_privileged(ctx: ResourceContext, containers: Sequence[Mapping[str, Any]]) -> None:
    allowed = {_capability(c) for c in config_list(ctx.config, "allowedCapabilities")}
    host_volumes = _host_volumes(ctx)
    for key in ("pidMode", "ipcMode"):
        mode = ctx.get(key)
        if mode is values.UNKNOWN:
            ctx.unknown(key)
        elif values.lower(mode) == "host":
            ctx.violation(key, "'host' (the host's processes / shared memory)", "'task' or not set")
    for label, container in _labelled(containers):
        value = _field(ctx, container, label, "privileged")
        if value is not values.UNKNOWN and values.as_bool(value) is True:
            ctx.violation(f"{label}.privileged", "true", "false or not set")
        added = values.items(container, "linuxParameters", "capabilities", "add")
        for capability in added if isinstance(added, list) else ():
            name = _capability(capability)
            if name not in allowed:
                ctx.violation(
                    f"{label}.linuxParameters.capabilities.add",
                    f"'{name}' added",
                    "no added Linux capability ("
                    + (", ".join(sorted(allowed)) or "none")
                    + " allowed); drop ALL instead",
                )
        devices = values.items(container, "linuxParameters", "devices")
        if isinstance(devices, list) and devices:
            ctx.violation(
                f"{label}.linuxParameters.devices",
                f"{len(devices)} host device(s) mapped",
                "no host devices",
            )
        for option in values.items(container, "dockerSecurityOptions") or ():
            if isinstance(option, str) and option.strip().lower().replace(" ", "") in _UNCONFINED:
                ctx.violation(
                    f"{label}.dockerSecurityOptions",
                    values.show(option),
                    "the runtime's default seccomp/AppArmor/SELinux confinement",
                )
        for mount in values.items(container, "mountPoints") or ():
            source = values.get(mount, "sourceVolume")
            if isinstance(source, str) and source in host_volumes:
                ctx.violation(
                    f"{label}.mountPoints[{source}]",
                    f"host path {host_volumes[source]} mounted (the Docker socket or the host's "
                    "system directories give root on the host)",
                    "no sensitive host path in a container",
                )


_check_container_privileges = with_containers(_check_privileged)


def _check_privileges(ctx: ResourceContext) -> None:
    """Task definitions by their containers; build environments by their privileged mode."""
    path = PRIVILEGED_MODE.get(ctx.type)
    if path is None:
        _check_container_privileges(ctx)
        return
    judge_not_true(
        ctx,
        path,
        "true (the build's container is privileged: root over the host's Docker daemon)",
        "false or not set; build images with an unprivileged builder (kaniko, buildah)",
    )


NOT_PRIVILEGED = ResourceRule(
    name="ecs-container-not-privileged",
    normalises=(
        "capability names any case, with or without CAP_; host paths without trailing slashes"
    ),
    description=(
        "No container may run privileged or with what is as dangerous: added Linux capabilities "
        "(SYS_ADMIN, NET_ADMIN, ALL, ...; names read as the runtime does, any case, with or "
        "without CAP_), host devices, unconfined seccomp/AppArmor, a mounted Docker socket or "
        "host system directory, or the host's PID/IPC namespace; nor a build project "
        "(CodeBuild environment.privilegedMode)."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        'Remove "privileged": true, linuxParameters.capabilities.add and devices; set '
        'linuxParameters.capabilities.drop ["ALL"]; never mount /var/run/docker.sock or host '
        "system paths; leave pidMode/ipcMode unset."
    ),
    resource_types=(*TASK_DEFINITIONS, *PRIVILEGED_MODE),
    check=_check_privileges,
    unknowns="containerDefinitions, volumes, pidMode or ipcMode unknown: note.",
    config_properties={
        "allowedCapabilities": schema.string_list(
            "Linux capabilities a container may add (without CAP_).", ()
        )
    },
    tags=["ecs", "container-hardening"],
)

NO_CREDENTIALS_IN_ENVIRONMENT = ResourceRule(
    name="ecs-no-credentials-in-environment",
    normalises=(
        "setting names canonicalised (upper case, '-' and '.' as '_'); command words joined "
        "and read for assignments, connection strings and token formats"
    ),
    description=(
        "Credentials must reach containers through `secrets` (Secrets Manager), never as plain "
        "text anywhere in the container definition (visible in the console, the API and "
        "CloudTrail): environment entries, command, entryPoint, health-check commands, Docker "
        "labels, log and FireLens options and every other string are read, by name and value "
        "shape, for assignments, connection strings (URL, key=value, JDBC, JSON) and well-known "
        "token formats. ARNs, variable references, NEXT_PUBLIC_* names and settings whose value "
        "has the shape their name announces (TOKEN_TTL=3600, AUTH_URL=https://...) pass."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Store the value in aws.secretsmanager.Secret and list it under the container's "
        '"secrets": [{"name": "DB_PASSWORD", "valueFrom": "<secret ARN>:password::"}]; a '
        "command reads it from that variable ($DB_PASSWORD), never from a literal."
    ),
    resource_types=TASK_DEFINITIONS,
    check=with_containers(credentials.check),
    unknowns="containerDefinitions unknown: note. Values are inspected but never echoed.",
    config_properties=SCANNER_CONFIG,
    tags=["ecs", "secrets"],
)
