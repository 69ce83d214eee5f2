"""Stateful data survives a mistaken change: destroy, replacement, or a settings edit."""

from __future__ import annotations

from foundation.records import StackRun

KEY = "aws:kms/key:Key"


def test_keys_that_encrypt_snapshots_and_backups_outlive_the_stack(each_stack: StackRun) -> None:
    keys = {k.name: k for k in each_stack.by_type(KEY)}
    kept = {"database-key", "cache-key"} | (
        {"database-dr-key"} if each_stack.stack == "prod" else set()
    )
    assert {name for name, key in keys.items() if key.retain_on_delete} == kept


def test_automated_backups_survive_deletion_or_replacement(each_stack: StackRun) -> None:
    instance = each_stack.one("aws:rds/instance:Instance")
    assert instance.wire_inputs["deleteAutomatedBackups"] is False
    assert instance.wire_inputs["skipFinalSnapshot"] is False


def test_a_replacement_gets_a_new_final_snapshot_name(each_stack: StackRun) -> None:
    suffix = each_stack.one("random:index/randomId:RandomId", "database-final-snapshot-suffix")
    instance = each_stack.one("aws:rds/instance:Instance")
    # Every input whose change makes RDS replace the instance renews the suffix.
    assert suffix.wire_inputs["keepers"] == {
        "identifier": instance.wire_inputs["identifier"],
        "dbName": instance.wire_inputs["dbName"],
        "username": instance.wire_inputs["username"],
        "kmsKeyId": instance.wire_inputs["kmsKeyId"],
    }


def test_log_buckets_can_only_be_emptied_by_destroy_where_nothing_is_protected(
    each_stack: StackRun,
) -> None:
    buckets = [r for r in each_stack.by_type("aws:s3/bucket:Bucket")]
    assert len(buckets) == 2
    for bucket in buckets:
        assert bucket.wire_inputs["forceDestroy"] is (each_stack.stack != "prod"), bucket.name
        assert bucket.protect is (each_stack.stack == "prod"), bucket.name
