"""Study specification, expressions, grid expansion, seeding, the store and the built-in tasks."""

import sqlite3
import textwrap

import naive_study as naive
import numpy as np
import pytest

from ratesim.study import (
    CellResult,
    Claim,
    Expr,
    ExprError,
    ResultsStore,
    Study,
    StudyError,
    cell_id,
    cell_seed,
    expand,
    load_study,
)
from ratesim.study.tasks import w1_circle_uniform, w1_interval_uniform, w2_interval_uniform

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
        task="synthetic_power",
        grid={"N": [10, 100], "slope": -0.5, "h": Expr("N^(-1/(k+4))"), "k": 1},
        seeds=3,
        claims=[Claim(metric="value", predict=-0.5)],
    )
    base.update(kw)
    return Study(**base)


def test_expand_product_expressions_ids_and_seeds():
    st = _study(grid={"N": [10, 100], "k": [1, 2], "slope": -0.5, "h": Expr("N^(-1/(k+4))")})
    st.validate()
    cells = expand(st)
    assert len(cells) == 2 * 2 * 3
    c = cells[0]
    assert c.params == {"N": 10, "k": 1, "slope": -0.5, "h": 10 ** (-1 / 5)}
    assert c.id == f"s[N=10,h={10 ** (-1 / 5)!r},k=1,slope=-0.5,rep=0]"
    assert c.seed == cell_seed(0, c.id)
    assert len({x.id for x in cells}) == len({x.seed for x in cells}) == len(cells)
    # ids do not depend on the order of the grid keys; seeds depend on the study seed
    st2 = _study(grid={"slope": -0.5, "h": Expr("N^(-1/(k+4))"), "k": [2, 1], "N": [100, 10]})
    assert {x.id: x.seed for x in expand(st2)} == {x.id: x.seed for x in cells}
    st3 = _study(grid=st.grid, seed=1)
    assert {x.seed for x in expand(st3)}.isdisjoint({x.seed for x in cells})


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
        grid={"N, sigma": [(10, 0.1), (100, 0.01)], "slope": -0.5},
        quick={"N, sigma": [(10, 0.1)]},
        quick_seeds=2,
    )
    st.validate()
    assert [(c.params["N"], c.params["sigma"]) for c in expand(st)][::3] == [(10, 0.1), (100, 0.01)]
    q = expand(st, quick=True)
    assert len(q) == 2 and all(c.params["N"] == 10 for c in q)


# --------------------------------------------------------------------------- validation errors

BAD = [
    (dict(task="synthetic_powr"), "task", "did you mean 'synthetic_power'"),
    (dict(grid={"N": [1, 10], "slope": -0.5}), "grid['N']", "N must be an integer >= 2"),
    (dict(grid={"N": [10], "k": 3, "d": 3, "slope": -0.5}), "grid['k']", "k = 3 >= d = 3"),
    (
        dict(grid={"N": [10], "h": Expr("N^(-1/(k+4)"), "slope": -0.5, "k": 1}),
        "grid['h']",
        "cannot parse",
    ),
    (
        dict(grid={"N": [10], "h": Expr("N^(-1/(q+4))"), "slope": -0.5}),
        "grid['h']",
        "unknown variable",
    ),
    (dict(grid={"N": [], "slope": -0.5}), "grid['N']", "at least one value"),
    (dict(grid={"N, h": [(10,)], "slope": -0.5}), "grid['N, h']", "tuple of 2"),
    (dict(grid={"N": [10], "slope": -0.5, "rep": 1}), "grid['rep']", "reserved"),
    (dict(grid={"N": [10], "slope": -0.5, "f": [object()]}), "grid['f']", "values must be"),
    (dict(seeds=0), "seeds", "seeds must be an integer >= 1"),
    (dict(quick={"M": [1]}), "quick['M']", "unknown grid key"),
    (
        dict(claims=[Claim(metric="valeu", predict=-0.5)]),
        "claims[0].metric",
        "did you mean 'value'",
    ),
    (
        dict(claims=[Claim(metric="value", predict="-1/(2*kk)", group_by=("k",))]),
        "claims[0].predict",
        "unknown variable",
    ),
    (
        dict(claims=[Claim(metric="value", predict=-0.5, group_by=("kappa",))]),
        "claims[0]",
        "'kappa' is not a grid parameter",
    ),
    (
        dict(claims=[Claim(metric="value", predict=-0.5, form="quadratic")]),
        "claims[0].form",
        "form must be one of",
    ),
    (dict(claims=[Claim(metric="value", predict={"a": "nan"})]), "claims[0].predict", "unknown"),
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
    # task choices: the circle task knows only the circle and the uniform law
    st = Study(
        name="c",
        task="empirical_w_circle",
        grid={"N": [10], "manifold": "circle", "density": "unifrom"},
    )
    with pytest.raises(StudyError, match="unknown density 'unifrom'.*did you mean 'uniform'"):
        st.validate()
    # package registries (ratesim.densities.DENSITIES, ratesim.manifolds.MANIFOLDS) otherwise
    for kind in ("density", "manifold"):
        st = _study(grid={"N": [10], "slope": -0.5, kind: "no_such_thing"})
        with pytest.raises(StudyError, match=f"unknown {kind} 'no_such_thing'"):
            st.validate()


def _write(tmp_path, name, body):
    p = tmp_path / f"{name}.py"
    p.write_text(textwrap.dedent(body))
    return p


@pytest.mark.parametrize(
    "body, match",
    [
        ("x = (", "syntax error at line 1"),
        ("raise RuntimeError('boom')", "RuntimeError: boom"),
        ("X = 1", "STUDY = Study"),
        ("STUDY = 3", "STUDY must be a Study"),
        (
            "from ratesim.study import Study\nSTUDY = Study(name='other', task='synthetic_power', "
            "grid={'N': [10], 'slope': -0.5})",
            "must equal the file name",
        ),
    ],
)
def test_malformed_files(tmp_path, body, match):
    p = _write(tmp_path, "bad", body)
    with pytest.raises(StudyError, match=match) as e:
        load_study(p)
    assert str(p) in str(e.value)


def test_study_file_may_register_its_own_task(tmp_path):
    p = _write(
        tmp_path,
        "own",
        """
        '''A study with its own task.'''
        from ratesim.study import Claim, Study, task

        @task("own_task_for_test", metrics=("m",))
        def _own(params, rng):
            return {"m": params["N"] ** -0.5 * rng.uniform(0.9, 1.1)}

        STUDY = Study(name="own", task="own_task_for_test", grid={"N": [10, 100]}, seeds=2,
                      claims=[Claim(metric="m", predict=-0.5)])
        """,
    )
    st = load_study(p)
    assert st.description == "A study with its own task."
    assert len(expand(st)) == 4


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


# ---------------------------------------------------------------------- built-in task closed forms


@pytest.mark.parametrize("n", [1, 2, 5, 37])
def test_exact_w_against_dense_grids(n):
    rng = np.random.default_rng(n)
    u = rng.uniform(size=n)
    tol = 1 / naive.M  # see naive_study's docstring
    np.testing.assert_allclose(w1_interval_uniform(u), naive.w1_interval(u), rtol=0, atol=tol)
    # the quantile function jumps N times by up to 1 in (q - s)^2: bound N h
    np.testing.assert_allclose(w2_interval_uniform(u) ** 2, naive.w2_interval(u) ** 2, atol=n * tol)
    th = 2 * np.pi * u
    np.testing.assert_allclose(
        w1_circle_uniform(th), naive.w1_circle(th), rtol=0, atol=2 * np.pi * tol
    )
    # the circle can only be closer: it may shift the CDF difference
    assert w1_circle_uniform(th) <= 2 * np.pi * w1_interval_uniform(u) + 1e-12


def test_exact_w_special_cases():
    # one atom at x: W1 = x^2/2 + (1-x)^2/2, W2^2 = x^2 - x + 1/3; on the circle: 1/4 of 2 pi
    x = 0.3
    assert w1_interval_uniform([x]) == pytest.approx(x**2 / 2 + (1 - x) ** 2 / 2, rel=1e-14)
    assert w2_interval_uniform([x]) ** 2 == pytest.approx(x**2 - x + 1 / 3, rel=1e-14)
    assert w1_circle_uniform([2 * np.pi * x]) == pytest.approx(2 * np.pi / 4, rel=1e-14)
    # equispaced points: W1 to uniform on the circle = 1/(4N) (x 2 pi), invariant by rotation
    n = 8
    th = 2 * np.pi * (np.arange(n) + 0.37) / n
    assert w1_circle_uniform(th) == pytest.approx(2 * np.pi / (4 * n), rel=1e-12)
    with pytest.raises(ValueError, match="u must lie in"):
        w1_interval_uniform([1.5])
    with pytest.raises(ValueError, match="theta"):
        w1_circle_uniform([np.nan])


def test_w2_mean_matches_closed_form():
    """E W2^2(mu_N, U[0,1]) = 1/(6N). Over R = 4000 draws at N = 20 the sample mean's standard
    error is sd/sqrt(R) (sd estimated); |z| <= 4.4 is Bonferroni alpha = 1e-5 over this file."""
    rng = np.random.default_rng(123)
    n, R = 20, 4000
    v = np.array([w2_interval_uniform(rng.uniform(size=n)) ** 2 for _ in range(R)])
    z = (v.mean() - 1 / (6 * n)) / (v.std(ddof=1) / np.sqrt(R))
    assert abs(z) < 4.4
    # negative control: 1/(5N) is off by 20 % and must be rejected at this precision
    z_bad = (v.mean() - 1 / (5 * n)) / (v.std(ddof=1) / np.sqrt(R))
    assert abs(z_bad) > 4.4


def test_build_components_from_cell_params():
    from ratesim.study.tasks import build

    params = {
        "manifold": "sphere",
        "k": 2,
        "d": 4,
        "manifold__seed": 1,
        "density": "uniform",
        "N": 10,
        "sampler": "langevin",
        "sampler__steps": 7,
    }
    M = build("manifold", params)
    assert (M.k, M.d) == (2, 4)
    # the circle family takes no k: the standard column is not passed
    C = build("manifold", {"manifold": "circle", "k": 1, "d": 3})
    assert (C.k, C.d) == (1, 3)
    p = build("density", params)
    X = M.sample(5, p, rng=np.random.default_rng(0))
    assert X.shape == (5, 4)
    with pytest.raises(ValueError, match="sphree"):
        build("manifold", {**params, "manifold": "sphree"})
    with pytest.raises(ValueError, match="bogus"):
        build("manifold", {**params, "manifold__bogus": 1})
    with pytest.raises(ValueError, match="kind must be one of"):
        build("metric", params)
    with pytest.raises(ValueError, match="no 'estimator' parameter"):
        build("estimator", params)


@pytest.mark.slow
def test_build_sampler():
    """Slow only because importing ratesim.samplers takes seconds (statsmodels.tsa)."""
    from ratesim.study.tasks import build

    params = {"sampler": "langevin", "sampler__steps": 7}
    assert build("sampler", params).keywords == {"steps": 7}
    with pytest.raises(ValueError, match="unknown sampler 'langevn'.*did you mean 'langevin'"):
        build("sampler", {**params, "sampler": "langevn"})


def test_studies_readme_example_is_a_valid_study(tmp_path):
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "studies" / "README.md").read_text()
    body = re.search(r"```python\n(.+?)\n```", text, re.S).group(1)
    p = tmp_path / "my_study.py"
    p.write_text(body)
    st = load_study(p)
    cells = expand(st)
    assert len(cells) == 2 * 13 * 2 * 40 and len(expand(st, quick=True)) == 2 * 4 * 2 * 12
    assert cells[0].params["h"] == pytest.approx(16 ** (-1 / 5))
