"""The CloudFront web ACL's rules, as plain data (pulumi-aws `wafv2.WebAcl` `rules` input shape).

Order matters: WAF evaluates by priority and stops at the first terminating action, so the cheap
IP-based rules (rate limit, reputation) run before the body-inspecting managed groups.
"""

from __future__ import annotations

from typing import Any, Final

MANAGED_RULE_GROUPS: Final = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)

COUNT_ONLY_RULES: Final = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
"""Rules that only count: CommonRuleSet blocks request bodies above 8 KB, which legitimate
Server Action and API posts exceed; the app limits body sizes itself."""

RATE_WINDOW_SECONDS: Final = 300


def metric_name(prefix: str, rule: str) -> str:
    """CloudWatch metric names: letters, digits, `-` and `_` only, at most 128 characters."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in f"{prefix}-{rule}")
    return cleaned[:128]


def visibility(prefix: str, rule: str) -> dict[str, Any]:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric_name(prefix, rule),
        "sampled_requests_enabled": True,
    }


def web_acl_rules(prefix: str, rate_limit: int) -> list[dict[str, Any]]:
    """A per-IP rate limit first, then the AWS managed groups (their own actions, some counted)."""
    rules: list[dict[str, Any]] = [
        {
            "name": "rate-limit-per-ip",
            "priority": 0,
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": rate_limit,
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": RATE_WINDOW_SECONDS,
                }
            },
            "visibility_config": visibility(prefix, "rate-limit"),
        }
    ]
    for offset, group in enumerate(MANAGED_RULE_GROUPS, start=1):
        statement: dict[str, Any] = {"name": group, "vendor_name": "AWS"}
        overrides = COUNT_ONLY_RULES.get(group, ())
        if overrides:
            statement["rule_action_overrides"] = [
                {"name": rule, "action_to_use": {"count": {}}} for rule in overrides
            ]
        rules.append(
            {
                "name": group,
                "priority": offset,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": statement},
                "visibility_config": visibility(prefix, group),
            }
        )
    return rules
