"""Exact references: closed forms and quadratures of laws the samplers should reach.

Nothing here is estimated from data: these are the truths the measurements are compared with.
"""

from __future__ import annotations

__all__: list[str] = []

# -- stationary laws of tempered-score Langevin (stationary.py) --
from .stationary import (  # noqa: E402
    TV_BINS,
    StationaryLaw,
    angle_tv,
    circle_log_p_sigma,
    circle_score,
    double_well,
    double_well_grad,
    normal_width_em,
    tempered_stationary_law,
    tv_to_uniform,
)

__all__ += [
    "TV_BINS",
    "StationaryLaw",
    "angle_tv",
    "circle_log_p_sigma",
    "circle_score",
    "double_well",
    "double_well_grad",
    "normal_width_em",
    "tempered_stationary_law",
    "tv_to_uniform",
]

# -- tilted families (tilted.py) --
from .tilted import (  # noqa: E402
    CircleLaw,
    CirclePrior,
    circle_prior,
    circle_tilted_law,
    circular_w1_to_point,
    tv_to_density,
    von_mises_angle_logpdf,
)

__all__ += [
    "CircleLaw",
    "CirclePrior",
    "circle_prior",
    "circle_tilted_law",
    "circular_w1_to_point",
    "tv_to_density",
    "von_mises_angle_logpdf",
]

# -- small-noise expansion of log p_sigma and the score near a manifold (small_noise.py) --
from .small_noise import (  # noqa: E402
    half_log_det_ratio,
    leading_log_density,
    log_density_remainder,
    score_remainder,
    tube_points,
)

__all__ += [
    "half_log_det_ratio",
    "leading_log_density",
    "log_density_remainder",
    "score_remainder",
    "tube_points",
]

# -- compiled von Mises-Fisher closed forms: Bessel ratio, log I_nu, smoothed score (_vmf.py) --
from ._vmf import (  # noqa: E402
    bessel_ratio,
    log_ive,
    vmf_smoothed_log_density,
    vmf_smoothed_score,
)

__all__ += [
    "bessel_ratio",
    "log_ive",
    "vmf_smoothed_log_density",
    "vmf_smoothed_score",
]

# -- posterior moments of the oracle denoiser (_posterior.py) --
from ._posterior import (  # noqa: E402
    denoiser_jacobian_eigenvalues,
    oracle_posterior_moments,
    quadrature_posterior_moments,
    torus_posterior_moments,
    vmf_posterior_moments,
)

__all__ += [
    "denoiser_jacobian_eigenvalues",
    "oracle_posterior_moments",
    "quadrature_posterior_moments",
    "torus_posterior_moments",
    "vmf_posterior_moments",
]
