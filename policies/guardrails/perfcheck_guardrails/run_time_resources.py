"""Resources AWS creates at run time from the settings of others, judged through those settings.

No rule sees them as resources: the EBS volume ECS attaches to each task of a service
(`volumeConfiguration.managedEbsVolume`), and the log group Lambda creates on first write
(`/aws/lambda/<function>`, never expiring, without a KMS key, outside the stack). They are judged
on the resource whose settings make them.
"""

from __future__ import annotations

from perfcheck_policykit import ResourceContext, ResourceRule, StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity

LAMBDA_FUNCTION = "aws:lambda/function:Function"


def _check_managed_ebs(ctx: ResourceContext) -> None:
    volume = ctx.get("volumeConfiguration", "managedEbsVolume")
    if volume is values.UNKNOWN:
        ctx.unknown("volumeConfiguration.managedEbsVolume")
        return
    if volume is None:
        return  # no volume made for the tasks
    encrypted = values.get(volume, "encrypted")
    if encrypted is values.UNKNOWN:
        ctx.unknown("volumeConfiguration.managedEbsVolume.encrypted")
    elif values.as_bool(encrypted) is not True:
        ctx.violation(
            "volumeConfiguration.managedEbsVolume.encrypted",
            "not set (unencrypted unless the account default is on)"
            if encrypted is None
            else values.show(encrypted),
            "true",
            "ECS creates one EBS volume per task from this setting; no rule sees the volume.",
        )


ECS_MANAGED_EBS_ENCRYPTED = ResourceRule(
    name="ecs-managed-ebs-volume-encrypted",
    description=(
        "The EBS volumes ECS creates for a service's tasks (volumeConfiguration."
        "managedEbsVolume) must be encrypted: they exist only at run time, so they are judged "
        "on the service."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set volume_configuration.managed_ebs_volume.encrypted=True (and kms_key_id for a CMK)."
    ),
    resource_types=[T.ECS_SERVICE],
    check=_check_managed_ebs,
    unknowns="The volume configuration or its encrypted flag unknown: note.",
    tags=["encryption-at-rest", "ecs", "run-time-resources"],
)


def _check_lambda_log_groups(ctx: StackContext) -> None:
    for function in ctx.index.of_type(LAMBDA_FUNCTION):
        configured = ctx.get(function, "loggingConfig", "logGroup")
        name = ctx.get(function, "name")
        if configured is None:
            if name is values.UNKNOWN or values.is_unknown(name):
                ctx.unknown(function, "name (decides its implicit log group)")
                continue
            wanted = f"/aws/lambda/{name}"
            prop = "name"
        else:
            wanted = configured
            prop = "loggingConfig"
        groups = ctx.index.references(function, prop, wanted, [T.LOG_GROUP], ("name",))
        if configured is None:
            groups = [g for g in groups or () if ctx.get(g, "name") == wanted]
        if groups is None:
            ctx.unknown(function, "loggingConfig.logGroup")
            continue
        if groups:
            continue
        ctx.violation(
            function,
            "loggingConfig.logGroup" if configured is not None else "log group",
            f"'{values.show(wanted)}', which no aws.cloudwatch.LogGroup of the stack manages"
            if configured is not None
            else f"the implicit '{wanted}' Lambda creates at run time (no retention, no KMS key)",
            "an explicit aws.cloudwatch.LogGroup (retention and KMS key judged like any other), "
            "named /aws/lambda/<function> or passed as logging_config.log_group",
        )


LAMBDA_LOG_GROUP_MANAGED = StackRule(
    name="lambda-log-group-managed",
    description=(
        "Every Lambda function must write to a log group the stack manages (by name "
        "/aws/lambda/<function>, or loggingConfig.logGroup): otherwise Lambda creates one at "
        "run time that never expires and has no KMS key, which no rule can judge."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Create aws.cloudwatch.LogGroup(name=f'/aws/lambda/{function_name}', "
        "retention_in_days=..., kms_key_id=...) and pass it as "
        "logging_config={'log_group': group.name, 'log_format': 'JSON'}."
    ),
    resource_types=[LAMBDA_FUNCTION, T.LOG_GROUP],
    check=_check_lambda_log_groups,
    unknowns=(
        "The log group is followed by name, else by property dependencies of loggingConfig; "
        "an unknown function name without loggingConfig is a note."
    ),
    tags=["logs", "run-time-resources"],
)

_EXPORT_PLACES = {
    T.RDS_INSTANCE: ("instance", "identifier"),
    T.RDS_CLUSTER: ("cluster", "clusterIdentifier"),
}
"""Type -> (the log group path's word, the input naming the database)."""


def _check_rds_export_groups(ctx: StackContext) -> None:
    declared = {ctx.get(group, "name") for group in ctx.index.of_type(T.LOG_GROUP)}
    for kind, (place, id_prop) in _EXPORT_PLACES.items():
        for database in ctx.index.of_type(kind):
            exports = ctx.items(database, "enabledCloudwatchLogsExports")
            if exports is values.UNKNOWN:
                ctx.unknown(database, "enabledCloudwatchLogsExports")
                continue
            if not exports:
                continue
            identifier = ctx.get(database, id_prop)
            if identifier is None or values.is_unknown(identifier):
                ctx.unknown(database, f"{id_prop} (names the log groups RDS creates)")
                continue
            missing = [
                f"/aws/rds/{place}/{identifier}/{log}"
                for log in exports
                if isinstance(log, str) and f"/aws/rds/{place}/{identifier}/{log}" not in declared
            ]
            if missing:
                ctx.violation(
                    database,
                    "enabledCloudwatchLogsExports",
                    "exports to " + ", ".join(missing) + ", which RDS creates at run time (no "
                    "retention, no KMS key)",
                    "an aws.cloudwatch.LogGroup of the stack for each exported log, by that name",
                )


RDS_EXPORT_LOG_GROUPS_MANAGED = StackRule(
    name="rds-export-log-groups-managed",
    description=(
        "Every log an RDS instance or cluster exports must go to a log group the stack manages "
        "(/aws/rds/instance/<id>/<log>, /aws/rds/cluster/<id>/<log>): otherwise RDS creates it "
        "at run time, never expiring and without a KMS key, where no rule judges it."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Create aws.cloudwatch.LogGroup(name=f'/aws/rds/instance/{identifier}/{log}', "
        "retention_in_days=..., kms_key_id=...) for each enabled_cloudwatch_logs_exports entry, "
        "before the database (depends_on)."
    ),
    resource_types=[*_EXPORT_PLACES, T.LOG_GROUP],
    check=_check_rds_export_groups,
    unknowns="The identifier or the export list unknown: note.",
    tags=["logs", "run-time-resources", "rds"],
)

AUTOSCALING_GROUP = "aws:autoscaling/group:Group"


def _check_asg_template(ctx: ResourceContext) -> None:
    configuration = ctx.get("launchConfiguration")
    if configuration is values.UNKNOWN:
        ctx.accept_unknown("launchConfiguration")  # a computed name: set
    if configuration is not None:
        ctx.violation(
            "launchConfiguration",
            "set (a launch configuration, which no rule judges and AWS has deprecated)",
            "launchTemplate (its block devices are judged by ebs-volume-encrypted)",
        )
        return
    template = ctx.get("launchTemplate")
    mixed = ctx.get("mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification")
    if template is values.UNKNOWN or mixed is values.UNKNOWN:
        ctx.accept_unknown("launchTemplate")
        ctx.accept_unknown("mixedInstancesPolicy")
        return
    if template is None and mixed is None:
        ctx.violation(
            "launchTemplate",
            "not set",
            "a launch template of the stack (the instances the group starts are made from it)",
        )


AUTOSCALING_GROUP_LAUNCH_TEMPLATE = ResourceRule(
    name="autoscaling-group-launch-template",
    description=(
        "An Auto Scaling group must start its instances from a launch template (whose volumes "
        "and metadata settings the rules judge), not a launch configuration: the instances "
        "exist only at run time."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Create an aws.ec2.LaunchTemplate (encrypted EBS block devices) and pass "
        "launch_template={'id': template.id, 'version': '$Latest'}."
    ),
    resource_types=[AUTOSCALING_GROUP],
    check=_check_asg_template,
    unknowns="A computed template or configuration reference counts as set.",
    tags=["ec2", "run-time-resources"],
)
