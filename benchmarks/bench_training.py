"""Training a score network by denoising score matching: ratesim (JAX + optax) against NumPy.

Run with ``ratesim bench training [--quick] [--repeat R]`` (or directly with python). For each
(width, batch) the same multilayer perceptron (inputs [x, log sigma], two hidden SiLU layers,
output in R^3; data on the unit circle in R^3) takes Adam steps on the sigma^2-weighted DSM loss:

(a) ``ratesim.scores.DSMNetworkScore.fit`` (JAX, compiled step, float32), timed without its
    one-off compilation (a warm-up fit of the same shapes first);
(b) the same step written by hand in NumPy (float32, forward pass, back-propagation and Adam),
    the baseline a researcher would otherwise write (as the earlier learning-dynamics study did).

Both do the same arithmetic per step (the NumPy gradient equals JAX's:
tests/test_bench_training.py).
Printed: steps per second of each and their ratio, medians over ``--repeat`` interleaved rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np


def _silu(a):
    s = 1.0 / (1.0 + np.exp(-a))
    return a * s, s * (1.0 + a * (1.0 - s))  # value, derivative


def numpy_loss_and_grads(params, x0, log_sigma, z):
    """The DSM loss mean ||net([x0 + sigma z, log sigma]) + z||^2 and its gradient, by hand."""
    sigma = np.exp(log_sigma)[:, None]
    h = np.concatenate([x0 + sigma * z, log_sigma[:, None]], axis=1)
    acts, derivs = [h], []
    for W, b in params[:-1]:
        v, dv = _silu(acts[-1] @ W + b)
        acts.append(v)
        derivs.append(dv)
    W, b = params[-1]
    r = acts[-1] @ W + b + z
    loss = float(np.mean(np.sum(r * r, axis=1)))
    g = 2.0 * r / r.shape[0]
    grads = [None] * len(params)
    grads[-1] = (acts[-1].T @ g, g.sum(axis=0))
    g = g @ W.T
    for i in range(len(params) - 2, -1, -1):
        g = g * derivs[i]
        grads[i] = (acts[i].T @ g, g.sum(axis=0))
        g = g @ params[i][0].T
    return loss, grads


def numpy_train(params, data, steps, batch, lr, log_lo, log_hi, rng):
    """Adam (beta1 0.9, beta2 0.999, eps 1e-8, as optax's default) on the DSM loss, in NumPy."""
    m = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    v = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    d = data.shape[1]
    for t in range(1, steps + 1):
        idx = rng.integers(0, data.shape[0], batch)
        log_sigma = rng.uniform(log_lo, log_hi, batch).astype(np.float32)
        z = rng.standard_normal((batch, d)).astype(np.float32)
        _, grads = numpy_loss_and_grads(params, data[idx], log_sigma, z)
        c1, c2 = 1 - 0.9**t, 1 - 0.999**t
        for i, (gW, gb) in enumerate(grads):
            new = []
            for j, (p, g) in enumerate(((params[i][0], gW), (params[i][1], gb))):
                m[i][j][...] = 0.9 * m[i][j] + 0.1 * g
                v[i][j][...] = 0.999 * v[i][j] + 0.001 * g * g
                new.append(p - lr * (m[i][j] / c1) / (np.sqrt(v[i][j] / c2) + 1e-8))
            params[i] = tuple(new)
    return params


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps, one configuration")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    args = ap.parse_args(argv)
    from ratesim.scores import DSMNetworkScore

    rng = np.random.default_rng(0)
    th = rng.uniform(0, 2 * np.pi, 4096)
    X = np.c_[np.cos(th), np.sin(th), np.zeros_like(th)]
    configs = [(64, 256)] if args.quick else [(64, 256), (128, 512), (256, 1024)]
    steps = 200 if args.quick else 1000
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, numpy {np.__version__}"
    )
    print("| width | batch | steps | ratesim (JAX) steps/s | NumPy steps/s | ratio |")
    print("|---|---|---|---|---|---|")
    for width, batch in configs:
        kw = dict(width=width, depth=2, batch=batch, lr=1e-3, sigma_min=0.01, sigma_max=1.0)
        DSMNetworkScore(steps=steps, rng=1, **kw).fit(X)  # compile these shapes once
        times = {"jax": [], "numpy": []}
        for _ in range(args.repeat):
            t = time.perf_counter()
            est = DSMNetworkScore(steps=steps, rng=1, **kw).fit(X)
            times["jax"].append(time.perf_counter() - t)
            params = [(W.astype(np.float32), b.astype(np.float32)) for W, b in est.params_]
            t = time.perf_counter()
            numpy_train(params, X.astype(np.float32), steps, batch, 1e-3, np.log(0.01), 0.0,
                        np.random.default_rng(2))  # fmt: skip
            times["numpy"].append(time.perf_counter() - t)
        tj, tn = statistics.median(times["jax"]), statistics.median(times["numpy"])
        print(f"| {width} | {batch} | {steps} | {steps / tj:.0f} | {steps / tn:.0f} | "
              f"{tn / tj:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
