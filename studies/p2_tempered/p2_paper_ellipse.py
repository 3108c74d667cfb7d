"""P2 synthetic figure, ellipse panels: plain Langevin keeps p, TS-1 gives the uniform law.

Li, Shen, Hsieh, He (2026), Sec. 5 synthetic experiments: ellipse (a, b) = (1, 2),
data von Mises(kappa = 1, mean 0) in the chart angle t (``ChartVonMises``), sigma = 0.01,
h = 0.1, 1e4 chains, alpha = 1, 1e4 steps (the paper's count). Thm 5.1: TS-1's stationary law
p_sigma^sigma tends to the uniform arc-length law (density in t proportional to
sqrt(a^2 sin^2 t + b^2 cos^2 t)); at sigma = 0.01 its exact quadrature is 0.0037 (720 bins)
from it. Plain Langevin's stationary law p_sigma is 1.4e-5 (720 bins) from p.

Scores: exact (``EllipseChartScore`` in this family's paper tasks: weighted Gaussian softmax over a
5028-node trapezoid grid, truncated KD-tree engine, equal to ``OracleScore`` to 1e-12) and
learned (``EmpiricalScore`` on N = 1e4 samples of p). At sigma = 0.01 the empirical score is in
its memorization regime: its plain-Langevin law is mu_N * N(0, sigma^2 I), a copy of the
training set blurred by sigma (sample spacing 1 / (N p) = 1e-3 .. 4e-3 < sigma, so the blur
spans a few neighbours); TS-1 tempers log p^N_sigma by sigma and its law still tends to uniform
(the kernel-density fluctuation of log p^N enters multiplied by sigma^alpha).

Starts: fresh samples of p ("data") and of the uniform arc-length law ("uniform", plain only:
the direction in which plain Langevin must move to reach p). Mixing: one relaxation time of the
slowest angular mode is (L / 2 pi)^2 / (h sigma^(2-alpha)) = 2.4e3 steps for TS-1 (L = 9.69 the
perimeter), so 1e4 steps are 4.2 relaxation times; plain Langevin needs 2.4e5 steps per
relaxation, so 1e4 steps are 0.04 of one: it is NOT mixed (the report shows how far it moved
from the uniform start); a bigger machine runs it 1e6 steps (100x this cell's cost). Panels are
figures (one seed each; the TV floors and the KS critical value give the sampling error), no
rate claims.
"""

from ratesim.study import Study

from .figures import ellipse_experiment_figure
from .paper_tasks import ellipse_panel

STUDY = Study(
    name="p2_paper_ellipse",
    task=ellipse_panel,
    grid={
        "manifold": "ellipse",
        "density": "chart_von_mises",
        "kappa": 1.0,
        "sigma": 0.01,
        "alpha": 1.0,
        "h": 0.1,
        "steps": 10_000,
        "n_chains": 10_000,
        "N": 10_000,
        "score": ["exact", "empirical"],
        "sampler, init": [("ts", "data"), ("plain", "data"), ("plain", "uniform")],
    },
    seeds=1,
    quick={"n_chains": 300, "steps": 200, "N": 1000},
    quick_seeds=1,
    seed=20261128,
    registered=("2026-11-23", "0a96743"),
    claims=[],
    figures=[ellipse_experiment_figure],
)
