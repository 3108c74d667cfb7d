"""Score estimators (issue 3): one scikit-learn-style contract, see ``_base``."""

from ._base import ScoreEstimator, clone
from ._empirical import ClosedFormScore, EmpiricalScore, KernelSmoothedScore, SmoothedScore
from ._projection import ProjectionScore
from ._regression import KNNScore, LocalPolynomialScore, NadarayaWatsonScore

__all__ = [
    "ScoreEstimator",
    "clone",
    "EmpiricalScore",
    "SmoothedScore",
    "ClosedFormScore",
    "KernelSmoothedScore",
    "NadarayaWatsonScore",
    "LocalPolynomialScore",
    "KNNScore",
    "ProjectionScore",
]
