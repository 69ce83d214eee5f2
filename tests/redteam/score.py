"""Print the corpus score: `python -m tests.redteam.score [-v]`."""

from __future__ import annotations

import sys
from collections import Counter

from tests.redteam.corpus import BAD, GOOD
from tests.redteam.harness import judge


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    missed: Counter[str] = Counter()
    caught = flagged = 0
    for program in BAD:
        verdict = judge(program)
        caught += verdict.caught
        if not verdict.caught:
            missed[program.klass] += 1
        if verbose:
            mark = "CAUGHT" if verdict.caught else "MISSED"
            rules = sorted({f"{v.policy}[{v.enforcement_level[0]}]" for v in verdict.findings})
            print(f"{mark:7} {program.klass:16} {program.name:50} {' '.join(rules)}")
    for program in GOOD:
        verdict = judge(program)
        flagged += verdict.flagged
        if verbose:
            mark = "FLAGGED" if verdict.flagged else "ok"
            detail = "; ".join(f"{v.policy}: {v.message[:90]}" for v in verdict.findings)
            print(f"{mark:7} {program.klass:16} {program.name:50} {detail}")
    print(f"bad caught: {caught}/{len(BAD)}; good flagged: {flagged}/{len(GOOD)}")
    print("missed by class:", dict(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
