"""Figures of the p3_trained family (from the report's tidy table only)."""

from __future__ import annotations

import numpy as np

from ratesim.study.figures import pyplot, savefig

CONFIGS = {  # (model, frame, train) -> label, colour
    ("network", "manifold", "same"): ("network", "tab:blue"),
    ("network", "random", "same"): ("random frames", "tab:orange"),
    ("network", "manifold", "uniform"): ("density-blind", "tab:green"),
    ("empirical", "manifold", "same"): ("empirical score", "tab:grey"),
    ("empirical", "manifold", "offset"): ("offset empirical", "tab:red"),
}
TIMES = (  # metric, label, line style
    ("t_normal_s005", "normal part, sigma = 0.05", "o-"),
    ("t_tangent_s005", "tangent part, sigma = 0.05", "s--"),
    ("t_normal_s030", "normal part, sigma = 0.3", "^-"),
    ("t_tangent_s030", "tangent part, sigma = 0.3", "v--"),
)
TABLE = (
    ("t_normal_s005", "t normal 0.05"),
    ("order_s005", "order 0.05"),
    ("normal_final_s005", "normal err 0.05"),
    ("tangent_final_s005", "tangent err 0.05"),
    ("t_tangent_s030", "t tangent 0.3"),
    ("tangent_final_s030", "tangent err 0.3"),
    ("memorized_s001", "memorized 0.01"),
    ("dist_m_s001", "to M 0.01 (spacings)"),
    ("dist_train_s001", "to data 0.01 (spacings)"),
)


def _config(df):
    return list(zip(df["model"], df["frame"], df["train"], strict=True))


def learning_times(ctx) -> str:
    """When each part of the trained network's score is learned, against N, one panel per d:
    the step from which the normal / tangent error stays below half the zero score's, at
    sigma = 0.05 and 0.3 (seed means; the budget drawn: a time at the budget is censored, never
    learned); then the seed means of the claims' metrics for every configuration."""
    plt = pyplot()
    df = ctx.df.assign(N=ctx.df["N"].astype(float), d=ctx.df["d"].astype(int))
    df = df.assign(config=_config(df))
    net = df[df["config"] == ("network", "manifold", "same")]
    ds = sorted(df["d"].unique())
    budget = float(df["steps"].astype(float).max()) if "steps" in df else np.nan
    fig, axes = plt.subplots(1, len(ds), figsize=(4.6 * len(ds), 3.8), squeeze=False)
    for ax, d in zip(axes[0], ds, strict=True):
        sub = net[net["d"] == d]
        for metric, label, style in TIMES:
            mean = sub[sub["metric"] == metric].groupby("N")["value"].mean()
            ax.semilogx(mean.index, mean, style, label=label)
        ax.axhline(budget, color="k", lw=0.8, ls=":")
        Ns = sorted(sub["N"].unique())
        ax.set_xticks(Ns, [f"{n:g}" for n in Ns], minor=False)
        ax.set_xticks([], minor=True)
        ax.set_title(f"d = {d}: training step at which each part is learned", fontsize=9)
        ax.set_xlabel("N")
        ax.set_ylabel("Adam step (dotted: budget, censored)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = [
        "### When the trained network learns each part of the score",
        "",
        "Seed means of the step from which the relative squared error of the normal (projection) "
        "and tangent (density) parts stays at or below 1/2 (the zero score's is 1), at "
        "sigma = 0.05 and 0.3; a time at the budget (dotted) means not learned within it.",
        "",
        f"![learning times]({savefig(fig, ctx, 'learning_times.png')})",
        "",
        "### Seed means per configuration",
        "",
        "| configuration | d | N | " + " | ".join(lab for _, lab in TABLE) + " |",
        "|" + "---|" * (3 + len(TABLE)),
    ]
    means = df.groupby(["config", "d", "N", "metric"])["value"].mean()
    for (config, d, N), _ in df.groupby(["config", "d", "N"]):
        label = CONFIGS.get(config, (str(config), ""))[0]
        vals = [means.get((config, d, N, m), np.nan) for m, _ in TABLE]
        out.append(f"| {label} | {d} | {N:g} | " + " | ".join(f"{v:.3g}" for v in vals) + " |")
    return "\n".join(out)
