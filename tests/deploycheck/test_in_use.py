"""Resources AWS will not change while in use are replaced create-before-delete and their users
repointed (perfcheck_deploy/in_use.py), and what that looks like to the engine between two runs."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from perfcheck_deploy import CHECK_IDS, run_deploy_checks
from perfcheck_deploy.in_use import (
    ALLOWED_ID,
    DEFERRED_ID,
    IN_USE_REFUSALS,
    KEPT_ID,
    NAME_ID,
    REPLACEMENT_ID,
    TIMEOUT_ID,
    USERS_ID,
    changed_paths,
    covered,
    plan,
    planned_step,
)

from foundation.records import ResourceRecord, StackRun
from tools.offline.preview import preview
from tools.offline.runner import ROOT, ProgramFailed, cached_run

COVERED_CHECK_IDS = frozenset(
    {ALLOWED_ID, DEFERRED_ID, KEPT_ID, NAME_ID, REPLACEMENT_ID, TIMEOUT_ID, USERS_ID}
)
"""Check ids whose deliberately wrong cases live here (test_deploycheck_cases.py counts them)."""

VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0b6d3a4e-1f2a-4b5c-8d7e-9f0a1b2c3d4e"
DOMAIN = "perfcheck.example.com"
ZONE = "Z0123456789ABCDEFGHIJ"

Edit = Callable[[ResourceRecord], ResourceRecord]


def edited(run: StackRun, type_token: str, edit: Edit, name: str | None = None) -> StackRun:
    """A copy of the run with one resource (the first of its type, or by name) edited."""
    target = run.one(type_token, name) if name else run.by_type(type_token)[0]
    return dataclasses.replace(
        run, resources=tuple(edit(r) if r is target else r for r in run.resources)
    )


def with_inputs(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(record: ResourceRecord) -> ResourceRecord:
        inputs = dict(record.wire_inputs)
        change(inputs)
        return dataclasses.replace(record, wire_inputs=inputs)

    return edit


def rename_vpc_origin(inputs: dict[str, Any]) -> None:
    inputs["vpcOriginEndpointConfig"] = {**inputs["vpcOriginEndpointConfig"], "name": "fixed"}


def ignore_origin_of_distribution(record: ResourceRecord) -> ResourceRecord:
    return dataclasses.replace(record, ignore_changes=("origins",))


# (check id, type judged, resource type to edit, name of the edited one, edit, finding says)
CASES: dict[str, tuple[str, str, str, str | None, Edit, str]] = {
    "vpc-origin-updated-in-place": (
        REPLACEMENT_ID,
        VPC_ORIGIN,
        VPC_ORIGIN,
        None,
        lambda r: dataclasses.replace(r, replace_on_changes=()),
        "409",
    ),
    "vpc-origin-delete-before-replace": (
        REPLACEMENT_ID,
        VPC_ORIGIN,
        VPC_ORIGIN,
        None,
        lambda r: dataclasses.replace(r, delete_before_replace=True),
        "before its replacement",
    ),
    "vpc-origin-fixed-name": (
        NAME_ID,
        VPC_ORIGIN,
        VPC_ORIGIN,
        None,
        with_inputs(rename_vpc_origin),
        "'fixed'",
    ),
    "vpc-origin-name-without-its-protocol": (
        NAME_ID,
        VPC_ORIGIN,
        VPC_ORIGIN,
        None,
        with_inputs(
            lambda i: i.update(
                vpcOriginEndpointConfig={
                    **i["vpcOriginEndpointConfig"],
                    "name": i["vpcOriginEndpointConfig"]["name"].replace("-http-", "-alb-"),
                }
            )
        ),
        "'http'",
    ),
    "vpc-origin-default-timeout": (
        TIMEOUT_ID,
        VPC_ORIGIN,
        VPC_ORIGIN,
        None,
        lambda r: dataclasses.replace(r, custom_timeouts={"create": "45m", "update": "45m"}),
        "provider default",
    ),
    "vpc-origin-short-timeout": (
        TIMEOUT_ID,
        VPC_ORIGIN,
        VPC_ORIGIN,
        None,
        lambda r: dataclasses.replace(
            r, custom_timeouts={"create": "20m", "update": "1h", "delete": "45m"}
        ),
        "20m",
    ),
    "distribution-ignores-its-origin": (
        USERS_ID,
        VPC_ORIGIN,
        "aws:cloudfront/distribution:Distribution",
        None,
        ignore_origin_of_distribution,
        "ignores origins",
    ),
    "parameter-group-protected": (
        REPLACEMENT_ID,
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        None,
        lambda r: dataclasses.replace(r, protect=True),
        "protected",
    ),
    "parameter-group-fixed-name": (
        NAME_ID,
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        None,
        with_inputs(lambda i: i.update(name="perfcheck-prod-postgres17")),
        "fixed name",
    ),
    "security-group-fixed-name": (
        NAME_ID,
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroup:SecurityGroup",
        "network-service-sg",
        with_inputs(lambda i: i.update(name="perfcheck-prod-service")),
        "DependencyViolation",
    ),
    "target-group-fixed-name": (
        NAME_ID,
        "aws:lb/targetGroup:TargetGroup",
        "aws:lb/targetGroup:TargetGroup",
        None,
        with_inputs(lambda i: i.update(name="perfcheck-prod-blue")),
        "ResourceInUse",
    ),
    # A user that follows only in its maintenance window (prod: applyImmediately off) while the
    # engine deletes the old group in the same `up` (review 21 pass 3, R12).
    "database-subnet-group-deleted-before-the-window": (
        DEFERRED_ID,
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/subnetGroup:SubnetGroup",
        None,
        lambda r: dataclasses.replace(r, retain_on_delete=False),
        "maintenance window",
    ),
    "database-parameter-group-deleted-before-the-window": (
        DEFERRED_ID,
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        None,
        lambda r: dataclasses.replace(r, retain_on_delete=False),
        "aws:rds/instance:Instance",
    ),
    "cache-parameter-group-deleted-before-the-window": (
        DEFERRED_ID,
        "aws:elasticache/parameterGroup:ParameterGroup",
        "aws:elasticache/parameterGroup:ParameterGroup",
        None,
        lambda r: dataclasses.replace(r, retain_on_delete=False),
        "aws:elasticache/replicationGroup:ReplicationGroup",
    ),
    # A new parameter group family is a new major, which RDS refuses without the flag (R11).
    "database-refuses-the-major-upgrade-of-a-new-family": (
        ALLOWED_ID,
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/instance:Instance",
        None,
        with_inputs(lambda i: i.update(allowMajorVersionUpgrade=False)),
        "AllowMajorVersionUpgrade",
    ),
    "database-major-upgrade-left-to-the-default": (
        ALLOWED_ID,
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/instance:Instance",
        None,
        with_inputs(lambda i: i.pop("allowMajorVersionUpgrade", None)),
        "None",
    ),
    "key-neither-kept-nor-long-window": (
        KEPT_ID,
        "aws:kms/key:Key",
        "aws:kms/key:Key",
        None,
        lambda r: with_inputs(lambda i: i.update(deletionWindowInDays=7))(
            dataclasses.replace(r, protect=False, retain_on_delete=False)
        ),
        "7 days",
    ),
}


def test_the_real_stacks_declare_every_in_use_resource_right(each_stack: StackRun) -> None:
    findings = [f for f in run_deploy_checks(each_stack) if f.check_id in COVERED_CHECK_IDS]
    assert findings == []


def test_the_real_stacks_have_resources_of_most_rows(prod: StackRun) -> None:
    """The check judges something: the stack registers the types the table is about."""
    present = {row.type_token for row in IN_USE_REFUSALS} & {r.type for r in prod.resources}
    assert len(present) >= len(IN_USE_REFUSALS) - 1, present


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_wrong_declaration_is_found(case: str, prod: StackRun) -> None:
    check_id, judged, type_token, name, edit, says = CASES[case]
    findings = run_deploy_checks(edited(prod, type_token, edit, name))
    matching = [
        f
        for f in findings
        if f.check_id == check_id and f.resource_type == judged and says in str(f)
    ]
    assert matching, "\n".join(map(str, findings)) or "no findings"
    assert {f.check_id for f in findings} <= COVERED_CHECK_IDS


def test_a_user_that_applies_changes_at_once_needs_no_retained_group(prod: StackRun) -> None:
    """Property: the deferred-user finding comes from the user's maintenance window, not from
    the group alone: with the instance applying at once, an unretained group is fine."""
    run = edited(
        prod,
        "aws:rds/subnetGroup:SubnetGroup",
        lambda r: dataclasses.replace(r, retain_on_delete=False),
    )
    run = edited(
        run, "aws:rds/instance:Instance", with_inputs(lambda i: i.update(applyImmediately=True))
    )
    assert [f for f in run_deploy_checks(run) if f.check_id == DEFERRED_ID] == []


def test_a_user_silent_on_apply_immediately_follows_in_its_window(prod: StackRun) -> None:
    """Property: applyImmediately left out is AWS's default (off), so the user still defers."""
    run = edited(
        prod,
        "aws:rds/subnetGroup:SubnetGroup",
        lambda r: dataclasses.replace(r, retain_on_delete=False),
    )
    run = edited(run, "aws:rds/instance:Instance", with_inputs(lambda i: i.pop("applyImmediately")))
    assert [f.resource_type for f in run_deploy_checks(run) if f.check_id == DEFERRED_ID] == [
        "aws:rds/subnetGroup:SubnetGroup"
    ]


def test_what_the_analyzer_cannot_see_is_not_judged_as_absent(prod: StackRun) -> None:
    """Property: the policy analyzer's options carry no retainOnDelete, so the pack does not
    read its absence as "deleted" (fail closed would block every real prod deploy)."""
    run = edited(
        prod,
        "aws:rds/subnetGroup:SubnetGroup",
        lambda r: dataclasses.replace(r, retain_on_delete=False, retain_on_delete_known=False),
    )
    assert [f for f in run_deploy_checks(run) if f.check_id == DEFERRED_ID] == []


def test_every_row_names_its_source_and_refusal() -> None:
    for row in IN_USE_REFUSALS:
        assert row.source and row.refusal and row.properties, row
    assert set(COVERED_CHECK_IDS) <= set(CHECK_IDS)


# --- the engine's rules, and a certificate added to a copy of prod -------------------------------


def test_ignored_paths_match_indices_and_wildcards() -> None:
    assert covered("loadBalancers[0].targetGroupArn", ["loadBalancers[*].targetGroupArn"])
    assert covered("actions[0].forward.targetGroups[1].weight", ["actions"])
    assert not covered("loadBalancers[0].containerPort", ["loadBalancers[*].targetGroupArn"])
    assert not covered("actionsExtra", ["actions"])
    before = {"a": [{"x": 1, "y": 2}], "b": 1}
    after = {"a": [{"x": 9, "y": 2}], "b": 2}
    assert changed_paths(before, after) == ["a[0].x", "b"]
    assert changed_paths(before, after, ["a[*].x"]) == ["b"]


@pytest.fixture(scope="module")
def prod_with_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[StackRun, list[Any]]:
    """prod's stack file with `service.certificateArn` set, previewed from a copy: with the
    origin name the certificate covers (`service.originDomainName`), which the settings require
    with it, in the zone of the domain the docs make the step after (`cdn.domainName`)."""
    return preview("prod", stacks_dir=prod_copy(tmp_path_factory, with_origin_name=True))


def prod_copy(factory: pytest.TempPathFactory, *, with_origin_name: bool) -> Path:
    directory = factory.mktemp("stacks")
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    shutil.copytree(ROOT / "policies" / "config", directory / "policies" / "config")
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    config = document["config"]
    config["perfcheck:service"]["certificateArn"] = CERTIFICATE
    config["perfcheck:cdn"].update({"domainName": DOMAIN, "hostedZoneId": ZONE})
    if with_origin_name:
        config["perfcheck:service"]["originDomainName"] = f"origin.{DOMAIN}"
    (directory / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    # With the domain the distribution has its own certificate: the exemption for the default
    # one goes, as its reason says (a stale exemption is itself a finding).
    guardrails = directory / "policies" / "config" / "prod.guardrails.json"
    packs = json.loads(guardrails.read_text())
    packs["cloudfront-viewer-tls"] = "mandatory"
    guardrails.write_text(json.dumps(packs))
    return directory


def test_a_certificate_replaces_the_vpc_origin_create_before_delete(
    prod: StackRun, prod_with_certificate: tuple[StackRun, list[Any]]
) -> None:
    after, stages = prod_with_certificate
    steps = plan(prod, after)
    origin = after.one(VPC_ORIGIN)
    assert steps[origin.urn] == "replace"
    assert "https" in origin.inputs["vpcOriginEndpointConfig"]["name"].split("-")
    assert (
        origin.inputs["vpcOriginEndpointConfig"]["name"]
        != (prod.one(VPC_ORIGIN).inputs["vpcOriginEndpointConfig"]["name"])
    )
    distribution = after.one("aws:cloudfront/distribution:Distribution")
    assert origin.urn in distribution.property_dependencies["origins"]
    assert not distribution.ignore_changes
    assert distribution.inputs["origins"][0]["domainName"] == f"origin.{DOMAIN}"
    assert [line for stage in stages for line in stage.blocking] == []


def _ports_cloudfront_sends_to(run: StackRun) -> set[int]:
    """The load balancer port each VPC origin of the run sends viewers' requests to."""
    ports = set()
    for origin in run.by_type(VPC_ORIGIN):
        config = origin.inputs["vpcOriginEndpointConfig"]
        https = config["originProtocolPolicy"] == "https-only"
        ports.add(int(config["httpsPort" if https else "httpPort"]))
    return ports


def _ports_cloudfront_may_reach(run: StackRun) -> set[int]:
    (rule,) = [
        r
        for r in run.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs.get("prefixListId") is not None
    ]
    return set(range(int(rule.inputs["fromPort"]), int(rule.inputs["toPort"]) + 1))


def test_every_port_cloudfront_sends_to_stays_admitted_while_a_certificate_is_added(
    prod: StackRun, prod_with_certificate: tuple[StackRun, list[Any]]
) -> None:
    """Property: the `up` that adds a certificate updates CloudFront's ingress rule at its start
    (it depends on nothing the move waits for), while the distribution keeps sending to the old
    VPC origin's port until the new origin exists and the distribution has deployed (minutes). So
    after the change the rule admits the port of every VPC origin of both runs, or every viewer
    request fails meanwhile (review 5, R25)."""
    after = prod_with_certificate[0]
    before_ports, after_ports = _ports_cloudfront_sends_to(prod), _ports_cloudfront_sends_to(after)
    assert before_ports == {80} and after_ports == {443}
    assert before_ports | after_ports <= _ports_cloudfront_may_reach(after)
    assert _ports_cloudfront_may_reach(prod) == before_ports


def test_a_certificate_without_an_origin_name_is_refused_before_any_resource(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Fail closed: the certificate alone would make every request a 502 (CloudFront checks it
    against the ALB's *.elb.amazonaws.com name), so the settings refuse it, naming the key."""
    with pytest.raises(ProgramFailed) as refused:
        preview("prod", stacks_dir=prod_copy(tmp_path_factory, with_origin_name=False))
    assert refused.value.resources == ()
    (problem,) = [line for line in str(refused.value).splitlines() if line.startswith("  - ")]
    assert problem.startswith(f"  - perfcheck:service.certificateArn: '{CERTIFICATE}' without ")
    assert "service.originDomainName" in problem and "502" in problem


def test_an_unchanged_stack_plans_no_change(prod: StackRun) -> None:
    again = cached_run("prod")
    assert set(plan(prod, again).values()) == {"same"}


def test_without_replace_on_changes_the_certificate_would_update_in_place(
    prod: StackRun, prod_with_certificate: tuple[StackRun, list[Any]]
) -> None:
    """The step above comes from the declaration: without it the engine plans the refused
    in-place update."""
    after = prod_with_certificate[0]
    origin = after.one(VPC_ORIGIN)
    assert (
        planned_step(prod.one(VPC_ORIGIN), dataclasses.replace(origin, replace_on_changes=()))
        == "update"
    )


def test_the_document_lists_every_row_of_the_table() -> None:
    text = (ROOT / "docs" / "replacements.md").read_text()
    for row in IN_USE_REFUSALS:
        assert f"`{row.type_token}`" in text, row.type_token
        assert row.source in text, row.type_token
