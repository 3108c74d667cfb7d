"""Real data: memorization against generalization of empirical and coarse scores on digits.

The CPU-sized analogue of the real-data parts of Huang et al., "Collapse and refine" (arXiv
2605.20235) and of Li, Shen, Hsieh, He (arXiv 2509.24912) (docs/science.md, P2 and P3):
scikit-learn's bundled handwritten digits (8 x 8 images, 1797 of them, shipped with the
package, no download; Alpaydin and Kaynak 1998), pixels scaled to [0, 1], d = 64.

Per cell: a random split into two *disjoint* training sets A and B of N images each and a fixed
held-out set of the remaining images; a score estimator fitted on each (the exact empirical score,
which memorizes, or the coarse closed-form score of Scarvelis, Borde and Solomon 2023, the empirical
score averaged over Gaussian perturbations of scale h, which generates barycentres of nearby
images); reverse-SDE samples from the *same* noise for both models (the two-disjoint-sets test of
Kadkhodaie et al., ICLR 2024) and measured:

- ``d1_median``: median distance of the samples (model A) to their nearest training image of A;
  memorization means the samples are training images plus the last sigma_min of noise, so
  d1 ~ sigma_min; generalization means d1 = Theta(1) (comparable to held-out images);
- ``novelty_ratio``: median d1 / median nearest-training distance of held-out images
  (:func:`ratesim.metrics.memorization`; << 1 copies, ~1 novel);
- ``memorized_fraction``: fraction of samples with d1 / d2 < 1/3 (Yoon et al. 2023);
- ``paired_ratio``: mean |Y_A - Y_B| over a derangement baseline (~0: both models give the same
  image from the same noise, they generalize; ~1: each reproduces its own training set);
- ``flipd_dim``: the FLIPD plateau of the empirical score of A at held-out images (Kamkari et al.
  2024; :func:`ratesim.metrics.flipd_dimension`), an intrinsic dimension estimate of the digits.

scikit-learn is needed by this family only (the ``digits`` extra: ``pip install -e ".[digits]"``);
it is imported when the images are loaded, so the study files load without it.
"""

from __future__ import annotations

import numpy as np

from ratesim._validation import as_generator, check_int, check_positive
from ratesim.study import task

N_HELDOUT = 297


def load_digits_array() -> np.ndarray:
    """The 1797 digits as a (1797, 64) float array in [0, 1] (scikit-learn's bundled copy)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the digits family needs scikit-learn (the 'digits' extra): "
            'pip install -e ".[digits]" or pip install scikit-learn'
        ) from e
    return np.ascontiguousarray(load_digits().data / 16.0)


def split_disjoint(n_total: int, N: int, rng, n_heldout: int = N_HELDOUT):
    """Indices of two disjoint training sets of size N and a held-out set of ``n_heldout``.

    Raises ValueError when 2 N + n_heldout exceeds ``n_total``."""
    N = check_int(N, "N", low=2)
    n_heldout = check_int(n_heldout, "n_heldout", low=2)
    if 2 * N + n_heldout > n_total:
        raise ValueError(
            f"two disjoint sets of N = {N} and {n_heldout} held-out need {2 * N + n_heldout} "
            f"images (have {n_total})"
        )
    perm = as_generator(rng).permutation(n_total)
    return perm[:N], perm[N : 2 * N], perm[n_total - n_heldout :]


def _antithetic_cfdm():
    from ratesim.scores import ClosedFormScore

    class AntitheticClosedFormScore(ClosedFormScore):
        """ClosedFormScore with antithetic perturbation nodes +-h z_j (J/2 pairs): the node mean
        is exactly 0. With i.i.d. frozen nodes the sigma -> 0 fixed point near a training image
        x_i is x_i - mean_j(h z_j), a copy shifted by |h mean z| ~ h sqrt(d / J) (0.6 for h = 0.3,
        d = 64, J = 16), which nearest-neighbour tests read as novelty; antithetic nodes remove
        the shift, so the fixed points are barycentres mean_j x_(i(j)) of the training images
        nearest to the perturbed queries x + e_j."""

        def _nodes(self, X):
            n = check_int(self.n_perturb, "n_perturb", low=2)
            gen = as_generator(self.rng, "rng")
            z = gen.standard_normal((n // 2, X.shape[1]))
            E = self.bandwidth_ * z @ self.axes_.T
            nodes = np.ascontiguousarray(np.concatenate([E, -E]))
            return nodes, np.full(nodes.shape[0], 1.0 / nodes.shape[0])

    return AntitheticClosedFormScore


ESTIMATORS = ("empirical", "closed_form", "closed_form_antithetic")


def make_digit_score(name: str, h: float, seed: int):
    """``empirical`` (exact empirical score), ``closed_form`` (the coarse CFDM score of
    Scarvelis et al. 2023, 16 i.i.d. perturbations of scale h frozen from ``seed``) or
    ``closed_form_antithetic`` (the same with 8 antithetic pairs +-h z_j, zero node mean)."""
    from ratesim.scores import ClosedFormScore, EmpiricalScore

    if name == "empirical":
        return EmpiricalScore()
    if name == "closed_form":
        return ClosedFormScore(bandwidth=check_positive(h, "h"), n_perturb=16, rng=int(seed))
    if name == "closed_form_antithetic":
        return _antithetic_cfdm()(bandwidth=check_positive(h, "h"), n_perturb=16, rng=int(seed))
    raise ValueError(f"estimator must be one of {ESTIMATORS} (got {name!r})")


def _sample(est, n_gen, sigma_max, sigma_min, steps, seed):
    from ratesim.samplers import reverse_sde

    res = reverse_sde(
        est,
        n=n_gen,
        d=64,
        sigma_max=sigma_max,
        sigma_min=sigma_min,
        steps=steps,
        rng=np.random.default_rng(seed),
        final_denoise=False,
    )
    return np.asarray(res.samples)


def digits_metrics(
    N: int,
    estimator: str,
    sigma_min: float,
    rng,
    h: float = 0.15,
    n_gen: int = 32,
    sigma_max: float = 3.0,
    steps: int = 150,
    data=None,
):
    """Memorization / generalization metrics of one cell (see the module docstring).

    Both models sample from the same seed (same initial noise and the same Brownian increments),
    ``final_denoise=False`` so that a memorizing model's samples sit sigma_min-close to training
    images (the last step's residual noise), which is what makes d1 ~ sigma_min decidable.
    """
    from ratesim.metrics import flipd_dimension, memorization, paired_similarity

    rng = as_generator(rng)
    X = load_digits_array() if data is None else np.asarray(data, dtype=float)
    ia, ib, ih = split_disjoint(X.shape[0], N, rng)
    A, B, H = X[ia], X[ib], X[ih]
    seed_fit = int(rng.integers(2**31))
    seed_gen = int(rng.integers(2**31))
    ea = make_digit_score(estimator, h, seed_fit).fit(A)
    eb = make_digit_score(estimator, h, seed_fit).fit(B)
    Ya = _sample(ea, n_gen, sigma_max, sigma_min, steps, seed_gen)
    Yb = _sample(eb, n_gen, sigma_max, sigma_min, steps, seed_gen)
    mem = memorization(Ya, A, heldout=H)
    pair = paired_similarity(Ya, Yb)
    fl = flipd_dimension(A, H[:64], np.geomspace(0.02, 20.0, 16), window=4)
    return {
        "d1_median": float(np.median(mem.d1)),
        "novelty_ratio": float(mem.novelty_ratio),
        "memorized_fraction": float(mem.memorized_fraction),
        "paired_ratio": float(pair.ratio),
        "flipd_dim": float(fl.dimension),
    }


@task(
    metrics=("d1_median", "novelty_ratio", "memorized_fraction", "paired_ratio", "flipd_dim"),
    choices={"estimator": ESTIMATORS},
)
def digits_memorization(
    *,
    N: int,
    estimator: str,
    sigma_min: float,
    rng: np.random.Generator,
    h: float = 0.15,
    n_gen: int = 32,
    steps: int = 150,
) -> dict[str, float]:
    """Memorization against generalization of one estimator on two disjoint training sets of N
    digits (:func:`digits_metrics`; reverse SDE from sigma 3 down to ``sigma_min`` in ``steps``
    steps, ``n_gen`` samples per model, perturbation scale ``h`` of the closed-form scores)."""
    return digits_metrics(
        int(N),
        str(estimator),
        float(sigma_min),
        rng,
        h=float(h),
        n_gen=int(n_gen),
        steps=int(steps),
    )


NOVELTY_ESTIMATORS = ESTIMATORS + ("network",)
NOVELTY_METRICS = (
    "novelty_ratio",
    "novelty_ratio_unshifted",
    "memorized_fraction",
    "memorized_unshifted",
    "shift_norm",
    "paired_ratio",
)


def novelty_score(name: str, h: float, seed: int, sigma_min: float):
    """The digit scores of :func:`make_digit_score`, or ``network``: ``DSMNetworkScore`` (MLP
    width 256, depth 3, 4000 Adam steps, batch 256, lr 1e-3, sigma log-uniform on [sigma_min,
    3], JAX), trained on the images by denoising score matching."""
    if name != "network":
        return make_digit_score(name, h, seed)
    from ratesim.scores import DSMNetworkScore

    return DSMNetworkScore(
        width=256, depth=3, steps=4000, batch=256, lr=1e-3, sigma_min=float(sigma_min),
        sigma_max=3.0, rng=int(seed),
    )  # fmt: skip


@task(metrics=NOVELTY_METRICS, choices={"estimator": NOVELTY_ESTIMATORS})
def digits_novelty(
    *,
    N: int,
    estimator: str,
    sigma_min: float,
    rng: np.random.Generator,
    h: float = 0.15,
    n_gen: int = 64,
    steps: int = 150,
) -> dict[str, float]:
    """Novelty that a shifted copy cannot fake, for the digit scores and a trained network.

    As :func:`digits_metrics` (two disjoint training sets A, B of N images, the same sampler noise
    for both models), and the novelty statistics again after removing the common shift of the
    samples from their nearest training images (:func:`ratesim.metrics.remove_common_shift`): a
    model whose samples are training images moved by one vector (the closed-form score with
    i.i.d. perturbation nodes) is novel by the plain ratio and memorizing after the shift.

    Returns
    -------
    dict
        ``novelty_ratio``, ``memorized_fraction`` (:func:`ratesim.metrics.memorization` against
        the held-out images), the same after the shift (``..._unshifted``), ``shift_norm``: |c|
        over the held-out images' median nearest-training distance, ``paired_ratio`` (models A
        and B from the same noise: ~0 both give the same image, ~1 each its own training set).
    """
    from ratesim.metrics import memorization, paired_similarity, remove_common_shift

    rng = as_generator(rng)
    X = load_digits_array()
    ia, ib, ih = split_disjoint(X.shape[0], int(N), rng)
    A, B, H = X[ia], X[ib], X[ih]
    seed_fit = int(rng.integers(2**31))
    seed_gen = int(rng.integers(2**31))
    sigma_min = check_positive(sigma_min, "sigma_min")
    ea = novelty_score(estimator, h, seed_fit, sigma_min).fit(A)
    eb = novelty_score(estimator, h, seed_fit, sigma_min).fit(B)
    Ya = _sample(ea, int(n_gen), 3.0, sigma_min, int(steps), seed_gen)
    Yb = _sample(eb, int(n_gen), 3.0, sigma_min, int(steps), seed_gen)
    mem = memorization(Ya, A, heldout=H)
    Za, shift = remove_common_shift(Ya, A)
    mem_c = memorization(Za, A, heldout=H)
    return {
        "novelty_ratio": float(mem.novelty_ratio),
        "novelty_ratio_unshifted": float(mem_c.novelty_ratio),
        "memorized_fraction": float(mem.memorized_fraction),
        "memorized_unshifted": float(mem_c.memorized_fraction),
        "shift_norm": float(np.linalg.norm(shift) / np.median(mem.heldout_d1)),
        "paired_ratio": float(paired_similarity(Ya, Yb).ratio),
    }
