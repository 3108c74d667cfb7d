"""P2 Thm 5.1, regression scores: TS-1 chains with a Nadaraya-Watson score learned from N samples.

Li, Shen, Hsieh, He (2026), Thm 5.1 (score error o(sigma^beta_err), alpha > -beta_err => TS law
-> uniform). Complements ``p2_ts_learned`` (EmpiricalScore / SmoothedScore laws by quadrature):
regression scores have no log-density, so their TS-1 law is sampled by 1e4 chains
(``learned_chains`` in this family's tasks), started at the exact TS law and run 5 relaxation times
(500 steps at sigma = 0.1, h = 0.1), and compared with the exact TS law by an unbiased squared
Fourier distance fd2 (8 modes; no Monte-Carlo floor, sd sqrt(16)/1e4 = 4e-4 at equality), KS and
72-bin TV (with their floors). Unit circle, von Mises(kappa = 1, mean pi), sigma = 0.1, alpha = 1;
NadarayaWatsonScore(bandwidth = 0.05, n_noise = 8, noise seed 0); the closed-form score through the
same chains is the control (Euler bias of h = 0.1 plus Monte-Carlo error).

Smaller than the family's plan, and said so: N = 32, 128, 512 (1.2 decades, not 2), 10 training
sets per N, Nadaraya-Watson only. The chains cost N n_noise kernel pairs per query at bandwidth
0.05: 17, 44 and 61 s per cell at N = 32, 128, 512 on this shared 2-core machine, 380 s at
N = 16384 (measured); the N = 2048 level (10 seeds, ~30 min of compute) was started and stopped
for time, so LocalPolynomialScore (a weighted least-squares solve per query) and N >= 2048 are left
for a bigger machine. No rate claim: the theory gives no N-rate for a regression score's TS law
(the N^-1/2 of ``p2_ts_learned`` is our derivation for kernel-density scores); fd2 can be negative
per seed (it is unbiased), which the log-scale rate fits cannot take, so the table and plot report
seed means with standard errors.
"""

from ratesim.study import Study

from .figures import learned_chains_figure
from .tasks import ts_learned_chains

STUDY = Study(
    name="p2_ts_learned_chains",
    task=ts_learned_chains,
    grid={
        "manifold": "circle",
        "density": "von_mises",
        "density__kappa": 1.0,
        "sigma": 0.1,
        "alpha": 1.0,
        "h": 0.1,
        "relax": 5.0,
        "n_chains": 10_000,
        "estimator, estimator__bandwidth, estimator__n_noise, N": [
            ("exact", None, None, 32),
            *[("nadaraya_watson", 0.05, 8, n) for n in (32, 128, 512)],
        ],
    },
    seeds=10,
    quick={
        "n_chains": 500,
        "relax": 1.0,
        "estimator, estimator__bandwidth, estimator__n_noise, N": [
            ("exact", None, None, 32),
            ("nadaraya_watson", 0.05, 8, 32),
            ("nadaraya_watson", 0.05, 8, 64),
        ],
    },
    quick_seeds=2,
    seed=20261129,
    registered=("2026-11-23", "9ce5f72"),
    claims=[],
    figures=[learned_chains_figure],
)
