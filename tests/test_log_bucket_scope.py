"""The deploy role manages only its own stack's log buckets, and every log bucket the program
creates is one it may manage.

S3 judges bucket-configuration calls by the bucket's name, not its tags
(tests/test_deploy_role_untaggable.py), so the deploy policy's statement for the log buckets
names them by pattern. Properties, on every committed stack:
- each bucket the program registers matches a pattern of that statement, as the bootstrap
  renders it for the stack (the role can create and configure it);
- each pattern carries the stack's own name, so staging's role cannot configure prod's log
  buckets (before, `cdn-logs-*` matched every stack's CDN log bucket).
"""

from __future__ import annotations

import fnmatch

import pytest

from foundation.records import StackRun
from tests.test_deploy_role import _policy

BUCKET = "aws:s3/bucket:Bucket"


def log_bucket_patterns(stack: str) -> list[str]:
    """The bucket patterns of the statement that may write bucket policies (the log buckets)."""
    for statement in _policy(stack)["Statement"]:
        actions = statement.get("Action")
        allows = statement["Effect"] == "Allow" and isinstance(actions, list)
        if allows and "s3:PutBucketPolicy" in actions:
            resources = statement["Resource"]
            return [resources] if isinstance(resources, str) else list(resources)
    raise AssertionError("no statement lets the deploy role write a bucket policy")


def test_every_log_bucket_is_one_the_stacks_role_may_configure(each_stack: StackRun) -> None:
    patterns = log_bucket_patterns(each_stack.stack)
    buckets = [r.outputs["bucket"] for r in each_stack.by_type(BUCKET)]
    assert buckets
    for name in buckets:
        arn = f"arn:aws:s3:::{name}"
        assert any(fnmatch.fnmatchcase(arn, p) for p in patterns), (name, patterns)


@pytest.mark.parametrize("stack", ["staging", "prod", "prod-dr"])
def test_every_log_bucket_pattern_names_the_stack(stack: str) -> None:
    for pattern in log_bucket_patterns(stack):
        assert pattern.startswith(f"arn:aws:s3:::perfcheck-{stack}-"), pattern
        other = "prod" if stack == "staging" else "staging"
        assert not fnmatch.fnmatchcase(f"arn:aws:s3:::perfcheck-{other}-cdn-logs-1", pattern)
