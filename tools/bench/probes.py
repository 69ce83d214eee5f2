"""Measurements that run inside a fresh Python process, started by `tools.bench.run`.

Each probe is a function of plain arguments returning JSON-ready data, so `run.py` can start it
with `python -m tools.bench.probes <probe> <args>` and read its answer from a file: every repeat
starts from a cold interpreter, and one probe's imports and heap never colour another's figures.

    stages(stack, warm)       the program under mocks, the packs and the deploy checks, in the
                              order and with the heap policy of `make preview`; cold (first call
                              in the process) and `warm` further calls each
    throughput(sizes, repeats) the two packs 74228b1 had (guardrails and cost), the deploy pack
                              (the third, since issue 23), an empty pack on the packs' servicer
                              and an empty pack on pulumi_policy's stock servicer, over synthetic
                              stacks
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# The floors: what the protocol costs with a pack that judges nothing.
EMPTY = "empty pack (packs' servicer)"
EMPTY_STOCK = "empty pack (stock servicer)"
PACKS = "both packs (guardrails, cost)"
"""The two packs of 74228b1's figures, so their row compares like with like across commits."""
DEPLOY = "deploy pack"
"""The third pack (the deploy checks, a stage of its own before issue 23), measured apart."""
JUDGED: dict[str, tuple[str, ...]] = {PACKS: ("guardrails", "cost"), DEPLOY: ("deploy",)}
"""Which packs each measured row runs."""


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def stages(stack: str, warm: int) -> dict[str, Any]:
    """Seconds per stage for `stack`: the first call in this process, then `warm` more each."""
    started = time.perf_counter()
    import pulumi  # noqa: F401  (what every stage needs; timed on its own)
    import pulumi_aws  # noqa: F401

    base_import = time.perf_counter() - started

    from tools.offline.policy_driver import evaluate_packs
    from tools.offline.preview import after_program, policy_stage
    from tools.offline.runner import run_stack

    def deploy_check_stage(run: Any) -> Any:
        """The deploy pack alone (part of the one judging stage; timed apart for comparison)."""
        return evaluate_packs(run, run.stack, packs=("deploy",))

    cold_program, run = _timed(lambda: run_stack(stack))
    after_program()
    cold_packs, policy = _timed(lambda: policy_stage(run))
    cold_deploy, deploy = _timed(lambda: deploy_check_stage(run))
    warm_program = [_timed(lambda: run_stack(stack))[0] for _ in range(warm)]
    warm_packs = [_timed(lambda: policy_stage(run))[0] for _ in range(warm)]
    warm_deploy = [_timed(lambda: deploy_check_stage(run))[0] for _ in range(warm)]
    return {
        "stack": stack,
        "resources": len(run.resources),
        "findings": {
            "packs": {"blocking": len(policy.blocking), "advisory": len(policy.advisory)},
            "deploy": len(deploy.mandatory()),
        },
        "import_pulumi_aws": base_import,
        "program": {"cold": cold_program, "warm": warm_program},
        "packs": {"cold": cold_packs, "warm": warm_packs},
        "deploy": {"cold": cold_deploy, "warm": warm_deploy},
    }


def throughput(sizes: Sequence[int], repeats: int) -> dict[str, Any]:
    """Seconds per evaluation of each synthetic stack, for each row of JUDGED and the two floors.

    The packs are loaded and run once before timing (warm); building a stack is not timed.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.policies.builders import synthetic_stack
    from tools.offline.policy_driver import PACK_NAMES, empty_pack, evaluate_packs, load_pack

    judged = {name for names in JUDGED.values() for name in names}
    assert judged == set(PACK_NAMES), f"the bench rows miss a pack: {set(PACK_NAMES) - judged}"
    contenders: dict[str, list[Any]] = {
        **{row: [load_pack(name) for name in names] for row, names in JUDGED.items()},
        EMPTY: [empty_pack()],
        EMPTY_STOCK: [empty_pack(stock_servicer=True)],
    }
    warmup = synthetic_stack(100)
    for packs in contenders.values():
        evaluate_packs(warmup, "prod", packs=packs)
    result: dict[str, Any] = {"sizes": {}}
    for size in sizes:
        run = synthetic_stack(size)
        seconds: dict[str, list[float]] = {name: [] for name in contenders}
        findings: dict[str, int] = {}
        for _ in range(repeats):  # interleaved, so drift hits every contender alike
            for name, packs in contenders.items():
                elapsed, report = _timed(
                    functools.partial(evaluate_packs, run, "prod", packs=packs)
                )
                seconds[name].append(elapsed)
                findings[name] = len(report.violations)
        result["sizes"][str(size)] = {"seconds": seconds, "violations": findings}
    return result


PROBES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "stages": lambda args: stages(args.stack, args.warm),
    "throughput": lambda args: throughput(args.sizes, args.repeats),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.probes", description=__doc__)
    parser.add_argument("probe", choices=sorted(PROBES))
    parser.add_argument("--out", type=Path, required=True, help="write the JSON answer here")
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(PROBES[args.probe](args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
