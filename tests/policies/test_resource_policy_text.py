"""A resource policy the rules cannot read is a finding, not a pass.

Property: policy text that is not JSON (a bucket policy, a queue's or a topic's policy) is a
violation of the rule that judges who the policy lets in (`s3-bucket-not-public`,
`resource-policy-not-public`): the rule cannot say the resource is private, and the service
would refuse the text. Both rules read documents through one helper in public_access.py.
"""

from __future__ import annotations

import pytest

from tests.policies.support import run_case, violations
from tests.policies.type_cases import extra

NOT_JSON = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'

CASES = (
    ("aws:s3/bucketPolicy:BucketPolicy", "site-policy", "s3-bucket-not-public"),
    ("aws:sqs/queuePolicy:QueuePolicy", "jobs-policy", "resource-policy-not-public"),
    ("aws:sns/topicPolicy:TopicPolicy", "alerts-policy", "resource-policy-not-public"),
)


@pytest.mark.parametrize(("type_token", "name", "rule"), CASES)
def test_policy_text_that_is_not_json_is_a_violation(type_token: str, name: str, rule: str) -> None:
    inputs = {"policy": NOT_JSON, "bucket": "perfcheck-prod-site", "queueUrl": "q", "arn": "t"}
    report = run_case(extra(type_token, name, inputs))
    found = [v for v in violations(report, rule) if name in str(v.urn)]
    assert found, f"{rule} passed {type_token} whose policy is not JSON"
    assert all("not valid JSON" in v.message for v in found), found
