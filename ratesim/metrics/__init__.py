"""Metrics for rates on manifolds (flat functional API, POT-style).

Exact OT (rate claims): :func:`wasserstein`, :func:`wasserstein_1d`, :func:`wasserstein_circle`,
:func:`wasserstein_circle_uniform` (exact, against the uniform law),
:func:`wasserstein_1d_population`, :func:`wasserstein_to_population`,
:func:`wasserstein_to_reference` (with its sampling floor), :func:`sampling_floor`,
:func:`choose_reference_size`, :func:`wasserstein_sparse_exact` (exact, certified geodesic W1
between equal-size clouds on flat tori T^2, T^3 or S^2, at sizes beyond dense OT such as 1e5),
:func:`wasserstein_curve_uniform` (exact geodesic W1 to the volume law on a closed curve, through
its :class:`ArcLength` chart), :func:`wasserstein_curve` (the same to any density, against a fine
quadrature of it).

Parametric-rate *controls* (N^(-1/2) in any dimension, docs/measurement.md, trap 1):
:func:`sliced_wasserstein`, :func:`mmd2`, :func:`sinkhorn_divergence`.

Laws on the circle (circular Cramer-von Mises / H^-1 D^2 in closed form, exactly unbiased
U-statistics): :func:`d2_uniform`, :func:`d2_coupled` (paired draws), :func:`d2_two_sample`, their
floors :func:`d2_uniform_null_sd`, :func:`d2_coupled_null_sd`, the kernel :func:`fourier_kernel`,
:func:`cross_kernel_sum`, :func:`vonmises_gap2` (closed form to the uniform law),
:func:`circle_angles`.

Flat tori T^1-T^3, a floor-free upper bound on W1 (the screened H^-1 distance, exactly unbiased,
sd ~ 1/m in D^2 at any k <= 3; W1 <= (2 pi)^(k/2) sqrt(1 + lam^2) D): :func:`sobolev_to_law`
(samples against a law given by its Fourier coefficients) returning a :class:`SobolevResult`,
:func:`sobolev_between_laws` (closed form between two laws), :func:`sobolev_w1_constant`, the
kernel :func:`torus_sobolev_kernel`, coefficients :func:`von_mises_torus_coefficients` and
:func:`kde_torus_coefficients`, and :func:`kde_expected_d2` (the expected distance of a wrapped
Gaussian KDE from N draws, in closed form: the prediction a KDE's measured distance is tested
against).

Geometry: :func:`distance_to_manifold`, :func:`hausdorff`, :func:`coverage_scale`,
:func:`coverage_scale_circle` (exact supremum over centres, uniform law on the circle),
:func:`comparability` (P1's comparison of a generated law with the training set),
:func:`coverage_from_ratios`, :func:`cap_fraction` (uniform mass of a geodesic cap of S^k).
Memorization: :func:`nearest_training_distances`, :func:`memorization`, :func:`paired_similarity`,
:func:`remove_common_shift` (so that shifted copies of training points read as copies).
Law on M: :func:`intrinsic_angles`, :func:`bin_probabilities`, :func:`binned_divergence`,
:func:`uniformity_tests`, :func:`kuiper_pvalue`, :func:`density_ratio_curve`.
Intrinsic dimension: :func:`flipd`, :func:`flipd_empirical`, :func:`flipd_dimension`,
:func:`svd_dimension`.
Score and denoiser against M: :func:`normal_tangent_errors` (a score's error split into its normal
and tangent parts), :func:`finite_difference_jacobian`, :func:`jacobian_singular_values`,
:func:`soft_rank` (the rank of a denoiser's linearization: k, 0 when it memorizes, d when it does
not collapse).
A study cell: :func:`evaluate` runs the groups of :data:`METRIC_GROUPS` and returns {name: value}.
"""

from ._curves import ArcLength, wasserstein_curve, wasserstein_curve_uniform
from ._evaluate import METRIC_GROUPS, evaluate
from ._fourier import (
    circle_angles,
    cross_kernel_sum,
    d2_coupled,
    d2_coupled_null_sd,
    d2_two_sample,
    d2_uniform,
    d2_uniform_null_sd,
    fourier_kernel,
    vonmises_gap2,
)
from ._geometry import (
    ComparabilityResult,
    CoverageResult,
    DistanceSummary,
    HausdorffResult,
    cap_fraction,
    comparability,
    coverage_from_ratios,
    coverage_scale,
    coverage_scale_circle,
    distance_to_manifold,
    hausdorff,
)
from ._intrinsic_dim import (
    FlipdResult,
    SvdDimension,
    flipd,
    flipd_dimension,
    flipd_empirical,
    svd_dimension,
)
from ._law import (
    BinnedDivergence,
    DensityRatioCurve,
    UniformityTest,
    bin_probabilities,
    binned_divergence,
    density_ratio_curve,
    intrinsic_angles,
    kuiper_pvalue,
    uniformity_tests,
)
from ._memorization import (
    MemorizationResult,
    PairedSimilarity,
    memorization,
    nearest_training_distances,
    paired_similarity,
    remove_common_shift,
)
from ._parametric import median_bandwidth, mmd2, sinkhorn_divergence, sliced_wasserstein
from ._score_geometry import (
    finite_difference_jacobian,
    jacobian_singular_values,
    normal_tangent_errors,
    soft_rank,
)
from ._sobolev import (
    SobolevResult,
    kde_expected_d2,
    kde_torus_coefficients,
    piecewise_constant_torus_coefficients,
    projected_normal_coefficients,
    sobolev_between_laws,
    sobolev_to_law,
    sobolev_w1_constant,
    torus_sobolev_kernel,
    von_mises_torus_coefficients,
)
from ._sparse_ot import SparseOTResult, wasserstein_sparse_exact
from ._wasserstein import (
    Floor,
    ReferenceSize,
    WassersteinResult,
    choose_reference_size,
    population_quadrature,
    sampling_floor,
    wasserstein,
    wasserstein_1d,
    wasserstein_1d_population,
    wasserstein_circle,
    wasserstein_circle_uniform,
    wasserstein_to_population,
    wasserstein_to_reference,
)

__all__ = [
    "ArcLength",
    "BinnedDivergence",
    "ComparabilityResult",
    "CoverageResult",
    "DensityRatioCurve",
    "DistanceSummary",
    "FlipdResult",
    "METRIC_GROUPS",
    "Floor",
    "HausdorffResult",
    "MemorizationResult",
    "PairedSimilarity",
    "ReferenceSize",
    "SobolevResult",
    "SparseOTResult",
    "SvdDimension",
    "UniformityTest",
    "WassersteinResult",
    "bin_probabilities",
    "binned_divergence",
    "cap_fraction",
    "choose_reference_size",
    "circle_angles",
    "coverage_from_ratios",
    "comparability",
    "coverage_scale",
    "coverage_scale_circle",
    "cross_kernel_sum",
    "d2_coupled",
    "d2_coupled_null_sd",
    "d2_two_sample",
    "d2_uniform",
    "d2_uniform_null_sd",
    "density_ratio_curve",
    "distance_to_manifold",
    "evaluate",
    "finite_difference_jacobian",
    "flipd",
    "flipd_dimension",
    "flipd_empirical",
    "fourier_kernel",
    "hausdorff",
    "intrinsic_angles",
    "jacobian_singular_values",
    "kde_torus_coefficients",
    "piecewise_constant_torus_coefficients",
    "projected_normal_coefficients",
    "kuiper_pvalue",
    "median_bandwidth",
    "memorization",
    "remove_common_shift",
    "mmd2",
    "nearest_training_distances",
    "normal_tangent_errors",
    "paired_similarity",
    "population_quadrature",
    "sampling_floor",
    "sinkhorn_divergence",
    "sliced_wasserstein",
    "kde_expected_d2",
    "sobolev_between_laws",
    "sobolev_to_law",
    "sobolev_w1_constant",
    "soft_rank",
    "svd_dimension",
    "torus_sobolev_kernel",
    "uniformity_tests",
    "von_mises_torus_coefficients",
    "vonmises_gap2",
    "wasserstein",
    "wasserstein_1d",
    "wasserstein_1d_population",
    "wasserstein_circle",
    "wasserstein_circle_uniform",
    "wasserstein_curve",
    "wasserstein_curve_uniform",
    "wasserstein_sparse_exact",
    "wasserstein_to_population",
    "wasserstein_to_reference",
]
