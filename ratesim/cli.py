"""The ``ratesim`` command line.

    ratesim list                                  studies and their claims
    ratesim run STUDY|all [--quick] [--jobs N] [--backend loky|dask] [--scheduler ADDR] [--out DIR]
    ratesim fit STUDY|all [--quick]               slopes, CIs, R^2, local slopes, corrected forms
    ratesim check [STUDY ...] [--quick] [--recompute SECONDS]
                                                  exit 1 unless every verdict equals its
                                                  expectation and every committed table is intact
    ratesim report STUDY|all [--quick]            reports/STUDY/ (quick: <out>/reports/STUDY/)
    ratesim export STUDY [--quick] [--to FILE]    the tidy table (CSV, Parquet with pyarrow)
    ratesim calibrate [--reps R]                  CI coverage and false-verdict rates of the rule
    ratesim demo [--out DIR]                      a small tour of the geometry core
    ratesim bench NAME                            speed ratios against baselines (benchmarks/)

The studies directory (``--studies``, default the repository's ``studies/``) holds one folder per
study family. The results store is ``<out>/ratesim.sqlite`` (``--out`` defaults to ``results/``
beside the studies directory, git-ignored in the repository). Full-run reports go to
``reports/STUDY/`` beside the studies directory and are committed with their tidy ``results.csv``,
which ``ratesim check`` reads on a fresh checkout; quick runs never touch ``reports/``: their
reports go to ``<out>/reports/STUDY/``.

Exit codes: 0 success; 1 a failed cell, missing results, or (``check``) a verdict that differs
from its expectation, a committed table that no longer matches its checksum, or a recomputed cell
that differs from its committed value; 2 bad input (including a results store that is corrupt or
not ratesim's, left untouched, and a full report refused for its provenance).
"""

from __future__ import annotations

import argparse
import os
import runpy
import shlex
import sys
from pathlib import Path

from . import __version__

REPO_ROOT = Path(__file__).resolve().parents[1]


def _benchmarks_dir() -> Path:
    return REPO_ROOT / "benchmarks"


def _err(msg: str) -> None:
    print(f"ratesim: {msg}", file=sys.stderr)


def _command_line() -> str:
    return "ratesim " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _resolve(names: list[str], studies_dir: str):
    """Load and validate the named studies ('all' = every file; the folder name of a family
    that has no study of that name = its studies); StudyError on bad input."""
    from .study import StudyError, load_study, study_files
    from .study.tasks import did_you_mean

    files, families = {}, {}
    for p in study_files(studies_dir):
        if p.stem in files:
            raise StudyError(f"two studies are named {p.stem!r}: {files[p.stem]} and {p}")
        files[p.stem] = p
        families.setdefault(p.parent.name, []).append(p.stem)
    if not names or names == ["all"]:
        if not files:
            raise StudyError(f"no study files in {studies_dir}")
        chosen = list(files)
    else:
        chosen = []
        for n in names:
            if n in families and n not in files:  # a study's name wins over its family's
                chosen += [s for s in families[n] if s not in chosen]
            elif n not in files:
                known = {**files, **families}
                raise StudyError(f"unknown study {n!r} in {studies_dir}" + did_you_mean(n, known))
            elif n not in chosen:
                chosen.append(n)
    return [load_study(files[n]) for n in chosen]


def _write_summaries(studies, args) -> list[tuple[str, str]]:
    """The summary of every family of ``studies`` that has one (``summary.py``), from the
    results of all its studies; (status, message) as :func:`_report_one`."""
    from .report import write_family_summary
    from .study import StudyError, load_study, study_files
    from .study.spec import family_summary

    outcomes = []
    for fam_dir in dict.fromkeys(Path(st.source).parent.resolve() for st in studies):
        try:
            fn = family_summary(fam_dir)
        except StudyError as e:
            outcomes.append(("error", str(e)))
            continue
        if fn is None:
            continue
        members = [  # every study of the family, also where one of them has its name
            load_study(p) for p in study_files(args.studies) if p.parent.resolve() == fam_dir
        ]
        tables = [(st, _load_tables(args, st)[0]) for st in members]
        tables = [(st, df) for st, df in tables if not df.empty]
        if not tables:
            continue
        root = Path(args.out) / "reports" if args.quick else Path(args.reports)
        mode = "--quick " if args.quick else ""
        cmd = f"ratesim run {fam_dir.name} {mode}&& ratesim report {fam_dir.name} {mode}".strip()
        path = write_family_summary(
            fam_dir.name,
            fn,
            tables,
            root / fam_dir.name,
            mode="quick" if args.quick else "full",
            command=cmd,
        )
        outcomes.append(("ok", f"{fam_dir.name}: family summary written to {path}"))
    return outcomes


def _cmd_list(args) -> int:
    from .study import StudyError, discover_studies, load_study

    studies = discover_studies(args.studies)
    if not studies:
        print(f"no studies found in {args.studies}")
        return 0
    for name, doc, path in studies:
        print(f"{name:32s} {doc}")
        try:
            st = load_study(path)
        except StudyError as e:
            print(f"{'':32s} (invalid: {e})")
            continue
        for c in st.claims:
            preds = ", ".join(f"{lab}" for lab in c.predictions())
            what = (
                f"{c.metric} {'<=' if c.bound else '='} b at every {c.on}, b in"
                if c.form == "level"
                else f"{c.metric} ~ {c.on}^p, p in"
            )
            print(f"{'':32s} claim: {what} {{{preds}}} per {c.group_by or 'study'}")
        print(f"{'':32s} {_full_run_cost(Path(args.reports) / name / 'results.csv')}")
    return 0


def _full_run_cost(csv: Path) -> str:
    """What the study's full run cost, measured: the committed table's cell-seconds (each cell's
    wall time in its worker, one numba thread per worker), its cells and the code version."""
    import pandas as pd

    if not csv.exists():
        return "full run: no committed table"
    df = pd.read_csv(csv, usecols=["cell", "seconds", "version"]).drop_duplicates("cell")
    sec = float(df["seconds"].sum())
    versions = ", ".join(sorted(df["version"].astype(str).unique()))
    wall = sec / 2  # --jobs 2: two cells at a time
    wall_txt = f"{wall:.0f} s" if wall < 90 else f"{wall / 60:,.0f} min"
    return (
        f"full run (committed table): {len(df)} cells, {sec:,.0f} cell-seconds (as measured in "
        f"that run, machine load included), about {wall_txt} with --jobs 2 on 2 cores; code "
        f"{versions}"
    )


def _cmd_run(args) -> int:
    from .study import ResultsStore, StudyError, run_studies

    try:
        studies = _resolve(args.study, args.studies)
    except StudyError as e:
        _err(str(e))
        return 2
    if args.scheduler and args.backend != "dask":
        _err(f"--scheduler {args.scheduler} needs --backend dask")
        return 2
    failed = []
    with ResultsStore(Path(args.out) / "ratesim.sqlite") as store:
        summaries = run_studies(
            studies,
            store,
            quick=args.quick,
            jobs=args.jobs,
            backend=args.backend,
            scheduler=args.scheduler,
            rerun=args.rerun,
        )
    for s in summaries:
        print(
            f"{s.study} ({s.mode}): {s.n_cells} cells, {s.n_cached} already stored, "
            f"{s.n_computed} computed, {len(s.failures)} failed, {s.seconds:.1f} s"
        )
        if s.n_stale:
            print(
                f"  note: {s.n_stale} stored cells were computed by another version of the "
                "task and were recomputed"
            )
        if s.other_versions:
            n = sum(s.other_versions.values())
            vs = ", ".join(f"{v} ({c})" for v, c in s.other_versions.items())
            print(
                f"  note: {n} of the stored cells were computed by other code versions "
                f"({vs}); their task is unchanged, library changes are not tracked: "
                "`--rerun` recomputes them"
            )
        failed += [(s.study, c, e) for c, e in s.failures]
    if failed:
        print(f"\n{len(failed)} failed cell(s) (stored with tracebacks; rerun to retry):")
        for _study, cell, error in failed:
            last = error.strip().splitlines()[-1] if error.strip() else "?"
            print(f"  {cell}: {last}")
        return 1
    return 0


def _load_tables(args, st):
    from .study import load_results

    mode = "quick" if args.quick else "full"
    df, src = load_results(
        st, mode=mode, results_dir=args.out, reports_dir=args.reports, source=args.source
    )
    return df, src.replace(f"{REPO_ROOT}/", "")  # no machine paths in committed reports


def _cmd_fit(args) -> int:
    from .study import StudyError, evaluate_claims

    try:
        studies = _resolve(args.study, args.studies)
    except StudyError as e:
        _err(str(e))
        return 2
    for st in studies:
        df, src = _load_tables(args, st)
        print(f"== {st.name} ({'quick' if args.quick else 'full'}; {src})")
        if df.empty:
            print("   no results: run it first (ratesim run)")
            continue
        for r in evaluate_claims(st, df, corrected=True):
            print(f"-- claim {r.claim_index + 1} {r.claim.label} [{r.group_label}]: {r.verdict}")
            if r.levels is not None:
                print("   " + r.levels.summary().replace("\n", "\n   "))
                for lab, p, vd in r.predictions:
                    print(f"   predicted {lab}: {p:.4f} -> {vd} ({r.reasons[lab]})")
                if r.note:
                    print(f"   note: {r.note}")
                continue
            if r.fit is None:
                print(f"   {r.note}")
                continue
            print("   " + r.fit.summary().replace("\n", "\n   "))
            if r.note:
                print(f"   design: {r.note} (see docs/measurement.md, trap 3)")
            for lab, p, vd in r.predictions:
                print(f"   predicted {lab}: {p:+.4f} -> {vd}")
            for form, f in r.corrected.items():
                print(f"   [{form}] " + f.summary().replace("\n", "\n   "))
    return 0


def _cmd_check(args) -> int:
    from collections import Counter

    from .study import StudyError, evaluate_claims
    from .study.provenance import verify_checksum

    try:
        studies = _resolve(args.study, args.studies)
    except StudyError as e:
        _err(str(e))
        return 2
    changes, problems, tally = [], [], Counter()
    for st in studies:
        df, src = _load_tables(args, st)
        if df.empty and not st.claims:  # a pilot or a figure study: nothing to judge yet
            print(f"{'NO CLAIMS':19s} {st.name}: nothing to judge, no results yet ({src})")
            continue
        if df.empty:
            problems.append(f"{st.name}: no results ({src}); run `ratesim run {st.name}`")
            print(f"{'MISSING':19s} {st.name}: no results ({src})")
            continue
        if src.startswith("committed table"):
            bad = verify_checksum(Path(args.reports) / st.name / "results.csv")
            if bad:
                problems.append(f"{st.name}: {bad.replace(f'{REPO_ROOT}/', '')}")
        for r in evaluate_claims(st, df):
            tally[r.verdict] += 1
            if r.fit is not None:
                slope = f"slope {r.fit.slope:+.3f} CI [{r.fit.ci[0]:+.3f}, {r.fit.ci[1]:+.3f}]"
            elif r.levels is not None:
                slope = f"worst level {r.levels.interval(r.worst)}"
            else:
                slope = r.note
            preds = "; ".join(f"{lab} {p:+.3f}: {vd}" for lab, p, vd in r.predictions)
            mark = "" if r.as_expected else f"  <-- expected {r.expected}"
            print(
                f"{r.verdict.upper():19s} {st.name} claim {r.claim_index + 1} {r.claim.label} "
                f"[{r.group_label}] ({r.claim.role}): {slope}"
                + (f"; {preds}" if preds else "")
                + mark
            )
            if not r.as_expected:
                changes.append(
                    f"{st.name} claim {r.claim_index + 1} {r.claim.label} [{r.group_label}]: "
                    f"expected {r.expected}, got {r.verdict}" + (f" ({r.note})" if r.note else "")
                )
        if args.recompute:
            problems += _recompute(st, df, src, args.recompute)
        print(f"{'':19s} ({st.name}: {src})")
    print("\nverdicts: " + ", ".join(f"{n} {v}" for v, n in sorted(tally.items())))
    for c in changes:
        print(f"CHANGED  {c}")
    for p in problems:
        print(f"PROBLEM  {p}")
    if not changes and not problems:
        print("every verdict equals its expectation")
    return 1 if changes or problems else 0


def _recompute(st, df, src, budget) -> list[str]:
    """Recompute committed cells of ``st`` within ``budget`` seconds; the problems found."""
    from .study.recompute import recompute_sample

    if not src.startswith("committed table"):
        print(
            f"{'':19s} recompute: skipped ({st.name}'s results do not come from a committed table)"
        )
        return []
    rc = recompute_sample(st, df, budget=budget)
    if rc.skipped:
        print(f"{'':19s} recompute: skipped ({rc.skipped})")
        return []
    print(
        f"{'':19s} recompute: {len(rc.cells)} cells in {rc.seconds:.1f} s, tolerance "
        f"{rc.rtol:g} of scale, largest difference {rc.max_rel:.2g} of the metric's scale "
        f"({rc.rounded} values differ at the rounding level): "
        + ("ok" if rc.ok else f"{len(rc.mismatches)} mismatches")
    )
    return [
        f"{st.name}: recomputed {m} of {cid} = {new!r}, committed {old!r}"
        for cid, m, old, new in rc.mismatches[:5]
    ] + ([f"{st.name}: ... {len(rc.mismatches) - 5} more"] if len(rc.mismatches) > 5 else [])


def _report_one(name: str, args) -> tuple[str, str]:
    """Write one study's report; (status, message) with status "ok", "missing" (no results) or
    "error" (provenance). Runs in a worker of `ratesim report` (the study is loaded there)."""
    from .report import write_report
    from .study.provenance import ProvenanceError

    (st,) = _resolve([name], args.studies)
    df, src = _load_tables(args, st)
    if df.empty:
        mode = "--quick " if args.quick else ""
        return "missing", f"{name}: no results in {args.out}; run `ratesim run {name} {mode}`first"
    if args.quick:
        outdir = Path(args.out) / "reports" / name
        cmd = f"ratesim run {name} --quick && ratesim report {name} --quick"
    else:
        outdir = Path(args.reports) / name
        cmd = f"ratesim run {name} && ratesim report {name}"
    try:
        readme = write_report(
            st, df, outdir, mode="quick" if args.quick else "full", command=cmd, source=src
        )
    except ProvenanceError as e:
        return "error", f"{name}: {e}"
    return "ok", f"{name}: report written to {readme.parent}"


def _cmd_report(args) -> int:
    from .report import write_index
    from .study import StudyError

    try:
        studies = _resolve(args.study, args.studies)
    except StudyError as e:
        _err(str(e))
        return 2
    # full reports may be re-rendered from the committed table on a fresh checkout
    args.source = "store" if args.quick else "auto"
    jobs = min(args.jobs, len(studies))  # matplotlib is single-threaded: one study per worker
    if jobs == 1:
        outcomes = [_report_one(st.name, args) for st in studies]
    else:  # loky's reusable pool, as `ratesim run`: its idle workers have ratesim imported
        from joblib.externals.loky import get_reusable_executor

        pool = get_reusable_executor(max_workers=jobs, timeout=300)
        outcomes = list(pool.map(_report_one, [st.name for st in studies], [args] * len(studies)))
    outcomes += _write_summaries(studies, args)
    for status, message in outcomes:
        if status == "error":
            _err(message)
        else:
            print(message)
    if any(status == "error" for status, _ in outcomes):
        return 2
    root = Path(args.out) / "reports" if args.quick else Path(args.reports)
    if root.is_dir():
        # full reports: judged live from every committed table of the studies directory
        every = None if args.quick else _resolve(["all"], args.studies)
        print(f"index written to {write_index(root, every)}")
    return 1 if any(status == "missing" for status, _ in outcomes) else 0


def _cmd_export(args) -> int:
    from .study import StudyError
    from .study.store import export_tidy

    try:
        (st,) = _resolve([args.study], args.studies)
    except StudyError as e:
        _err(str(e))
        return 2
    args.source = "store"
    df, src = _load_tables(args, st)
    if df.empty:
        print(f"{st.name}: no results in {args.out}")
        return 1
    to = Path(args.to or Path(args.out) / f"{st.name}_{'quick' if args.quick else 'full'}.csv")
    for p in export_tidy(df, to):
        print(p)
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


def _available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1 (got {text!r})") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1 (got {v})")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0 (got {text!r})") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0 (got {v})")
    return v


def _common(sp, quick_help: str) -> None:
    sp.add_argument("--quick", action="store_true", help=quick_help)
    sp.add_argument(
        "--out",
        default=None,
        help="results directory holding ratesim.sqlite (default: results/ beside the studies "
        "directory, git-ignored)",
    )
    sp.add_argument(
        "--studies",
        default=str(REPO_ROOT / "studies"),
        help="studies directory: one folder per study family (default: the repository's)",
    )
    sp.add_argument(
        "--reports",
        default=None,
        help="full-run reports directory (default: reports/ beside the studies directory)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ratesim",
        description="Measure learning rates of score-based generative models on synthetic "
        "manifolds and check them against theory.",
    )
    p.add_argument("--version", action="version", version=f"ratesim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sp = sub.add_parser("list", help="list the studies and their claims")
    sp.add_argument(
        "--studies", default=str(REPO_ROOT / "studies"), help="studies directory (families)"
    )
    sp.add_argument(
        "--reports",
        default=str(REPO_ROOT / "reports"),
        help="full-run reports: each study's measured cost is read from its committed table",
    )
    sp.set_defaults(func=_cmd_list)

    sp = sub.add_parser("run", help="run a study's missing cells into the results store")
    sp.add_argument("study", nargs="+", help="study name(s), or 'all'")
    _common(sp, "run the reduced quick grid")
    sp.add_argument(
        "--jobs",
        type=_positive_int,
        default=_available_cores(),
        help="parallel workers (default: the cores available to this process, "
        f"{_available_cores()} here; results do not depend on it)",
    )
    sp.add_argument("--backend", choices=("loky", "dask"), default="loky")
    sp.add_argument("--scheduler", default=None, help="dask scheduler address (default: local)")
    sp.add_argument("--rerun", action="store_true", help="recompute cells already stored")
    sp.set_defaults(func=_cmd_run)

    sp = sub.add_parser("fit", help="fitted slopes, CIs, R^2, local slopes and verdicts")
    sp.add_argument("study", nargs="+", help="study name(s), or 'all'")
    _common(sp, "use the quick runs")
    sp.add_argument("--source", choices=("auto", "store", "csv"), default="auto")
    sp.set_defaults(func=_cmd_fit)

    sp = sub.add_parser(
        "check", help="judge every claim; exit 1 if a verdict differs from its expectation"
    )
    sp.add_argument("study", nargs="*", default=["all"], help="study name(s) (default: all)")
    _common(sp, "use the quick runs")
    sp.add_argument("--source", choices=("auto", "store", "csv"), default="auto")
    sp.add_argument(
        "--recompute",
        type=_positive_float,
        default=0.0,
        metavar="SECONDS",
        help="also recompute committed cells of each study within this budget (their recorded "
        "cost) and compare them with the committed values",
    )
    sp.set_defaults(func=_cmd_check)

    sub.add_parser(  # dispatched by main() to ratesim.study.calibration (its own options)
        "calibrate",
        help="measure CI coverage and false-verdict rates at the committed studies' designs",
        add_help=False,
    )

    sp = sub.add_parser("report", help="write reports/STUDY/ (plots, tables, README)")
    sp.add_argument("study", nargs="+", help="study name(s), or 'all'")
    _common(sp, "report the quick runs (into <out>/reports/, never reports/)")
    sp.add_argument(
        "--jobs",
        type=_positive_int,
        default=_available_cores(),
        help="studies rendered at once (default: the cores available to this process, "
        f"{_available_cores()} here; the reports do not depend on it)",
    )
    sp.set_defaults(func=_cmd_report)

    sp = sub.add_parser("export", help="write the tidy results table (CSV, Parquet)")
    sp.add_argument("study", help="study name")
    _common(sp, "export the quick runs")
    sp.add_argument("--to", default=None, help="output CSV path")
    sp.set_defaults(func=_cmd_export)

    sp = sub.add_parser("demo", help="a small tour of the geometry core (prints and plots)")
    sp.add_argument("--out", default="reports/demo", help="output directory for the figure")
    sp.set_defaults(func=_cmd_demo)

    sp = sub.add_parser("bench", help="run a benchmark (kernels, samplers, metrics, scores)")
    sp.add_argument("name", help="benchmark name")
    sp.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the benchmark")
    sp.set_defaults(func=_cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["calibrate"]:  # its own options (ratesim.study.calibration)
        from .study.calibration import main as calibrate

        return calibrate(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if hasattr(args, "studies"):
        beside = Path(args.studies).resolve().parent
        for name, folder in (("out", "results"), ("reports", "reports")):
            if hasattr(args, name) and getattr(args, name) is None:
                setattr(args, name, str(beside / folder))
    from .study import StoreError

    try:
        return int(args.func(args) or 0)
    except StoreError as e:  # a corrupt or foreign results store: nothing was written
        _err(str(e))
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
