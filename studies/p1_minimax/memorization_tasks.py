"""Memorization by the exact empirical score: reverse diffusion returns training points, and the
noise scale at which a trajectory commits to one training point scales like N^(-1/k).

The exact empirical score is the control that memorizes (docs/science.md P1). Anchor: Biroli,
Bonnaire, de Bortoli, Mezard (2024): for Gaussian data in d dimensions the collapse time is
tau_C^2 = s^2 / (N^(2/d) - 1), i.e. a noise scale ~ N^(-1/d); on a k-dimensional manifold the
relevant spacing is intrinsic, so the scale should be N^(-1/k), independent of the ambient d.

Commitment criterion (made precise here). Along a reverse-SDE trajectory x_j at noise level
sigma_j, the posterior over training points given x_j is w_i(x_j) = softmax_i(-|x_j - X_i|^2 /
(2 sigma_j^2)) (the weights of the exact empirical score). The chain is committed from step j on
if, for every later step j' >= j, max_i w_i(x_j') > 1/2 and the argmax is the same training point
as at the end. The commitment scale sigma_c of a chain is sigma_j for the first such j (the
largest such sigma on the schedule): the noise level below which the trajectory never again
hesitates between training points. :func:`commitment_sigmas` finds it by scanning the recorded
trajectory backwards from the end (only the committed tail is evaluated).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ratesim import manifolds, samplers, scores
from ratesim._validation import as_generator, as_points, check_in_range, check_int, check_positive
from ratesim.kernels import log_sum_exp_gauss
from ratesim.study import task


def max_posterior_weight(X, x, sigma: float, tree: cKDTree | None = None):
    """Largest posterior weight max_i w_i(x) over the training points and its index.

    w_max = exp(-|x - X_(i*)|^2 / (2 sigma^2) - log sum_i exp(-|x - X_i|^2 / (2 sigma^2))), with
    X_(i*) the nearest training point (cKDTree) and the log-sum-exp from the kernel engine
    (``ratesim.kernels.log_sum_exp_gauss``, stable at any sigma; docs/measurement.md, trap 6).

    Returns
    -------
    (w_max, index) : arrays (m,), (m,)
    """
    X = as_points(X, "X")
    x = as_points(x, "x", d=X.shape[1])
    sigma = check_positive(sigma, "sigma")
    tree = cKDTree(X) if tree is None else tree
    dmin, idx = tree.query(x)
    lse = log_sum_exp_gauss(X, x, sigma, tol=1e-10)
    w = np.exp(np.minimum(-(dmin**2) / (2 * sigma**2) - lse, 0.0))
    return w, np.asarray(idx)


def commitment_sigmas(X, path, sigmas, threshold: float = 0.5):
    """Commitment scale sigma_c of every chain (module docstring).

    Parameters
    ----------
    X : array (N, d)
        Training points.
    path : array (J, n, d)
        States of n chains at J recorded steps, path[j] at noise level sigmas[j] (decreasing).
    sigmas : array (J,)
    threshold : float in (0, 1)
        The posterior weight that defines commitment (1/2: one point outweighs all others).

    Returns
    -------
    array (n,)
        sigma_c per chain; ``nan`` for a chain not committed at the last step.
    """
    X = as_points(X, "X")
    path = np.asarray(path, dtype=np.float64)
    sigmas = np.asarray(sigmas, dtype=np.float64)
    if path.ndim != 3 or path.shape[2] != X.shape[1] or path.shape[0] != sigmas.size:
        raise ValueError(
            f"path must have shape (J, n, d) with J = len(sigmas) = {sigmas.size} and d = "
            f"{X.shape[1]} (got {path.shape})"
        )
    if np.any(np.diff(sigmas) > 0) or np.any(sigmas <= 0):
        raise ValueError("sigmas must be positive and non-increasing along the path")
    threshold = check_in_range(threshold, "threshold", low=0.0, high=1.0, low_open=True)
    tree = cKDTree(X)
    J, n, _ = path.shape
    out = np.full(n, np.nan)
    w, final = max_posterior_weight(X, path[-1], sigmas[-1], tree)
    alive = np.nonzero(w > threshold)[0]  # chains still committed going backwards
    out[alive] = sigmas[-1]
    for j in range(J - 2, -1, -1):
        if alive.size == 0:
            break
        w, idx = max_posterior_weight(X, path[j, alive], sigmas[j], tree)
        ok = (w > threshold) & (idx == final[alive])
        out[alive[ok]] = sigmas[j]
        alive = alive[ok]
    return out


def nearest_spacing(X) -> np.ndarray:
    """Distance from each training point to its nearest other training point, shape (N,)."""
    X = as_points(X, "X")
    if X.shape[0] < 2:
        raise ValueError("nearest_spacing needs at least 2 points")
    return cKDTree(X).query(X, k=2)[0][:, 1]


def memorization_summary(X, Y, spacing=None, tol: float = 0.01):
    """Memorized fraction and novelty of outputs Y relative to the training set X.

    memorized: nearest-training distance below ``tol`` times the median training spacing;
    novelty: median nearest-training distance of Y over the median training spacing (0 for a
    copy of the training set, of order 1 for fresh samples of mu).
    """
    X = as_points(X, "X")
    Y = as_points(Y, "Y", d=X.shape[1])
    tol = check_positive(tol, "tol")
    sp = float(np.median(nearest_spacing(X) if spacing is None else spacing))
    dist = cKDTree(X).query(Y)[0]
    return {"mem_fraction": float(np.mean(dist < tol * sp)), "novelty": float(np.median(dist) / sp)}


@task(
    metrics=("sigma_commit", "commit_ratio", "committed", "mem_fraction", "novelty"),
    choices={"manifold": ("sphere",)},
)
def commitment(
    *,
    N: int,
    k: int,
    rng: np.random.Generator,
    manifold: str = "sphere",
    d: int | None = None,
    chains: int = 200,
    steps: int = 400,
    sigma_max: float = 3.0,
    sigma_min: float = 1e-5,
) -> dict[str, float]:
    """Reverse SDE with the exact empirical score from N uniform points on the unit S^k in R^d:
    commitment scale, memorized fraction, novelty."""
    if manifold != "sphere":
        raise ValueError(f"manifold must be 'sphere' for this task (got {manifold!r})")
    rng = as_generator(rng)
    n = check_int(N, "N", low=2)
    k = check_int(k, "k", low=1)
    chains = check_int(chains, "chains", low=1)
    steps = check_int(steps, "steps", low=2)
    smax = check_positive(sigma_max, "sigma_max")
    smin = check_positive(sigma_min, "sigma_min")
    M = manifolds.Sphere(k=k, d=d, seed=0)
    X = M.sample(n, None, rng=rng)
    est = scores.EmpiricalScore().fit(X)
    res = samplers.reverse_sde(
        est,
        n=chains,
        sigma_max=smax,
        sigma_min=smin,
        steps=steps,
        rng=rng,
        trace=lambda x: x.copy(),
    )
    sig = res.sigmas[res.trace_steps]
    sc = commitment_sigmas(X, res.trace, sig)
    spacing = nearest_spacing(X)
    committed = np.isfinite(sc)
    if not committed.any():
        raise RuntimeError("no chain committed: lower sigma_min")
    med = float(np.median(sc[committed]))
    out = memorization_summary(X, res.samples, spacing)
    return {
        "sigma_commit": med,
        "commit_ratio": med / float(np.median(spacing)),
        "committed": float(committed.mean()),
        **out,
    }
