"""The coarse, geometry-only score of P1: (P_hat(x) - x) / sigma^2."""

from __future__ import annotations

import math

import numpy as np

from .._validation import as_points, check_in_range, check_int
from ..kernels import GaussianIndex
from ._base import ScoreEstimator, check_bandwidth
from ._localpoly import (
    _mls_projection_kernel,
    _mls_projection_tree_kernel,
    monomial_exponents,
    n_blocks,
)

RIDGE = 1e-10
N_NEWTON = 8
TREE_MIN_N = 2048
LEAF_SIZE = 32
_SEARCHES = ("auto", "tree", "dense")


class ProjectionScore(ScoreEstimator):
    """Coarse "geometry only" score s(x, sigma) = (P_hat(x) - x) / sigma^2.

    The leading Theta(sigma^-2) term of the true score is -(x - P_M x) / sigma^2 (P2 Thm 3.1; the
    coarse score of P1, Shen, Hsieh and He, arXiv 2603.23792). Here P_M is replaced by P_hat, a
    moving-least-squares projection estimated from the N samples (reading A of P1
    in docs/science.md; Levin 1998, Aamari and Levrard 2019 for the local polynomial estimator of a
    C^beta manifold). For each query x, with Gaussian weights of bandwidth h (``bandwidth``)
    around the current centre y (initially x):

    1. local PCA: weighted mean c and covariance; tangent frame = top-k eigenvectors;
    2. weighted polynomial fit, degree p, of the normal coordinates over the tangent coordinates;
    3. P_hat(x) = nearest point of the fitted local graph to x (Gauss-Newton);

    repeated ``n_iter`` times with y <- P_hat(x) (re-centring the weights on M). Safeguards for
    queries where few samples carry weight (far from M, near its medial axis, where reverse
    samplers start): the degree drops to the largest p' with 1.5 binom(k + p', k) <= n_eff (the
    effective sample size of the weights), to the weighted mean when n_eff < 1.5 (k + 1); the
    foot point stays within twice the weighted RMS tangent radius of the data; a pass output
    farther from x than its nearest sample plus h is replaced by the weighted mean (the true
    projection is never farther than the nearest sample). Near M none of these act (details:
    ``ratesim.scores._localpoly``). The default degree
    is ceil(beta) - 1 when the regularity beta is given (the order that attains the minimax rate
    (log N / N)^(beta/k) of Aamari and Levrard), else 2. The density of the data is deliberately
    ignored: the score carries no Theta(1) term, so samplers driven by it spread uniformly-ish along
    the estimated M (P1's "different target law"). ``denoise`` returns P_hat(x) for every sigma.

    Parameters
    ----------
    bandwidth : float > 0
        Bandwidth h of the local fits (should exceed the sample spacing N^(-1/k) by a log factor).
    k : int >= 1
        Intrinsic dimension of M (required, k < d).
    degree : int in [0, 4] or None
        Polynomial degree p; None -> ceil(beta) - 1 (clipped to [1, 4]) if beta is given, else 2.
    beta : float > 1 or None
        Regularity of M, used only for the default degree.
    n_iter : int >= 1
        Re-centring passes.
    search : {"auto", "tree", "dense"}
        How each query finds the samples that carry weight (those within exp(-50) of the
        largest): "dense" scans all N; "tree" visits a ball of radius 2 delta + 11 h around x
        (delta its nearest-sample distance) in a KD-tree and checks, at every pass, that no sample
        outside it could carry weight (else that query is redone densely), so both give the same
        result up to rounding; "auto" uses the tree for N >= 2048.

    Notes
    -----
    Cost per query and pass: O(N d) to scan (dense) or O(log N + n_ball d) (tree), plus
    O(n_eff (d^2 + F^2)) for the fits, n_eff the samples within ~10 h.
    """

    def __init__(self, bandwidth: float = 0.2, k: int | None = None, degree=None, beta=None,
                 n_iter=2, search: str = "auto"):  # fmt: skip
        self.bandwidth = bandwidth
        self.k = k
        self.degree = degree
        self.beta = beta
        self.n_iter = n_iter
        self.search = search

    def fit(self, X) -> ProjectionScore:
        self.bandwidth_ = check_bandwidth(self.bandwidth, "bandwidth")
        if self.k is None:
            raise ValueError(
                "k (the intrinsic dimension of M) must be given for ProjectionScore (got None)"
            )
        k = check_int(self.k, "k", low=1)
        self.n_iter_ = check_int(self.n_iter, "n_iter", low=1, high=20)
        if self.degree is not None:
            self.degree_ = check_int(self.degree, "degree", low=0, high=4)
        elif self.beta is not None:
            beta = check_in_range(self.beta, "beta", low=1.0, low_open=True)
            self.degree_ = 4 if math.isinf(beta) else int(min(max(math.ceil(beta) - 1, 1), 4))
        else:
            self.degree_ = 2
        X = self._fit_points(X)
        if k >= X.shape[1]:
            raise ValueError(
                f"k must be < d = {X.shape[1]} for a projection onto a submanifold (got k = {k})"
            )
        self.k_ = k
        self.exponents_ = monomial_exponents(k, self.degree_)
        if self.search not in _SEARCHES:
            raise ValueError(f"search must be one of {_SEARCHES} (got {self.search!r})")
        use_tree = self.search == "tree" or (self.search == "auto" and X.shape[0] >= TREE_MIN_N)
        self.index_ = GaussianIndex(X, leaf_size=LEAF_SIZE) if use_tree else None
        return self

    def project(self, x) -> np.ndarray:
        """The estimated (moving-least-squares) projection onto M.

        Parameters
        ----------
        x : (m, d) array
            Query points.

        Returns
        -------
        (m, d) array
            P_hat(x).
        """
        self._check_fitted()
        x = as_points(x, "x", d=self.n_features_in_)
        return self._project(x)

    def _project(self, x):
        out = np.empty_like(x)
        args = (
            float(self.bandwidth_),
            int(self.k_),
            self.exponents_,
            RIDGE,
            int(self.n_iter_),
            N_NEWTON,
        )
        if self.index_ is None:
            _mls_projection_kernel(self.X_, x, *args, out, n_blocks(x.shape[0]))
            return out
        I = self.index_
        ok = np.empty(x.shape[0], dtype=np.bool_)
        pts = np.ascontiguousarray(I.yT.T)
        nb = n_blocks(x.shape[0])
        _mls_projection_tree_kernel(
            pts, I.start, I.end, I.left, I.right, I.lo, I.hi, x, *args, out, ok, nb
        )  # fmt: skip
        if not ok.all():
            redo = np.ascontiguousarray(x[~ok])
            dense = np.empty_like(redo)
            _mls_projection_kernel(self.X_, redo, *args, dense, n_blocks(redo.shape[0]))
            out[~ok] = dense
        self.n_dense_fallbacks_ = int(np.count_nonzero(~ok))
        return out

    def _score(self, x, sigma):
        return (self._project(x) - x) / sigma**2
