"""Package each policy pack as `pulumi policy publish` needs it: one self-contained directory.

In the repository the packs share one kit (`policies/shared/perfcheck_policykit`), which each
pack's `__main__.py` finds beside it. `pulumi policy publish` uploads a single directory, so the
package copies the pack and the kit into `out/policy-packs/<pack>/`, from where it is published.

Usage: python -m tools.package_policy_packs [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
KIT = POLICIES / "shared" / "perfcheck_policykit"
PACKS = ("guardrails", "cost", "deploy")
ESTIMATE_PACKAGES = {
    "guardrails": ("foundation",),
    "cost": ("estimate", "foundation"),
    "deploy": ("foundation",),
}
"""Project packages a pack imports (pure standard library): every pack reads the stack through
`foundation.stackmodel` (the kit does), the cost pack prices it with `estimate`."""
SKIP = shutil.ignore_patterns("venv", "__pycache__", "*.pyc")


def package(pack: str, out: Path) -> Path:
    """Copy pack `pack` and the kit into `out/<pack>` (replacing it); return that directory."""
    if pack not in PACKS:
        raise ValueError(f"unknown policy pack {pack!r}; known packs: {', '.join(PACKS)}")
    target = out / pack
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(POLICIES / pack, target, ignore=SKIP)
    shutil.copytree(KIT, target / KIT.name, ignore=SKIP)
    for package_name in ESTIMATE_PACKAGES.get(pack, ()):
        shutil.copytree(ROOT / package_name, target / package_name, ignore=SKIP)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "policy-packs")
    args = parser.parse_args(argv)
    for pack in PACKS:
        target = package(pack, args.out)
        sys.stdout.write(
            f"packaged {pack}: {target}  (publish: cd {target} && pulumi policy publish <org>)\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
