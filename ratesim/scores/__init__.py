"""Score estimators: one scikit-learn-style contract for all of them.

``est.fit(X)`` returns self; then ``est.score(x, sigma)`` = grad log p_sigma (m, d),
``est.denoise(x, sigma)`` = x + sigma^2 score (Tweedie) and, where a normalized density exists,
``est.log_density(x, sigma)`` (m,). Variance-exploding convention p_sigma = mu * N(0, sigma^2 I).
Build by name with ``make_score("empirical")``; the registry is ``SCORES``.
"""

from ._base import ScoreEstimator, check_sigma, clone
from ._callable import CallableScore
from ._coarse import AdaptiveProjectionScore, coarse_bandwidth, gaussian_ess
from ._empirical import ClosedFormScore, EmpiricalScore, KernelSmoothedScore, SmoothedScore
from ._exact_coarse import ExactCoarseScore
from ._network import DSMNetworkScore
from ._oracle import OracleScore, exponential_family_params
from ._perturbed import PerturbedScore
from ._projection import ProjectionScore
from ._registry import SCORES, make_score
from ._regression import (
    KNNScore,
    LocalPolynomialScore,
    NadarayaWatsonScore,
    local_polynomial_regression,
)
from ._selection import BandwidthSelection, dsm_loss, select_bandwidth
from ._two_scale import TwoScaleScore

__all__ = [
    "SCORES",
    "AdaptiveProjectionScore",
    "BandwidthSelection",
    "CallableScore",
    "ClosedFormScore",
    "DSMNetworkScore",
    "EmpiricalScore",
    "ExactCoarseScore",
    "KNNScore",
    "KernelSmoothedScore",
    "LocalPolynomialScore",
    "NadarayaWatsonScore",
    "OracleScore",
    "PerturbedScore",
    "ProjectionScore",
    "ScoreEstimator",
    "SmoothedScore",
    "TwoScaleScore",
    "check_sigma",
    "clone",
    "coarse_bandwidth",
    "dsm_loss",
    "exponential_family_params",
    "gaussian_ess",
    "local_polynomial_regression",
    "make_score",
    "select_bandwidth",
]
