"""Figures of the collapse family: each takes the report context (:mod:`ratesim.study.figures`),
writes its files into the report folder and returns a markdown section. Computed from the tidy
table only.
"""

from __future__ import annotations

import numpy as np

from ratesim.study.figures import pyplot, savefig

__all__ = ["oracle_figure", "learned_figure", "intrinsic_figure"]


def oracle_figure(ctx) -> str:
    """Normalized oracle errors (metric / sigma^2: flat if O(sigma^2)) and the rank table."""
    plt = pyplot()
    df = ctx.df.assign(sigma=ctx.df["sigma"].astype(float))
    metrics = ("denoise_sup", "tan_dev", "normal_max")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharex=True)
    for ax, m in zip(axes, metrics, strict=True):
        sub = df[df["metric"] == m]
        for (man, k, d), g in sub.groupby(["manifold", "k", "d"]):
            mean = g.groupby("sigma")["value"].mean()
            s = mean.index.to_numpy(dtype=float)
            ax.plot(s, mean.to_numpy() / s**2, "o-", ms=3, label=f"{man} k={k} d={d}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sigma")
        ax.set_title(f"{m} / sigma^2")
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    png = savefig(fig, ctx, "oracle_over_sigma2.png")
    smin = float(df["sigma"].min())
    lines = [
        "### Oracle: errors / sigma^2 at the smallest sigma, and the rank of grad D",
        "",
        "rank = mean number of eigenvalues of grad D_sigma = Cov(x0 | x) / sigma^2 above 1/2 at "
        "points of M (k exactly: the denoiser collapses onto the k-dimensional tangent space).",
        "",
        "| manifold | k | d | denoise_sup/s^2 | tan_dev/s^2 | normal_max/s^2 | rank (all sigma) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (man, k, d), g in df.groupby(["manifold", "k", "d"]):
        at = g[np.isclose(g["sigma"], smin)]
        vals = [at[at["metric"] == m]["value"].mean() / smin**2 for m in metrics]
        r = g[g["metric"] == "rank_half"]["value"]
        lines.append(
            f"| {man} | {k} | {d} | "
            + " | ".join(f"{v:.3f}" for v in vals)
            + f" | {r.min():g} - {r.max():g} |"
        )
    lines += [
        "",
        f"(sigma = {smin:g}.) Flat curves: the error is C sigma^2 with a sigma-free constant; the "
        "normal eigenvalues are (curvature)^2 sigma^2 / 2 (1/2 for unit circles) and exactly 0 in "
        "the d - native flat directions.",
        "",
        f"![oracle errors / sigma^2]({png})",
    ]
    return "\n".join(lines)


def learned_figure(ctx) -> str:
    """Collapse level against N (with the sample spacing) and the rank of learned denoisers at
    the smallest sigma for every estimator."""
    plt = pyplot()
    df = ctx.df
    lines = ["### Collapse level of the empirical denoiser against N", ""]
    emp = df[df["estimator"] == "empirical"]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    tab = [
        "| manifold | k | d | N | collapse_sigma | spacing | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for (man, k, d), g in emp.groupby(["manifold", "k", "d"]):
        cs = g[g["metric"] == "collapse_sigma"].groupby("N")["value"].mean()
        sp = g[g["metric"] == "spacing"].groupby("N")["value"].mean()
        (line,) = ax.loglog(cs.index, cs.to_numpy(), "o-", ms=3, label=f"{man} k={k} d={d}")
        ax.loglog(sp.index, sp.to_numpy(), ":", color=line.get_color())
        for n in (cs.index.min(), cs.index.max()):
            tab.append(
                f"| {man} | {k} | {d} | {n} | {cs[n]:.3g} | {sp[n]:.3g} | {cs[n] / sp[n]:.2f} |"
            )
    ax.set_xlabel("N")
    ax.set_ylabel("collapse sigma (solid), NN spacing (dotted)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    png = savefig(fig, ctx, "collapse_sigma.png")
    lines += tab + ["", f"![collapse sigma]({png})", ""]
    lines += [
        "### Rank of grad D_sigma at the smallest sigma, by estimator (mean over seeds)",
        "",
        "0: collapse onto training points; k: onto M; d: no collapse (identity). Bandwidth h as in "
        "the grid.",
        "",
    ]
    small = df[df["metric"] == "rank_small"]
    piv = small.groupby(["manifold", "k", "d", "estimator", "N"])["value"].mean().unstack("N")
    cols = list(piv.columns)
    lines.append("| manifold | k | d | estimator | " + " | ".join(f"N={c}" for c in cols) + " |")
    lines.append("|---|---|---|---|" + "---|" * len(cols))
    for idx, row in piv.iterrows():
        vals = " | ".join("" if np.isnan(v) else f"{v:.2f}" for v in row.to_numpy())
        lines.append("| " + " | ".join(map(str, idx)) + f" | {vals} |")
    return "\n".join(lines)


def intrinsic_figure(ctx) -> str:
    """FLIPD plateau onset against N and the dimension estimates (FLIPD plateau, normal-space
    SVD, and scikit-dimension's TwoNN / MLE when present) per manifold and N."""
    plt = pyplot()
    df = ctx.df
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for (man, k, d), g in df[df["metric"] == "flipd_onset"].groupby(["manifold", "k", "d"]):
        m = g.groupby("N")["value"].mean()
        ax.loglog(m.index, m.to_numpy(), "o-", ms=3, label=f"{man} k={k} d={d}")
    ax.set_xlabel("N")
    ax.set_ylabel("FLIPD plateau onset sigma")
    ax.legend(fontsize=7)
    fig.tight_layout()
    png = savefig(fig, ctx, "flipd_onset.png")
    est = [
        m for m in ("flipd_dim", "svd_dim", "skdim_twonn", "skdim_mle") if m in set(df["metric"])
    ]
    lines = [
        "### Dimension estimates (mean +- sd over seeds)",
        "",
        "| manifold | k | d | N | " + " | ".join(est) + " |",
        "|---|---|---|---|" + "---|" * len(est),
    ]
    for (man, k, d, n), g in df.groupby(["manifold", "k", "d", "N"]):
        cells = []
        for m in est:
            v = g[g["metric"] == m]["value"]
            cells.append(f"{v.mean():.2f} +- {v.std():.2f}" if len(v) else "")
        lines.append(f"| {man} | {k} | {d} | {n} | " + " | ".join(cells) + " |")
    lines += ["", f"![FLIPD onset]({png})"]
    return "\n".join(lines)
