"""Manifolds of prescribed regularity beta: a Holder closed curve and Holder graphs over T^k.

Both are built from the lacunary (Weierstrass-type) Fourier series

    g_beta(u) = sum_{j=1}^{J} 2^(-j beta) cos(2^j <omega_j, u> + phi_j),

with integer directions omega_j (omega_j = 1 for k = 1; for k >= 2 drawn uniformly from
{-1, 0, 1}^k minus 0, so |2^j omega_j|_inf = 2^j) and phases phi_j uniform on [0, 2 pi), both drawn
from ``seed``. For non-integer beta the infinite series is exactly C^beta (Holder-Zygmund) and no
smoother: its j-th dyadic Littlewood-Paley block has sup norm 2^(-j beta) (Zygmund's theorem on
lacunary series). It is truncated at J = 20 terms by default: for beta >= 2.5 the first omitted
term is below 2^(-21 beta) <= 2^(-52.5) (the double-precision unit roundoff of the unit-size
embedding; for beta in (2, 2.5) pass n_terms up to 30 to push it further), and its wavelength
2 pi 2^(-21) ~ 3e-6 is far below any scale a study at N <= 1e6 resolves (the coverage scale
N^(-1/k) >= 1e-6). These are the supports of prescribed regularity beta on which P1 (Shen, Hsieh,
He, arXiv 2603.23792) predicts rates that depend on beta (docs/science.md, P1). For beta = inf
(analytic) g is a trigonometric polynomial of four low-frequency terms,
sum_{j=1}^4 2^(-j) cos(j <omega_j, u> + phi_j).

Reach certificate. With A_0 = sum a_j, A_1 = sum a_j |w_j|, A_2 = sum a_j |w_j|^2 (a_j the
amplitudes, w_j = freq_j omega_j the wave vectors) we bound |g| <= A_0, |grad g| <= A_1,
||hess g|| <= A_2, hence the second fundamental form |II| <= kappa = sup |D^2 Phi[w, w]| /
inf |D Phi w|^2 (|w| = 1) and the speed by v_max. Federer's formula reach = inf_{x != y}
|y - x|^2 / (2 dist(y - x, T_x M)) is bounded in two regimes:
(a) geodesic distance s <= pi / (2 kappa): the tangent turns by <= kappa s, so the normal part of
    y - x is <= (1 - cos kappa s) / kappa while Schur's comparison gives |y - x| >= 2 sin(kappa s
    / 2) / kappa; the ratio is >= 1 / kappa;
(b) s > pi / (2 kappa): the coordinate separation exceeds D = pi / (2 kappa v_max), the chord is
    >= 2 r_min sin(min(D, pi) / 2) (concavity of sin^2(sqrt(t) / 2) for graphs), and the ratio is
    >= |y - x| / 2.
So reach >= min(1 / kappa, r_min sin(min(pi / 2, pi / (4 kappa v_max)))) (r_min = 1 for graphs),
which is ``reach``. It equals 1 / sqrt(2) at eps = 0 (the true reach is then 1: the certificate
loses at most that factor) and decreases with eps. An eps whose certificate falls below
``REACH_FLOOR`` = 1/4 is refused; ``max_eps(...)`` gives the largest allowed eps.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_int, check_positive
from ._base import Manifold
from ._kernels import _project_curve, _project_graph
from ._torus import TWO_PI

REACH_FLOOR = 0.25
DEFAULT_TERMS = 20
ANALYTIC_TERMS = 4
_CHUNK = 1 << 15


def check_beta(beta) -> float:
    """beta must be a non-integer in (2, 8], or inf."""
    try:
        b = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"beta must be a real number in (2, 8] or inf (got {beta!r})") from None
    if b == math.inf:
        return b
    if not np.isfinite(b) or b <= 2.0:
        raise ValueError(
            f"beta must be > 2 (got beta = {beta!r}): for beta <= 2 the curvature, hence the "
            "reach, is not bounded; allowed: non-integer beta in (2, 8], or inf"
        )
    if b > 8.0 or b == round(b):
        raise ValueError(
            f"beta must be a non-integer in (2, 8] or inf (got beta = {beta!r}): at integer beta "
            "the lacunary series is only Zygmund, not C^beta"
        )
    return b


class LacunarySeries:
    """g(u) = sum_j amp_j cos(<wave_j, u> + phase_j) on T^k, see the module docstring.

    Attributes ``amp`` (J,), ``wave`` (J, k) (= freq_j omega_j), ``phase`` (J,), ``freq`` (J,) and
    the bounds ``A0 >= sup |g|``, ``A1 >= sup |grad g|``, ``A2 >= sup ||hess g||``.
    """

    def __init__(self, k: int, beta: float, n_terms: int, rng: np.random.Generator):
        j = np.arange(1, n_terms + 1, dtype=float)
        if beta == math.inf:
            self.amp, self.freq = 2.0**-j, j.copy()
        else:
            self.amp, self.freq = 2.0 ** (-j * beta), 2.0**j
        if k == 1:
            omega = np.ones((n_terms, 1))
        else:
            omega = np.zeros((n_terms, k))
            for i in range(n_terms):
                while not np.any(omega[i]):
                    omega[i] = rng.integers(-1, 2, size=k)
        self.omega = omega
        self.phase = rng.uniform(0.0, TWO_PI, size=n_terms)
        self.wave = np.ascontiguousarray(self.freq[:, None] * omega)
        norms = np.linalg.norm(self.wave, axis=1)
        self.A0 = float(self.amp.sum())
        self.A1 = float(np.sum(self.amp * norms))
        self.A2 = float(np.sum(self.amp * norms**2))

    def _chunks(self, u):
        for s in range(0, u.shape[0], _CHUNK):
            yield s, u[s : s + _CHUNK] @ self.wave.T + self.phase

    def value(self, u: np.ndarray) -> np.ndarray:
        out = np.empty(u.shape[0])
        for s, arg in self._chunks(u):
            out[s : s + arg.shape[0]] = np.cos(arg) @ self.amp
        return out

    def grad(self, u: np.ndarray) -> np.ndarray:
        out = np.empty(u.shape)
        for s, arg in self._chunks(u):
            out[s : s + arg.shape[0]] = -(np.sin(arg) * self.amp) @ self.wave
        return out


def _reach_certificate(kind: str, eps: float, A0: float, A1: float, A2: float) -> float:
    """Certified lower bound of the reach (module docstring); 0 when the bound is void."""
    if kind == "curve":
        rmin = 1.0 - eps * A0
        if rmin <= 0:
            return 0.0
        kappa = math.hypot(1.0 + eps * A0 + eps * A2, 2.0 * eps * A1) / rmin**2
        vmax = math.hypot(1.0 + eps * A0, eps * A1)
    else:
        rmin = 1.0
        kappa = math.hypot(1.0, eps * A2)
        vmax = math.hypot(1.0, eps * A1)
    return min(1.0 / kappa, rmin * math.sin(min(math.pi / 2, math.pi / (4 * kappa * vmax))))


def _max_eps(kind: str, series: LacunarySeries) -> float:
    """Largest eps whose reach certificate is >= REACH_FLOOR (bisection; it decreases in eps)."""
    lo, hi = 0.0, 1.0
    args = (series.A0, series.A1, series.A2)
    while _reach_certificate(kind, hi, *args) >= REACH_FLOOR:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _reach_certificate(kind, mid, *args) >= REACH_FLOOR:
            lo = mid
        else:
            hi = mid
    return lo


def _trapezoid_mean(fun, k: int) -> float:
    """Mean of a smooth periodic function over [0, 2 pi)^k by the periodic trapezoid rule with
    2^16 nodes for k = 1 and 2^floor(18 / k) per axis for k >= 2 (evaluated in chunks)."""
    n = 1 << (16 if k == 1 else 18 // k)
    t = TWO_PI * np.arange(n) / n
    if k == 1:
        return float(np.mean(fun(t[:, None])))
    total, count = 0.0, 0
    rest = np.stack(np.meshgrid(*([t] * (k - 1)), indexing="ij"), axis=-1).reshape(-1, k - 1)
    for t0 in t:
        u = np.concatenate([np.full((rest.shape[0], 1), t0), rest], axis=1)
        v = fun(u)
        total += float(v.sum())
        count += v.shape[0]
    return total / count


def _parse(beta, eps, n_terms, seed):
    beta = check_beta(beta)
    eps = check_positive(eps, "eps")
    default = ANALYTIC_TERMS if beta == math.inf else DEFAULT_TERMS
    n_terms = default if n_terms is None else check_int(n_terms, "n_terms", low=1, high=30)
    if seed is not None:
        seed = check_int(seed, "seed", low=0)
    rng = np.random.default_rng([0 if seed is None else seed, 7919])
    return beta, eps, n_terms, rng


class HolderCurve(Manifold):
    """Closed curve r(theta) (cos theta, sin theta) with r = 1 + eps g_beta(theta), of regularity
    beta (module docstring: lacunary series, reach certificate, truncation).

    The coordinate is the polar angle theta. Volume element |Phi'| = sqrt(r^2 + r'^2); uniform
    sampling by rejection from uniform theta with the certified bound v_max (exact); the volume
    (length) is 2 pi + int r (sqrt(1 + (r'/r)^2) - 1) dtheta, the second term by the periodic
    trapezoid rule with 2^16 nodes. Projection: grid search in a window around the polar angle of
    the point, then safeguarded Newton (numba).

    Parameters
    ----------
    beta : float
        Claimed regularity: non-integer in (2, 8], or ``inf`` (analytic).
    eps : float > 0
        Amplitude; at most ``max_eps`` (certified reach >= 1/4).
    d : int or None
        Ambient dimension, >= 2 (None: 2).
    seed : int or None
        Seed of the random isometry and of the phases (None: canonical embedding, phases of
        seed 0).
    n_terms : int or None
        Number J of lacunary terms (default 20; 4 for beta = inf).
    """

    k = 1
    native_dim = 2
    coord_dim = 1

    def __init__(
        self,
        beta: float = 4.5,
        eps: float = 0.05,
        d: int | None = None,
        seed: int | None = 0,
        n_terms: int | None = None,
    ):
        self.beta, self.eps, self.n_terms, rng = _parse(beta, eps, n_terms, seed)
        self.series = LacunarySeries(1, self.beta, self.n_terms, rng)
        self.max_eps = _max_eps("curve", self.series)
        if self.eps > self.max_eps:
            raise ValueError(
                f"eps must be <= {self.max_eps:.6g} for HolderCurve(beta={self.beta}, "
                f"n_terms={self.n_terms}) (got eps = {self.eps}): larger eps breaks the certified "
                f"reach bound {REACH_FLOOR}"
            )
        self._init_embedding(d, seed)
        s = self.series
        self._reach = _reach_certificate("curve", self.eps, s.A0, s.A1, s.A2)
        self._vmax = math.hypot(1.0 + self.eps * s.A0, self.eps * s.A1)
        # window of the projection search around the polar angle: critical points satisfy
        # |sin(alpha - theta)| <= |r'| |r - rho cos(alpha - theta)| / (rho r), small for small eps
        self._half_width = min(math.pi, 0.2 + 4.0 * self.eps * s.A1)
        self._n_grid = 16
        self._volume = None

    def _params(self):
        return {"beta": self.beta, "eps": self.eps, **super()._params(), "n_terms": self.n_terms}

    @property
    def volume(self) -> float:
        """Length 2 pi + int r (sqrt(1 + x) - 1), x = (r'/r)^2 (computed once, on first use)."""
        if self._volume is None:

            def excess(u):
                r, r1 = self._radius(u[:, 0])
                x = (r1 / r) ** 2
                return r * x / 2.0 - r * x**2 / (2.0 * (np.sqrt(1.0 + x) + 1.0) ** 2)

            self._volume = TWO_PI * (1.0 + _trapezoid_mean(excess, 1))
        return self._volume

    @property
    def reach(self) -> float:
        """Certified lower bound of the reach (>= 1/4)."""
        return self._reach

    def _radius(self, t):
        u = t[:, None]
        return 1.0 + self.eps * self.series.value(u), self.eps * self.series.grad(u)[:, 0]

    def _phi(self, u):
        t = u[:, 0]
        r, _ = self._radius(t)
        return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)

    def _jacobian(self, u):
        t = u[:, 0]
        r, r1 = self._radius(t)
        c, s = np.cos(t), np.sin(t)
        return np.stack([r1 * c - r * s, r1 * s + r * c], axis=1)[:, :, None]

    def volume_element(self, u):
        t = self._check_coords(u)[:, 0]
        r, r1 = self._radius(t)
        return np.hypot(r, r1)

    def _project_native(self, y):
        s = self.series
        out = np.empty(y.shape[0])
        _project_curve(
            np.ascontiguousarray(y),
            1,
            0.0,
            0.0,
            self.eps,
            s.amp,
            s.freq,
            s.phase,
            True,
            self._half_width,
            self._n_grid,
            out,
        )
        return out[:, None]

    def _sample_uniform(self, n, rng):
        out, have = [], 0
        accept = (1.0 - self.eps * self.series.A0) / self._vmax  # lower bound, no volume needed
        while have < n:
            m = int(1.1 * (n - have) / accept) + 16
            t = rng.uniform(0.0, TWO_PI, size=m)
            r, r1 = self._radius(t)
            keep = rng.uniform(size=m) * self._vmax < np.hypot(r, r1)
            out.append(t[keep])
            have += int(keep.sum())
        return np.concatenate(out)[:n, None]


class HolderGraph(Manifold):
    """Graph of eps g_beta over the flat torus T^k, in R^(2k+1):

        Phi(u) = (cos u_1, sin u_1, ..., cos u_k, sin u_k, eps g_beta(u)),

    of regularity beta (module docstring: lacunary series, reach certificate, truncation).

    Coordinates: the k angles. Metric g = I + eps^2 grad g grad g^T, volume element
    sqrt(1 + eps^2 |grad g|^2). Volume: (2 pi)^k (1 + eps^2 sum_j a_j^2 |w_j|^2 / 4) (exact, by
    orthogonality) plus the O(eps^4) remainder by the periodic trapezoid rule (2^16 nodes for
    k = 1, 2^floor(18 / k) per axis for k >= 2: relative error ~1e-12 for k <= 2, growing with k
    as the grid coarsens). Uniform sampling: rejection from uniform coordinates with the
    certified bound v_max = sqrt(1 + eps^2 A_1^2) (exact). Projection: from the projection onto
    the flat torus, Newton on |Phi(u) - y|^2 (numba).

    Parameters
    ----------
    k : int >= 1
        Intrinsic dimension (of the base torus T^k).
    beta : float
        Claimed regularity: non-integer in (2, 8], or ``inf`` (analytic).
    eps : float > 0
        Amplitude; at most ``max_eps`` (certified reach >= 1/4).
    d : int or None
        Ambient dimension, >= 2k + 1 (None: 2k + 1).
    seed : int or None
        Seed of the random isometry, the phases and the directions (None: canonical embedding,
        series of seed 0).
    n_terms : int or None
        Number J of lacunary terms (default 20; 4 for beta = inf).
    """

    def __init__(
        self,
        k: int = 2,
        beta: float = 4.5,
        eps: float = 0.05,
        d: int | None = None,
        seed: int | None = 0,
        n_terms: int | None = None,
    ):
        self.k = check_int(k, "k", low=1)
        self.coord_dim = self.k
        self.native_dim = 2 * self.k + 1
        self.beta, self.eps, self.n_terms, rng = _parse(beta, eps, n_terms, seed)
        self.series = LacunarySeries(self.k, self.beta, self.n_terms, rng)
        self.max_eps = _max_eps("graph", self.series)
        if self.eps > self.max_eps:
            raise ValueError(
                f"eps must be <= {self.max_eps:.6g} for HolderGraph(k={self.k}, beta={self.beta}, "
                f"n_terms={self.n_terms}) (got eps = {self.eps}): larger eps breaks the certified "
                f"reach bound {REACH_FLOOR}"
            )
        self._init_embedding(d, seed)
        s = self.series
        self._reach = _reach_certificate("graph", self.eps, s.A0, s.A1, s.A2)
        self._vmax = math.hypot(1.0, self.eps * s.A1)
        self._volume = None

    def _params(self):
        return {
            "k": self.k,
            "beta": self.beta,
            "eps": self.eps,
            **super()._params(),
            "n_terms": self.n_terms,
        }

    @property
    def volume(self) -> float:
        """(2 pi)^k (1 + eps^2 sum_j a_j^2 |w_j|^2 / 4) + trapezoid of the O(eps^4) remainder
        (computed once, on first use)."""
        if self._volume is None:
            s, e2 = self.series, self.eps**2
            quad = 0.25 * e2 * float(np.sum(s.amp**2 * np.sum(s.wave**2, axis=1)))

            def remainder(u):
                x = e2 * np.sum(s.grad(u) ** 2, axis=1)
                return -(x**2) / (2.0 * (np.sqrt(1.0 + x) + 1.0) ** 2)

            self._volume = TWO_PI**self.k * (1.0 + quad + _trapezoid_mean(remainder, self.k))
        return self._volume

    @property
    def reach(self) -> float:
        """Certified lower bound of the reach (>= 1/4)."""
        return self._reach

    def _phi(self, u):
        out = np.empty((u.shape[0], 2 * self.k + 1))
        out[:, 0 : 2 * self.k : 2] = np.cos(u)
        out[:, 1 : 2 * self.k : 2] = np.sin(u)
        out[:, 2 * self.k] = self.eps * self.series.value(u)
        return out

    def _jacobian(self, u):
        n, k = u.shape
        J = np.zeros((n, 2 * k + 1, k))
        idx = np.arange(k)
        J[:, 2 * idx, idx] = -np.sin(u)
        J[:, 2 * idx + 1, idx] = np.cos(u)
        J[:, 2 * k, :] = self.eps * self.series.grad(u)
        return J

    def volume_element(self, u):
        u = self._check_coords(u)
        return np.sqrt(1.0 + self.eps**2 * np.sum(self.series.grad(u) ** 2, axis=1))

    def _project_native(self, y):
        s = self.series
        out = np.empty((y.shape[0], self.k))
        _project_graph(np.ascontiguousarray(y), self.eps, s.amp, s.wave, s.phase, out)
        return out

    def _sample_uniform(self, n, rng):
        out, have = [], 0
        accept = 1.0 / self._vmax  # lower bound of the acceptance rate, no volume needed
        while have < n:
            m = int(1.1 * (n - have) / accept) + 16
            u = rng.uniform(0.0, TWO_PI, size=(m, self.k))
            vol = np.sqrt(1.0 + self.eps**2 * np.sum(self.series.grad(u) ** 2, axis=1))
            keep = rng.uniform(size=m) * self._vmax < vol
            out.append(u[keep])
            have += int(keep.sum())
        return np.concatenate(out)[:n]
