"""P2 Thm 4.1: p_sigma e^(-sigma^gamma phi) concentrates iff gamma > -2, recovers iff gamma > 0.

Li, Shen, Hsieh, He, "When scores learn geometry" (arXiv 2509.24912), Theorem 4.1, by exact
quadrature (task :func:`tasks.tilted_concentration`, :func:`ratesim.exact.circle_tilted_law`): von
Mises (kappa = 4, mean pi) data on the unit circle in R^2, learned densities pi_sigma proportional
to p_sigma exp(-sigma^gamma phi) with phi = |x - c|^2, |c| = 1/2 (score error ~ sigma^gamma), and
the Omega(1)-error "swap" construction whose limit is a chosen bimodal law q on M. Each seed draws
the direction of c (or the rotation of q): the CIs cover the choice of phi. The TV constants depend
on that direction (seed spread ~0.35 in log TV), so the study uses 20 seeds per point: with 10 (the
first full run), the three-parameter two-term fits of the recovery claim (item 4) had CI
half-widths 0.10-0.14.

Fits against sigma = 0.1 ... 1e-4 (3 decades; gamma = -2.5 stops at 1e-3, where the angular peak
of width sigma^1.25 still spans >= 4 nodes of the 2^17-node grid); exponents below are of sigma.
The two-term claims (items 2, 4 and the gamma = -0.5 part of 7) fit A sigma^b + c sigma^q, the
correction vanishing as sigma -> 0 (``subleading=-q``). (Registered on inv_sigma = 1/sigma with
the exponents of 1/sigma, the same fits mirrored: the engine's two-term form could then only take
a correction that vanishes as the axis grows.) Tolerance registered as 0.05 everywhere (with a
maximum CI half-width of 0.1): the quadrature is exact to ~1e-8 relative, so the only bias is
pre-asymptotic, and each claim's form absorbs the known next term (Laplace / Gaussian
expansions). Re-registered 2026-12-05 under the equivalence rule (consistent only when the whole
CI lies inside p +- tolerance): tolerance 0.15 = 0.05 + 0.1, mechanically, for every claim.

Roles: claims 1-7 test Thm 4.1 of the paper (concentration iff gamma > -2, recovery iff
gamma > 0, an Omega(1) error reaches a chosen limit); the collapse widths of claims 8-9 are
Laplace's method on this family's own tilt (anchors).

1. E dist^2 ~ sigma^2 (2) for gamma in {-1, ..., 1.5} and the swap (normal variance; the mode's
   normal shift sigma^(2+gamma) adds sigma^(4+2 gamma) <= sigma^2).
2. E dist^2 ~ sigma^(4 + 2 gamma) = sigma at gamma = -1.5 (the shift dominates); form two_term with
   the subleading sigma^1.5 (the relative correction sigma^(2+gamma) of the shift).
3. gamma in {-2, -2.5}: no concentration, E dist^2 = Theta(1) (0) and the mass outside the tube
   |r - 1| < 0.25 tends to 1 (0). For gamma > -2 that mass vanishes faster than any power
   (exp(-(0.25 - shift)^2 / (2 sigma^2))): the table in the figures shows it.
4. TV(marginal, mu_data) ~ sigma^gamma for gamma in {0.5, 1, 1.5}: two_term form with the
   subleading sigma^2 (the O(sigma^2) remainder of Thm 3.1), predicted exponent gamma of sigma.
5. No recovery for gamma in {-1.5, -1, 0} and the swap: TV to mu_data = Theta(1) (0), fitted on
   sigma <= 0.01. At gamma = -0.5 the TV is still climbing towards 1 (0.79 at sigma = 1e-3, 0.88
   at 1e-4, as the collapse window sigma^(1/4) shrinks), so a flat Theta(1) prediction does not
   describe it on this range; it is shown in the figure, not claimed.
6. The tilted and the chosen limits: TV to p exp(-phi)/Z at gamma = 0 and to q for the swap ~
   sigma^2 (2).
7. Collapse onto argmin_M phi for -2 < gamma < 0: circular W1 to the point mass ~ sigma^(-gamma/2)
   (Laplace width), fitted on sigma <= 0.01; gamma = -0.5 with the two-term form and subleading
   sigma^(-3 gamma/2) (the Laplace corrections: mode shift (log p)'/(sigma^gamma phi'') and
   width change (log p)''/(sigma^gamma phi'')).

A bigger machine would add the ellipse and S^2 (2-D quadrature over a chart) and a finer gamma grid
near -2. Reading of the full run: reports/p2_concentration/reading.md.
"""

from ratesim.study import Claim, Expr, Study

from .figures import concentration_regimes
from .tasks import tilted_concentration

SIGMAS = [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001]
SMALL = [s for s in SIGMAS if s <= 0.01]
CASES = [("tilt", g) for g in (-2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)] + [("swap", 0.0)]


def _grid(cases, sigmas, smallest_m25=1e-3):
    return [(c, g, s) for c, g in cases for s in sigmas if not (g == -2.5 and s < smallest_m25)]


G = ("construction", "gamma")

STUDY = Study(
    name="p2_concentration",
    task=tilted_concentration,
    grid={
        "manifold": "circle",
        "k": 1,
        "d": 2,
        "density": "von_mises",
        "kappa": 4.0,
        "eps": 0.25,
        "n_theta": 2048,
        "construction, gamma, sigma": _grid(CASES, SIGMAS),
    },
    seeds=20,
    quick={
        "construction, gamma, sigma": _grid(
            [("tilt", g) for g in (-2.0, -1.0, 0.0, 1.0)] + [("swap", 0.0)],
            [0.1, 0.03, 0.01, 0.003, 0.001],  # >= 4 levels over >= 1.5 decades: verdicts
        ),
        "n_theta": 256,
    },
    quick_seeds=3,
    seed=2509_24912_41,
    registered=("2026-11-23", "ff86e33"),
    claims=[
        Claim(
            metric="mean_dist2",
            name="E dist^2 (concentration)",
            predict={"sigma^2": 2.0},
            on="sigma",
            group_by=G,
            where={"gamma": [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]},
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="mean_dist2",
            name="E dist^2 at gamma = -1.5",
            predict={"sigma^(4+2 gamma)": Expr("4 + 2*gamma")},
            on="sigma",
            group_by=G,
            where={"gamma": [-1.5]},
            form="two_term",
            subleading=-1.5,
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="mean_dist2",
            name="E dist^2 (no concentration)",
            predict={"Theta(1)": 0.0},
            on="sigma",
            group_by=G,
            where={"gamma": [-2.0, -2.5]},
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="mass_out",
            name="mass outside the tube (no concentration)",
            predict={"Theta(1)": 0.0},
            on="sigma",
            group_by=G,
            where={"gamma": [-2.0, -2.5]},
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="tv_data",
            name="TV to mu_data (recovery)",
            predict={"sigma^gamma": Expr("gamma")},
            on="sigma",
            group_by=G,
            where={"construction": "tilt", "gamma": [0.5, 1.0, 1.5]},
            form="two_term",
            subleading=-2.0,
            tolerance=0.15,
            role="paper",
            expect={"construction=tilt, gamma=1.5": "inconclusive"},
            evidence=(
                "gamma = 1.5: the registered two-term fit gives +1.32 [+1.20, +1.45], straddling "
                "the band [1.35, 1.65]; the local slopes rise from +1.44 (sigma <= 3e-4) to +1.97 "
                "(sigma 0.03 - 0.1), curvature the form A sigma^b + c sigma^2 does not absorb at "
                "sigma = 0.1 (the TV of a sum is not additive). A design limit of the fit form, "
                "not a failure of Thm 4.1: a post hoc power fit on sigma <= 0.01 (report side "
                "table, not a claim) gives +1.51 [+1.36, +1.66]."
            ),
        ),
        Claim(
            metric="tv_data",
            name="TV to mu_data (no recovery)",
            predict={"Theta(1)": 0.0},
            on="sigma",
            group_by=G,
            where={"gamma": [-1.5, -1.0, 0.0], "sigma": SMALL},
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="tv_limit",
            name="TV to the tilted / chosen limit",
            predict={"sigma^2": 2.0},
            on="sigma",
            group_by=G,
            where={"gamma": [0.0]},
            tolerance=0.15,
            role="paper",
        ),
        Claim(
            metric="w1_argmin",
            name="W1 to argmin phi (collapse)",
            predict={"sigma^(-gamma/2)": Expr("-gamma/2")},
            on="sigma",
            group_by=G,
            where={"construction": "tilt", "gamma": [-1.5, -1.0], "sigma": SMALL},
            tolerance=0.15,
            role="anchor",
            why=(
                "Laplace's method on this family's tilt: exp(-sigma^gamma phi) concentrates the "
                "angle at argmin_M phi with width sigma^(-gamma/2); the paper states only that "
                "such an error keeps the support and loses the law."
            ),
        ),
        Claim(
            metric="w1_argmin",
            name="W1 to argmin phi (collapse, gamma = -0.5)",
            predict={"sigma^(-gamma/2)": Expr("-gamma/2")},
            on="sigma",
            group_by=G,
            where={"construction": "tilt", "gamma": [-0.5], "sigma": SMALL},
            form="two_term",
            subleading=-0.75,
            tolerance=0.15,
            role="anchor",
            why="As the claim above (Laplace's method), with its first corrections sigma^0.75.",
        ),
    ],
    figures=[concentration_regimes],
)
