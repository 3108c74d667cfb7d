"""String registry of the score estimators (for the CLI and study files)."""

from __future__ import annotations

import difflib

from ._base import ScoreEstimator
from ._coarse import AdaptiveProjectionScore
from ._empirical import ClosedFormScore, EmpiricalScore, KernelSmoothedScore, SmoothedScore
from ._exact_coarse import ExactCoarseScore
from ._oracle import OracleScore
from ._perturbed import PerturbedScore
from ._projection import ProjectionScore
from ._regression import KNNScore, LocalPolynomialScore, NadarayaWatsonScore

SCORES: dict[str, type[ScoreEstimator]] = {
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
}


def make_score(name: str, **params) -> ScoreEstimator:
    """Build the estimator registered as ``name`` with hyper-parameters ``params``.

    Unknown names and parameters raise a ValueError with a did-you-mean suggestion.
    """
    if not isinstance(name, str) or name not in SCORES:
        hint = difflib.get_close_matches(str(name), list(SCORES), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"unknown score estimator {name!r} (known: {', '.join(SCORES)}){extra}")
    cls = SCORES[name]
    valid = cls._get_param_names()
    for key in params:
        if key not in valid:
            hint = difflib.get_close_matches(key, valid, n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(
                f"invalid parameter {key!r} for score {name!r} (valid: {', '.join(valid)}){extra}"
            )
    return cls(**params)
