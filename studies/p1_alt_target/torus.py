"""Task of the k = 3 study of the family: a coarse score learned from the data converges to its
target at a near-parametric rate, in a dimension where the empirical measure cannot.

P1 (Shen, Hsieh, He, arXiv 2603.23792; docs/science.md) states that coarse scores reach a
near-parametric rate toward a target law other than mu_data. At k = 1 and 2 that cannot
discriminate: the empirical measure itself converges in W1 at N^(-1/2) (up to logs), so every
sampler that copies it passes. At k = 3 the empirical measure's W1 rate is N^(-1/3), so a -1/2
bound separates a score that learns only coarse structure from one that memorizes.

One cell: N draws of a product von Mises law on the flat torus T^3 in R^6 (exact projection, and
an exact population score: :class:`ratesim.scores.OracleScore`, closed form); a score
``method`` fitted on them, and the target's score, each driving the reverse VE SDE
(:func:`ratesim.samplers.draw_coarse`) from the *same* random numbers (start points and
increments: a synchronous coupling):

- target nu_inf (reading B with a fixed switching scale sigma_0): the population score at
  sigma >= sigma_0, the exact coarse (geometry-only) score (P_M(x) - x) / sigma^2 below;
- ``B0``: the same with the population score replaced by the score of the empirical measure
  smoothed at the noise level (the exact minimizer of the denoising score-matching loss over all
  functions, :class:`ratesim.scores.EmpiricalScore`) at sigma >= sigma_0;
- ``empirical`` (negative control): the empirical score at every noise level, down to
  ``sigma_min`` far below the sample spacing: it memorizes, its samples are training points.

``coupled`` = mean over the m chain pairs of |Y_N - Y_inf| bounds W1(nu_N, nu_inf) from above and
has no Monte-Carlo floor of the kind a two-sample W1 has in k = 3 (~ m^(-1/3)): two identical
scores give exactly 0. Its sampling error over the m chains is ``coupled_se``.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ratesim._validation import as_generator, check_int, check_positive
from ratesim.samplers import draw_coarse
from ratesim.scores import EmpiricalScore, ExactCoarseScore, OracleScore, TwoScaleScore
from ratesim.study import build, task

__all__ = ["SHRINKING", "TORUS_METRICS", "TORUS_METHODS", "alt_target_torus", "switching_scale"]

TORUS_METHODS = ("B0", "empirical")
TORUS_METRICS = ("coupled", "coupled_se", "coupled_q90", "far_frac", "train_dist", "fresh_dist")


SHRINKING = "N^(-1/(k+4))"  # the switching scale of reading B in the p1_headline family


def switching_scale(sigma_0, N: int, k: int) -> float:
    """sigma_0 as a number, or N^(-1/(k+4)) for the label :data:`SHRINKING` (a scale that shrinks
    with N, as the KDE bandwidth of the density's score)."""
    if isinstance(sigma_0, str):
        if sigma_0 != SHRINKING:
            raise ValueError(f"sigma_0 must be a number > 0 or {SHRINKING!r} (got {sigma_0!r})")
        return float(N) ** (-1.0 / (k + 4))
    return check_positive(sigma_0, "sigma_0")


def _score(method: str, manifold, density, sigma_0: float):
    """The unfitted score of ``method`` (module docstring) or, for ``"target"``, of nu_inf."""
    geometry = ExactCoarseScore(manifold)
    if method == "target":
        return TwoScaleScore(OracleScore(manifold, density, rng=0), geometry, sigma_0=sigma_0)
    if method == "B0":
        return TwoScaleScore(EmpiricalScore(), geometry, sigma_0=sigma_0)
    if method == "empirical":
        return EmpiricalScore()
    raise ValueError(f"method must be one of {TORUS_METHODS} (got {method!r})")


@task(
    metrics=TORUS_METRICS,
    choices={"manifold": ("flat_torus",), "density": ("von_mises",)},
)
def alt_target_torus(
    *,
    N: int,
    m: int,
    method: str,
    sigma_0: float | str,
    rng: np.random.Generator,
    manifold: str = "flat_torus",
    k: int = 3,
    d: int = 6,
    density: str = "von_mises",
    sigma_max: float = 10.0,
    sigma_min: float = 1e-3,
    steps: int = 100,
    **components,
) -> dict[str, float]:
    """Coupled distance between the samplers of ``method`` and of its target (module docstring).

    Parameters
    ----------
    N : int >= 3
        Training sample size, drawn from ``density`` (options ``density__*``) on ``manifold``
        (options ``manifold__*``).
    m : int >= 10
        Coupled chain pairs.
    method : {"B0", "empirical"}
        The fitted score (module docstring).
    sigma_0 : float > 0 or "N^(-1/(k+4))"
        Switching noise level of the target and of ``B0`` (the label: N^(-1/(k+4)) at this N).
    sigma_max, sigma_min, steps : float, float, int
        Reverse VE SDE on a geometric schedule sigma_max -> sigma_min in ``steps`` steps, final
        Tweedie step.

    Returns
    -------
    dict
        ``coupled`` (mean |Y_N - Y_inf| over the pairs, >= W1(nu_N, nu_inf)), ``coupled_se`` (its
        standard error over the pairs), ``coupled_q90`` (90 % quantile of the pair distances),
        ``far_frac`` (pairs further apart than 0.5: chains the coupling lost), ``train_dist``
        (median distance of the samples to the nearest training point) and ``fresh_dist`` (the
        same for m fresh draws from the target's chains against the training set: what a
        non-memorizing sampler shows).
    """
    rng = as_generator(rng)
    n = check_int(N, "N", low=3)
    m = check_int(m, "m", low=10)
    steps = check_int(steps, "steps", low=2)
    sigma_0 = switching_scale(sigma_0, n, k)
    sigma_max = check_positive(sigma_max, "sigma_max")
    sigma_min = check_positive(sigma_min, "sigma_min")
    if not sigma_min < sigma_0 < sigma_max:
        raise ValueError(
            f"need sigma_min < sigma_0 < sigma_max (got {sigma_min}, {sigma_0}, {sigma_max})"
        )
    M = build("manifold", manifold, components, k=k, d=d)
    p = build("density", density, components, k=k, d=d)
    X = M.sample(n, p, rng=rng)
    chain_seed = int(rng.integers(2**63 - 1))
    sched = dict(sigma_max=sigma_max, sigma_min=sigma_min, steps=steps)
    draws = []
    for which in (method, "target"):
        est = _score(which, M, p, sigma_0).fit(X)
        Y, _ = draw_coarse(est, "reverse_sde", m, rng=np.random.default_rng(chain_seed), **sched)
        if not np.all(np.isfinite(Y)):
            raise FloatingPointError(f"the {which} sampler returned non-finite samples")
        draws.append(Y)
    Yn, Yi = draws
    dist = np.linalg.norm(Yn - Yi, axis=1)
    tree = cKDTree(X)
    return {
        "coupled": float(dist.mean()),
        "coupled_se": float(dist.std(ddof=1) / np.sqrt(m)),
        "coupled_q90": float(np.quantile(dist, 0.9)),
        "far_frac": float(np.mean(dist > 0.5)),
        "train_dist": float(np.median(tree.query(Yn)[0])),
        "fresh_dist": float(np.median(tree.query(Yi)[0])),
    }
