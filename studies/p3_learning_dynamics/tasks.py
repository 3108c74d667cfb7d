"""Learning dynamics of denoising score matching: the normal part first, the tangent part later.

Huang, Han, Bai, Zhou, Zhang, Suzuki, Fukumizu, "Collapse and refine" (arXiv 2605.20235;
docs/science.md, P3): at small sigma the score s = grad log p_sigma is dominated by its singular
normal part -(x - P_M x) / sigma^2 (the collapse of the denoiser D_sigma = x + sigma^2 s onto
P_M), and a learned score gets this part first and fast; the tangential part (the density on M,
Theta(1)) is refined later. We make this operational with two small models trained by denoising
score matching (DSM) on pairs (x_i = x0_i + sigma z_i, target -z_i) from N samples x0_i ~ mu_data:

- **random features + ridge** (:func:`fit_random_features`): g(x) = Phi(x) C with P random Fourier
  features, C by ridge regression (closed form);
- **two-layer conservative network** (:class:`ConservativeNet`): a scalar potential
  V(x) = sum_j a_j tanh(w_j . x + b_j) and g = grad V (a conservative field, as the paper's
  networks), trained by full-batch gradient descent with heavy-ball momentum on the DSM loss
  L = (1/n) sum_i |g(x_i) + z_i|^2, its gradient written by hand (checked against finite
  differences in the tests).

Both predict g = sigma s (the noise-prediction scale, so the loss is O(d) at any sigma); the
learned score is s_hat = g / sigma. Errors are measured against the exact
:class:`ratesim.scores.OracleScore` (Bessel closed form on the circle) at test points
x = y + sigma z near M (y ~ mu_data), split at the foot P_M(x) into
the normal and tangent components (:func:`ratesim.metrics.normal_tangent_errors`):

    err_normal  = sum |P_N (s_hat - s)|^2 / sum |P_N s|^2,
    err_tangent = sum |P_T (s_hat - s)|^2 / sum |P_T s|^2.

Why the tangent part comes later (the variance argument used for the study's predictions): the
conditional covariance of the DSM target, Cov(z | x) = Cov(x0 | x) / sigma^2, is ~ 1 along the
tangent (given x, x0 is uncertain along M over a length ~ sigma) and O(sigma^2) across it. In the
g = sigma s scale the normal signal is |P_N g| ~ sqrt(d - k) while the tangential signal is
|P_T g| = sigma |grad_M log p| = O(sigma). A least-squares fit with p effective parameters has a
variance ~ p k / N, so the tangential relative error is

    err_tangent ~ p k / (sigma^2 E|grad_M log p|^2 N),

falling like N^-1 once N >> p but larger by sigma^-2 than at sigma = 1: the number of samples (or,
for gradient descent, the training time) needed to learn the density on M grows like sigma^-2,
while the normal part, a large signal with little noise, is learned at N ~ p.
"""

from __future__ import annotations

import numpy as np

from ratesim._validation import as_generator, as_points, check_int, check_positive
from ratesim.metrics import normal_tangent_errors
from ratesim.study import task


def dsm_pairs(x0, sigma, rng):
    """Denoising score matching pairs: x = x0 + sigma z and the noise-scale target -z.

    Parameters
    ----------
    x0 : array (n, d)
        Clean samples from mu_data.
    sigma : float > 0
    rng : numpy Generator or int

    Returns
    -------
    x, target : arrays (n, d)
        The minimizer of E|g(x) - target|^2 is g = sigma s = (E[x0 | x] - x) / sigma (Tweedie).
    """
    x0 = as_points(x0, "x0")
    sigma = check_positive(sigma, "sigma")
    z = as_generator(rng).standard_normal(x0.shape)
    return x0 + sigma * z, -z


class RandomFeatures:
    """Random Fourier features phi(x) = sqrt(2/P) cos(x Omega / ell + b), a fixed feature map.

    Parameters
    ----------
    d : int
        Input dimension.
    n_features : int
        P.
    length_scale : float > 0
        ell (the Gaussian kernel's length scale approximated by the features).
    rng : numpy Generator or int
    """

    def __init__(self, d, n_features, length_scale, rng):
        self.d = check_int(d, "d", low=1)
        self.n_features = check_int(n_features, "n_features", low=1)
        self.length_scale = check_positive(length_scale, "length_scale")
        rng = as_generator(rng)
        self.omega = rng.standard_normal((self.d, self.n_features)) / self.length_scale
        self.phase = rng.uniform(0.0, 2.0 * np.pi, self.n_features)
        self.coef_ = None

    def features(self, x):
        x = as_points(x, d=self.d)
        return np.sqrt(2.0 / self.n_features) * np.cos(x @ self.omega + self.phase)

    def predict(self, x):
        if self.coef_ is None:
            raise RuntimeError("RandomFeatures is not fitted yet: call fit_random_features first")
        return self.features(x) @ self.coef_


def fit_random_features(model, x, target, ridge):
    """Ridge regression of ``target`` on the features: C = (F^T F + ridge n I)^-1 F^T target.

    Parameters
    ----------
    model : RandomFeatures
    x, target : arrays (n, d)
    ridge : float >= 0
        Penalty per sample (lambda = ridge * n), so the estimator is scale-free in n.

    Returns
    -------
    RandomFeatures
        ``model`` with ``coef_`` (P, d) set.
    """
    x = as_points(x, d=model.d)
    target = as_points(target, "target", d=model.d)
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    F = model.features(x)
    A = F.T @ F + ridge * len(x) * np.eye(model.n_features)
    model.coef_ = np.linalg.solve(A, F.T @ target)
    return model


class ConservativeNet:
    """Two-layer conservative field g(x) = grad V(x), V(x) = sum_j a_j tanh(w_j . x + b_j).

    With h = W x + b, t = tanh(h), u = 1 - t^2: g(x) = W^T (a * u). For the loss
    L = (1/n) sum_i |g(x_i) - y_i|^2, residuals r_i = g(x_i) - y_i and G = r W^T (G_ij = w_j . r_i),
    u' = -2 t u:

        dL/da_j  = (2/n) sum_i u_ij G_ij
        dL/db_j  = (2/n) a_j sum_i u'_ij G_ij
        dL/dW_j. = (2/n) sum_i [a_j u_ij r_i + a_j u'_ij G_ij x_i].

    Parameters
    ----------
    d : int
        Input dimension.
    width : int
        Number of hidden units H.
    init_scale : float
        Standard deviation of the entries of W (b ~ U(-init_scale, init_scale)); a starts at 0
        (g = 0: the initial error is 1 in both components).
    rng : numpy Generator or int
    """

    def __init__(self, d, width, init_scale, rng):
        self.d = check_int(d, "d", low=1)
        self.width = check_int(width, "width", low=1)
        s = check_positive(init_scale, "init_scale")
        rng = as_generator(rng)
        self.W = rng.standard_normal((self.width, self.d)) * s
        self.b = rng.uniform(-s, s, self.width)
        self.a = np.zeros(self.width)

    @property
    def params(self):
        return [self.W, self.b, self.a]

    def potential(self, x):
        """V(x), shape (m,)."""
        x = as_points(x, d=self.d)
        return np.tanh(x @ self.W.T + self.b) @ self.a

    def field(self, x):
        """g(x) = grad V(x), shape (m, d)."""
        x = as_points(x, d=self.d)
        t = np.tanh(x @ self.W.T + self.b)
        return ((1.0 - t * t) * self.a) @ self.W

    def loss_and_grad(self, x, y):
        """The DSM loss (1/n) sum |g(x_i) - y_i|^2 and its gradient (dW, db, da), by hand."""
        x = as_points(x, d=self.d)
        y = as_points(y, "y", d=self.d)
        t = np.tanh(x @ self.W.T + self.b)
        u = 1.0 - t * t
        up = -2.0 * t * u
        r = (u * self.a) @ self.W - y
        G = r @ self.W.T
        n = len(x)
        da = (2.0 / n) * np.sum(u * G, axis=0)
        db = (2.0 / n) * self.a * np.sum(up * G, axis=0)
        au = u * self.a
        dW = (2.0 / n) * (au.T @ r + (self.a * up * G).T @ x)
        return float(np.mean(np.sum(r * r, axis=1))), [dW, db, da]


def train_conservative(net, x, y, *, lr, iters, momentum=0.9, callback=None, callback_at=()):
    """Full-batch gradient descent with heavy-ball momentum on the DSM loss.

    Parameters
    ----------
    net : ConservativeNet
    x, y : arrays (n, d)
        Inputs and targets.
    lr : float > 0
        Step size.
    iters : int >= 0
        Number of gradient steps.
    momentum : float in [0, 1)
    callback : callable, optional
        ``callback(net, it)`` called after step ``it`` for each ``it`` in ``callback_at``.
    callback_at : iterable of int

    Returns
    -------
    list of float
        The training loss before each step.
    """
    lr = check_positive(lr, "lr")
    iters = check_int(iters, "iters", low=0)
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1) (got {momentum})")
    at = set(int(i) for i in callback_at)
    vel = [np.zeros_like(q) for q in net.params]
    losses = []
    for it in range(1, iters + 1):
        loss, grads = net.loss_and_grad(x, y)
        if not np.isfinite(loss):
            raise FloatingPointError(f"gradient descent diverged at step {it} (lr = {lr})")
        losses.append(loss)
        for q, g, v in zip(net.params, grads, vel, strict=True):
            v *= momentum
            v += g
            q -= lr * v
        if callback is not None and it in at:
            callback(net, it)
    return losses


def make_circle_setup(d, kappa, manifold_seed=1):
    """The unit circle in R^d (random isometry) with a von Mises(kappa) density and its oracle."""
    from ratesim.densities import VonMises
    from ratesim.manifolds import Circle
    from ratesim.scores import OracleScore

    M = Circle(d=check_int(d, "d", low=2), seed=manifold_seed)
    p = VonMises(kappa=check_positive(kappa, "kappa"))
    return M, p, OracleScore(M, p, rng=0).fit()  # closed form on the circle: draws nothing


def _need(model: str, **given) -> None:
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise ValueError(f"model {model!r} needs {', '.join(missing)}")


@task(metrics=("normal_err", "tangent_err"), choices={"manifold": ("circle",)})
def dsm_score_errors(
    *,
    model: str,
    N: int,
    sigma: float,
    d: int,
    kappa: float,
    rng: np.random.Generator,
    manifold: str = "circle",
    k: int = 1,
    n_test: int = 2000,
    manifold_seed: int = 1,
    n_features: int | None = None,
    length_scale: float | None = None,
    ridge: float | None = None,
    width: int | None = None,
    init_scale: float | None = None,
    lr: float | None = None,
    iters: int | None = None,
) -> dict[str, float]:
    """One cell: train the model by DSM on N samples and measure its normal / tangent errors.

    ``model`` "rf" (random features + ridge: ``n_features``, ``length_scale``, ``ridge``) or "nn"
    (conservative network: ``width``, ``init_scale``, ``lr``, and ``iters``, the number of
    gradient steps after which the error is measured; "rf" ignores ``iters``). Data: von
    Mises(``kappa``) on the unit circle in R^d (isometry seed ``manifold_seed``); errors at
    ``n_test`` points x = y + sigma z against the exact oracle score. One BLAS thread per cell
    (small dense algebra; the engine parallelizes over cells).
    """
    from threadpoolctl import threadpool_limits

    if manifold != "circle" or k != 1:
        raise ValueError(f"this task runs on the circle, k = 1 (got {manifold!r}, k = {k})")
    if model == "rf":
        _need(model, n_features=n_features, length_scale=length_scale, ridge=ridge)
    elif model == "nn":
        _need(model, width=width, init_scale=init_scale, lr=lr, iters=iters)
    else:
        raise ValueError(f"model must be 'rf' or 'nn' (got {model!r})")
    with threadpool_limits(limits=1):
        rng = as_generator(rng)
        N = check_int(N, "N", low=2)
        sigma = check_positive(sigma, "sigma")
        M, p, oracle = make_circle_setup(d, kappa, manifold_seed)
        x0 = M.sample(N, p, rng=rng)
        x, y = dsm_pairs(x0, sigma, rng)
        xt, _ = dsm_pairs(M.sample(int(n_test), p, rng=rng), sigma, rng)
        s_true = oracle.score(xt, sigma)
        if model == "rf":
            rf = RandomFeatures(M.d, n_features, length_scale, rng)
            fit_random_features(rf, x, y, ridge)
            s_hat = rf.predict(xt) / sigma
        else:
            net = ConservativeNet(M.d, width, init_scale, rng)
            train_conservative(net, x, y, lr=lr, iters=iters)
            s_hat = net.field(xt) / sigma
        e = normal_tangent_errors(M, s_hat, s_true, xt)
    return {"normal_err": e["normal"], "tangent_err": e["tangent"]}
