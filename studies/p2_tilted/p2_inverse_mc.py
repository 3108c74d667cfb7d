"""P2 Thm 6.1, Monte-Carlo: posterior Langevin chains sample the exactly computed stationary laws.

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912), Theorem 6.1. The study
``p2_inverse_problem`` computes the stationary laws of posterior Langevin by exact quadrature; here
N independent chains of ``ratesim.samplers.posterior_langevin`` (hat-form Euler-Maruyama, exact
circle prior score plus the error -sigma^beta grad psi, linear forward map) are run at sigma = 0.1
and their angle histogram (24 equal arcs) is compared with the exact law binned alike (task
:func:`tasks.posterior_chains_vs_exact`). ``tv_floor`` is the expected TV of N i.i.d. draws of the
exact law (multinomial, 200 replicates), the pure sampling error; ``tv_excess`` = tv_mc / tv_floor.

Claim (axis N, 10 ... 1000 chains, 2 decades, 10 seeds): if the chains sample the exact law,
tv_mc tracks the floor at every N and tv_excess is flat (exponent 0); a bias b (discretization,
incomplete mixing) makes tv_mc -> b while the floor decays like N^-1/2, so tv_excess grows like
N^(1/2) (a negative control in the tests). Tolerance 0.1 as registered, with a maximum CI
half-width of 0.2 (at the smallest N the floor is not yet in its N^-1/2 regime, which bends the
ratio of two nearly equal numbers by a few percent only); re-registered 2026-12-05 under the
equivalence rule as 0.3 = 0.1 + 0.2, mechanically. Role: anchor (the pipeline reproduces an
exactly computed law; no statement of the paper is tested here).

Step counts follow the mixing rule of docs/science.md (P2, appendix D: the first angular mode
relaxes in ~1/(h sigma^(2 - alpha)) steps, i.e. one time unit on the free circle), from angles
uniform on M, with dt = h sigma^(2 - alpha): tempered (alpha = 1, beta = 0, h = 0.02) 5 time units =
2500 steps (uniform prior: one well of v, residual ~exp(-5)); plug-and-play (alpha = 0, beta = 1, h
= 0.2) 20 time units = 10^4 steps: its posterior exp(-v) p is bimodal (the prior at pi against the
two solutions of G(x) = y), and 5 time units left a measured bias (24-bin TV 0.043 against a floor
of 0.026 at N = 3000; 0.016 against 0.026 after 20 units). h = 0.2 inflates the normal variance by
1/(1 - h/2) = 1.11 (Euler-Maruyama on the stiff normal mode; docs/science.md, Thm 5.1), which moves
the angular law by O(0.1 sigma^2) only. A bigger machine would run N up to 1e5 (a floor of 4e-3,
sharper against small biases), sigma = 0.03 and the nonlinear map.

2026-12-05, design revision before its run: N = 3000 and 10000 added (6 levels, 3 decades; the
floor falls to 0.014). N = 1e5 is re-estimated at about 1.5 h on 2 cores (a plug-and-play cell
takes ~50 s at N = 1e4 and ~10x that at 1e5) and left out. Disclosed before the run: one timing
cell (plug-and-play, N = 1e4, one seed) gave tv_mc 0.021 against a floor of 0.014 (tv_excess
1.5), a bias of about 0.015 in 24-bin TV that the floors at N <= 1000 (>= 0.045) hide. Claim and
margin unchanged; prediction for the run: the tempered case consistent with flat; the
plug-and-play case's excess rises at N >= 3000, but over three decades its fitted slope stays
well inside the margin 0.3 (about +0.1 if the excess goes from 1 to 1.5 in the last decade), so
it is expected consistent too: this flat claim with margin 0.3 cannot see a bias of that size,
which the report's new figure of tv_mc against tv_floor shows instead.
"""

from ratesim.study import Claim, Study

from .figures import chains_against_floor
from .tasks import posterior_chains_vs_exact

STUDY = Study(
    name="p2_inverse_mc",
    task=posterior_chains_vs_exact,
    grid={
        "manifold": "circle",
        "k": 1,
        "d": 2,
        "density": "von_mises",
        "case, method, alpha, beta_err, h, time": [
            ("ts_err0", "ts", 1.0, 0.0, 0.02, 5.0),
            ("pnp_err1", "pnp", 0.0, 1.0, 0.2, 20.0),
        ],
        "forward": "linear",
        "sigma": 0.1,
        "N": [10, 30, 100, 300, 1000, 3000, 10000],  # 3000, 10000 since 2026-12-05
    },
    seeds=10,
    quick={
        "case, method, alpha, beta_err, h, time": [
            ("ts_err0", "ts", 1.0, 0.0, 0.02, 2.0),
            ("pnp_err1", "pnp", 0.0, 1.0, 0.2, 4.0),
        ],
    },
    quick_seeds=3,
    seed=2509_24912_62,
    registered=("2026-11-23", "ff86e33"),
    claims=[
        Claim(
            metric="tv_excess",
            name="chains vs exact stationary law",
            predict={"unbiased (flat)": 0.0},
            group_by=("case",),
            tolerance=0.3,
            role="anchor",
            why=(
                "A check of the pipeline, not of the paper: the sampler must reproduce the "
                "stationary law that p2_inverse_problem computes by quadrature."
            ),
        ),
    ],
    figures=[chains_against_floor],
)
