"""Controls judged by effect, resources made at run time, and the false positives of issue 22.

Properties guarded (each test names its own):
- a control that is present but does nothing (count-only WAF, zero bake, a controller with no
  rollback, a scan filter matching nothing, a placeholder tag) is a finding;
- a control that works by another route passes: registry-wide enhanced scanning, an instance's
  encrypted root from its launch template, a queue worker deploying ROLLING with rollback;
- settings that make resources at run time are judged on the resource that makes them.
The non-compliant members of each class run in test_policy_rules (tests/policies/type_cases.py).
"""

from __future__ import annotations

from typing import Any

from tests.policies.builders import UNKNOWN, record, replace
from tests.policies.support import mandatory_but_unpriced, run_case, violations
from tests.policies.type_cases import instance, managed_group, repository_and_registry, web_acl


def _mandatory(report: Any) -> list[str]:
    return [str(v) for v in mandatory_but_unpriced(report)]


def test_registry_wide_enhanced_scanning_passes_a_repository_without_scan_on_push() -> None:
    """False positive of issue 22: the rule's own message recommends registry-wide scanning."""
    report = run_case(repository_and_registry("*"))
    assert violations(report, "ecr-repository-immutable-scanned") == []
    assert _mandatory(report) == []


def test_registry_scanning_that_matches_no_repository_is_hollow() -> None:
    (finding,) = violations(
        run_case(repository_and_registry("perfcheck-legacy/*")), "ecr-repository-immutable-scanned"
    )
    assert "no registry scanning rule's filter matches the repository" in finding.message


def test_an_instance_whose_encrypted_root_comes_from_its_launch_template_passes() -> None:
    """False positive of issue 22: no rootBlockDevice, a launch template of this stack (its id
    computed during preview) whose volumes the EBS rule judges."""
    report = run_case(instance(launchTemplate={"id": UNKNOWN, "version": "$Latest"}))
    assert violations(report, "ebs-volume-encrypted") == []
    assert violations(report, "no-gp2-storage") == []
    assert _mandatory(report) == []


def test_an_instance_with_neither_root_device_nor_template_is_still_refused() -> None:
    (finding,) = violations(run_case(instance()), "ebs-volume-encrypted")
    assert "rootBlockDevice is not set" in finding.message


def test_a_queue_worker_without_load_balancer_deploys_rolling_with_rollback_in_prod() -> None:
    """False positive of issue 22: prod allows only traffic-shifting strategies, which need a
    load balancer; a worker has none, so ROLLING (with circuit breaker and alarms) passes."""
    report = run_case(
        lambda r: {
            "service": replace(
                r["service"],
                drop=["loadBalancers"],
                deploymentConfiguration={"strategy": "ROLLING"},
            )
        }
    )
    assert violations(report, "ecs-service-deploys-with-automatic-rollback") == []
    assert _mandatory(report) == []


def test_a_service_behind_a_load_balancer_may_not_fall_back_to_rolling() -> None:
    report = run_case(
        lambda r: {
            "service": replace(r["service"], deploymentConfiguration={"strategy": "ROLLING"})
        }
    )
    (finding,) = violations(report, "ecs-service-deploys-with-automatic-rollback")
    assert "deploymentConfiguration.strategy is 'ROLLING'" in finding.message


def test_a_service_reached_through_service_connect_may_not_fall_back_to_rolling() -> None:
    """Service Connect sends it traffic that a canary or blue/green deployment can shift."""
    report = run_case(
        lambda r: {
            "service": replace(
                r["service"],
                drop=["loadBalancers"],
                deploymentConfiguration={"strategy": "ROLLING"},
                serviceConnectConfiguration={"enabled": True, "namespace": "internal"},
            )
        }
    )
    (finding,) = violations(report, "ecs-service-deploys-with-automatic-rollback")
    assert "deploymentConfiguration.strategy is 'ROLLING'" in finding.message


def test_a_queue_worker_must_still_roll_back() -> None:
    report = run_case(
        lambda r: {
            "service": replace(
                r["service"],
                drop=["loadBalancers", "deploymentCircuitBreaker"],
                deploymentConfiguration={"strategy": "ROLLING"},
            )
        }
    )
    found = violations(report, "ecs-service-deploys-with-automatic-rollback")
    assert any("deploymentCircuitBreaker.enable" in v.message for v in found)


def test_a_web_acl_whose_managed_groups_only_count_is_hollow() -> None:
    report = run_case(web_acl("allow", [managed_group("count")]))
    (finding,) = violations(report, "waf-web-acl-effective")
    assert "1 rule(s) that only count or allow, with defaultAction allow" in finding.message


def test_code_deploy_rolls_back_only_when_its_group_does() -> None:
    def code_deploy(enabled: bool) -> Any:
        return lambda r: {
            "service": replace(r["service"], deploymentController={"type": "CODE_DEPLOY"}),
            "group": record(
                "prod",
                "aws:codedeploy/deploymentGroup:DeploymentGroup",
                "app-deploy",
                {
                    "ecsService": {"serviceName": "app", "clusterName": UNKNOWN},
                    "autoRollbackConfiguration": {
                        "enabled": enabled,
                        "events": ["DEPLOYMENT_FAILURE"],
                    },
                    "tags": r["db"].wire_inputs["tags"],
                },
                property_dependencies={"ecsService": [r["service"].urn]},
            ),
        }

    rule = "ecs-deployment-controller-rolls-back"
    assert violations(run_case(code_deploy(True)), rule) == []
    (finding,) = violations(run_case(code_deploy(False)), rule)
    assert "does not roll back on DEPLOYMENT_FAILURE" in finding.message


def test_a_lambda_writing_to_an_explicit_log_group_passes_and_an_implicit_one_is_refused() -> None:
    def function(logging: dict[str, Any] | None) -> Any:
        inputs: dict[str, Any] = {"name": "perfcheck-prod-resize", "role": UNKNOWN}
        if logging is not None:
            inputs["loggingConfig"] = logging
        return lambda r: {
            "fn": record(
                "prod",
                "aws:lambda/function:Function",
                "resize",
                {**inputs, "tags": r["db"].wire_inputs["tags"]},
                property_dependencies={"loggingConfig": [r["log_group"].urn]} if logging else None,
            )
        }

    rule = "lambda-log-group-managed"
    assert violations(run_case(function({"logGroup": UNKNOWN, "logFormat": "JSON"})), rule) == []
    (finding,) = violations(run_case(function(None)), rule)
    assert "Lambda creates at run time" in finding.message


def _code_deploy_with(rollback: dict[str, Any]) -> Any:
    """The app service on CODE_DEPLOY, with a deployment group whose rollback is `rollback`."""
    return lambda r: {
        "service": replace(r["service"], deploymentController={"type": "CODE_DEPLOY"}),
        "group": record(
            "prod",
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            "app-deploy",
            {
                "ecsService": {"serviceName": "app", "clusterName": UNKNOWN},
                "autoRollbackConfiguration": rollback,
                "tags": r["db"].wire_inputs["tags"],
            },
            property_dependencies={"ecsService": [r["service"].urn]},
        ),
    }


def _notes(report: Any, policy: str) -> list[str]:
    return [n.message for n in report.diagnostics if n.policy == policy]


def test_rollback_events_without_enabled_true_do_not_roll_back() -> None:
    """Property: a deployment group rolls back only when `enabled` is true (left out, it is
    off) with DEPLOYMENT_FAILURE among the events; events alone are a finding of the group's
    switch rule and of the service's controller rule."""
    report = run_case(_code_deploy_with({"events": ["DEPLOYMENT_FAILURE"]}))
    (switch,) = violations(report, "control-not-switched-off")
    assert "autoRollbackConfiguration is enabled not set" in switch.message
    (controller,) = violations(report, "ecs-deployment-controller-rolls-back")
    assert "does not roll back on DEPLOYMENT_FAILURE" in controller.message


def test_a_rollback_switch_unknown_at_preview_is_a_note_for_both_rules() -> None:
    """Property: `enabled` unknown inside a known rollback configuration is neither a pass nor
    a finding: both rules that read it say they could not judge it."""
    report = run_case(_code_deploy_with({"enabled": UNKNOWN, "events": ["DEPLOYMENT_FAILURE"]}))
    for rule, judged in (
        ("control-not-switched-off", "autoRollbackConfiguration is not known"),
        ("ecs-deployment-controller-rolls-back", "its deployment group's rollback) is not known"),
    ):
        assert violations(report, rule) == []
        assert any(judged in note for note in _notes(report, rule)), _notes(report, rule)


def test_a_web_acl_whose_default_action_is_unknown_is_a_note_not_a_finding() -> None:
    """Property: an unknown default action may be block, so count-only rules under it are not
    judged hollow; the rule says it could not judge defaultAction."""
    report = run_case(web_acl("allow", [managed_group("count")], defaultAction=UNKNOWN))
    assert violations(report, "waf-web-acl-effective") == []
    (note,) = _notes(report, "waf-web-acl-effective")
    assert "defaultAction is not known" in note
