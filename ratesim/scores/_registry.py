"""String registry of the score estimators (for the CLI and study files)."""

from __future__ import annotations

from .._registry import Registry
from ._base import ScoreEstimator
from ._coarse import AdaptiveProjectionScore
from ._empirical import ClosedFormScore, EmpiricalScore, KernelSmoothedScore, SmoothedScore
from ._exact_coarse import ExactCoarseScore
from ._network import DSMNetworkScore
from ._oracle import OracleScore
from ._perturbed import PerturbedScore
from ._projection import ProjectionScore
from ._regression import KNNScore, LocalPolynomialScore, NadarayaWatsonScore
from ._two_scale import TwoScaleScore

SCORES: Registry = Registry(
    "score estimator",
    {
        "empirical": EmpiricalScore,
        "smoothed": SmoothedScore,
        "closed_form": ClosedFormScore,
        "kernel_smoothed": KernelSmoothedScore,
        "nadaraya_watson": NadarayaWatsonScore,
        "local_polynomial": LocalPolynomialScore,
        "knn": KNNScore,
        "projection": ProjectionScore,
        "adaptive_projection": AdaptiveProjectionScore,
        "exact_coarse": ExactCoarseScore,
        "oracle": OracleScore,
        "perturbed": PerturbedScore,
        "two_scale": TwoScaleScore,
        "dsm_network": DSMNetworkScore,
    },
)


def make_score(name: str, /, **params) -> ScoreEstimator:
    """Build the estimator registered as ``name`` in ``SCORES``, unfitted.

    Parameters
    ----------
    name : str
        A key of ``SCORES`` (``"empirical"``, ``"smoothed"``, ``"knn"``, ...).
    **params
        Hyper-parameters of that estimator (``bandwidth``, ``k_neighbors``, ``rng``, ...).

    Returns
    -------
    ScoreEstimator
        The unfitted estimator.

    Raises
    ------
    ValueError
        For an unknown name or a parameter the estimator does not take (with a did-you-mean and
        the valid names).
    """
    return SCORES.make(name, **params)
