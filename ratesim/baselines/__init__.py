"""Minimax baselines: estimators of mu_data from N samples that can generate samples.

Common interface: ``fit(X)`` then ``sample(n, rng)``.
"""

from ._base import Baseline
from ._estimators import (
    EmpiricalMeasure,
    GaussianKDE,
    InertialDiffusion,
    IntrinsicKDE,
    sample_vmf,
)

BASELINES = {
    "empirical": EmpiricalMeasure,
    "ambient_kde": GaussianKDE,
    "intrinsic_kde": IntrinsicKDE,
    "inertial": InertialDiffusion,
}

__all__ = [
    "BASELINES",
    "Baseline",
    "EmpiricalMeasure",
    "GaussianKDE",
    "InertialDiffusion",
    "IntrinsicKDE",
    "sample_vmf",
]
