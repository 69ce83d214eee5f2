"""The packs' servicer reports what pulumi_policy's own servicer reports, with less work.

`PackServicer` (the kit) deserializes each request once, skips rules by declared type and builds
stack resources lazily. These tests hold it to the stock `_PolicyAnalyzerServicer` on the same
stack, and check the pieces (one-walk conversion, dispatch, Configure) on their own.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError

from foundation.records import is_secret_wrapper
from tests.policies.builders import (
    SECRET_TOKEN,
    UNKNOWN,
    app_containers,
    compliant_resources,
    replace,
    secret,
    stack_run,
)
from tests.policies.builders import (
    record as build_record,
)
from tests.policies.support import synthetic_config_dir
from tools.offline.policy_driver import (
    PACK_NAMES,
    PackSession,
    analyze_request,
    evaluate_packs,
    load_pack,
)


def _kit() -> Any:
    load_pack("guardrails")
    import perfcheck_policykit

    return perfcheck_policykit


def _mixed_stack() -> Any:
    """Compliant resources plus a broken copy of each: many findings across both packs."""
    r = compliant_resources("prod")
    containers = app_containers()
    containers[0]["user"] = "root"
    containers[1].pop("logConfiguration")
    broken = {
        "db": replace(r["db"], storageEncrypted=False, multiAz=False, storageType="gp2"),
        "cache": replace(r["cache"], transitEncryptionEnabled=False, nodeType="cache.r7g.4xlarge"),
        "task": replace(r["task"], containerDefinitions=json.dumps(containers)),
        "topic": replace(r["topic"], tags={"Environment": "dev", "Owner": ""}),
        "cluster": replace(r["cluster"], settings=[]),
        "db_params": replace(r["db_params"], parameters=[{"name": "rds.force_ssl", "value": "0"}]),
        "alb_ingress": replace(r["alb_ingress"], fromPort=0, toPort=65535),
        "budget": None,
    }
    resources = {k: v for k, v in {**r, **broken}.items() if v is not None}
    return stack_run(resources)


def _violation_keys(report: Any) -> list[tuple[str, ...]]:
    return sorted(
        (v.pack, v.policy, v.enforcement_level, v.severity, v.urn, v.message)
        for v in report.violations
    )


def test_pack_servicer_reports_exactly_what_the_stock_servicer_reports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stock servicer ignores ConfigureStack's stack name; the CLI's language host sets
    # PULUMI_STACK for it (rules read either).
    monkeypatch.setenv("PULUMI_STACK", "prod")
    run = _mixed_stack()
    ours = evaluate_packs(run, "prod", synthetic_config_dir())
    stock_packs = [
        dataclasses.replace(load_pack(name), servicer_class=_PolicyAnalyzerServicer)
        for name in PACK_NAMES
    ]
    stock = evaluate_packs(run, "prod", synthetic_config_dir(), packs=stock_packs)
    assert len(ours.violations) >= 12
    ours_keys, stock_keys = set(_violation_keys(ours)), set(_violation_keys(stock))
    assert ours_keys <= stock_keys
    # The one intended difference: the stock servicer forgets which inputs were Pulumi secrets
    # (deserialize_properties unwraps them), so a secret where a secret belongs (the cache's
    # authToken, the origin's header) reads as a plain literal there, and is reported.
    holding_secrets = {r.urn for r in run.resources if _holds_secret(r.wire_inputs)}
    stock_only = stock_keys - ours_keys
    assert stock_only
    assert {(k[1], k[4] in holding_secrets) for k in stock_only} == {
        ("no-credentials-in-resource-inputs", True)
    }


def _holds_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return is_secret_wrapper(value) or any(_holds_secret(v) for v in value.values())
    return isinstance(value, list) and any(_holds_secret(v) for v in value)


def test_unknowns_are_reported_by_both_servicers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    r = compliant_resources("prod")
    run = stack_run({**r, "db": replace(r["db"], storageEncrypted=UNKNOWN)})
    ours = evaluate_packs(run, "prod", synthetic_config_dir())
    stock_packs = [
        dataclasses.replace(load_pack(name), servicer_class=_PolicyAnalyzerServicer)
        for name in ("guardrails", "cost")
    ]
    stock = evaluate_packs(run, "prod", synthetic_config_dir(), packs=stock_packs)
    assert (
        {(n.policy, n.urn) for n in ours.diagnostics}
        == {(n.policy, n.urn) for n in stock.diagnostics}
        == {("rds-storage-encrypted", r["db"].urn)}
    )
    assert "[not judged during preview]" in ours.diagnostics[0].message
    assert "can't run policy 'rds-storage-encrypted'" in stock.diagnostics[0].message


def _plain(value: Any) -> Any:
    """A props proxy as plain data (recursively unwraps the SDK's proxies)."""
    from pulumi_policy.proxy import _DictProxy, _ListProxy

    if isinstance(value, _DictProxy):
        return {k: _plain(v) for k, v in value["__target"].items()}
    if isinstance(value, _ListProxy):
        return [_plain(v) for v in value["__target"]]
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return (type(value).__name__, vars(value))
    return value


EDGE_INPUTS: list[dict[str, Any]] = [
    {},
    {"a": None, "b": True, "c": 1.5, "d": 7, "e": "", "f": [], "g": {}},
    {"nested": {"list": [1, [2, {"deep": UNKNOWN}], {"x": secret({"y": [secret("z")]})}]}},
    {"secretTop": secret("plain"), "secretList": [secret(1), secret(None)]},
    {"unknownTop": UNKNOWN, "unknownInList": [UNKNOWN, "x"]},
    {
        "asset": {
            "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17",
            "text": "hi",
        }
    },
]


@pytest.mark.parametrize(
    "inputs",
    [*EDGE_INPUTS, *[dict(r.wire_inputs) for r in compliant_resources("prod").values()]],
)
def test_one_walk_conversion_equals_the_sdk_conversion(inputs: dict[str, Any]) -> None:
    wire = _kit().wire
    struct = struct_pb2.Struct()
    struct.update(inputs)
    fast, reference = wire.to_props(struct), wire.sdk_props(struct)
    assert _plain(fast) == _plain(reference)
    assert list(fast) == list(reference)
    for key in reference:
        try:
            expected: Any = ("value", _plain(reference[key]))
        except UnknownValueError as error:
            expected = ("unknown", error.message)
        try:
            got: Any = ("value", _plain(fast[key]))
        except UnknownValueError as error:
            got = ("unknown", error.message)
        assert got == expected


@pytest.mark.parametrize(
    "inputs",
    [*EDGE_INPUTS, *[dict(r.wire_inputs) for r in compliant_resources("prod").values()]],
)
def test_direct_data_conversions_equal_the_generic_ones(inputs: dict[str, Any]) -> None:
    """The deploy pack's whole-resource reads: `struct_data` is protobuf's MessageToDict (the
    engine's signatures kept) and `plain_data` is `values.plain` of the props (secrets
    unwrapped, unknown sentinels kept); anything the props convert through the SDK (an asset)
    is left to them (None), never converted differently."""
    kit = _kit()
    struct = struct_pb2.Struct()
    struct.update(inputs)
    assert kit.wire.struct_data(struct) == json_format.MessageToDict(struct)
    direct = kit.wire.plain_data(struct)
    if "asset" in inputs:
        assert direct is None
    else:
        assert direct == kit.values.plain(kit.wire.to_props(struct))


def _known_by_reads(value: Any) -> Any:
    """The reference for `values.known_data`: every step through the proxies' own reads, a read
    that raises UnknownValueError taken as None."""
    if isinstance(value, Mapping):
        out = {}
        for key in value:
            try:
                out[key] = _known_by_reads(value[key])
            except UnknownValueError:
                out[key] = None
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for index in range(len(value)):
            try:
                items.append(_known_by_reads(value[index]))
            except UnknownValueError:
                items.append(None)
        return items
    return value


@pytest.mark.parametrize(
    "inputs",
    [
        *EDGE_INPUTS[:-1],  # the asset: a pulumi.Asset object either way (compared by identity)
        {"tags": {"Name": UNKNOWN, "Owner": "team"}, "list": [UNKNOWN, [UNKNOWN, {"u": UNKNOWN}]]},
        *[dict(r.wire_inputs) for r in compliant_resources("prod").values()],
    ],
)
def test_known_data_reads_what_the_proxies_read_with_unknowns_as_none(
    inputs: dict[str, Any],
) -> None:
    """The cost estimate's reading (`values.known_data`, through the proxies' targets) equals
    reading every value through the proxies themselves with each unknown as None: on the kit's
    props and on the SDK's own, at every depth; engine sentinels inside plain data read as sent
    (only a proxy raises on them)."""
    kit = _kit()
    struct = struct_pb2.Struct()
    struct.update(inputs)
    for props in (kit.wire.to_props(struct), kit.wire.sdk_props(struct)):
        assert kit.values.known_data(props) == _known_by_reads(props)
    assert kit.values.known_data({"a": [UNKNOWN]}) == {"a": [UNKNOWN]}


def test_nested_unknown_error_names_the_same_path() -> None:
    wire = _kit().wire
    struct = struct_pb2.Struct()
    struct.update({"a": {"b": [0, UNKNOWN]}})
    for props in (wire.to_props(struct), wire.sdk_props(struct)):
        with pytest.raises(UnknownValueError) as caught:
            props["a"]["b"][1]
        assert caught.value.message == "string value at .a.b.1 can't be known during preview"


def test_non_finite_number_falls_back_to_the_sdk() -> None:
    wire = _kit().wire
    struct = struct_pb2.Struct()
    struct["n"] = math.inf
    with pytest.raises(ValueError, match="Infinity"):
        wire.sdk_props(struct)
    with pytest.raises(ValueError, match="Infinity"):
        wire.to_props(struct)["n"]
    with pytest.raises(ValueError, match="inf"):
        wire.struct_data(struct)  # as MessageToDict refuses it
    assert wire.plain_data(struct) is None  # left to the props (which raise as above)


def test_a_secret_signature_without_its_value_is_left_to_the_props() -> None:
    wire = _kit().wire
    struct = struct_pb2.Struct()
    struct.update({"s": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}})
    assert wire.plain_data(struct) is None
    assert wire.struct_data(struct) == json_format.MessageToDict(struct)  # kept as it came


def _counting_rule(kit: Any, name: str, types: Any) -> tuple[Any, list[str]]:
    seen: list[str] = []
    rule = kit.ResourceRule(
        name=name,
        description=f"{name} test rule",
        severity=Severity.LOW,
        remediation_steps="none",
        resource_types=types,
        check=lambda ctx: seen.append(ctx.type),
        unknowns="n/a",
    )
    return rule, seen


def test_rules_run_only_for_their_declared_types() -> None:
    kit = _kit()
    typed, typed_seen = _counting_rule(kit, "typed", ["aws:rds/instance:Instance"])
    untyped, untyped_seen = _counting_rule(kit, "untyped", None)
    pack = dataclasses.replace(
        load_pack("guardrails"), key="test", name="test-pack", policies=(typed, untyped)
    )
    session = PackSession(pack, "prod")
    resources = list(compliant_resources("prod").values())
    for record in resources:
        session.analyze(analyze_request(record))
    assert typed_seen == ["aws:rds/instance:Instance"]
    assert untyped_seen == [r.type for r in resources]


def test_types_no_rule_judges_cost_no_deserialization(monkeypatch: pytest.MonkeyPatch) -> None:
    kit = _kit()
    calls: list[int] = []
    original = kit.servicer._deserialize
    monkeypatch.setattr(kit.servicer, "_deserialize", lambda s: calls.append(1) or original(s))
    session = PackSession(load_pack("guardrails"), "prod")
    association = build_record(  # no guardrails rule judges it, and it holds only references
        "prod",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "private-a",
        {"routeTableId": "rtb-1", "subnetId": "subnet-1"},
    )
    session.analyze(analyze_request(association))
    assert calls == []
    session.analyze(analyze_request(compliant_resources("prod")["db"]))
    assert len(calls) >= 1


def test_remediate_short_circuits_without_remediate_level_policies() -> None:
    session = PackSession(load_pack("guardrails"), "prod")
    request = analyze_request(compliant_resources("prod")["db"])
    assert session.servicer.Remediate(request, None) == proto.RemediateResponse()


def test_configure_rejects_unknown_policy_and_key() -> None:
    kit = _kit()
    servicer = load_pack("cost").new_servicer()
    request = proto.ConfigureAnalyzerRequest()
    request.policyConfig["budget-exist"].enforcementLevel = proto.MANDATORY
    request.policyConfig["no-gp2-storage"].properties.update({"volumeTypes": ["gp2"]})
    with pytest.raises(kit.servicer.PackConfigError) as caught:
        servicer.Configure(request, None)
    message = str(caught.value)
    assert "'budget-exist' is not a policy of this pack (did you mean 'budget-exists'?)" in message
    assert "no-gp2-storage: 'volumeTypes' is not a config key of this policy" in message


def test_secrets_never_reach_a_message() -> None:
    r = compliant_resources("prod")
    containers = app_containers()
    containers[1]["environment"].append({"name": "API_TOKEN", "value": "tok-9f8e7d6c5b4a"})
    containers[1]["environment"].append({"name": "OTHER", "value": "AKIAABCDEFGHIJKLMNOP"})
    run = stack_run(
        {
            **r,
            "cache": replace(r["cache"], transitEncryptionEnabled=False),
            "task": replace(r["task"], containerDefinitions=json.dumps(containers)),
            "cdn": replace(r["cdn"], viewerCertificate={"cloudfrontDefaultCertificate": True}),
        }
    )
    report = evaluate_packs(run, "prod", synthetic_config_dir())
    assert len(report.violations) >= 4
    text = "\n".join(v.message for v in report.violations)
    for value in (SECRET_TOKEN, "tok-9f8e7d6c5b4a", "AKIAABCDEFGHIJKLMNOP", "hdr-secret"):
        assert value not in text


def test_a_failing_rule_is_reported_not_raised() -> None:
    kit = _kit()

    def broken(ctx: Any) -> None:
        raise KeyError(SECRET_TOKEN)

    rule = kit.ResourceRule(
        name="broken",
        description="a rule with a bug",
        severity=Severity.LOW,
        remediation_steps="none",
        resource_types=["aws:rds/instance:Instance"],
        check=broken,
        unknowns="n/a",
        enforcement_level=EnforcementLevel.MANDATORY,
    )
    pack = dataclasses.replace(load_pack("guardrails"), key="t", name="t", policies=(rule,))
    report = evaluate_packs(stack_run(compliant_resources("prod")), "prod", packs=[pack])
    (violation,) = report.violations
    assert violation.enforcement_level == "mandatory"
    assert "[rule error] 'broken' failed on aws:rds/instance:Instance 'db' (KeyError)" in (
        violation.message
    )
    assert SECRET_TOKEN not in violation.message


def test_findings_scale_with_the_stack_and_stay_on_their_own_copy() -> None:
    from tests.policies.builders import broken_resources, synthetic_stack

    per_copy = len(compliant_resources("prod"))
    one_broken = evaluate_packs(stack_run(broken_resources("prod")), "prod", synthetic_config_dir())
    assert len(one_broken.violations) >= 10
    report = evaluate_packs(
        synthetic_stack(per_copy * 30, broken_every=10), "prod", synthetic_config_dir()
    )
    # The budget rules judge the whole stack's estimate against its own budget (the copies share
    # one cost tag, so each copy's budget is the same stack's): not a per-copy finding.
    per_stack = {"monthly-estimate-within-budget", "worst-month-within-budget"}
    copies = [v for v in report.violations if v.policy not in per_stack]
    assert len(copies) == 3 * len([v for v in one_broken.violations if v.policy not in per_stack])
    broken_copies = {v.name.rsplit("-", 1)[1] for v in copies}
    assert broken_copies == {"9", "19", "29"}
    assert report.diagnostics == ()


def test_stack_resources_expose_options_provider_and_graph() -> None:
    kit = _kit()
    seen: dict[str, Any] = {}

    def look(ctx: Any) -> None:
        (db,) = ctx.index.of_type("aws:rds/instance:Instance")
        (task,) = ctx.index.of_type("aws:ecs/taskDefinition:TaskDefinition")
        seen["protect"] = db.opts.protect
        seen["provider"] = db.provider.resource_type
        seen["tags"] = json.loads(db.provider.props["defaultTags"])["tags"]["Environment"]
        seen["storage"] = db.props["storageEncrypted"]
        seen["deps"] = sorted(d.name for d in task.property_dependencies["taskRoleArn"])
        seen["all_deps"] = sorted(d.name for d in task.dependencies)
        seen["parent"] = db.parent.name if db.parent is not None else None
        seen["root_parent"] = task.parent

    rule = kit.StackRule(
        name="look",
        description="reads every part of a stack resource",
        severity=Severity.LOW,
        remediation_steps="none",
        resource_types=["aws:rds/instance:Instance"],
        check=look,
        unknowns="n/a",
    )
    for servicer_class in (load_pack("guardrails").servicer_class, _PolicyAnalyzerServicer):
        seen.clear()
        pack = dataclasses.replace(
            load_pack("guardrails"),
            key="look",  # no config file: the prod.guardrails.json would name absent policies
            policies=(rule,),
            servicer_class=servicer_class,
        )
        resources = compliant_resources("prod")
        resources["db"] = dataclasses.replace(resources["db"], parent=resources["budget"].urn)
        report = evaluate_packs(stack_run(resources), "prod", packs=[pack])
        assert report.violations == ()
        assert seen == {
            "protect": True,
            "provider": "pulumi:providers:aws",
            "tags": "prod",
            "storage": True,
            "deps": ["task"],
            "all_deps": ["task", "task-execution"],
            "parent": resources["budget"].name,
            "root_parent": None,
        }


def test_a_stack_rules_note_names_the_resource_it_is_about() -> None:
    """A note a stack rule makes about one resource (a value unknown at preview) carries that
    resource's URN, so the report shows it under the resource."""
    kit = _kit()
    r = compliant_resources("prod")

    def note(ctx: Any) -> None:
        (db,) = ctx.index.of_type("aws:rds/instance:Instance")
        ctx.unknown(db, "storageEncrypted")

    rule = kit.StackRule(
        name="notes",
        description="notes an unknown on the database",
        severity=Severity.LOW,
        remediation_steps="none",
        resource_types=["aws:rds/instance:Instance"],
        check=note,
        unknowns="n/a",
    )
    pack = dataclasses.replace(load_pack("guardrails"), key="notes", policies=(rule,))
    report = evaluate_packs(stack_run(r), "prod", packs=[pack])
    assert [(n.policy, n.urn) for n in report.diagnostics] == [("notes", r["db"].urn)]
    assert report.diagnostics[0].message.startswith("[not judged during preview]")


def test_get_reads_the_same_from_either_props_as_from_plain_data() -> None:
    """`values.get` steps into the SDK's props proxies directly (the hot path): every path shape
    reads what it reads from the same data as plain dicts and lists (a map key that looks like
    an index is not an index, a list has no keys, a string has no children)."""
    values = _kit().values
    data = {
        "0": "root-zero",
        "a": {"0": "nested-zero", "b": [1, {"c": "x"}], "u": UNKNOWN},
        "s": "text",
        "u": UNKNOWN,
    }
    struct = struct_pb2.Struct()
    struct.update(data)
    paths: list[tuple[str | int, ...]] = [
        ("0",),
        (0,),
        ("a", "0"),
        ("a", 0),
        ("a", "b", 0),
        ("a", "b", "0"),
        ("a", "b", 1, "c"),
        ("a", "b", 5),
        ("a", "u"),
        ("a", "u", "x"),
        ("s",),
        ("s", "x"),
        ("s", 0),
        ("u",),
        ("u", "x"),
        ("missing", "x"),
    ]
    for props in (_kit().wire.to_props(struct), _kit().wire.sdk_props(struct)):
        for path in paths:
            assert values.get(props, *path) == values.get(data, *path), path
    assert values.get(data, "a", "u") is values.UNKNOWN
    assert values.get(data, "a", "b", 1, "c") == "x"
