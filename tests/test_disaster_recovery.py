"""Region loss restores service: prod's release images are replicated into the DR region, and
prod exports the ARN of the backups the region-loss restore reads."""

from __future__ import annotations

from components.dr_images import release_repositories
from foundation.records import StackRun

REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
BACKUPS = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"


def dr_region(run: StackRun) -> str | None:
    import json

    database = json.loads(run.config.get("perfcheck:database", "{}"))
    return database.get("drRegion")


def test_release_images_are_replicated_to_the_dr_region(each_stack: StackRun) -> None:
    region = dr_region(each_stack)
    rules = each_stack.by_type(REPLICATION)
    if region is None:
        assert rules == []
        return
    (rule,) = rules
    (replication,) = rule.inputs["replicationConfiguration"]["rules"]
    assert replication["destinations"] == [{"region": region, "registryId": "123456789012"}]
    filters = {f["filter"] for f in replication["repositoryFilters"]}
    task = each_stack.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")
    for image in ("perfcheck/nextjs", "perfcheck/hono"):
        assert image in task.inputs["containerDefinitions"]
        assert image in filters


def test_prod_exports_the_backups_arn_the_restore_needs(each_stack: StackRun) -> None:
    backups = each_stack.by_type(BACKUPS)
    if dr_region(each_stack) is None:
        assert backups == [] and each_stack.outputs["databaseDrBackupsArn"] is None
        return
    (replication,) = backups
    assert each_stack.outputs["databaseDrBackupsArn"] == replication.outputs["id"]


def test_only_private_ecr_repositories_are_replicated() -> None:
    assert release_repositories(
        [
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/nextjs@sha256:" + "a" * 64,
            "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/hono:build-1",
        ]
    ) == ["perfcheck/hono", "perfcheck/nextjs"]


def test_the_dr_stack_runs_prods_release_from_the_dr_region() -> None:
    """Pulumi.prod-dr.yaml (made with `make new-stack NAME=prod-dr FROM=prod`): prod in the DR
    region, pulling the same digests from the replicated repositories."""
    import yaml

    from tools.offline.runner import ROOT

    prod = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    dr = yaml.safe_load((ROOT / "Pulumi.prod-dr.yaml").read_text())["config"]
    region = prod["perfcheck:database"]["drRegion"]
    assert dr["aws:region"] == region
    assert "drRegion" not in dr["perfcheck:database"]
    for app in ("nextjs", "hono"):
        source = prod["perfcheck:service"][app]["image"]
        image = dr["perfcheck:service"][app]["image"]
        assert image == source.replace(f".{prod['aws:region']}.", f".{region}.")
        assert "@sha256:" in image
    replicated = release_repositories(
        [prod["perfcheck:service"][app]["image"] for app in ("nextjs", "hono")]
    )
    assert all(
        dr["perfcheck:service"][app]["image"].split("/", 1)[1].split("@")[0] in replicated
        for app in ("nextjs", "hono")
    )


def test_the_dr_stack_previews_without_a_finding() -> None:
    from tools.offline.preview import checked_preview

    run, stages = checked_preview("prod-dr")
    assert [line for stage in stages for line in stage.blocking] == []
    task = run.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")
    assert (
        ".dkr.ecr.eu-central-1.amazonaws.com/perfcheck/nextjs@sha256:"
        in task.inputs["containerDefinitions"]
    )
