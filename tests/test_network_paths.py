"""Every path between two security groups is opened on both sides, on the same port.

A security group rule alone opens nothing: traffic from group A to group B on port P needs A's
egress to B on P and B's ingress from A on P (or an egress of A to a CIDR that covers B's
addresses on P, as the tasks' HTTPS egress to anywhere does). A dropped rule or a port written
differently on one side is a path that exists on paper only: the deploy succeeds and the
connection times out. Written for two survivors of the lines engineer's mutation sample (seed
2312): the service's egress to the cache left out, and the proxy's egress to the database on
5431."""

from __future__ import annotations

import functools

import pytest

from components.network import Network
from foundation.records import ResourceRecord, StackRun
from tools.offline.runner import run_program

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

Path = tuple[str, str, float]
"""(from group, to group, port)."""


def _paths(rules: list[ResourceRecord], *, ingress: bool) -> set[Path]:
    found = set()
    for rule in rules:
        inputs = rule.wire_inputs
        peer = inputs.get("referencedSecurityGroupId")
        if peer is None:
            continue
        own = inputs["securityGroupId"]
        found.add((peer, own, inputs["fromPort"]) if ingress else (own, peer, inputs["fromPort"]))
    return found


def _open_egress(run: StackRun) -> set[tuple[str, float]]:
    """(group, port) of egress rules to any IPv4 address."""
    return {
        (r.wire_inputs["securityGroupId"], r.wire_inputs["fromPort"])
        for r in run.by_type(EGRESS)
        if r.wire_inputs.get("cidrIpv4") == "0.0.0.0/0"
    }


@functools.cache
def _network_alone(database_proxy: bool) -> StackRun:
    """The Network component by itself: the stacks both run RDS Proxy, so the direct path from
    the service to the database is built only here."""

    def program() -> None:
        Network(
            "network",
            {
                "name_prefix": "perfcheck-test",
                "cidr": "10.40.0.0/16",
                "availability_zones": 2,
                "nat_per_az": False,
                "flow_log_retention_days": 30,
                "app_port": 3000,
                "load_balancer_port": 80,
                "database_proxy": database_proxy,
                "protect": False,
            },
        )

    return run_program(program)


@pytest.fixture(params=["staging", "prod", "network-with-proxy", "network-without-proxy"])
def run(request: pytest.FixtureRequest) -> StackRun:
    if request.param.startswith("network-"):
        return _network_alone(request.param == "network-with-proxy")
    return request.getfixturevalue(request.param)  # the committed stack (conftest)


def test_every_egress_to_a_group_is_admitted_by_that_group(run: StackRun) -> None:
    admitted = _paths(run.by_type(INGRESS), ingress=True)
    sent = _paths(run.by_type(EGRESS), ingress=False)
    assert sent, "no group-to-group rule at all: the test would prove nothing"
    assert sent - admitted == set()


def test_every_ingress_from_a_group_is_sent_by_that_group(run: StackRun) -> None:
    admitted = _paths(run.by_type(INGRESS), ingress=True)
    sent = _paths(run.by_type(EGRESS), ingress=False)
    anywhere = _open_egress(run)
    unsent = {(a, b, port) for a, b, port in admitted - sent if (a, port) not in anywhere}
    assert unsent == set()
