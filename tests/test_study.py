"""Study specification, expressions, grid expansion, seeding, the store and the built-in tasks."""

import sqlite3

import numpy as np
import pytest
from engine_tasks import component_task, synthetic_power

from ratesim.study import (
    Claim,
    Expr,
    ExprError,
    ResultsStore,
    Study,
    StudyError,
    expand,
    load_study,
    task,
)
from ratesim.study.grid import cell_id, cell_seed
from ratesim.study.store import CellResult

# ----------------------------------------------------------------------------------- expressions


def test_expr_evaluates_rates_and_constants():
    assert Expr("N^(-1/(k+4))")(N=3**5, k=1) == pytest.approx(1 / 3, rel=1e-15)
    assert Expr("N**(-1/(k+4))")(N=3**5, k=1) == Expr("N^(-1/(k+4))")(N=3**5, k=1)
    assert Expr("sqrt(log(N)/N)")(N=100) == pytest.approx(np.sqrt(np.log(100) / 100), rel=1e-15)
    assert Expr("-beta/(4*k)")(beta=4.5, k=2) == -4.5 / 8
    assert Expr("2*pi")() == 2 * np.pi
    assert Expr("-(beta-1)/(4*k)").names == {"beta", "k"}


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("true")',
        "N.__class__",
        "x[0]",
        "lambda: 1",
        "'a'",
        "N if 1 else 2",
        "[N for N in (1,)]",
        "open('f')",
        "N % 2",
        "N < 2",
        "True",
    ],
)
def test_expr_refuses_anything_but_arithmetic(text):
    with pytest.raises(ExprError):
        Expr(text).check()
    with pytest.raises(ExprError):
        Expr(text)(N=1)


@pytest.mark.parametrize(
    "text, env, match",
    [
        ("N^(", {}, "cannot parse"),
        ("1/0", {}, "cannot be evaluated"),
        ("(-8)^(1/3)", {}, "not a finite real"),
        ("h*N", {"N": 2}, "unknown variable"),
        ("2**10**10", {}, "cannot be evaluated"),
        ("log(0)", {}, "cannot be evaluated"),
    ],
)
def test_expr_errors_quote_the_expression(text, env, match):
    with pytest.raises(ExprError, match=match) as e:
        Expr(text)(**env)
    assert repr(text)[1:-1].split("(")[0] in str(e.value)


def test_expr_pickles():
    import pickle

    e = Expr("N^(-1/(k+4))")
    assert pickle.loads(pickle.dumps(e)) == e


# ---------------------------------------------------------------------------------- grid, seeds


def _study(**kw):
    base = dict(
        name="s",
        task=synthetic_power,
        grid={"N": [10, 100], "slope": -0.5, "C": Expr("N^(-1/(k+4))"), "k": 1},
        seeds=3,
        claims=[Claim(tolerance=0.1, metric="value", predict=-0.5)],
    )
    base.update(kw)
    return Study(**base)


def test_expand_product_expressions_ids_and_seeds():
    st = _study(grid={"N": [10, 100], "k": [1, 2], "slope": -0.5, "C": Expr("N^(-1/(k+4))")})
    st.validate()
    cells = expand(st)
    assert len(cells) == 2 * 2 * 3
    c = cells[0]
    # the task's defaults for the inputs the grid does not give are part of the cell
    c5 = 10 ** (-1 / 5)
    assert c.params == {"N": 10, "k": 1, "slope": -0.5, "C": c5, "noise": 0.1, "manifold": "none"}
    assert c.id == f"s[C={c5!r},N=10,k=1,manifold=none,noise=0.1,slope=-0.5,rep=0]"
    assert c.seed == cell_seed(0, c.id)
    assert len({x.id for x in cells}) == len({x.seed for x in cells}) == len(cells)
    # ids do not depend on the order of the grid keys; seeds depend on the study seed
    st2 = _study(grid={"slope": -0.5, "C": Expr("N^(-1/(k+4))"), "k": [2, 1], "N": [100, 10]})
    assert {x.id: x.seed for x in expand(st2)} == {x.id: x.seed for x in cells}
    st3 = _study(grid=st.grid, seed=1)
    assert {x.seed for x in expand(st3)}.isdisjoint({x.seed for x in cells})
    # a default given explicitly is the same cell (same id, same seed)
    st4 = _study(grid={**st.grid, "noise": 0.1})
    assert {x.id: x.seed for x in expand(st4)} == {x.id: x.seed for x in cells}
    # a changed default is another cell
    st5 = _study(grid={**st.grid, "noise": 0.2})
    assert {x.id for x in expand(st5)}.isdisjoint({x.id for x in cells})


def test_cell_seed_is_stable_across_processes():
    # a pinned value: SeedSequence + sha256 are stable, Python's hash() would not be
    cid = cell_id("s", {"N": 10, "k": 1}, 0)
    assert cid == "s[N=10,k=1,rep=0]"
    assert cell_seed(0, cid) == cell_seed(0, cid)
    assert 0 <= cell_seed(0, cid) < 2**63
    ss = np.random.SeedSequence(
        [
            0,
            *map(
                int,
                np.frombuffer(
                    __import__("hashlib").sha256(cid.encode()).digest()[:16], dtype="<u4"
                ),
            ),
        ]
    )
    assert cell_seed(0, cid) == int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def test_coupled_axes_and_quick_grid():
    st = _study(
        grid={"N, noise": [(10, 0.1), (100, 0.01)], "slope": -0.5},
        quick={"N, noise": [(10, 0.1)]},
        quick_seeds=2,
    )
    st.validate()
    assert [(c.params["N"], c.params["noise"]) for c in expand(st)][::3] == [(10, 0.1), (100, 0.01)]
    q = expand(st, quick=True)
    assert len(q) == 2 and all(c.params["N"] == 10 for c in q)


# --------------------------------------------------------------------------- validation errors

BAD = [
    (
        dict(grid={"N": [10], "slope": -0.5, "noize": 0.2}),
        "grid['noize']",
        "has no parameter 'noize' \\(did you mean 'noise'",
    ),
    (dict(grid={"N": [10]}), "grid", "needs 'slope'"),
    (dict(task="synthetic_power"), "task", "must be a callable"),
    (dict(task=lambda N, rng: {}), "task", "must be declared with @ratesim.study.task"),
    (dict(registered=("2026-13-01", "abc1234")), "registered", "ISO date, commit hash"),
    (dict(registered=("2026-11-01", "HEAD")), "registered", "ISO date, commit hash"),
    (
        dict(claims=[Claim(tolerance=0.1, metric="value", predict=-0.5, on="slope")]),
        "claims[0].on",
        "must be a number > 0",
    ),
    (
        dict(
            grid={"N": [10, 100], "slope": -0.5, "C": [0.5, 2.0]},
            claims=[Claim(tolerance=0.1, metric="value", predict=-0.5, on="C", form="N/logN")],
        ),
        "claims[0].on",
        "must be a number > 2.71828",
    ),
    (
        dict(claims=[Claim(tolerance=0.1, metric="value", predict=-0.5, posthoc=True)]),
        "claims[0].posthoc",
        "posthoc must be a string",
    ),
    (dict(grid={"N": [1, 10], "slope": -0.5}), "grid['N']", "N must be an integer >= 2"),
    (dict(grid={"N": [10], "k": 3, "d": 3, "slope": -0.5}), "grid['k']", "k = 3 >= d = 3"),
    (
        dict(grid={"N": [10], "C": Expr("N^(-1/(k+4)"), "slope": -0.5, "k": 1}),
        "grid['C']",
        "cannot parse",
    ),
    (
        dict(grid={"N": [10], "C": Expr("N^(-1/(q+4))"), "slope": -0.5}),
        "grid['C']",
        "unknown variable",
    ),
    (dict(grid={"N": [], "slope": -0.5}), "grid['N']", "at least one value"),
    (dict(grid={"N, C": [(10,)], "slope": -0.5}), "grid['N, C']", "tuple of 2"),
    (dict(grid={"N": [10], "slope": -0.5, "rep": 1}), "grid['rep']", "reserved"),
    (dict(grid={"N": [10], "slope": -0.5, "C": [object()]}), "grid['C']", "values must be"),
    (dict(seeds=0), "seeds", "seeds must be an integer >= 1"),
    (dict(quick={"M": [1]}), "quick['M']", "unknown grid key"),
    (
        dict(claims=[Claim(tolerance=0.1, metric="valeu", predict=-0.5)]),
        "claims[0].metric",
        "did you mean 'value'",
    ),
    (
        dict(claims=[Claim(tolerance=0.1, metric="value", predict="-1/(2*kk)", group_by=("k",))]),
        "claims[0].predict",
        "unknown variable",
    ),
    (
        dict(claims=[Claim(tolerance=0.1, metric="value", predict=-0.5, group_by=("kappa",))]),
        "claims[0]",
        "'kappa' is not a grid parameter",
    ),
    (
        dict(claims=[Claim(tolerance=0.1, metric="value", predict=-0.5, form="quadratic")]),
        "claims[0].form",
        "form must be one of",
    ),
    (
        dict(claims=[Claim(tolerance=0.1, metric="value", predict={"a": "nan"})]),
        "claims[0].predict",
        "unknown",
    ),
    (
        dict(grid={"N": [10], "slope": -0.5, "manifold": "cirle"}),
        "grid['manifold']",
        "unknown manifold 'cirle'",
    ),
]


@pytest.mark.parametrize("kw, key, match", BAD)
def test_bad_studies_name_the_key(kw, key, match):
    with pytest.raises(StudyError, match=match) as e:
        _study(**kw).validate()
    if key is not None:
        assert key in str(e.value)


def test_unknown_names_are_checked_against_task_choices_and_registries():
    # task choices: synthetic_power knows only the manifold "none"
    st = _study(grid={"N": [10], "slope": -0.5, "manifold": "nones"})
    with pytest.raises(StudyError, match="unknown manifold 'nones'.*did you mean 'none'"):
        st.validate()
    # package registries (ratesim.densities.DENSITIES, ratesim.manifolds.MANIFOLDS) otherwise
    st = Study(name="c", task=component_task, grid={"N": [10], "density": "unifrom"})
    with pytest.raises(StudyError, match="unknown density 'unifrom'.*did you mean 'uniform'"):
        st.validate()
    st = Study(name="c", task=component_task, grid={"N": [10], "manifold": "no_such_thing"})
    with pytest.raises(StudyError, match="unknown manifold 'no_such_thing'"):
        st.validate()


def test_component_options_are_checked_against_the_component():
    ok = Study(name="c", task=component_task, grid={"N": [10], "manifold__seed": 3, "k": 2})
    ok.validate()
    assert expand(ok)[0].params["manifold__seed"] == 3
    bad = Study(name="c", task=component_task, grid={"N": [10], "manifold__sed": 3})
    with pytest.raises(
        StudyError, match="grid\\['manifold__sed'\\].*takes no option 'sed'.*'seed'"
    ):
        bad.validate()
    # None means "not given": a coupled grid may set an option for some components only
    st = Study(name="c", task=component_task, grid={"N": [10], "manifold__sed": None})
    st.validate()
    assert component_task(**expand(st)[0].params, rng=np.random.default_rng(0))["mean_norm"] > 0
    # options of a kind the task does not take, or on a task without **components
    bad = Study(name="c", task=component_task, grid={"N": [10], "estimator__bandwidth": 0.1})
    with pytest.raises(StudyError, match="takes no 'estimator'"):
        bad.validate()
    with pytest.raises(StudyError, match="has no parameter 'manifold__seed'"):
        _study(grid={"N": [10], "slope": -0.5, "manifold__seed": 1}).validate()


def test_the_fitted_axis_is_checked_on_the_cells_a_claim_keeps():
    grid = {"N": [10, 100], "slope": -0.5, "C": [0.0, 0.5, 2.0]}
    ok = Claim(tolerance=0.1, metric="value", predict=-0.5, on="C", where={"C": [0.5, 2.0]})
    _study(grid=grid, claims=[ok]).validate()
    with pytest.raises(StudyError, match="claims\\[0\\].on.*got 0.0"):
        _study(
            grid=grid, claims=[Claim(tolerance=0.1, metric="value", predict=-0.5, on="C")]
        ).validate()


def test_task_declarations_are_checked_when_defined():
    with pytest.raises(ValueError, match="keyword parameter rng"):

        @task(metrics=("m",))
        def no_rng(*, N):
            return {}

    with pytest.raises(ValueError, match="default of 'grid' must be a number, string"):

        @task(metrics=("m",))
        def list_default(*, N, rng, grid=(1, 2)):
            return {}

    with pytest.raises(ValueError, match="must be a keyword parameter"):

        @task(metrics=("m",))
        def positional(N, /, *, rng):
            return {}

    with pytest.raises(ValueError, match="metrics must be a non-empty"):
        task(metrics=())


@pytest.mark.parametrize(
    "body, match",
    [
        ("x = (", "syntax error at line 1"),
        ("raise RuntimeError('boom')", "RuntimeError: boom"),
        ("STUDY = 3", "STUDY must be a Study"),
        (
            "from engine_tasks import synthetic_power\nfrom ratesim.study import Study\n"
            "STUDY = Study(name='other', task=synthetic_power, grid={'N': [10], 'slope': -0.5})",
            "must equal the file name",
        ),
    ],
)
def test_malformed_files(write_study, body, match):
    p = write_study("bad", body)
    with pytest.raises(StudyError, match=match) as e:
        load_study(p)
    assert str(p) in str(e.value)


OWN_TASKS = """
import numpy as np
from ratesim.study import task

def _scale(N):
    return N ** -0.5

def _unrelated():
    return 1

@task(metrics=("m",))
def own(*, N, rng, spread=0.1):
    return {"m": _scale(N) * rng.uniform(1 - spread, 1 + spread)}
"""

OWN_STUDY = '''"""A study with its family's own task."""
from ratesim.study import Claim, Study

from .tasks import own

STUDY = Study(name="own", task=own, grid={"N": [10, 100]}, seeds=2,
              claims=[Claim(tolerance=0.1, metric="m", predict=-0.5)])
'''


def test_a_family_holds_its_tasks_and_studies(write_study, tmp_path):
    files = {"tasks.py": OWN_TASKS, "README.md": "# my family"}
    p = write_study("own", OWN_STUDY, family="myfam", files=files)
    write_study("not_a_study", "X = 1", family="myfam")
    st = load_study(p)
    assert st.description == "A study with its family's own task."
    assert st.task.__module__ == "ratesim_studies.myfam.tasks"
    assert [c.params for c in expand(st)][0] == {"N": 10, "spread": 0.1}
    from ratesim.study import study_files

    assert [f.name for f in study_files(tmp_path / "studies")] == ["own.py"]


def test_fingerprint_follows_the_task_and_its_family_helpers(write_study):
    import os

    from ratesim.study import fingerprint

    def load(text):
        p = write_study("own", OWN_STUDY, family="fpfam", files={"tasks.py": text})
        t = p.parent / "tasks.py"
        os.utime(t, ns=(t.stat().st_mtime_ns + 10**9,) * 2)  # a visible edit, however fast
        return fingerprint(load_study(p).task)

    base = load(OWN_TASKS)
    assert load(OWN_TASKS) == base  # deterministic
    assert load(OWN_TASKS.replace("return 1", "return 2")) == base  # unreached code: same task
    assert load(OWN_TASKS.replace("N ** -0.5", "N ** -0.25")) != base  # a helper it calls
    assert load(OWN_TASKS.replace("1 - spread", "1 - 2 * spread")) != base  # the task itself


# ------------------------------------------------------------------------------------- store


def _res(cell, status="ok", metrics=None, mode="full"):
    return CellResult(
        study="s",
        mode=mode,
        cell=cell,
        params={"N": 10},
        rep=0,
        seed=1,
        status=status,
        metrics=metrics if metrics is not None else {"a": 1.0, "b": 2.0},
    )


def test_store_one_transaction_per_cell(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultsStore(db) as st:
        st.write(_res("c1"))
        st.write(_res("c2", status="failed", metrics={}))
        assert st.done("s", "full") == {"c1"}
        assert st.done("s", "quick") == set()
        assert [c for c, _ in st.failures("s", "full")] == ["c2"]
        st.write(_res("c2"))  # a retry replaces the failure row
        st.write(_res("c1", metrics={"a": 3.0, "b": 4.0}))  # rewrite: no duplicates
        assert st.count("s", "full") == (2, 4)
        assert st.failures("s", "full") == []
        df = st.tidy("s", "full")
        assert sorted(df["value"]) == [1.0, 2.0, 3.0, 4.0]
        for col in (
            "study",
            "cell",
            "manifold",
            "k",
            "d",
            "beta",
            "density",
            "estimator",
            "sampler",
            "N",
            "seed",
            "metric",
            "value",
            "seconds",
        ):
            assert col in df.columns
        # a write that fails half-way leaves nothing (metric value not a number)
        with pytest.raises((TypeError, ValueError)):
            st.write(_res("c3", metrics={"a": 1.0, "b": "x"}))
        assert st.count("s", "full") == (2, 4)
        with pytest.raises(ValueError, match="mode"):
            st.write(_res("c4", mode="medium"))
    # the primary keys forbid duplicates even outside the API
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO results VALUES ('s','full','c1','a',9.0)")


def test_build_components_by_name():
    from ratesim.study import build

    comps = {"manifold__seed": 1, "density__kappa": 2.0, "sampler__steps": 7}
    M = build("manifold", "sphere", comps, k=2, d=4)
    assert (M.k, M.d, M.seed) == (2, 4, 1)
    # the circle family takes no k: the standard column is not passed
    C = build("manifold", "circle", {}, k=1, d=3)
    assert (C.k, C.d) == (1, 3)
    p = build("density", "uniform", {})
    X = M.sample(5, p, rng=np.random.default_rng(0))
    assert X.shape == (5, 4)
    assert build("density", "von_mises", comps).kappa == 2.0
    # the task's generator reaches components that draw random numbers, and only those
    rng = np.random.default_rng(3)
    assert build("estimator", "nadaraya_watson", {}, rng=rng).rng is rng
    assert not hasattr(build("estimator", "empirical", {}, rng=rng), "rng")
    with pytest.raises(ValueError, match="sphree"):
        build("manifold", "sphree", comps)
    with pytest.raises(ValueError, match="bogus"):
        build("manifold", "sphere", {"manifold__bogus": 1})
    with pytest.raises(ValueError, match="kind must be one of"):
        build("metric", "w1")


@pytest.mark.slow
def test_build_sampler():
    """Slow only because importing ratesim.samplers takes seconds (statsmodels.tsa)."""
    from ratesim.study import build

    assert build("sampler", "langevin", {"sampler__steps": 7}).keywords == {"steps": 7}
    with pytest.raises(ValueError, match="unknown sampler 'langevn'.*did you mean 'langevin'"):
        build("sampler", "langevn", {})


def test_studies_readme_example_is_a_valid_study(write_study, root):
    """The two code blocks of studies/README.md, a task module and a study file, are a family."""
    import re

    text = (root / "studies" / "README.md").read_text()
    tasks, body = re.findall(r"```python\n(.+?)\n```", text, re.S)[:2]
    st = load_study(write_study("my_study", body, family="readme_fam", files={"tasks.py": tasks}))
    cells = expand(st)
    assert len(cells) == 13 * 2 * 40 and len(expand(st, quick=True)) == 4 * 2 * 12
    out = st.task(**cells[0].params, rng=np.random.default_rng(cells[0].seed))
    assert set(out) == {"w1"} and 0 < out["w1"] < 0.5


def test_export_tidy_mixed_type_parameter(tmp_path):
    """Regression (ratesim.study.store.export_tidy): a parameter that takes numbers and strings
    in one study (beta = 2.5 and "inf") made the Parquet export raise ArrowInvalid."""
    import math

    import pandas as pd

    from ratesim.study.store import export_tidy, read_tidy

    df = pd.DataFrame(
        dict(study="s", cell=["a", "b"], N=[10, 20], rep=0, metric="m", value=[1.0, 2.0],
             p_manifold__beta=pd.Series([2.5, "inf"], dtype=object))
    )  # fmt: skip
    out = export_tidy(df, tmp_path / "results.csv")
    assert [p.suffix for p in out] == [".csv", ".parquet"]
    back = pd.read_parquet(tmp_path / "results.parquet")
    assert list(back["p_manifold__beta"]) == ["2.5", "inf"]
    assert list(read_tidy(tmp_path / "results.csv")["p_manifold__beta"]) == [2.5, math.inf]


def test_registered_design_must_reach_a_verdict():
    """A registered study whose claim group cannot reach a verdict on its full grid (4 levels
    over 1.49996 decades: 100 ... 3162) is refused before it runs, naming the group and its
    levels; expecting 'underpowered' (with evidence) acknowledges it; drafts are not checked;
    one more level (N = 50) makes the design valid."""
    short = {"N": [100, 316, 1000, 3162], "slope": -0.5, "k": 1}
    reg = ("2026-12-06", "abc1234")
    with pytest.raises(StudyError, match=r"group 'all' can never reach a verdict.*1\.49996"):
        _study(grid=short, registered=reg).validate()
    _study(grid=short).validate()  # a draft
    acknowledged = Claim(
        tolerance=0.1, metric="value", predict=-0.5, expect="underpowered", evidence="by design"
    )
    _study(grid=short, registered=reg, claims=[acknowledged]).validate()
    _study(grid={**short, "N": [50, *short["N"]]}, registered=reg).validate()
