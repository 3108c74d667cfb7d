"""P2 synthetic figure: O(1) score error on the circle: reverse diffusion misses p, TS-1 is uniform.

Li, Shen, Hsieh, He (2026), the controlled synthetic experiment (Sec. 5): exact circle score
(von Mises kappa = 4, mean pi) plus the O(1) error field e(x) = -grad(|x - (1, 0)|^4 / 2).
Reverse diffusion (Euler-Maruyama, sigma 1 -> 0.01, 2000 steps; sigma_max = 1 because the
cubic error field makes larger starting noise unstable for Euler) with the corrupted score misses
the data law p; TS-1 (alpha = 1, sigma = 0.01, h = 0.1, 5 relaxation times = 5000 steps, started
from the reverse-diffusion output) recovers the uniform law, as Thm 5.1 predicts for an error
o(sigma^beta_err) with beta_err > -alpha; plain Langevin keeps the tilt (and would need 1e5 steps
per relaxation: it is run for the same 5000 steps, a caveat stated in the report). 1e4 chains per
panel, one seed (the panels are figures, not rates; the TV floors and KS critical values give the
sampling error). The ellipse (1, 2) panels (ChartVonMises kappa = 1, exact and learned score)
are the study ``p2_paper_ellipse`` (its exact score is a weighted Gaussian softmax over a
quadrature grid on the truncated KD-tree engine, in this family's ``paper_tasks``).
"""

from ratesim.study import Study

from .figures import circle_experiment_figure
from .paper_tasks import circle_panel

STUDY = Study(
    name="p2_paper_figures",
    task=circle_panel,
    grid={
        "manifold": "circle",
        "density": "von_mises",
        "sigma": 0.01,
        "alpha": 1.0,
        "h": 0.1,
        "relax": 5.0,
        "n_chains": 10_000,
        "sampler": ["reverse_sde", "plain", "ts"],
        "error": ["none", "quartic"],
    },
    seeds=1,
    quick={"n_chains": 1000, "relax": 2.0},
    quick_seeds=1,
    seed=20261126,
    registered=("2026-11-23", "14a7bf4"),
    claims=[],
    figures=[circle_experiment_figure],
)
