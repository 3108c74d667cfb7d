"""Collapse and refine with a trained network: when does denoising score matching learn the
normal (projection) part of the score, when the tangent (density) part, and does the trained
denoiser land on M or on the training points?

Huang et al., "Collapse and refine" (arXiv 2605.20235; docs/science.md, P3): at small noise the
score's singular normal part -(x - P_M x) / sigma^2 drives a rapid collapse of the learned
denoiser D_sigma(x) = x + sigma^2 s(x, sigma) onto M; at moderate noise training refines the
density on M (the tangent part). One cell trains :class:`ratesim.scores.DSMNetworkScore` on N
draws from a von Mises density on the unit circle in R^d and measures, every ``chunk`` Adam
steps, the relative squared errors of its score against the exact one (Bessel closed form),
split at the foot P_M(x) into the normal and tangent parts
(:func:`ratesim.metrics.normal_tangent_errors`; the zero score has error 1 in both), at a small
and a moderate noise level, on fresh test points x = y + sigma z.
"""

from __future__ import annotations

import numpy as np

from ratesim._validation import as_generator, check_int, check_positive
from ratesim.metrics import memorization, normal_tangent_errors
from ratesim.study import task

# noise levels (unit circle: reach 1): below the training set's spacing for N <= ~300 (where a
# memorizing denoiser returns training points), small, moderate
SIGMAS = {"s001": 0.01, "s005": 0.05, "s030": 0.3}
FRAMES = ("manifold", "random")
MODELS = ("network", "empirical")
TRAIN = ("same", "uniform", "offset")
OFFSET_RADIUS = 1.5  # the offset control trains on the circle of this radius (same plane)
HALF = 0.5  # "learned": the relative squared error at or below half the zero score's
_PER_SIGMA = (
    "t_normal",
    "t_tangent",
    "order",
    "normal_final",
    "tangent_final",
    "tangent_min",
    "dist_m",
    "dist_train",
    "m_over_train",
    "memorized",
)
METRICS = tuple(f"{m}_{tag}" for tag in SIGMAS for m in _PER_SIGMA) + ("spacing",)


def learned_at(errors, steps, level: float = HALF) -> float:
    """The step from which ``errors`` stays at or below ``level`` (``errors[j]`` measured after
    ``steps[j]`` steps): the first checkpoint after the last one above it. ``steps[-1]`` when
    the last error is above ``level`` (censored: learned later, if ever). A transient dip below
    the level does not count: training noise moves the tangent error up and down."""
    errors = np.asarray(errors, dtype=float)
    above = np.flatnonzero(errors > level)
    if above.size == 0:
        return float(steps[0])
    if above[-1] == errors.size - 1:
        return float(steps[-1])
    return float(steps[above[-1] + 1])


def random_frames(m: int, d: int, k: int, rng) -> np.ndarray:
    """m independent uniformly random orthonormal k-frames of R^d, shape (m, d, k)."""
    q, r = np.linalg.qr(as_generator(rng).standard_normal((m, d, k)))
    return q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]


def circle_setup(d: int, kappa: float, manifold_seed: int = 1):
    """The unit circle in R^d (random isometry), a von Mises(kappa) density and its exact score."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle
    from ratesim.scores import OracleScore

    M = Circle(d=check_int(d, "d", low=2), seed=manifold_seed)
    p = VonMises(kappa=check_positive(kappa, "kappa"))
    return M, p, OracleScore(M, p, rng=0).fit()  # closed form on the circle: draws nothing


@task(metrics=METRICS)
def collapse_refine(
    *,
    N: int,
    d: int,
    rng: np.random.Generator,
    model: str = "network",
    frame: str = "manifold",
    train: str = "same",
    kappa: float = 2.0,
    width: int = 64,
    depth: int = 2,
    batch: int = 256,
    lr: float = 1e-3,
    chunk: int = 25,
    steps: int = 4000,
    sigma_min: float = 0.01,
    sigma_max: float = 1.0,
    n_test: int = 1000,
    manifold_seed: int = 1,
) -> dict[str, float]:
    """Train one network in chunks and read off when each part of its score is learned.

    Parameters
    ----------
    N : int >= 2
        Training points (von Mises ``kappa`` on the unit circle in R^``d``).
    model : {"network", "empirical"}
        The DSM-trained network, or the exact empirical score of the N points (not trained: a
        memorization control; its times are 0 when its error is <= 1/2 from the outset, else
        censored at ``steps``).
    frame : {"manifold", "random"}
        Split the errors along the tangent of M (the measurement) or along random unit vectors
        (the control: the two parts mix, so their halving times must come out alike).
    train : {"same", "uniform", "offset"}
        Train on the N von Mises points (the measurement), on N uniform points of the circle
        (a density-blind control: the tangent part of the von Mises score cannot be learned), or
        on the N von Mises points scaled to radius ``OFFSET_RADIUS`` (a control that collapses
        onto the wrong circle: at sigma = 0.05 its normal error is about (0.5 / sigma)^2 / (d - 1)
        = 100 / (d - 1) >= 2, the radial offset against the normal noise, at every d <= 50).
    width, depth, batch, lr, sigma_min, sigma_max : DSMNetworkScore hyper-parameters
    chunk, steps : int
        Errors are measured after every ``chunk`` Adam steps, up to ``steps``.
    n_test : int
        Test points per noise level.

    Returns
    -------
    dict
        Per noise level (``_s001``: sigma = 0.01, ``_s005``: 0.05, ``_s030``: 0.3): ``t_normal``,
        ``t_tangent``, the step from which the normal / tangent relative squared error stays <= 1/2
        (the zero score's is 1; :func:`learned_at`, censored at ``steps``); ``order`` = t_normal /
        t_tangent, both floored at ``chunk`` (< 1: the normal part first); ``normal_final``,
        ``tangent_final``, ``tangent_min``: the errors after training, and the tangent error's
        minimum over the checkpoints (the refine phase is shown when it is well below 1);
        ``dist_m``, ``dist_train``: the median distance of the trained denoiser's output D_sigma(x)
        to M and to the nearest training point, in units of the training set's spacing (``spacing``,
        the median nearest-neighbour distance). Collapse onto M: dist_m << 1 with dist_train of
        order 1/4 - 1/2 (a point of M between two training points); memorization: dist_train << 1;
        neither: both >> 1 (the network's error exceeds the spacing); ``m_over_train`` = dist_m /
        dist_train; ``memorized``: the fraction of D_sigma(x) whose nearest training point is closer
        than a third of the second nearest (:func:`ratesim.metrics.memorization`; about 1/3 for
        points spread along a curve, near 1 when D returns training points).
    """
    from scipy.spatial import cKDTree

    from ratesim.densities import Uniform
    from ratesim.scores import DSMNetworkScore, EmpiricalScore

    for name, value, allowed in (("model", model, MODELS), ("frame", frame, FRAMES),
                                 ("train", train, TRAIN)):  # fmt: skip
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed} (got {value!r})")
    rng = as_generator(rng)
    N = check_int(N, "N", low=2)
    chunk = check_int(chunk, "chunk", low=1)
    steps = check_int(steps, "steps", low=chunk)
    if steps % chunk:
        raise ValueError(f"steps must be a multiple of chunk (got steps={steps}, chunk={chunk})")
    M, p, oracle = circle_setup(d, kappa, manifold_seed)
    X = M.sample(N, Uniform() if train == "uniform" else p, rng=rng)
    if train == "offset":
        X = OFFSET_RADIUS * X  # the circle is centred at the origin
    tests = {}
    for tag, sigma in SIGMAS.items():
        y = M.sample(check_int(n_test, "n_test", low=10), p, rng=rng)
        x = y + sigma * rng.standard_normal(y.shape)
        basis = random_frames(len(x), M.d, 1, rng) if frame == "random" else None
        tests[tag] = (sigma, x, oracle.score(x, sigma), basis)
    if model == "network":
        net = DSMNetworkScore(
            width=width, depth=depth, steps=chunk, batch=batch, lr=lr, sigma_min=sigma_min,
            sigma_max=sigma_max, warm_start=True, rng=rng,
        )  # fmt: skip
        grid = np.arange(chunk, steps + 1, chunk)
    else:
        net, grid = EmpiricalScore(), np.array([0, steps])  # measured once, at "step 0"
    errs = {tag: np.empty((grid.size, 2)) for tag in SIGMAS}
    for j in range(grid.size):
        if model == "network" or j == 0:
            net.fit(X)
        for tag, (sigma, x, s_true, basis) in tests.items():
            e = normal_tangent_errors(M, net.score(x, sigma), s_true, x, basis=basis)
            errs[tag][j] = e["normal"], e["tangent"]
    spacing = float(np.median(cKDTree(X).query(X, k=2)[0][:, 1]))
    out = {}
    for tag, (sigma, x, _, _) in tests.items():
        e = errs[tag]
        tn, tt = learned_at(e[:, 0], grid), learned_at(e[:, 1], grid)
        D = net.denoise(x, sigma)
        d_m = np.median(np.linalg.norm(D - M.project(D).point, axis=1))
        d_x = np.median(cKDTree(X).query(D)[0])
        out |= {
            f"t_normal_{tag}": tn,
            f"t_tangent_{tag}": tt,
            f"order_{tag}": max(tn, chunk) / max(tt, chunk),
            f"normal_final_{tag}": float(e[-1, 0]),
            f"tangent_final_{tag}": float(e[-1, 1]),
            f"tangent_min_{tag}": float(e[:, 1].min()),
            f"dist_m_{tag}": float(d_m / spacing),
            f"dist_train_{tag}": float(d_x / spacing),
            f"m_over_train_{tag}": float(d_m / d_x) if d_x > 0 else 1.0,
            f"memorized_{tag}": float(memorization(D, X).memorized_fraction),
        }
    out["spacing"] = spacing
    return out
