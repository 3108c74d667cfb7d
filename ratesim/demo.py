"""A two-minute tour of the geometry core: sample, embed, perturb, project, plot.

Run with ``ratesim demo``. It prints the projection accuracy on a random isometric embedding of
S^2 in R^10 and the empirical law of the angle on the circle, and writes ``demo.png``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .densities import Uniform
from .manifolds import Sphere


def run_demo(out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    M = Sphere(k=2, d=10, seed=0)
    X = M.sample(2000, Uniform(), rng=rng)
    t = rng.uniform(-0.3, 0.3, size=len(X))
    nu = M.normal_basis(M.project(X).u)[:, :, 0]
    proj = M.project(X + t[:, None] * nu)
    err = np.max(np.abs(proj.dist - np.abs(t)))
    print(f"{M!r}: 2000 points on M, pushed off along a normal by |t| <= 0.3")
    print(f"  max | dist(x, M) - |t| |           = {err:.2e}")
    print(f"  max | P_M(x) - x0 |                = {np.max(np.abs(proj.point - X)):.2e}")
    print(f"  volume(S^2) = {M.volume:.6f} (4 pi = {4 * np.pi:.6f}), reach = {M.reach}")

    C = Sphere(k=1, d=2, seed=None)
    theta = C.angle(C.sample_intrinsic(20000, Uniform(), rng=rng))
    hist, edges = np.histogram(theta, bins=36, range=(0, 2 * np.pi), density=True)
    print(
        f"  circle: angle histogram of 20000 uniform samples, max |p_hat - 1/(2 pi)| = "
        f"{np.max(np.abs(hist - 1 / (2 * np.pi))):.3f}"
    )

    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    axes[0].hist(proj.dist - np.abs(t), bins=50)
    axes[0].set(title="projection error on S^2 in R^10", xlabel="dist(x, M) - |t|")
    axes[1].stairs(hist, edges, label="sample")
    axes[1].axhline(1 / (2 * np.pi), color="k", ls="--", label="uniform")
    axes[1].set(title="angle law on the circle", xlabel="angle", ylabel="density")
    axes[1].legend()
    fig.tight_layout()
    path = out / "demo.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}")
    return path
