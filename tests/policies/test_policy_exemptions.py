"""Exemptions: bound to exactly one resource (URN, or type + name + parent), one rule, a written
reason; each is reported with the resource it covered, and a stale one is an error in prod."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.policies.builders import compliant_stack, replace
from tests.policies.support import judge_compliant, synthetic_config, violations
from tools.offline.policy_driver import CONFIG_DIR, PolicyConfigError, evaluate_packs

REASON = "legacy reporting replica, retired in Q3 (ticket OPS-142)"


def _config_dir(tmp_path: Path, pack: str, policy: str, exemptions: list[dict[str, Any]]) -> Path:
    (tmp_path / "prod.deploy.json").write_text(json.dumps({"all": "disabled"}))
    for name in ("guardrails", "cost"):
        config = synthetic_config("prod", name)
        if name == pack:
            entry = config[policy]
            entry = {"enforcementLevel": entry} if isinstance(entry, str) else dict(entry)
            entry["exemptions"] = exemptions
            config[policy] = entry
        (tmp_path / f"prod.{name}.json").write_text(json.dumps(config))
    return tmp_path


DB = {"type": "aws:rds/instance:Instance", "name": "db", "parent": ""}
DB_URN = "urn:pulumi:prod::perfcheck::aws:rds/instance:Instance::db"


def _single_az(r):
    return {"db": replace(r["db"], multiAz=False)}


def test_exempted_resource_is_reported_as_an_exemption_not_a_violation(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path, "guardrails", "rds-multi-az", [{"urn": DB_URN, "reason": REASON}]
    )
    report = judge_compliant(_single_az, config_dir=config_dir)
    assert violations(report, "rds-multi-az") == []
    assert report.mandatory() == []
    (use,) = report.exemption_uses
    assert use.covered == (DB_URN,) and not use.stale
    (note,) = report.exemptions
    assert note.policy == "rds-multi-az"
    assert note.name == "db"
    assert note.urn.endswith("::db")
    assert REASON in note.message
    assert "'rds-multi-az'" in note.message
    assert "multiAz is false" in note.message  # what was exempted is visible


def test_exemption_covers_one_rule_only(tmp_path: Path) -> None:
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [{**DB, "reason": REASON}])
    report = judge_compliant(
        lambda r: {"db": replace(r["db"], multiAz=False, deletionProtection=False)},
        config_dir=config_dir,
    )
    assert violations(report, "rds-multi-az") == []
    assert [v.name for v in violations(report, "rds-deletion-protection")] == ["db"]


def test_exemption_for_another_name_or_type_does_not_apply(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path,
        "guardrails",
        "rds-multi-az",
        [
            {**DB, "name": "reporting", "reason": REASON},
            {**DB, "type": "aws:rds/cluster:Cluster", "reason": REASON},
            {**DB, "parent": "database", "reason": REASON},
            {"urn": DB_URN.replace("::db", "::db2"), "reason": REASON},
        ],
    )
    report = judge_compliant(_single_az, config_dir=config_dir)
    assert [v.name for v in violations(report, "rds-multi-az")] == ["db"]
    assert report.exemptions == ()
    # each matches nothing: reported as stale, an error in prod
    stale = violations(report, "guardrails-exemptions-current")
    assert len(stale) == 4 and all(v.enforcement_level == "mandatory" for v in stale)
    assert all("matching no resource of this stack" in v.message for v in stale)
    assert len(report.stale_exemptions()) == 4


def test_exemption_on_a_compliant_resource_reports_nothing(tmp_path: Path) -> None:
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [{**DB, "reason": REASON}])
    report = evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    assert report.exemptions == ()
    # the finding no longer occurs: the exemption is stale, an error in prod
    (stale,) = report.violations
    assert (
        stale.policy == "guardrails-exemptions-current" and stale.enforcement_level == "mandatory"
    )
    assert stale.urn == DB_URN
    assert "no longer has a 'rds-multi-az' finding (stale)" in stale.message
    (use,) = report.exemption_uses
    assert use.stale and use.matched == (DB_URN,)


def test_exemption_works_for_stack_rules(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path,
        "guardrails",
        "security-group-no-public-ingress",
        [
            {
                "type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "name": "alb-https-in",
                "parent": "",
                "reason": "temporary load test from a partner, OPS-9",
            }
        ],
    )
    report = judge_compliant(
        lambda r: {"alb_ingress": replace(r["alb_ingress"], fromPort=0, toPort=65535)},
        config_dir=config_dir,
    )
    assert violations(report, "security-group-no-public-ingress") == []
    assert [n.name for n in report.exemptions] == ["alb-https-in"]


def test_exemption_works_for_cost_rules(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path,
        "cost",
        "rds-instance-class-allowed",
        [{"urn": DB_URN, "reason": "Black Friday capacity, until 2 Dec"}],
    )
    report = judge_compliant(
        lambda r: {"db": replace(r["db"], instanceClass="db.r7g.2xlarge")},
        config_dir=config_dir,
    )
    assert violations(report, "rds-instance-class-allowed") == []
    assert "Black Friday capacity" in report.exemptions[0].message


@pytest.mark.parametrize(
    "exemption,error",
    [
        ({**DB}, "'reason' is a required property"),
        ({**DB, "reason": ""}, "should be non-empty"),
        ({**DB, "reason": "   "}, "does not match"),
        ({"reason": REASON}, "names exactly one resource"),
        ({"name": "db", "reason": REASON}, "names exactly one resource"),
        ({**DB, "urn": DB_URN, "reason": REASON}, "names exactly one resource"),
        ({**DB, "name": "d*", "reason": REASON}, "does not match"),
        ({"resource": "db", "reason": REASON}, "'resource' was unexpected"),
        ({**DB, "reason": REASON, "until": "2025"}, "Additional properties"),
    ],
)
def test_exemption_needs_a_resource_and_a_written_reason(
    tmp_path: Path, exemption: dict[str, Any], error: str
) -> None:
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [exemption])
    with pytest.raises(PolicyConfigError) as caught:
        evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    assert "rds-multi-az: exemptions.0" in str(caught.value)
    assert error in str(caught.value)


def test_same_name_in_another_component_does_not_inherit_the_exemption(tmp_path: Path) -> None:
    """Two resources named 'db' under different parents: the exemption covers only its own."""
    config_dir = _config_dir(
        tmp_path, "guardrails", "rds-multi-az", [{**DB, "parent": "database", "reason": REASON}]
    )

    def two_databases(r):
        from foundation.records import ResourceRecord

        parent = (
            "urn:pulumi:prod::perfcheck::pulumi:pulumi:Stack$perfcheck:database:Database::database"
        )
        other = (
            "urn:pulumi:prod::perfcheck::pulumi:pulumi:Stack$perfcheck:reporting:Reporting"
            "::reporting"
        )
        db = replace(r["db"], multiAz=False)
        mine = ResourceRecord(
            **{
                **db.__dict__,
                "urn": DB_URN.replace("::aws:", "::perfcheck:database:Database$aws:"),
                "parent": parent,
            }
        )
        theirs = ResourceRecord(
            **{
                **db.__dict__,
                "urn": DB_URN.replace("::aws:", "::perfcheck:reporting:Reporting$aws:"),
                "parent": other,
            }
        )
        return {"db": mine, "db_other": theirs}

    report = judge_compliant(two_databases, config_dir=config_dir)
    assert [v.urn for v in violations(report, "rds-multi-az")] == [
        DB_URN.replace("::aws:", "::perfcheck:reporting:Reporting$aws:")
    ]
    (use,) = report.exemption_uses
    assert use.covered == (DB_URN.replace("::aws:", "::perfcheck:database:Database$aws:"),)


def test_stale_exemption_is_advisory_in_staging(tmp_path: Path) -> None:
    config = synthetic_config("staging", "guardrails")
    config["rds-multi-az"] = {
        "enforcementLevel": "mandatory",
        "exemptions": [{"urn": DB_URN.replace("prod", "staging"), "reason": REASON}],
    }
    (tmp_path / "staging.guardrails.json").write_text(json.dumps(config))
    (tmp_path / "staging.cost.json").write_text(json.dumps(synthetic_config("staging", "cost")))
    report = evaluate_packs(compliant_stack("staging"), "staging", tmp_path)
    (stale,) = violations(report, "guardrails-exemptions-current")
    assert stale.enforcement_level == "advisory"


def test_stale_cost_exemption_is_reported_by_the_cost_pack(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path, "cost", "rds-instance-class-allowed", [{"urn": DB_URN, "reason": REASON}]
    )
    report = evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    (stale,) = report.violations
    assert (stale.pack, stale.policy) == ("perfcheck-cost", "cost-exemptions-current")
    assert "'rds-instance-class-allowed'" in stale.message


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_real_stack_exemptions_each_cover_exactly_one_resource(stack: str) -> None:
    """The stacks' own exemptions: each covers the one resource it names, none is stale."""
    from tools.offline.runner import cached_run

    report = evaluate_packs(cached_run(stack), stack)
    assert report.stale_exemptions() == []
    for use in report.exemption_uses:
        assert len(use.matched) == 1 and use.covered == use.matched, str(use)
    # The reviewed-types list is reported like an exemption (a note), but is no exemption.
    covered = {(n.policy, n.urn) for n in report.exemptions if n.policy != "resource-type-judged"}
    assert covered == {(u.policy, u.covered[0]) for u in report.exemption_uses}


# -- an exemption is bound to the finding it was written for (issue 22, item 6) -----------------

CDN = {"type": "aws:cloudfront/distribution:Distribution", "name": "cdn", "parent": ""}
DEFAULT_CERT = "viewerCertificate.cloudfrontDefaultCertificate"
MINIMUM_TLS = "viewerCertificate.minimumProtocolVersion"


def _default_certificate(r):
    return {"cdn": replace(r["cdn"], viewerCertificate={"cloudfrontDefaultCertificate": True})}


def _tls_minimum(version: str):
    def change(r):
        certificate = {"acmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/x"}
        return {
            "cdn": replace(
                r["cdn"],
                viewerCertificate={**certificate, "minimumProtocolVersion": version},
            )
        }

    return change


def test_exemption_for_the_default_certificate_covers_that_finding(tmp_path: Path) -> None:
    exemption = {**CDN, "property": DEFAULT_CERT, "reason": REASON}
    config_dir = _config_dir(tmp_path, "guardrails", "cloudfront-viewer-tls", [exemption])
    report = judge_compliant(_default_certificate, config_dir=config_dir)
    assert violations(report, "cloudfront-viewer-tls") == []
    (use,) = report.exemption_uses
    assert not use.stale and DEFAULT_CERT in use.selector


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1.1_2016", "SSLv3"])
def test_exemption_for_one_property_does_not_wave_through_another(
    tmp_path: Path, version: str
) -> None:
    """Written for the default certificate, it must not cover an ACM certificate's weak TLS
    minimum: same rule, same resource, another property. The finding stays and the exemption,
    having covered nothing, is stale."""
    exemption = {**CDN, "property": DEFAULT_CERT, "reason": REASON}
    config_dir = _config_dir(tmp_path, "guardrails", "cloudfront-viewer-tls", [exemption])
    report = judge_compliant(_tls_minimum(version), config_dir=config_dir)
    (finding,) = violations(report, "cloudfront-viewer-tls")
    assert MINIMUM_TLS in finding.message
    assert [use.stale for use in report.exemption_uses] == [True]
    assert report.exemptions == ()


def test_exemption_bound_to_a_value_covers_that_value_only(tmp_path: Path) -> None:
    exemption = {**CDN, "property": MINIMUM_TLS, "found": "'TLSv1.1_2016'", "reason": REASON}
    config_dir = _config_dir(tmp_path, "guardrails", "cloudfront-viewer-tls", [exemption])
    covered = judge_compliant(_tls_minimum("TLSv1.1_2016"), config_dir=config_dir)
    assert violations(covered, "cloudfront-viewer-tls") == []
    weaker = judge_compliant(_tls_minimum("TLSv1"), config_dir=config_dir)
    assert len(violations(weaker, "cloudfront-viewer-tls")) == 1


@pytest.mark.parametrize(
    ("bound", "prop", "found", "covers"),
    [
        ({}, "anything", "'x'", True),  # unbound: every finding of the rule on the resource
        ({"property": "a.b"}, "a.b", "'x'", True),
        ({"property": "a"}, "a.b", "'x'", False),  # a parent path is not a prefix match
        ({"property": "a.b"}, "a", "'x'", False),
        ({"property": "a.b"}, "a.bc", "'x'", False),
        ({"property": "a.b", "found": "'TLSv1'"}, "a.b", "'TLSv1'", True),
        ({"property": "a.b", "found": "'TLSv1'"}, "a.b", "'TLSv1.1_2016'", False),  # no substring
        ({"property": "a.b", "found": "'TLSv1.1_2016'"}, "a.b", "'TLSv1'", False),
        ({"property": "a.b", "found": "TLSv1"}, "a.b", "TLSv1.1_2016", False),
    ],
)
def test_binding_matches_the_finding_exactly(bound, prop, found, covers) -> None:
    from perfcheck_policykit.rules import Exemption

    assert Exemption(REASON, urn=DB_URN, **bound).covers(prop, found) is covers


def test_found_without_property_is_a_config_error(tmp_path: Path) -> None:
    exemption = {**CDN, "found": "'TLSv1'", "reason": REASON}
    config_dir = _config_dir(tmp_path, "guardrails", "cloudfront-viewer-tls", [exemption])
    with pytest.raises(PolicyConfigError, match="property"):
        evaluate_packs(compliant_stack("prod"), "prod", config_dir)


def test_shipped_default_certificate_exemptions_are_bound_to_that_property() -> None:
    for stack in ("staging", "prod"):
        config = json.loads((CONFIG_DIR / f"{stack}.guardrails.json").read_text())
        for exemption in config["cloudfront-viewer-tls"]["exemptions"]:
            assert exemption["property"] == DEFAULT_CERT
