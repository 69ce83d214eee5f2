"""Entry point `pulumi preview --policy-pack policies/guardrails` runs (blocks serving gRPC)."""

import sys
from pathlib import Path

# The shared kit lives beside the packs in the repository (policies/shared); a packaged pack
# (tools/package_policy_packs.py, for `pulumi policy publish`) carries its own copy instead.
_PACK = Path(__file__).resolve().parent
if not (_PACK / "perfcheck_policykit").is_dir():
    sys.path.insert(0, str(_PACK.parent / "shared"))
# The kit reads stacks through foundation/ (standard library only) at the repository's root; a
# packaged pack carries its own copy.
if not (_PACK / "foundation").is_dir():
    sys.path.insert(0, str(_PACK.parents[1]))

from perfcheck_guardrails import (  # noqa: E402
    DESCRIPTION,
    ENFORCEMENT_LEVEL,
    INITIAL_CONFIG,
    PACK_NAME,
    POLICIES,
)
from perfcheck_policykit import servicer  # noqa: E402
from pulumi_policy import PolicyPack  # noqa: E402

servicer.install()
PolicyPack(
    name=PACK_NAME,
    policies=list(POLICIES),
    enforcement_level=ENFORCEMENT_LEVEL,
    initial_config=dict(INITIAL_CONFIG) or None,
    description=DESCRIPTION,
)
