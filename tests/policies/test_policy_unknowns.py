"""Preview unknowns: never a crash, never a silent pass of what the known part shows.

Values computed from other resources' outputs reach the packs as the engine's unknown sentinel
during `pulumi preview`. Each rule judges what is known, and says which property it could not
judge in a "[not judged during preview]" note (an advisory diagnostic) instead of letting the SDK
downgrade the whole rule to one vague "can't run policy" line.
"""

from __future__ import annotations

import pytest

from foundation.records import ResourceRecord
from tests.policies.builders import UNKNOWN, record, replace, with_options
from tests.policies.cases import R, https_listener, sg_rule
from tests.policies.support import run_case, violations


def _notes(report, policy: str) -> list[str]:
    return [n.message for n in report.diagnostics if n.policy == policy]


def unknown(r: R, role: str, prop: str) -> dict[str, ResourceRecord | None]:
    """`prop` of the program's record `role` (or of an added HTTPS listener, "https") unknown."""
    records = {**r, **https_listener(r)}
    return {role: replace(records[role], **{prop: UNKNOWN})}


def unknown_role_arns(r: R) -> ResourceRecord:
    """The task with both role ARNs unknown, as at a first preview (the roles are created in the
    same update): the rule then compares the roles through the property dependencies."""
    return replace(r["task"], taskRoleArn=UNKNOWN, executionRoleArn=UNKNOWN)


def test_unknown_deciding_value_is_a_note_and_known_parts_are_still_judged() -> None:
    report = run_case(lambda r: {"db": replace(r["db"], storageEncrypted=UNKNOWN, multiAz=False)})
    assert violations(report, "rds-storage-encrypted") == []
    notes = _notes(report, "rds-storage-encrypted")
    assert len(notes) == 1
    assert (
        "aws:rds/instance:Instance 'database-instance': storageEncrypted is not known" in notes[0]
    )
    # the same resource's known, failing property is still reported (mandatory)
    assert [v.name for v in violations(report, "rds-multi-az")] == ["database-instance"]
    assert report.diagnostics[0].urn.endswith("::database-instance")


def test_unknown_container_definitions_note_every_container_rule() -> None:
    report = run_case(lambda r: {"task": replace(r["task"], containerDefinitions=UNKNOWN)})
    noted = {n.policy for n in report.diagnostics}
    assert {
        "ecs-container-non-root-user",
        "ecs-container-read-only-root-filesystem",
        "ecs-essential-container-health-check",
        "ecs-depends-on-healthy-has-health-check",
        "ecs-container-logging",
        "ecs-container-not-privileged",
        "ecs-no-credentials-in-environment",
        "no-database-on-efs",
    } <= noted
    assert report.mandatory() == []


def test_unknown_key_arn_counts_as_set() -> None:
    # kmsKeyId is unknown at a first preview (the key is created in the same update)
    report = run_case(lambda r: {"secret": replace(r["secret"], kmsKeyId=UNKNOWN)})
    assert violations(report, "secretsmanager-secret-customer-managed-key") == []
    assert _notes(report, "secretsmanager-secret-customer-managed-key") == []


def test_unknown_tag_value_is_a_note_per_key_and_other_keys_are_judged() -> None:
    def changes(r):
        tags = {"Project": "perfcheck", "Environment": UNKNOWN, "Owner": ""}
        return {"topic": replace(r["topic"], tags=tags)}

    report = run_case(changes)
    notes = _notes(report, "required-cost-tags")
    assert any("tags.Environment is not known" in n for n in notes)
    assert [v.message for v in violations(report, "required-cost-tags")] == [
        "aws:sns/topic:Topic 'observability-alarms': tags is empty Owner; expected a non-empty "
        "value for every cost tag."
    ]


def test_unknown_cidr_is_a_note_and_other_rules_are_still_judged() -> None:
    def changes(r):
        ingress = replace(r["alb_ingress"], cidrIpv4=UNKNOWN, drop=["prefixListId"])
        public = sg_rule(r, "alb-http-in", cidrBlocks=["0.0.0.0/0"], fromPort=0, toPort=65535)
        return {"alb_ingress": ingress, **public}

    report = run_case(changes)
    notes = _notes(report, "security-group-no-public-ingress")
    assert any("'network-lb-from-cloudfront': cidrIpv4 is not known" in n for n in notes)
    assert {v.name for v in violations(report, "security-group-no-public-ingress")} == {
        "alb-http-in"
    }


def test_public_rule_on_wrong_port_fails_even_when_its_group_is_unknown() -> None:
    def changes(r):
        (rule,) = sg_rule(
            r,
            "alb-http-in",
            cidrBlocks=["0.0.0.0/0"],
            ipv6CidrBlocks=["::/0"],
            fromPort=22,
            toPort=22,
        ).values()
        no_deps = ResourceRecord(**{**rule.__dict__, "property_dependencies": {}})
        return {"alb-http-in": no_deps}

    report = run_case(changes)
    found = violations(report, "security-group-no-public-ingress")
    assert [v.name for v in found] == ["alb-http-in", "alb-http-in"]  # IPv4 and IPv6


def test_unresolvable_parameter_group_is_a_note_not_a_pass() -> None:
    def changes(r):
        db = ResourceRecord(**{**r["db"].__dict__, "property_dependencies": {}})
        db = replace(db, parameterGroupName=UNKNOWN)
        return {"db": db}

    report = run_case(changes)
    assert violations(report, "rds-force-ssl") == []
    assert any("parameterGroupName is not known" in n for n in _notes(report, "rds-force-ssl"))


def test_task_roles_compared_through_dependencies_when_arns_are_unknown() -> None:
    report = run_case(lambda r: {"task": unknown_role_arns(r)})  # different role resources
    assert violations(report, "ecs-task-role-distinct-from-execution-role") == []
    assert _notes(report, "ecs-task-role-distinct-from-execution-role") == []

    def no_deps(r):
        task = ResourceRecord(**{**unknown_role_arns(r).__dict__, "property_dependencies": {}})
        return {"task": task}

    report = run_case(no_deps)
    assert _notes(report, "ecs-task-role-distinct-from-execution-role")


@pytest.mark.parametrize(
    "role,prop",
    [
        ("cache", "transitEncryptionEnabled"),
        ("cdn", "viewerCertificate"),
        ("service", "networkConfiguration"),
        ("cluster", "settings"),
        ("key", "enableKeyRotation"),
        ("log_group", "retentionInDays"),
        ("budget", "notifications"),
        ("https", "sslPolicy"),
        ("db", "backupRetentionPeriod"),
        ("db", "instanceClass"),
        ("db", "storageType"),
        ("cache", "automaticFailoverEnabled"),
        ("app_sg", "ingress"),
    ],
)
def test_any_unknown_input_never_crashes_and_never_passes_silently(role: str, prop: str) -> None:
    report = run_case(lambda r: unknown(r, role, prop))
    rule_errors = [v for v in report.violations if "[rule error]" in v.message]
    assert rule_errors == []
    assert report.mandatory() == [], [str(v) for v in report.mandatory()]
    assert any(prop in n.message for n in report.diagnostics), [str(n) for n in report.diagnostics]


def test_unknown_http_listener_actions_on_an_internet_facing_balancer_are_a_note() -> None:
    """(The program's ALB is internal behind CloudFront's VPC origin: its HTTP listener may
    forward, so the rule reads its actions only once the ALB faces the internet.)"""
    rule = "alb-http-listener-redirects-to-https"
    report = run_case(
        lambda r: {
            "alb": replace(r["alb"], internal=False),
            "http_listener": replace(r["http_listener"], defaultActions=UNKNOWN),
        }
    )
    assert violations(report, rule) == []
    assert any("defaultActions" in n for n in _notes(report, rule)), _notes(report, rule)


def test_unknown_inside_a_list_element_is_localised() -> None:
    report = run_case(
        lambda r: {
            "cdn": replace(
                r["cdn"],
                orderedCacheBehaviors=[
                    UNKNOWN,
                    {
                        **r["cdn"].wire_inputs["orderedCacheBehaviors"][0],
                        "viewerProtocolPolicy": "allow-all",
                    },
                ],
            ),
        }
    )
    assert [v.name for v in violations(report, "cloudfront-viewer-https")] == ["cdn-distribution"]
    assert any("orderedCacheBehaviors[0]" in n for n in _notes(report, "cloudfront-viewer-https"))


def test_protect_is_a_resource_option_and_always_known() -> None:
    report = run_case(lambda r: {"cache": with_options(r["cache"], protect=False)})
    assert [v.name for v in violations(report, "stateful-resources-protected")] == ["cache-group"]


# -- issue 15, class 6: no rule returns clean on an unknown it depends on ----------------------


def test_task_roles_with_different_dependency_sets_but_one_role_are_the_same_role() -> None:
    """An ARN built with an apply over the role and another resource has more dependencies, yet
    names the same role: differing dependency sets do not mean different roles."""

    def shared_role(r):
        deps = {
            "taskRoleArn": (r["execution_role"].urn, r["key"].urn),
            "executionRoleArn": (r["execution_role"].urn,),
        }
        return {
            "task": ResourceRecord(
                **{**unknown_role_arns(r).__dict__, "property_dependencies": deps}
            )
        }

    (found,) = violations(run_case(shared_role), "ecs-task-role-distinct-from-execution-role")
    assert "derived from the same role as executionRoleArn" in found.message


def test_task_role_depending_on_no_role_is_a_note_not_a_pass() -> None:
    def not_roles(r):
        deps = {"taskRoleArn": (r["key"].urn,), "executionRoleArn": (r["execution_role"].urn,)}
        return {
            "task": ResourceRecord(
                **{**unknown_role_arns(r).__dict__, "property_dependencies": deps}
            )
        }

    report = run_case(not_roles)
    assert violations(report, "ecs-task-role-distinct-from-execution-role") == []
    assert _notes(report, "ecs-task-role-distinct-from-execution-role")


def test_an_unknown_a_rule_reads_and_does_not_note_is_noted_by_the_kit() -> None:
    """Performance Insights off, Database Insights mode unknown: the rule returns early on the
    known flag; the kit notes the unknown mode instead of a silent pass."""
    report = run_case(
        lambda r: {
            "db": replace(
                r["db"],
                performanceInsightsEnabled=False,
                databaseInsightsMode=UNKNOWN,
                drop=["performanceInsightsKmsKeyId"],
            )
        }
    )
    notes = _notes(report, "rds-performance-insights-encrypted")
    assert any("databaseInsightsMode" in n for n in notes), notes
    assert report.mandatory() == []


def test_service_whose_task_definition_cannot_be_told_is_a_note() -> None:
    def untraceable(r):
        service = replace(r["service"], taskDefinition=UNKNOWN)
        service = ResourceRecord(**{**service.__dict__, "property_dependencies": {}})
        return {"service": service}

    report = run_case(untraceable)
    assert _notes(report, "ecs-essential-container-health-check")


@pytest.mark.parametrize(
    "role,prop",
    [
        ("task", "volumes"),
        ("task", "pidMode"),
        ("https", "protocol"),
    ],
)
def test_new_fields_unknown_are_notes(role: str, prop: str) -> None:
    report = run_case(lambda r: unknown(r, role, prop))
    assert report.mandatory() == [], [str(v) for v in report.mandatory()]
    assert any(prop in n.message for n in report.diagnostics), [str(n) for n in report.diagnostics]


def test_default_parameter_group_with_unknown_engine_version_is_a_note() -> None:
    """PostgreSQL 15+ forces TLS by default, older majors do not: an unknown version decides."""
    report = run_case(
        lambda r: {
            "db": replace(r["db"], drop=["parameterGroupName"], engineVersion=UNKNOWN),
            "db_params": None,
        }
    )
    assert violations(report, "rds-force-ssl") == []
    assert any("engineVersion" in n for n in _notes(report, "rds-force-ssl"))


def test_a_bucket_policy_unknown_at_preview_is_a_note_not_a_judged_document() -> None:
    """Property: a bucket policy whose document is computed (unknown during preview) is not
    parsed as a policy (no 'not valid JSON' finding) and not passed silently: a note."""
    report = run_case(
        lambda r: {
            "bucket_policy": record(
                "prod",
                "aws:s3/bucketPolicy:BucketPolicy",
                "cdn-logs-policy",
                {"bucket": "cdn-logs-1a2b", "policy": UNKNOWN},
                computed={"id": "cdn-logs-1a2b"},
            )
        }
    )
    assert violations(report, "s3-bucket-not-public") == []
    (note,) = _notes(report, "s3-bucket-not-public")
    assert "'cdn-logs-policy': policy is not known" in note
