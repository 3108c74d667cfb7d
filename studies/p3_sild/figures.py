"""Figure of the SiLD study: w1 against N per pipeline and ambient dimension, and the N-slopes of
the claims with the SiLD slope differences to d = 3. Computed from the report context only (the
slopes are the claims' own fits)."""

from __future__ import annotations

import numpy as np

from ratesim.study.figures import pyplot, savefig

__all__ = ["slopes_across_d"]

PIPELINES = ("sild", "ambient", "empirical")


def slopes_across_d(ctx) -> str:
    """w1 against N for the three pipelines (one colour per d) and the N-slopes with CIs per
    (pipeline, d) (the fits of the claims "<pipeline> w1 vs N"), with the slope differences to
    d = 3 (normal CI from the two fits' standard errors)."""
    plt = pyplot()
    df = ctx.df[ctx.df["metric"] == "w1"].assign(d=lambda t: t["d"].astype(int))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), sharey=False)
    rows = ["| pipeline | d | slope | 95% CI | diff to d=3 (95% CI) |", "|---|---|---|---|---|"]
    for ax, pipe in zip(axes, PIPELINES, strict=True):
        sub = df[df["pipeline"] == pipe]
        for d, g in sub.groupby("d"):
            m = g.groupby("N")["value"].mean()
            ax.plot(m.index, m.to_numpy(), "o-", label=f"d={d}")
        fits = sorted(
            (int(r.group["d"]), r.fit)
            for r in ctx.results_for(label=f"{pipe} w1 vs N")
            if r.fit is not None
        )
        ref = None
        for d, fit in fits:
            diff = ""
            if ref is None:
                ref = fit
            else:
                se = float(np.hypot(fit.stderr, ref.stderr))
                dv = fit.slope - ref.slope
                diff = f"{dv:+.3f} [{dv - 1.96 * se:+.3f}, {dv + 1.96 * se:+.3f}]"
            rows.append(
                f"| {pipe} | {d} | {fit.slope:+.3f} | [{fit.ci[0]:+.3f}, {fit.ci[1]:+.3f}] | "
                f"{diff} |"
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("N")
        ax.set_ylabel("w1 (seed means)")
        ax.set_title(pipe)
        ax.legend(fontsize=8)
    fig.tight_layout()
    png = savefig(fig, ctx, "w1_by_pipeline.png")
    return "\n".join(
        [
            "### N-slopes of w1 per pipeline and d",
            "",
            *rows,
            "",
            f"![w1 by pipeline]({png})",
            "",
            "SiLD and the empirical baseline: the same curve for every d (slope differences to "
            "d = 3 with CIs around 0). Ambient smoothed-score diffusion: its level grows like "
            "sqrt(d) and its slope flattens like -1/(d+4).",
        ]
    )


def learned_chart(ctx) -> str:
    """SiLD with a learned chart: w1 against N per d for SiLD and the ambient network (with the
    KDE control's and the data's w1 in the table), w1 against d per N, and how close stage 1's
    denoised points are to M compared with the data (dist_stage1 / dist_data)."""
    return _sild_against_ambient(
        ctx,
        sild="w1_sild",
        ambient="w1_ambient",
        floor="w1_fresh",
        floor_label="ambient law's sampling floor (w1_fresh)",
        ylabel="w1",
        png_name="learned_chart.png",
        claims=(("sild w1 vs N", "sild"), ("ambient w1 vs N", "ambient")),
        table=(
            "w1_sild",
            "w1_ambient",
            "w1_kde",
            "w1_empirical",
            "w1_fresh",
            "dist_data",
            "dist_stage1",
        ),  # fmt: skip
    )


def surface_chart(ctx) -> str:
    """SiLD on a surface: the error total = sqrt(energy distance) + distance to M against N per d
    for SiLD and the ambient network, against d per N, and stage 1's denoised distance to M
    against the data's."""
    return _sild_against_ambient(
        ctx,
        sild="total_sild",
        ambient="total_ambient",
        floor="e_floor",
        floor_label="quadrature floor of e (e_floor)",
        ylabel="total = e + dist",
        png_name="surface_chart.png",
        claims=(("sild total vs N", "sild"), ("ambient total vs N", "ambient")),
        table=(
            "total_sild",
            "e_sild",
            "dist_sild",
            "total_ambient",
            "dist_ambient",
            "dist_kde",
            "dist_data",
            "dist_stage1",
        ),  # fmt: skip
    )


def _sild_against_ambient(
    ctx, *, sild, ambient, floor, floor_label, ylabel, png_name, claims, table
) -> str:
    plt = pyplot()
    df = ctx.df
    if df.empty or "d" not in df.columns:
        return "No results."
    mean = df.assign(d=df["d"].astype(int)).groupby(["metric", "d", "N"])["value"].mean()
    ds = sorted(mean.index.get_level_values("d").unique())
    colours = dict(zip(ds, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(14, 4.2))
    for d in ds:
        for metric, style in ((sild, "o-"), (ambient, "s--")):
            m = mean[metric, d]
            ax0.plot(m.index, m.to_numpy(), style, color=colours[d], ms=4,
                     label=f"{metric.split('_')[1]}, d={d}")  # fmt: skip
        ratio = mean["dist_stage1", d] / mean["dist_data", d]
        ax2.plot(ratio.index, ratio.to_numpy(), "o-", color=colours[d], label=f"d={d}")
    f = mean[floor].groupby("N").mean()
    ax0.plot(f.index, f.to_numpy(), "k:", label=floor_label)
    for N in sorted(mean.index.get_level_values("N").unique()):
        m = mean[sild].xs(N, level="N")
        ax1.plot(m.index, m.to_numpy(), "o-", label=f"N={N}")
    for ax, x in ((ax0, "N"), (ax1, "d"), (ax2, "N")):
        ax.set_xscale("log")
        ax.set_xlabel(x)
    ax0.set_yscale("log")
    ax1.set_yscale("log")
    ax0.set_ylabel(f"{ylabel} (seed means)")
    ax0.set_title("SiLD (solid) and the ambient network (dashed)")
    ax1.set_ylabel(f"SiLD {ylabel} (seed means)")
    ax1.set_title("SiLD against the ambient dimension")
    ax2.axhline(1.0, color="grey", lw=0.8)
    ax2.set_ylabel("dist(D(X), M) / dist(X, M)")
    ax2.set_title("stage 1: denoised data against data")
    for ax in (ax0, ax1, ax2):
        ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    png = savefig(fig, ctx, png_name)
    rows = ["| law | d | N-slope | 95% CI | diff to d=3 (95% CI) |", "|---|---|---|---|---|"]
    for label, law in claims:
        fits = sorted(
            (int(r.group["d"]), r.fit) for r in ctx.results_for(label=label) if r.fit is not None
        )
        ref = None
        for d, fit in fits:
            diff = ""
            if ref is None:
                ref = fit
            else:
                se = float(np.hypot(fit.stderr, ref.stderr))
                dv = fit.slope - ref.slope
                diff = f"{dv:+.3f} [{dv - 1.96 * se:+.3f}, {dv + 1.96 * se:+.3f}]"
            rows.append(
                f"| {law} | {d} | {fit.slope:+.3f} | [{fit.ci[0]:+.3f}, {fit.ci[1]:+.3f}] | "
                f"{diff} |"
            )
    nmax = int(mean.index.get_level_values("N").max())
    levels = [
        "| d | " + " | ".join((*table, "steps_selected")) + " |",
        "|---" * (len(table) + 2) + "|",
    ]
    for d in ds:
        vals = [mean[m, d, nmax] for m in table]
        levels.append(
            f"| {d} | " + " | ".join(f"{v:.4g}" for v in vals)
            + f" | {mean['steps_selected', d, nmax]:.0f} |"
        )  # fmt: skip
    return "\n".join(
        [
            "### SiLD with a learned chart against the ambient network",
            "",
            f"![learned chart]({png})",
            "",
            f"Left: {ylabel} against N per d, SiLD (solid) and the ambient network (dashed), with "
            f"the {floor_label.split(' (')[0]}. Middle: SiLD's {ylabel} against d at each N (flat "
            "when the ambient dimension does not matter). Right: the mean distance to M of stage "
            "1's denoised points over that of the noisy data (below 1: stage 1 moves the data "
            "towards M).",
            "",
            "N-slopes (the claims' fits) and their differences to d = 3 (normal CI from the two "
            "fits' standard errors):",
            "",
            *rows,
            "",
            f"Seed means at N = {nmax} (steps_selected: the network's Adam steps chosen by the "
            "held-out loss):",
            "",
            *levels,
        ]
    )
