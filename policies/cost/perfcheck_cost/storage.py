"""Storage: no gp2 volumes (gp3 is ~20% cheaper per GB with a 3,000 IOPS baseline at any size).

gp2 is still a default in places: EBS `CreateVolume` defaults to gp2, an EC2 root volume takes
the AMI's type (often gp2), and older RDS defaults were gp2. So an unset volume type counts as
gp2 where that is AWS's default, and RDS instances must name their storage type.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfcheck_policykit import ResourceContext, ResourceRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity

_EXPECTED = "gp3 (or io1/io2 for provisioned IOPS)"


def _judge(ctx: ResourceContext, prop: str, value: object, missing: str | None) -> None:
    """`missing`: how an unset type is described when it means gp2 (None: unset is fine)."""
    if value is values.UNKNOWN:
        ctx.unknown(prop)
    elif value is None:
        if missing is not None:
            ctx.violation(prop, missing, _EXPECTED)
    elif value == "gp2":
        ctx.violation(prop, "'gp2'", _EXPECTED)


def _check_rds(ctx: ResourceContext) -> None:
    engine = ctx.get("engine")
    if isinstance(engine, str) and engine.strip().lower().startswith("aurora"):
        return  # Aurora storage is the cluster's and has no volume type
    if ctx.get("replicateSourceDb") is not None and ctx.get("storageType") is None:
        return  # a replica inherits the source's storage type
    _judge(ctx, "storageType", ctx.get("storageType"), "not set (set gp3 explicitly)")


def _check_ebs_volume(ctx: ResourceContext) -> None:
    _judge(ctx, "type", ctx.get("type"), "not set (AWS default gp2)")


def _check_instance(ctx: ResourceContext) -> None:
    template = ctx.get("launchTemplate")
    if template is values.UNKNOWN:
        ctx.accept_unknown("launchTemplate")  # a template of this stack (its id computed)
    if ctx.get("rootBlockDevice") is None and template is not None:
        pass  # the root volume comes from the launch template, judged on the template
    else:
        _judge(
            ctx,
            "rootBlockDevice.volumeType",
            ctx.get("rootBlockDevice", "volumeType"),
            "not set (the AMI's type, usually gp2)",
        )
    devices = ctx.items("ebsBlockDevices")
    if devices is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    for index, device in enumerate(devices):
        _judge(
            ctx,
            f"ebsBlockDevices[{index}].volumeType",
            values.get(device, "volumeType"),
            "not set (AWS default gp2)",
        )


def _check_launch_template(ctx: ResourceContext) -> None:
    mappings = ctx.items("blockDeviceMappings")
    if mappings is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    for index, mapping in enumerate(mappings):
        ebs = values.get(mapping, "ebs")
        if ebs is values.UNKNOWN:
            ctx.unknown(f"blockDeviceMappings[{index}].ebs")
        elif isinstance(ebs, Mapping):
            _judge(
                ctx,
                f"blockDeviceMappings[{index}].ebs.volumeType",
                values.get(ebs, "volumeType"),
                "not set (AWS default gp2)",
            )


_CHECKS = {
    T.RDS_INSTANCE: _check_rds,
    T.EBS_VOLUME: _check_ebs_volume,
    T.EC2_INSTANCE: _check_instance,
    T.EC2_LAUNCH_TEMPLATE: _check_launch_template,
}


def _check_storage(ctx: ResourceContext) -> None:
    _CHECKS[ctx.type](ctx)


NO_GP2 = ResourceRule(
    name="no-gp2-storage",
    description=(
        "Block storage must not be gp2 (gp3 costs less for the same or better performance)."
    ),
    severity=Severity.LOW,
    remediation_steps=(
        "Set storage_type='gp3' on aws.rds.Instance, type='gp3' on aws.ebs.Volume and "
        "volume_type='gp3' on EC2 root/EBS block devices and launch template mappings."
    ),
    resource_types=list(_CHECKS),
    check=_check_storage,
    unknowns="An unknown volume or storage type: note (each device judged on its own).",
    tags=["cost", "storage"],
)
