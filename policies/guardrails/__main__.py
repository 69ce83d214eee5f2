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

import perfcheck_guardrails  # noqa: E402
from perfcheck_policykit.servicer import serve  # noqa: E402

serve(perfcheck_guardrails)
