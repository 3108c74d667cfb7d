"""The ``ratesim`` command line.

    ratesim list                       studies and their claims
    ratesim demo [--out DIR]           a small tour of the geometry core (prints and plots)
    ratesim bench NAME                 speed ratios against baselines (benchmarks/bench_NAME.py)

Exit codes: 0 success, 1 a failure or contradicted claim, 2 bad input.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from . import __version__

REPO_ROOT = Path(__file__).resolve().parents[1]


def _benchmarks_dir() -> Path:
    return REPO_ROOT / "benchmarks"


def _cmd_list(args) -> int:
    from .study import discover_studies

    studies = discover_studies(args.studies)
    if not studies:
        print(f"no studies found in {args.studies}")
        return 0
    for name, doc in studies:
        print(f"{name:32s} {doc}")
    return 0


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(Path(args.out))
    return 0


def _cmd_bench(args) -> int:
    path = _benchmarks_dir() / f"bench_{args.name}.py"
    if not path.exists():
        avail = sorted(p.stem[len("bench_") :] for p in _benchmarks_dir().glob("bench_*.py"))
        print(
            f"ratesim bench: unknown benchmark {args.name!r} "
            f"(available: {', '.join(avail) or 'none'}; looked in {_benchmarks_dir()})",
            file=sys.stderr,
        )
        return 2
    sys.argv = [str(path), *args.rest]
    runpy.run_path(str(path), run_name="__main__")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ratesim",
        description="Measure learning rates of score-based generative models on synthetic "
        "manifolds and check them against theory.",
    )
    p.add_argument("--version", action="version", version=f"ratesim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sp = sub.add_parser("list", help="list the studies and their claims")
    sp.add_argument("--studies", default=str(REPO_ROOT / "studies"), help="studies directory")
    sp.set_defaults(func=_cmd_list)

    sp = sub.add_parser("demo", help="a small tour of the geometry core (prints and plots)")
    sp.add_argument("--out", default="reports/demo", help="output directory for the figure")
    sp.set_defaults(func=_cmd_demo)

    sp = sub.add_parser("bench", help="run a benchmark (kernels, samplers, metrics)")
    sp.add_argument("name", help="benchmark name")
    sp.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the benchmark")
    sp.set_defaults(func=_cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
