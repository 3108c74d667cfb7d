"""Thm 3.1 of Li, Shen, Hsieh, He (arXiv 2509.24912): the expansion of log p_sigma.

Checks of the ``p2_expansion`` task (setup, reference point, the scale of the score parts) and the
quick study run through the engine with negative controls. The expansion itself (check values,
naive twins, O(sigma^2) remainder) is tested in tests/test_exact_small_noise.py.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from ratesim_studies.p2_expansion import tasks as E

from ratesim.densities import VonMises, VonMisesFisher
from ratesim.exact import log_density_remainder
from ratesim.manifolds import Circle, Ellipse, Sphere

HERE = Path(__file__).resolve().parent


def test_setup_matches_direct_construction():
    """The task's (manifold, density) equal the direct constructions (isometry seed from
    manifold__seed, 0 by default; von Mises(kappa, pi) / von Mises-Fisher(kappa, -e_1))."""
    M, p = E.expansion_setup("circle", 1, 10, 4.0, {"manifold__seed": 1})
    np.testing.assert_array_equal(M.frame, Circle(d=10, seed=1).frame)
    assert isinstance(p, VonMises) and p.kappa == 4.0 and p.mean == math.pi
    M, _ = E.expansion_setup("ellipse", 1, 3, 4.0, {})
    want = Ellipse(a=1.0, b=2.0, d=3, seed=0)
    assert (M.a, M.b) == (1.0, 2.0)
    np.testing.assert_array_equal(M.frame, want.frame)
    M, p = E.expansion_setup("sphere", 3, 10, 2.0, {"manifold__seed": 1})
    np.testing.assert_array_equal(M.frame, Sphere(k=3, d=10, seed=1).frame)
    assert isinstance(p, VonMisesFisher) and p.kappa == 2.0
    np.testing.assert_array_equal(p.mu, [-1.0, 0, 0, 0])
    with pytest.raises(ValueError, match="k = 1"):
        E.expansion_setup("circle", 2, 3)
    with pytest.raises(ValueError, match="manifold"):
        E.expansion_setup("torus", 1, 3)


def test_reference_point_check_values():
    """The reference point (angle 0.7) gives the check values 5.09e-2, 4.49e-3, 4.98e-4, 4.48e-5
    on the circle (three significant digits, so relative tolerance 1e-2 covers the rounding)."""
    M = Circle(d=2, seed=None)
    p = VonMises(kappa=4.0, mean=np.pi)
    x = E.reference_point(M)
    np.testing.assert_allclose(x, [[math.cos(0.7), math.sin(0.7)]])
    for s, want in {0.1: 5.09e-2, 0.03: 4.49e-3, 0.01: 4.98e-4, 0.003: 4.48e-5}.items():
        assert log_density_remainder(M, p, x, s)[0] == pytest.approx(want, rel=1e-2)


def test_score_parts_scale():
    """At typical points the geometric part of the score grows like 1/sigma (x10 per decade,
    within 5 %: the mean of 200 chi-distributed normal norms has relative sd ~ 0.5/sqrt(200))
    and the density part stays Theta(1) (ratio within 10 % of 1)."""
    M = Ellipse(a=1.0, b=2.0, d=3, seed=0)
    p = VonMises(kappa=4.0, mean=np.pi)
    m1 = E.expansion_metrics(M, p, 0.01, 0.2, 200, np.random.default_rng(7))
    m2 = E.expansion_metrics(M, p, 0.001, 0.2, 200, np.random.default_rng(7))
    assert m2["geo_typical"] / m1["geo_typical"] == pytest.approx(10.0, rel=0.05)
    assert m2["dens_typical"] / m1["dens_typical"] == pytest.approx(1.0, rel=0.1)
    assert m2["score_rem_sup"] / m1["score_rem_sup"] == pytest.approx(0.01, rel=0.05)


def test_task_calls_the_metrics():
    """The task equals expansion_metrics on the same setup and generator state."""
    got = E.expansion_remainders(
        manifold="sphere", k=2, d=3, sigma=0.01, n_points=16, manifold__seed=1,
        rng=np.random.default_rng(8),
    )  # fmt: skip
    M, p = E.expansion_setup("sphere", 2, 3, 4.0, {"manifold__seed": 1})
    assert got == E.expansion_metrics(M, p, 0.01, 0.2, 16, np.random.default_rng(8))


def test_quick_study_through_engine(tmp_path):
    """The quick study (4 sigma levels over 2 decades) runs through the engine; every paper claim
    is consistent; the control claim (density part O(sigma)) is contradicted in every group, and
    a wrong exponent (1) for the remainder is contradicted too."""
    import dataclasses

    from ratesim.rates import CONSISTENT, CONTRADICTED
    from ratesim.study import load_study
    from ratesim.study.claims import evaluate_claims
    from ratesim.study.runner import run_study
    from ratesim.study.store import ResultsStore

    study = load_study(HERE / "p2_expansion.py")
    with ResultsStore(tmp_path / "ratesim.sqlite") as st:
        summary = run_study(study, st, quick=True, jobs=1, progress=False)
        df = st.tidy("p2_expansion", "quick")
    assert summary.ok, summary.failures
    res = evaluate_claims(study, df)
    paper = [r for r in res if r.claim.role == "paper"]
    control = [r for r in res if r.claim.role == "control"]
    assert paper and control
    assert all(r.verdict == CONSISTENT for r in paper), [
        (r.claim.label, r.group_label, r.verdict, r.note) for r in paper if r.verdict != CONSISTENT
    ]
    assert all(r.verdict == CONTRADICTED for r in control), [
        (r.group_label, r.note) for r in control
    ]
    wrong = dataclasses.replace(study.claims[0], predict={"O(sigma)": 1.0})
    bad = evaluate_claims(dataclasses.replace(study, claims=[wrong]), df)
    assert all(r.verdict == CONTRADICTED for r in bad)
