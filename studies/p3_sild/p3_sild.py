"""P3 SiLD: a score-induced latent diffusion's W1 rate does not depend on the ambient dimension d.

Huang et al., "Collapse and refine" (arXiv 2605.20235; docs/science.md, P3): stage 1 turns the
learned small-sigma denoiser into an encoder onto M with a data-learned chart, stage 2 learns the
k-dimensional latent law; the sample complexity depends on k, not d. Setup: unit circle (k = 1)
randomly embedded in R^d, d in {3, 10, 50, 100}, von Mises density kappa = 2; N = 2^6 ... 2^13
(2.1 decades), 10 seeds per point. Pipelines (``tasks.py`` of this family), all from the
Gaussian-smoothed empirical score family:

- ``sild``: encoder = angle of the learned chart (PCA plane + Kasa circle fit of the denoised data)
  after the empirical-score denoiser at sigma_enc = 0.01; latent law = the smoothed-score (KDE)
  law of the codes with h = N^(-1/5); decoder = Nadaraya-Watson regression of the data on their
  codes (bandwidth h / 2). Evaluated exactly on a 2048-angle grid (no sampling floor).
- ``ambient``: the smoothed score in R^d with the ambient rule h = N^(-1/(d+4)); its exact law
  mu_N * N(0, h^2 I) sampled with 4000 points.
- ``empirical``: mu_N (the empirical score's law at sigma -> 0).

Metric ``w1`` = E dist(Y, M) + W1_geo(P_M # nu, mu) against the population law (2^14-angle
quadrature): an upper bound of the ambient W1 that is >= its lower bound E dist(Y, M)
(``tasks.manifold_w1``); ``dist`` and ``w1_geo`` are its two parts.

Claims (per d):

- ``sild`` w1 ~ N^(-2/(k+4)) = N^-0.4 (the latent KDE's h^2 smoothing bias with h = N^-1/5, the
  inertial-diffusion rate of Lyu et al. 2025) or N^-1/2 (its variance part, which dominates when
  the bias constant is small): competing, rule "any"; tolerance 0.05 (the two terms mix: local
  slopes lie between -0.4 and -0.5). The **d-independence** claim itself: at each N, sild's w1 is
  flat in d (exponent 0 on the d axis, tolerance 0.05: the pipeline is exactly invariant under the
  isometry up to the randomness of the data), and the report's table compares the N-slopes across
  d with CIs (the differences to d = 3 with their CIs).
- ``empirical`` w1 ~ N^-1/2 (Dudley / Weed & Bach for k = 1; exact d-free), tolerance 0.03.
- ``ambient`` w1 ~ N^(-1/(d+4)): its off-manifold spread h sqrt(d - 1) dominates; tolerance 0.05
  (the angular part, ~ 20 % of w1 at d = 3 and decaying faster, and curvature corrections tilt
  the slope by < 0.04). A d-dependent rate: the contrast to SiLD.

Tolerances as registered: 0.05 (empirical 0.03), with a maximum CI half-width of 0.1.
Re-registered 2026-12-05 under the equivalence rule (consistent only when the whole CI lies inside
p +- tolerance): tolerance = registered tolerance + 0.1, mechanically (0.15; empirical 0.13).

Roles: no claim of this study tests the paper. The d-independence of SiLD holds **by
construction** here: the circle is planar and noise-free, embedded isometrically, and the chart
(PCA + circle fit) and the empirical-score denoiser are exactly invariant under the isometry, so
the same data give the same law at every d (tested to rounding). The flat-in-d claim is therefore
a control, and so is the ambient rate (its off-manifold spread h sqrt(d - 1) with the chosen
bandwidth h = N^(-1/(d+4)); the small-h constant is checked against E chi_(d-1) in the tests). The
SiLD and empirical rates in N are anchors (the latent KDE's W1 rate, the empirical measure's W1
rate). A test of P3 needs a chart that must be learned (a non-planar or noisy curve, a trained
stage 1); that is outside this study.

Budget: ~5 CPU-minutes. A bigger machine would add non-planar curves (Holder curves, where the PCA
chart is not exact and the chart's estimation error enters), k = 2 (flat torus with a
diffusion-map chart), noisy data, and N up to 2^16.
"""

from ratesim.study import Claim, Study

from .figures import slopes_across_d
from .tasks import sild_w1

DS = [3, 10, 50, 100]
NS = [2**j for j in range(6, 14)]


STUDY = Study(
    name="p3_sild",
    task=sild_w1,
    grid={
        "manifold": "circle",
        "k": 1,
        "d": DS,
        "kappa": 2.0,
        "pipeline": ["sild", "ambient", "empirical"],
        "N": NS,
        "sigma_enc": 0.01,
        "n_grid": 2048,
        "n_gen": 4000,
        "n_quad": 1 << 14,
    },
    seeds=10,
    quick={"d": [3, 50], "N": [64, 256, 1024, 4096], "n_gen": 1000, "n_grid": 512, "n_quad": 4096},
    quick_seeds=10,
    seed=2605_20235,
    registered=("2026-11-23", "d500b08"),
    claims=[
        Claim(
            metric="w1",
            predict={"N^-2/(k+4)": -0.4, "N^-1/2": -0.5},
            where={"pipeline": "sild"},
            group_by=("d",),
            tolerance=0.15,
            rule="any",
            name="sild w1 vs N",
            role="anchor",
            why=(
                "The W1 rate of the latent KDE (bias h^2 with h = N^(-1/5), variance N^(-1/2)), "
                "the same at every d by construction; with tolerance 0.15 the two competing "
                "exponents are not told apart."
            ),
        ),
        Claim(
            metric="w1",
            predict={"d-free": 0.0},
            where={"pipeline": "sild"},
            on="d",
            group_by=("N",),
            tolerance=0.15,
            name="sild w1 vs d",
            role="control",
            why=(
                "Holds by construction: the pipeline is exactly invariant under the isometry "
                "(planar, noise-free circle; PCA chart); only the data differ between d."
            ),
            expect={"N=64": "inconclusive", "N=2048": "inconclusive"},
            evidence=(
                "Full run from a clean commit: slopes in d +0.003 [-0.160, +0.166] (N = 64) and "
                "+0.003 [-0.238, +0.244] (N = 2048): each d draws its own data, and at these N "
                "the seed spread of w1 leaves CIs wider than the band +-0.15; the other six N are "
                "consistent and none contradicts. (The earlier table, from uncommitted code, had "
                "N = 64, 128 and 512 inconclusive: which N fall short is seed noise.)"
            ),
        ),
        Claim(
            metric="w1",
            predict={"N^-1/2": -0.5},
            where={"pipeline": "empirical"},
            group_by=("d",),
            tolerance=0.13,
            name="empirical w1 vs N",
            role="anchor",
            why="The empirical measure's W1 rate on a curve, N^(-1/2), exactly d-free.",
        ),
        Claim(
            metric="w1",
            predict={"N^-1/(d+4)": "-1/(d+4)"},
            where={"pipeline": "ambient"},
            group_by=("d",),
            tolerance=0.15,
            name="ambient w1 vs N",
            role="control",
            why=(
                "By construction: the spread h sqrt(d - 1) with the chosen h = N^(-1/(d+4)). At "
                "d = 50, 100 the band +-0.15 around -0.02, -0.01 also holds a flat w1, so these "
                "groups do not discriminate."
            ),
        ),
    ],
    figures=[slopes_across_d],
)
