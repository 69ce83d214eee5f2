"""Print the corpus score: `python -m tests.redteam.score [-v] [MODULE]`.

MODULE is the corpus module (`tests.redteam.corpus` unless given, e.g.
tests.redteam.corpus_wave4). "caught by content" leaves out findings of the fail-closed type
rule (`resource-type-judged`): what the other rules saw in the resource itself.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter

from tests.redteam.harness import judge

TYPE_RULE = "resource-type-judged"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    modules = [a for a in argv if not a.startswith("-")]
    corpus = importlib.import_module(modules[0] if modules else "tests.redteam.corpus")
    bad, good = corpus.BAD, corpus.GOOD
    missed: Counter[str] = Counter()
    caught = flagged = by_content = 0
    for program in bad:
        verdict = judge(program)
        caught += verdict.caught
        by_content += any(
            v.enforcement_level == "mandatory" and v.policy != TYPE_RULE for v in verdict.findings
        )
        if not verdict.caught:
            missed[program.klass] += 1
        if verbose:
            mark = "CAUGHT" if verdict.caught else "MISSED"
            rules = sorted({f"{v.policy}[{v.enforcement_level[0]}]" for v in verdict.findings})
            rules += ["config-rejected"] if verdict.rejected else []
            print(f"{mark:7} {program.klass:16} {program.name:50} {' '.join(rules)}")
    for program in good:
        verdict = judge(program)
        flagged += verdict.flagged
        if verbose:
            mark = "FLAGGED" if verdict.flagged else "ok"
            detail = "; ".join(f"{v.policy}: {v.message[:90]}" for v in verdict.findings)
            detail += "; ".join(f"config rejected: {e[:90]}" for e in verdict.rejected)
            print(f"{mark:7} {program.klass:16} {program.name:50} {detail}")
    print(f"bad caught: {caught}/{len(bad)}; good flagged: {flagged}/{len(good)}")
    print(f"bad caught by content (other than {TYPE_RULE}): {by_content}/{len(bad)}")
    print("missed by class:", dict(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
