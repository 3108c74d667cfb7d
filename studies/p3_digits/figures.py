"""Figure of the digits study: the metrics table (mean +- sd over seeds) and a gallery of generated
digits beside their nearest training images. The table is computed from the report context; the
gallery regenerates a few samples deterministically with the family's own code (a few seconds)."""

from __future__ import annotations

import numpy as np

from ratesim.study.figures import pyplot, savefig

from .tasks import (
    ESTIMATORS,
    NOVELTY_ESTIMATORS,
    NOVELTY_METRICS,
    _sample,
    load_digits_array,
    make_digit_score,
    novelty_score,
    split_disjoint,
)

__all__ = ["digits_tables", "gallery", "novelty_gallery"]

METRICS = ("d1_median", "novelty_ratio", "memorized_fraction", "paired_ratio", "flipd_dim")


def digits_tables(ctx) -> str:
    """Mean +- sd over seeds of every metric by estimator, N and sigma_min; and the gallery."""
    df = ctx.df
    lines = [
        "### Memorization and generalization (mean +- sd over seeds)",
        "",
        "| estimator | N | sigma_min | " + " | ".join(METRICS) + " |",
        "|---|---|---|" + "---|" * len(METRICS),
    ]
    for (e, n, s), g in df.groupby(["estimator", "N", "sigma_min"]):
        cells = []
        for m in METRICS:
            v = g[g["metric"] == m]["value"]
            cells.append(f"{v.mean():.3g} +- {v.std():.2g}")
        lines.append(f"| {e} | {n} | {s:g} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "novelty_ratio = median d1 / median nearest-training distance of held-out images; "
        "paired_ratio = mean |Y_A - Y_B| / derangement baseline (two disjoint training sets, same "
        "noise); flipd_dim = FLIPD plateau of the empirical score of A at held-out images "
        "(depends on N only: the same value for both estimators).",
        "",
    ]
    n_max = int(np.max(df["N"].astype(int)))
    lines.append(gallery(ctx, N=n_max, sigma_min=float(df["sigma_min"].min())))
    return "\n".join(lines)


def gallery(
    ctx, N: int = 748, sigma_min: float = 0.01, n_show: int = 8, seed: int = 0, h: float = 0.3
) -> str:
    """Write ``digits_gallery.png``: for each estimator, generated images (model A) above their
    nearest training images; regenerated deterministically from ``seed`` (a few seconds).

    ``ctx`` is the report context (or the report folder). Returns the markdown that embeds the
    file, with the distances shown."""
    from scipy.spatial import cKDTree

    plt = pyplot()
    X = load_digits_array()
    rng = np.random.default_rng(seed)
    ia, _, _ = split_disjoint(X.shape[0], N, rng)
    A = X[ia]
    rows = []
    for name in ESTIMATORS:
        est = make_digit_score(name, h, seed).fit(A)
        Y = _sample(est, n_show, 3.0, sigma_min, 150, seed + 1)
        d, j = cKDTree(A).query(Y)
        rows.append((name, Y, A[j], d))
    fig, axes = plt.subplots(2 * len(rows), n_show, figsize=(1.2 * n_show, 1.4 * 2 * len(rows)))
    for r, (name, Y, NN, d) in enumerate(rows):
        for c in range(n_show):
            for rr, img in ((2 * r, Y[c]), (2 * r + 1, NN[c])):
                ax = axes[rr, c]
                ax.imshow(np.clip(img, 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[2 * r, c].set_title(f"d1={d[c]:.2f}", fontsize=7)
        axes[2 * r, 0].set_ylabel(f"{name}\ngenerated", fontsize=7)
        axes[2 * r + 1, 0].set_ylabel("nearest\ntraining", fontsize=7)
    fig.tight_layout()
    png = savefig(fig, ctx, "digits_gallery.png")
    lines = [
        f"### Generated digits beside their nearest training images (N = {N}, sigma_min = "
        f"{sigma_min:g}, h = {h:g}, seed {seed}, regenerated at report time)",
        "",
        "Row pairs: samples of each estimator (empirical, closed_form, closed_form_antithetic) "
        "above their nearest training images; d1 = distance to the nearest training image "
        "(pixels in [0, 1]; held-out images sit at a median 1.0 - 1.4 from the training set).",
        "",
        f"![digits gallery]({png})",
    ]
    return "\n".join(lines)


def novelty_gallery(ctx, N: int = 150, n_show: int = 8, seed: int = 0, h: float = 0.3) -> str:
    """The seed means of the novelty metrics by estimator and N, and ``novelty_gallery.png``: for
    each estimator of the novelty study, generated images (model A, sigma_min = 1e-3) above their
    nearest training images, and the same after the common shift is removed
    (:func:`ratesim.metrics.remove_common_shift`). Regenerated deterministically from ``seed`` at
    report time (the network is trained once, about 15 s)."""
    from scipy.spatial import cKDTree

    from ratesim.metrics import remove_common_shift

    df = ctx.df
    means = df.groupby(["estimator", "N", "metric"])["value"].mean()
    lines = [
        "### Novelty before and after removing the common shift (seed means)",
        "",
        "| estimator | N | " + " | ".join(NOVELTY_METRICS) + " |",
        "|---|---|" + "---|" * len(NOVELTY_METRICS),
    ]
    for (e, n), _ in df.groupby(["estimator", "N"]):
        vals = " | ".join(f"{means.get((e, n, m), np.nan):.3g}" for m in NOVELTY_METRICS)
        lines.append(f"| {e} | {n} | {vals} |")
    plt = pyplot()
    X = load_digits_array()
    ia, _, _ = split_disjoint(X.shape[0], N, np.random.default_rng(seed))
    A = X[ia]
    tree = cKDTree(A)
    rows = []
    for name in NOVELTY_ESTIMATORS:
        est = novelty_score(name, h, seed, 1e-3).fit(A)
        Y = _sample(est, 64, 3.0, 1e-3, 150, seed + 1)  # the shift is fitted on all 64
        Z, _ = remove_common_shift(Y, A)
        d, j = tree.query(Y[:n_show])
        dz, jz = tree.query(Z[:n_show])
        rows.append((name, Y[:n_show], A[j], d, A[jz], dz))
    fig, axes = plt.subplots(3 * len(rows), n_show, figsize=(1.2 * n_show, 1.3 * 3 * len(rows)))
    for r, (name, Y, NN, d, NZ, dz) in enumerate(rows):
        for c in range(n_show):
            for k, img in enumerate((Y[c], NN[c], NZ[c])):
                ax = axes[3 * r + k, c]
                ax.imshow(np.clip(img, 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[3 * r, c].set_title(f"d1={d[c]:.2f}", fontsize=6)
            axes[3 * r + 2, c].set_title(f"after shift {dz[c]:.2f}", fontsize=6)
        axes[3 * r, 0].set_ylabel(f"{name}\ngenerated", fontsize=6)
        axes[3 * r + 1, 0].set_ylabel("nearest\ntraining", fontsize=6)
        axes[3 * r + 2, 0].set_ylabel("nearest after\nthe shift", fontsize=6)
    fig.tight_layout()
    png = savefig(fig, ctx, "novelty_gallery.png")
    lines += [
        "",
        f"### Generated digits and their nearest training images (N = {N}, seed {seed}, "
        "regenerated at report time)",
        "",
        "Per estimator: samples of model A; their nearest training images (d1, pixels in [0, 1]; "
        "held-out digits sit at about 1.0-1.4); the nearest training images of the samples with "
        "their common shift removed (distance after the shift). A shifted copy has a small "
        "distance after the shift and a larger d1.",
        "",
        f"![novelty gallery]({png})",
    ]
    return "\n".join(lines)
