"""P3 learning dynamics: DSM-trained small models learn the normal (projection) part first.

Huang et al., "Collapse and refine" (arXiv 2605.20235; docs/science.md, P3): for learned scores
the normal part -(x - P_M x)/sigma^2 is learned first and fast, the tangential (density) part
later.
Setup: unit circle in R^3 (random isometry, seed 1), von Mises density kappa = 2 (the tangential
score is Theta(1), not 0), a small (0.05) and a moderate (0.2) sigma. Errors are relative squared
errors of the learned score against the exact OracleScore (Bessel closed form), split into the
normal and tangent spaces at P_M(x), at 2000 test points x = y + sigma z, y ~ mu_data
(``tasks.dsm_score_errors`` of this family).

Two models, both trained by denoising score matching on N pairs (one noise draw per sample):

- ``rf``: 128 random Fourier features (length scale 0.5) + ridge (1e-6 per sample), closed form;
  axis N = 2^10 ... 2^15 (1.5 decades: the variance regime needs N >= 8 P; a bigger machine would
  use P = 128 with N up to 2^18, or more features). Claim on N per sigma: ``tangent_err`` ~ N^-1
  (least-squares variance with P effective parameters; the tangential signal is O(sigma) in the
  noise scale against a unit-variance target, so the tangential error is larger by ~ sigma^-2 at
  equal N: the density needs N ~ P / sigma^2 samples, the projection N ~ P). Tolerance 0.15 as
  registered (max CI half-width 0.15): the finite-N variance of least squares, P / (N - P), has
  local slope -N / (N - P) in [-1.14, -1.004] over this N range. Role anchor: the variance law
  is textbook least squares, checked in the tests on a well-specified case with a known answer
  (s^2 P / N); the paper gives no rate.
  The registered twin claim ``normal_err`` ~ N^-1 was removed on 2026-12-05: the same variance
  argument does not apply to the normal error, whose small noise leaves the features'
  approximation floor dominant (full run: -0.65 [-0.87, -0.41] at sigma = 0.05, -0.58
  [-0.93, -0.24] at 0.2, local slopes flattening to -0.15 ... -0.45). It is shown in the figure,
  not claimed; a claim on it would need the floor of 128 features computed, which the suite has
  not done.
- ``nn``: a two-layer conservative network g = grad V, V = sum_j a_j tanh(w_j . x + b_j), 64 units,
  full-batch gradient descent with momentum 0.9, lr 2e-3, N = 2048; axis ``iters`` = 30 ... 3000 (2
  decades; each cell trains from scratch). Claims on iters per sigma: ``normal_err`` falls (a power
  ~ t^-1/2 is a *descriptive* prediction chosen from a one-seed pilot with slopes -0.4 to -0.7 --
  the paper gives no exponent -- with the competing "flat, nothing learned" control, which must be
  contradicted). Tolerance 0.2 as registered (max CI half-width 0.15). The exponent was chosen after
  seeing pilot data, so the claim is marked post hoc; its role is *paper* only in the qualitative
  sense that P3 says the normal part is learned fast. No exponent is claimed for the network's
  tangent error: the quick pilot showed that at sigma = 0.05 it *rises* above 1 while the normal
  error falls (gradient descent fits the unit-variance tangential noise of the DSM target before the
  O(sigma) signal; the least-squares variance floor P/(sigma^2 N) exceeds 1 at N = 2048), and at
  sigma = 0.2 it falls later and slower than the normal error: shown in the figure and table, not
  fitted.

Seeds: 10 per point. The figure shows both errors against N (rf) and iterations (nn).

Re-registered 2026-12-05 under the equivalence rule (consistent only when the whole CI lies inside
p +- tolerance): tolerance = registered tolerance + registered max CI half-width, mechanically
(0.15 + 0.15 = 0.3 for the random features, 0.2 + 0.15 = 0.35 for the network).
"""

from ratesim.study import Claim, Study

from .figures import error_curves
from .tasks import dsm_score_errors

RF_N = [2**j for j in range(10, 16)]
NN_ITERS = [30, 100, 300, 1000, 3000]
NN_N = 2048
# the closed-form random-features fit has no iterations
RF_ITERS = 0


STUDY = Study(
    name="p3_learning_dynamics",
    task=dsm_score_errors,
    grid={
        "manifold": "circle",
        "k": 1,
        "d": 3,
        "kappa": 2.0,
        "n_test": 2000,
        "sigma": [0.05, 0.2],
        "model, N, iters": [("rf", n, RF_ITERS) for n in RF_N]
        + [("nn", NN_N, t) for t in NN_ITERS],
        "n_features": 128,
        "length_scale": 0.5,
        "ridge": 1e-6,
        "width": 64,
        "init_scale": 1.5,
        "lr": 2e-3,
    },
    seeds=10,
    quick={
        # >= 4 levels over >= 1.5 decades on both axes, so the tests' controls get verdicts
        "model, N, iters": [("rf", n, RF_ITERS) for n in (1024, 4096, 16384, 32768)]
        + [("nn", 256, t) for t in (30, 100, 300, 1000, 3000)],
        "n_test": 500,
    },
    quick_seeds=10,
    seed=2605_20235,
    registered=("2026-11-23", "897d583"),
    claims=[
        Claim(
            metric="tangent_err",
            predict={"variance N^-1": -1.0},
            where={"model": "rf"},
            group_by=("sigma",),
            tolerance=0.3,
            name="rf tangent_err",
            role="anchor",
            why=(
                "The least-squares variance law (excess risk ~ noise variance x P / N), where "
                "it dominates: the tangential DSM target is unit-variance noise around an "
                "O(sigma) signal. The law is checked on a well-specified case with a known "
                "answer in the family's tests; the paper gives no rate."
            ),
        ),
        Claim(
            metric="normal_err",
            predict={"falls ~t^-1/2 (descriptive)": -0.5, "flat (control)": 0.0},
            where={"model": "nn"},
            on="iters",
            group_by=("sigma",),
            tolerance=0.35,
            rule="any",
            name="nn normal_err",
            role="paper",
            why=(
                "The paper states that the normal (projection) part is learned first and fast, "
                "with no exponent; the flat prediction is the control that must fail."
            ),
            posthoc=(
                "the exponent -1/2 was chosen from a one-seed pilot (slopes -0.4 to -0.7) "
                "before the full run; the paper gives none"
            ),
            expect={"sigma=0.2": "inconclusive"},
            evidence=(
                "Full run from a clean commit: not a power law, the local slopes steepen with "
                "training, -0.28 ... -1.30 at sigma = 0.05 and -0.54 ... -0.87 at sigma = 0.2. "
                "At sigma = 0.05 the fit -0.52 [-0.81, -0.23] lies inside -0.5 +- 0.35 but does "
                "not exclude the flat control (its CI overlaps 0 +- 0.35): the margin is too wide "
                "to tell them apart. At sigma = 0.2, -0.76 [-0.88, -0.64] straddles -0.5 - 0.35; "
                "flat contradicted. (The earlier table, from uncommitted code, had both groups "
                "inconclusive.)"
            ),
        ),
    ],
    figures=[error_curves],
)
