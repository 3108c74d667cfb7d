"""Figures of ``p2_expansion``: the check values at the reference point and the normalized
remainders (from the report's tidy table only)."""

from __future__ import annotations

import numpy as np

from ratesim.study.figures import md_table, pyplot, savefig

# |remainder| of log p_sigma at the point of angle 0.7 on the unit circle in R^2, von Mises(4, pi)
# (the check values of docs/science.md, P2 Thm 3.1)
CHECK = {0.1: 5.09e-2, 0.03: 4.49e-3, 0.01: 4.98e-4, 0.003: 4.48e-5}


def check_values(ctx) -> str:
    """The check values (circle, d = 2) beside the measured remainder_ref, and the normalized
    remainders remainder_sup / sigma^2 (flat if the remainder is O(sigma^2))."""
    plt = pyplot()
    df = ctx.df
    df = df.assign(sigma=df["sigma"].astype(float), k=df["k"].astype(int), d=df["d"].astype(int))
    lines = [
        "### Check values (docs/science.md): circle in R^2, von Mises kappa = 4, angle 0.7",
        "",
    ]
    ref = df[(df["metric"] == "remainder_ref") & (df["manifold"] == "circle") & (df["d"] == 2)]
    rows = []
    for s, want in CHECK.items():
        got = ref[np.isclose(ref["sigma"], s)]["value"]
        if len(got):
            g = float(got.mean())
            rows.append((f"{s:g}", f"{want:.3g}", f"{g:.3g}", f"{g / want:.3f}"))
    lines.append(md_table(rows, ("sigma", "check value", "measured", "ratio")))
    lines += ["", "### remainder_sup / sigma^2 and score_rem_sup / sigma^2 (seed means)", ""]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for ax, metric in zip(axes, ("remainder_sup", "score_rem_sup"), strict=True):
        sub = df[df["metric"] == metric]
        for (m, k, d), g in sub.groupby(["manifold", "k", "d"]):
            mean = g.groupby("sigma")["value"].mean()
            s = mean.index.to_numpy(dtype=float)
            ax.plot(s, mean.to_numpy() / s**2, "o-", label=f"{m} k={k} d={d}")
        ax.set_xscale("log")
        ax.set_xlabel("sigma")
        ax.set_title(f"{metric} / sigma^2")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    name = savefig(fig, ctx, "remainder_over_sigma2.png")
    smin = float(df["sigma"].min())
    rows = []
    for (m, k, d), g in df[np.isclose(df["sigma"], smin)].groupby(["manifold", "k", "d"]):
        r = g[g["metric"] == "remainder_sup"]["value"].mean() / smin**2
        q = g[g["metric"] == "score_rem_sup"]["value"].mean() / smin**2
        rows.append((m, k, d, f"{smin:g}", f"{r:.3f}", f"{q:.3f}"))
    lines.append(md_table(rows, ("manifold", "k", "d", "sigma", "rem/s^2", "score rem/s^2")))
    lines += ["", f"![remainder / sigma^2]({name})", ""]
    lines += [
        "Flat curves: the remainder is C(x) sigma^2 with a sigma-free constant, as Thm 3.1 states "
        "for C^2 densities."
    ]
    return "\n".join(lines)
