"""P2 synthetic figure, ellipse panels: plain Langevin keeps p, TS-1 gives the uniform law.

Li, Shen, Hsieh, He (2026), Sec. 5 synthetic experiments (SCIENCE.md): ellipse (a, b) = (1, 2),
data von Mises(kappa = 1, mean 0) in the chart angle t (``ChartVonMises``), sigma = 0.01,
h = 0.1, 1e4 chains, alpha = 1, 1e4 steps (the paper's count). Thm 5.1: TS-1's stationary law
p_sigma^sigma tends to the uniform arc-length law (density in t proportional to
sqrt(a^2 sin^2 t + b^2 cos^2 t)); at sigma = 0.01 its exact quadrature is 0.0037 (720 bins)
from it. Plain Langevin's stationary law p_sigma is 1.4e-5 (720 bins) from p.

Scores: exact (``ratesim.theory.ellipse_p2.EllipseChartScore``: weighted Gaussian softmax over a
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

Reading of the full run (1e4 chains, 1e4 steps, one seed per panel; 72-bin TV floor 0.032-0.033,
KS 1 % critical value 0.0163). TS-1 with the exact score, started at p: TV to the uniform law
0.036 [floor 0.033], KS to uniform 0.0075, KS to its exact stationary law 0.0057, while TV to p is
0.272 (TV(p, uniform) = 0.284): TS-1 gives the uniform law, as Thm 5.1 predicts. Mixing: TV to the
stationary law 0.279 at the start, 0.042 at step 5000 (2.1 relaxation times), 0.035 at the end
(4.2 relaxation times; floor 0.033); the normal rms 0.1026 equals sigma^(1 - alpha/2) / sqrt(1 -
h/2) = 0.1026 (SCIENCE.md). TS-1 with the empirical score (N = 1e4): TV to uniform 0.038, KS to
uniform 0.014 (below the critical value), KS to its own stationary law 0.012, TV to p 0.270: the
learned score gives the same uniform law (its tempered law is 0.0038 from uniform on 72 bins, the
exact one 0.0037). Plain Langevin with the exact score started at p stays at p (TV 0.035
[0.032], KS 0.0087; its stationary law p_sigma is 1.4e-5 from p on 720 bins), but it is NOT mixed:
1e4 steps are 0.042 relaxation times, and from the uniform start it only moved from TV(p) = 0.283
to 0.260 (KS to p 0.133, KS to uniform 0.018): "plain Langevin gives p" is verified for its
stationary law (quadrature) and for stationarity, not by mixing from elsewhere; a bigger machine
runs ~1e6 steps. Plain Langevin with the empirical score: from p, TV to p 0.043, KS to p 0.0055,
KS to its own law (mu_N * N(0, sigma^2 I), 0.030 from p on 72 bins: the training set's own
sampling noise) 0.0089; from the uniform start, TV(p) 0.265 (not mixed either). Memorization
regime: at sigma = 0.01 with N = 1e4 the training spacing 1 / (N p) = 1e-3 .. 4e-3 is below
sigma, so the plain-Langevin law is a sigma-blurred copy of the training set; the chains' projected
points are as close to the training points as fresh samples of p (median nearest-training distance
ratio 0.97 from p; 1.36 from the unmixed uniform start), i.e. no collapse onto single training
points at this N, but no information beyond mu_N either. TS-1 removes the dependence on the density
altogether (its law is uniform whatever the score learned), which is the paper's point.
"""

from ratesim.study import Study
from ratesim.theory import ellipse_p2  # noqa: F401  (registers the task)
from ratesim.theory.ellipse_p2 import ellipse_experiment_figure

STUDY = Study(
    name="p2_paper_ellipse",
    task="p2_ellipse_experiment",
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
    claims=[],
    figures=[ellipse_experiment_figure],
)
