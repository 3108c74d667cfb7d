"""A small neural network trained by denoising score matching (JAX and optax)."""

from __future__ import annotations

import functools
import math

import numpy as np

from .._config import JAX_CACHE
from .._validation import RNGLike, as_generator, check_int, check_positive
from ._base import ScoreEstimator


@functools.cache
def _jax():
    """Import JAX once, with the persistent compilation cache of ``ratesim._config.JAX_CACHE``
    (unless switched off, or JAX's own cache directory is set)."""
    import jax

    if JAX_CACHE != "0" and not jax.config.jax_compilation_cache_dir:
        jax.config.update("jax_compilation_cache_dir", JAX_CACHE)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.05)
    return jax


def _init_params(key, sizes):
    """He-style normal weights, zero biases: a list of (W (a, b), b (b,)) per layer."""
    import jax

    params = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (a, b)) * math.sqrt(1.0 / a), np.zeros(b)))
    return params


def _forward(params, x, log_sigma, sigma_data=None):
    """The output sigma s(x, sigma), shape (m, d), of the MLP F (SiLU hidden layers).

    sigma_data None: F(x, log sigma) itself. Otherwise the preconditioning of Karras et al.
    (2022, EDM; D = c_skip x + c_out F(c_in x)) in the score's form,
    -sigma x / (sigma^2 + sigma_data^2) + c_out / sigma F(c_in x, log sigma) with c_in =
    1 / sqrt(sigma^2 + sigma_data^2) and c_out = sigma sigma_data c_in: the first term is the
    exact score of N(0, sigma_data^2 I) smoothed at sigma, F learns the rest. ``sigma_data``
    is None or :func:`_data_scale` (an argument, not a constant, so that one compilation serves
    every data set).
    """
    import jax
    import jax.numpy as jnp

    if sigma_data is None:
        h = jnp.concatenate([x, log_sigma[:, None]], axis=1)
    else:
        sigma = jnp.exp(log_sigma)[:, None]
        c_in = jax.lax.rsqrt(sigma**2 + sigma_data[1])
        h = jnp.concatenate([x * c_in, log_sigma[:, None]], axis=1)
    for W, b in params[:-1]:
        h = jax.nn.silu(h @ W + b)
    W, b = params[-1]
    out = h @ W + b
    if sigma_data is None:
        return out
    return -sigma * x * c_in**2 + sigma_data[0] * c_in * out


def _data_scale(sigma_data: float | None):
    """None, or the float32 pair (sigma_data, sigma_data^2) (the square taken in float64)."""
    if sigma_data is None:
        return None
    return np.array([sigma_data, sigma_data**2], dtype=np.float32)


def _dsm_loss(params, x0, key, log_lo, log_hi, sigma_data):
    """sigma-weighted denoising score matching, E ||sigma s(x0 + sigma z, sigma) + z||^2, with
    log sigma uniform on [log_lo, log_hi] and s = output / sigma (Vincent 2011; Song & Ermon 2019,
    lambda(sigma) = sigma^2)."""
    import jax
    import jax.numpy as jnp

    k1, k2 = jax.random.split(key)
    log_sigma = jax.random.uniform(k1, (x0.shape[0],), minval=log_lo, maxval=log_hi)
    z = jax.random.normal(k2, x0.shape)
    x = x0 + jnp.exp(log_sigma)[:, None] * z
    return jnp.mean(jnp.sum((_forward(params, x, log_sigma, sigma_data) + z) ** 2, axis=1))


_PAD_ROWS = 4096


def _padded(X: np.ndarray) -> np.ndarray:
    """X (N, d) with zero rows appended up to max(4096, the next power of two >= N) rows.

    The training step draws minibatch indices below N only (the same indices as for X itself),
    so the padding changes no number; it lets every training set of up to 4096 points reuse one
    compiled step per dimension (a compilation costs about 1.5 s, the 200 steps of a quick
    study's network about 0.3 s)."""
    rows = max(_PAD_ROWS, 1 << (X.shape[0] - 1).bit_length())
    return np.concatenate([X, np.zeros((rows - X.shape[0], X.shape[1]), X.dtype)])


@functools.lru_cache(maxsize=32)
def _trainer(batch: int, lr: float, log_lo: float, log_hi: float, steps: int):
    """``(init, train)``: ``init(params)`` is Adam's initial state, and ``train(params, state,
    data, n, key, scale) -> (params, state, losses (steps,))`` runs ``steps`` Adam steps on the
    DSM loss over the first ``n`` rows of ``data`` (``scale``: :func:`_data_scale`) in one
    compiled ``lax.scan``. It compiles once per hyper-parameters and shape of ``data``, which
    :func:`_padded` rounds up, so training sets of different sizes share a compilation; minibatch
    indices and noise come from one key per step, split from ``key``."""
    import jax
    import optax

    opt = optax.adam(lr)

    def one(carry, key):
        params, state, data, n, scale = carry
        k_idx, k_loss = jax.random.split(key)
        idx = jax.random.randint(k_idx, (batch,), 0, n)
        loss, grads = jax.value_and_grad(_dsm_loss)(
            params, data[idx], k_loss, log_lo, log_hi, scale
        )
        updates, state = opt.update(grads, state, params)
        return (optax.apply_updates(params, updates), state, data, n, scale), loss

    @jax.jit
    def train(params, state, data, n, key, scale):
        keys = jax.random.split(key, steps)
        carry = (params, state, data, n, scale)
        (params, state, *_), losses = jax.lax.scan(one, carry, keys)
        return params, state, losses

    return opt.init, train


class DSMNetworkScore(ScoreEstimator):
    """A multilayer perceptron s_theta(x, sigma) trained by denoising score matching.

    The network maps [x, log sigma] through ``depth`` hidden SiLU layers of ``width`` units to
    R^d; the score is its output divided by sigma (so the network predicts minus the noise, -z,
    which keeps its output O(1) at every noise level). Training minimizes the sigma^2-weighted
    DSM loss E ||sigma s_theta(x_0 + sigma z, sigma) + z||^2 (Vincent 2011) over minibatches of
    the training set, noise levels log-uniform on [``sigma_min``, ``sigma_max``], with Adam
    (optax).
    The loss has the exact score as minimizer and a floor of E ||z + sigma grad log p_sigma||^2;
    with N training points the minimizer over all functions is the empirical score (which
    memorizes): a small network trained for a few thousand steps lies between the two (the
    collapse-and-refine picture of docs/science.md, P3).

    Computation in float32 (JAX's default on CPU); scores are returned as float64. Same ``rng``,
    same hyper-parameters, same data: the same parameters and loss curve.

    Parameters
    ----------
    width, depth : int >= 1
        Hidden units per layer, hidden layers.
    steps : int >= 0
        Adam steps (0: the untrained network, a control).
    batch : int >= 1
        Minibatch size (training points drawn with replacement, one noise draw each).
    lr : float > 0
        Adam's learning rate.
    sigma_min, sigma_max : float > 0
        The training range of noise levels (sigma_min < sigma_max).
    sigma_data : float > 0 or None
        The data's standard deviation per coordinate. When given, the network is preconditioned
        as in Karras et al. (2022, EDM): it sees x / sqrt(sigma^2 + sigma_data^2) and learns the
        correction to the score of N(0, sigma_data^2 I) (see ``_forward``), so that its inputs
        and outputs stay O(1) at every noise level and its hidden width need not carry the
        identity of R^d. None: the plain MLP on [x, log sigma].
    warm_start : bool
        When fitted already, ``fit`` continues the training (weights, Adam's state and the random
        stream) for ``steps`` more steps instead of starting afresh, so that a training run can
        be measured at checkpoints: ``steps`` steps at a time, one compiled loop reused (the same
        seed and the same chunks give the same trajectory).
    rng : numpy Generator, SeedSequence or int seed
        Seeds the initialization, the minibatches and the noise (required).

    Attributes
    ----------
    params_ : list of (W, b) NumPy arrays
        The trained weights.
    loss_curve_ : (total steps,) array
        The minibatch loss at every step (of every ``fit`` since the last fresh start).
    n_steps_ : int
        Adam steps taken since the last fresh start.
    X_ : (N, d) array
        Training set; ``n_samples_``, ``n_features_in_``.
    """

    def __init__(
        self,
        width: int = 64,
        depth: int = 2,
        steps: int = 2000,
        batch: int = 256,
        lr: float = 1e-3,
        sigma_min: float = 0.01,
        sigma_max: float = 1.0,
        sigma_data: float | None = None,
        warm_start: bool = False,
        *,
        rng: RNGLike,
    ):
        self.width = width
        self.depth = depth
        self.steps = steps
        self.batch = batch
        self.lr = lr
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max
        self.sigma_data = sigma_data
        self.warm_start = warm_start
        self.rng = rng

    def fit(self, X) -> DSMNetworkScore:
        """Train the network on X by denoising score matching.

        Parameters
        ----------
        X : (N, d) array
            Training set.

        Returns
        -------
        DSMNetworkScore
            self, fitted.
        """
        try:
            import jax.numpy as jnp
            import optax  # noqa: F401  (checked here, used by _trainer)

            jax = _jax()
        except ImportError as e:
            raise ImportError(
                "DSMNetworkScore trains with JAX and optax: pip install 'ratesim[train]'"
            ) from e

        width = check_int(self.width, "width", low=1)
        depth = check_int(self.depth, "depth", low=1)
        steps = check_int(self.steps, "steps", low=0)
        batch = check_int(self.batch, "batch", low=1)
        lr = check_positive(self.lr, "lr")
        lo = check_positive(self.sigma_min, "sigma_min")
        hi = check_positive(self.sigma_max, "sigma_max")
        if not lo < hi:
            raise ValueError(f"sigma_min must be < sigma_max (got {lo!r} and {hi!r})")
        sd = None if self.sigma_data is None else check_positive(self.sigma_data, "sigma_data")
        if not isinstance(self.warm_start, bool):
            raise ValueError(f"warm_start must be True or False (got {self.warm_start!r})")
        init, train = _trainer(batch, lr, math.log(lo), math.log(hi), steps)
        resume = self.warm_start and hasattr(self, "params_")
        if resume:
            d_in = self.params_[0][0].shape[0] - 1
            X = np.asarray(X, dtype=np.float64)
            if X.ndim != 2 or X.shape[1] != d_in:
                raise ValueError(
                    f"X must have shape (N, {d_in}) to continue the training (warm_start=True; "
                    f"got {X.shape})"
                )
            X = self._fit_points(X)
            params, state, key = self.params_, self._opt_state, self._key
            done, curve = self.n_steps_, self.loss_curve_
        else:
            gen = as_generator(self.rng)
            X = self._fit_points(X)
            d = X.shape[1]
            key = jax.random.PRNGKey(int(gen.integers(2**31)))
            key, sub = jax.random.split(key)
            params = _init_params(sub, [d + 1] + [width] * depth + [d])
            state, done, curve = init(params), 0, np.zeros(0)
        key, sub = jax.random.split(key)
        data = jnp.asarray(_padded(X), dtype=jnp.float32)
        n = jnp.int32(X.shape[0])
        params, state, losses = train(params, state, data, n, sub, _data_scale(sd))
        losses = np.asarray(losses, dtype=np.float64)
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(
                f"DSM training diverged (non-finite loss first at step "
                f"{done + int(np.argmin(np.isfinite(losses)))}): lower lr (got {lr!r})"
            )
        self.params_ = [(np.asarray(W), np.asarray(b)) for W, b in params]
        self.loss_curve_ = np.concatenate([curve, losses])
        self.n_steps_ = done + steps
        self._opt_state, self._key = state, key
        self._apply = jax.jit(_forward)
        return self

    def _score(self, x: np.ndarray, sigma: float) -> np.ndarray:
        import jax.numpy as jnp

        if not hasattr(self, "_apply"):  # unpickled: rebuild the compiled forward pass
            self._apply = _jax().jit(_forward)
        log_sigma = jnp.full((x.shape[0],), math.log(sigma), dtype=jnp.float32)
        scale = _data_scale(None if self.sigma_data is None else float(self.sigma_data))
        out = self._apply(self.params_, jnp.asarray(x, dtype=jnp.float32), log_sigma, scale)
        return np.asarray(out, dtype=np.float64) / sigma

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_apply", None)  # a compiled function: rebuilt on first use
        return state
