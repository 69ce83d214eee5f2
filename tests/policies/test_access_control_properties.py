"""Who can reach the data stores (perfcheck_guardrails/access_control.py), property by property.

Written for the survivors of the lines engineer's mutation sample (seed 2312): each test names
the property it guards and the mutant it kills is in its docstring."""

from __future__ import annotations

from typing import Any

from tests.policies.builders import UNKNOWN, record, replace
from tests.policies.bypass_cases import rbac, replica
from tests.policies.support import run_case, violations

MASTER_PASSWORD = "rds-managed-master-password"
OPEN_USER = "elasticache-rbac-no-open-user"


def test_a_read_replica_needs_no_master_password_of_its_own() -> None:
    """A replica has no master user (RDS copies the source's): it is never asked for a managed
    password. Kills `exempt is None or exempt` -> `and`."""
    report = run_case(lambda r: replica(r))
    assert not [v for v in violations(report, MASTER_PASSWORD) if v.name == "db-replica"]


def test_a_computed_replica_source_is_judged_not_left_as_unknown() -> None:
    """A replica's source id is usually computed (another resource's output): that alone makes
    it a replica, so the rule judges it and notes nothing as 'not judged during preview'.
    Kills dropping `ctx.accept_unknown("replicateSourceDb")`."""
    report = run_case(lambda r: replica(r))
    notes = [n for n in report.diagnostics if n.policy == MASTER_PASSWORD]
    assert [n.name for n in notes] == []


def test_a_replica_that_still_sets_a_password_is_not_judged_as_a_primary() -> None:
    """The same property from the other side: the primary beside it is still judged."""
    report = run_case(lambda r: {**replica(r), "db": replace(r["db"], password="hunter2-hunter2")})
    names = {v.name for v in violations(report, MASTER_PASSWORD)}
    assert names == {"database-instance"}


def _open_user(**overrides: Any) -> dict[str, Any]:
    return {
        "userId": "app-default",
        "userName": "default",
        "accessString": "on ~* +@all",
        "authenticationMode": {"type": "no-password-required"},
        **overrides,
    }


def test_an_access_string_that_is_not_text_is_judged_without_an_internal_error() -> None:
    """A user whose access string is not a string is not 'on': no finding, and no crash of the
    rule. Kills dropping `isinstance(access, str)` from the open-user test."""
    report = run_case(lambda r: rbac(r, ["app-default"], _open_user(accessString=7)))
    assert violations(report, OPEN_USER) == []


def test_a_user_is_found_by_its_user_id_before_its_id_is_known() -> None:
    """During a first preview a new user's `id` output is unknown; the group names it by userId,
    the user's own input, which is how the rule must find it (here with no property
    dependencies to fall back on). Kills dropping "userId" from the reference keys."""

    def change(r: Any) -> dict[str, Any]:
        built = rbac(r, ["app-default"], _open_user())
        user = built["user0"]
        built["user0"] = record(
            "prod",
            user.type,
            user.name,
            dict(user.wire_inputs),
            computed={"id": UNKNOWN, "arn": UNKNOWN},
        )
        group = built["user_group"]
        built["user_group"] = record(
            "prod", group.type, group.name, dict(group.wire_inputs), computed={"id": "cache-users"}
        )
        return built

    found = [v for v in violations(run_case(change), OPEN_USER) if v.name == "cache-users"]
    assert len(found) == 1  # the group's finding (the open user has its own as well)
    assert "needs no password and is on" in found[0].message


def test_no_password_required_alone_opens_a_user() -> None:
    """`noPasswordRequired: true` opens a user whatever its authentication mode says (the
    provider sends it as NoPasswordRequired to CreateUser): such a user, switched on, is a
    finding; the same user with the flag off and a password mode is not. Kills dropping
    `values.as_bool(no_password) is True` from the open-user test."""
    opened = _open_user(noPasswordRequired=True, authenticationMode={"type": "password"})
    closed = _open_user(noPasswordRequired=False, authenticationMode={"type": "password"})
    found = violations(run_case(lambda r: rbac(r, ["app-default"], opened)), OPEN_USER)
    group = [v for v in found if "needs no password and is on" in v.message]
    assert len(group) == 1 and len(found) == 2  # the group's finding and the user's own
    assert violations(run_case(lambda r: rbac(r, ["app-default"], closed)), OPEN_USER) == []
