"""Entry point `pulumi preview --policy-pack policies/cost` runs (blocks serving gRPC)."""

from perfcheck_cost import (
    DESCRIPTION,
    ENFORCEMENT_LEVEL,
    INITIAL_CONFIG,
    PACK_NAME,
    POLICIES,
)
from perfcheck_policykit import servicer
from pulumi_policy import PolicyPack

servicer.install()
PolicyPack(
    name=PACK_NAME,
    policies=list(POLICIES),
    enforcement_level=ENFORCEMENT_LEVEL,
    initial_config=dict(INITIAL_CONFIG) or None,
    description=DESCRIPTION,
)
