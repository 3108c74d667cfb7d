"""League tier 12: which competitors generalize at finer scales than their training set (k = 1)?

Tiers 1-3 and 6 compared the competitors on W1. This tier uses the league's other two metrics.
The first is P1's comparison: is the generated law comparable with mu_data at finer scales than
the empirical measure's (log N / N)^(1/k)? The second is novelty: are the samples new, or copies of
training points? Both are computed in every k = 1 cell of ``tasks.league_cell_full``
(:func:`ratesim.metrics.comparability`, :func:`ratesim.metrics.memorization`):

- ``cover_vs_emp``: the coverage scale delta*(c) of the generated samples over the training set's,
  c = 2 stated before any run (docs/science.md, P1: coverage; von Mises kappa = 1 has density ratio
  e^2 > c, so a density-blind law cannot pass). Below 1, the generated law is comparable with
  mu_data at finer scales than the training set itself. Floor ``cover_vs_emp_floor``: the same
  ratio for m fresh draws from mu_data.
- ``novelty``: the median distance of the projected samples to their nearest training point over
  that of N held-out draws. It is about 1 for fresh draws and 0 for copies.
- Reported, not claimed: the comparability constants ``log_c_r010``, ``log_c_r030`` at the
  radii 0.1 and 0.3, with their floors, and W1.

Data and sampler: tier 1's (von Mises(kappa = 1) on the closed Holder curve in R^2, beta = 4.5;
the 400-step reverse SDE). N = 100, 316, 1000 with m = 20 N samples, 6 training sets. At m = 10 N
the pilot's floor ratio was 0.16-0.35: with the level claim's factor-2 floor rule, the bound 1/2
could not have been shown below it. The floor goes as log m / m, so doubling m divides it by
2 log(10 N) / log(20 N), about 1.8 over this N range: 0.09-0.19 expected.

Competitors (one per estimator family, tuning as in the tier that measured it best): the intrinsic
and ambient KDEs and inertial diffusion (theory), the smoothed and kernel-smoothed scores (theory),
Nadaraya-Watson (selected), coarse A and coarse B (theory), the DSM network (16 000 steps), and the
memorizing empirical score (the control). The empirical measure is left out: it is the training
set, with ratio 1 and novelty 0 by construction. Also cut: the selected closed-form score (22 s a
cell at N = 1000 and m = 10 N in the pilot, like the smoothed score it selects around), kNN and
the local polynomials (tier 2's and 3's costs: several hundred seconds a cell at N = 1000).

Claims:
- ``finer_than_training`` (paper, P1's comparison, level bound): ``cover_vs_emp`` is at most
  1/2 at every N (simultaneous 95 % t intervals), per competitor. The margin is a factor 2, as
  in the P1 headline family. Floor ``cover_vs_emp_floor`` (a level whose doubled floor reaches
  1/2 cannot show the bound). Control: the empirical score (ratio about 1), which must violate
  it.
- ``novel`` (paper: generalization rather than memorization, level claim): ``novelty`` equals 1
  within 0.5 at every N, per competitor, the empirical score included (it must be
  *contradicted*). Tolerance: for a perfect generalizer the held-out median's relative spread
  is about 1.44 / sqrt(N) (nearest-neighbour distances on a curve are nearly exponential), 0.14
  at N = 100; over 6 training sets the simultaneous t interval (Bonferroni over 3 levels) is
  about +-0.23 wide. The margin 0.5 leaves about 0.27 for a systematic offset, and a copying
  sampler (novelty < 0.1) is far outside.

Pilot (one training set at N = 100 and at N = 1000, m = 10 N; none of it enters the verdicts;
ratio / novelty):
- N = 100: intrinsic KDE 0.76 / 1.16, ambient KDE 0.56 / 0.80, inertial 0.86 / 0.73, smoothed
  0.24 / 0.96, kernel-smoothed 0.86 / 1.09, Nadaraya-Watson (selected) 1.10 / 0.75, coarse A
  2.23 / 1.16, coarse B 0.28 / 0.94, network 1.10 / 0.91, empirical score 0.94 / 0.00; floors
  0.16-0.35;
- N = 1000: intrinsic KDE 0.30 / 0.95, ambient KDE 0.30 / 1.05, inertial 0.33 / 0.99, smoothed
  0.35 / 1.03, kernel-smoothed 1.06 / 1.01, Nadaraya-Watson 1.59 / 0.71, empirical score 1.45 /
  0.00; floors 0.19-0.34.
Cost at m = 10 N: 1-9 s a cell at N = 100, 4-23 s at N = 1000. At m = 20 N, about 3500
cell-seconds.

Predictions (registered): ``finer_than_training`` *consistent* for the smoothed score and coarse B
(pilot 0.24-0.35 at both N); *contradicted* for kernel-smoothed, Nadaraya-Watson, coarse A and the
network (pilot above 0.85 at N = 100); *inconclusive* for the two KDEs and inertial diffusion
(0.56-0.86 at N = 100, 0.30-0.33 at N = 1000); the control *contradicted*. ``novel``
*consistent* for every competitor but the empirical score, which is *contradicted*.
"""

from ratesim.study import Claim, Study

from .tasks import CURVE_K1, league_cell_full

COMPETITORS = [
    ("intrinsic_kde", "theory"),
    ("ambient_kde", "theory"),
    ("inertial", "theory"),
    ("smoothed", "theory"),
    ("kernel_smoothed", "theory"),
    ("nadaraya_watson", "selected"),
    ("coarse_A", "theory"),
    ("coarse_B", "theory"),
    ("dsm_network", "theory"),
    ("empirical", "theory"),  # the control: memorizes
]
LEARNERS = [c for c, _ in COMPETITORS if c != "empirical"]
RUN = "full run of 2026-12-06 (180 cells at e7cee7c, 6 training sets, 6042 cell-seconds)"

STUDY = Study(
    name="league_k1_generalization",
    task=league_cell_full,
    grid={
        **CURVE_K1,
        "competitor, tuning": COMPETITORS,
        "steps": 400,
        "N, m": [(100, 2000), (316, 6320), (1000, 20000)],
    },
    seeds=6,
    quick={
        "competitor, tuning": [("smoothed", "theory"), ("empirical", "theory")],
        "N, m": [(50, 500), (100, 1000), (200, 2000)],
    },
    quick_seeds=2,
    seed=20261220,
    registered=("2026-12-06", "8c25759"),
    claims=[
        Claim(
            metric="cover_vs_emp",
            predict={"at most half the training set's scale": 0.5},
            form="level",
            bound=True,
            tolerance=0.0,
            group_by=("competitor", "tuning"),
            where={"competitor": LEARNERS},
            control={"competitor": "empirical"},
            floor="cover_vs_emp_floor",
            role="paper",
            name="finer_than_training",
            expect={
                **{
                    f"competitor={c}, tuning={t}": "contradicted"
                    for c, t in COMPETITORS
                    if c in ("kernel_smoothed", "nadaraya_watson", "coarse_A", "inertial")
                },
                **{
                    f"competitor={c}, tuning=theory": "inconclusive"
                    for c in ("intrinsic_kde", "coarse_B", "dsm_network")
                },
            },
            evidence=RUN + ": seed means at N = 100, 316, 1000 (floors 0.09-0.20): smoothed "
            "0.246, 0.186, 0.121 and ambient KDE 0.236, 0.174, 0.085 (consistent); intrinsic KDE "
            "0.343 [-0.010, 0.696] at N = 100, coarse B 0.339 [0.121, 0.556] at N = 100, the "
            "network 0.829, 0.409, 0.507 (inconclusive); inertial 0.902 [0.501, 1.302] at "
            "N = 100, kernel-smoothed 1.115, 1.167, 0.724, Nadaraya-Watson 1.354, 1.248, 1.412, "
            "coarse A 2.2, 6.0, 14.0 (contradicted); control (empirical score) 0.970, 1.040, "
            "0.888. Registered prediction (pilot, m = 10 N): consistent for the smoothed score "
            "and coarse B, contradicted for kernel-smoothed, Nadaraya-Watson, coarse A and the "
            "network, inconclusive for the KDEs and inertial diffusion",
            why="P1's comparison: the generated law is comparable with mu_data (c = 2) at "
            "scales finer than the training set's own, by a factor 2, at every N; the "
            "memorizing empirical score must violate it",
        ),
        Claim(
            metric="novelty",
            predict={"as far from the training set as fresh draws": 1.0},
            form="level",
            tolerance=0.5,
            group_by=("competitor", "tuning"),
            role="paper",
            name="novel",
            expect={
                "competitor=empirical, tuning=theory": "contradicted",
                "competitor=coarse_A, tuning=theory": "inconclusive",
                "competitor=nadaraya_watson, tuning=selected": "inconclusive",
            },
            evidence=RUN + ": the empirical score 0.000 at every N (its samples are copies); "
            "coarse A 1.370, 1.604, 1.533 (its uniform target puts samples in the data's sparse "
            "arcs, far from training points), Nadaraya-Watson (selected) 0.577 [0.307, 0.846], "
            "0.663, 0.724 (nearer the training points than fresh draws); the seven others "
            "0.87-1.08 at every N. Registered prediction: consistent for every competitor but "
            "the empirical score (pilot novelty 0.00)",
            why="generalization, not memorization: the samples' median distance to the "
            "training set is that of fresh draws, within a factor 1.5 either way at most; "
            "tolerance derived in the module docstring",
        ),
    ],
)
