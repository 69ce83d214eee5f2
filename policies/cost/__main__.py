"""Entry point `pulumi preview --policy-pack policies/cost` runs (blocks serving gRPC)."""

import sys
from pathlib import Path

# The shared kit lives beside the packs in the repository (policies/shared); a packaged pack
# (tools/package_policy_packs.py, for `pulumi policy publish`) carries its own copy instead.
_PACK = Path(__file__).resolve().parent
if not (_PACK / "perfcheck_policykit").is_dir():
    sys.path.insert(0, str(_PACK.parent / "shared"))
# The cost estimate (estimate/ and the price table in foundation/) lives at the repository's
# root; a packaged pack carries its own copy of both.
if not (_PACK / "estimate").is_dir():
    sys.path.insert(0, str(_PACK.parents[1]))

import perfcheck_cost  # noqa: E402
from perfcheck_policykit.servicer import serve  # noqa: E402

serve(perfcheck_cost)
