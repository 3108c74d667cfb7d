"""Figures of the P1 headline family (from the report's tidy table only)."""

from __future__ import annotations

import numbers

import numpy as np

from ratesim.study.figures import pyplot, savefig


def seed_table(df, keys: tuple[str, ...], metrics) -> list[str]:
    """Markdown rows: one per combination of ``keys``, the seed mean of each metric of
    ``metrics`` ((name, label) pairs) with its coefficient of variation over seeds."""
    stats = df.groupby([*keys, "metric"])["value"].agg(["mean", "std"])
    cv = stats["std"] / stats["mean"]
    rows = [
        "| " + " | ".join(keys) + " | " + " | ".join(lab for _, lab in metrics) + " |",
        "|" + "---|" * (len(keys) + len(metrics)),
    ]
    for group, _ in stats.groupby(level=list(range(len(keys)))):
        cells = [f"{g:g}" if isinstance(g, numbers.Number) else str(g) for g in group]
        for m, _ in metrics:
            key = (*group, m)
            cells.append(f"{stats['mean'].get(key, np.nan):.3g} ({cv.get(key, np.nan):.2f})")
        rows.append("| " + " | ".join(cells) + " |")
    return rows


PILOT_METRICS = (
    ("delta_star_c2", "delta* c=2"),
    ("delta_floor_c2", "floor c=2"),
    ("delta_emp_c2", "training set c=2"),
    ("delta_star_c4", "delta* c=4"),
    ("delta_floor_c4", "floor c=4"),
    ("fid_q99", "99 % dist to M"),
)


def _seeds_and_mean(ax, g, colour, label) -> None:
    """One metric of one method against N on log axes: the seeds as dots, their mean as a line."""
    ax.loglog(g["N"], g["value"], ".", color=colour, alpha=0.4)
    mean = g.groupby("N")["value"].mean()
    ax.loglog(mean.index, mean, "o-", color=colour, label=label)


def pilot_coverage(ctx) -> str:
    """The pilot's coverage scales against N: generated samples of each reading, m fresh draws
    (the floor) and the training set, one panel per (kappa, beta); then the seed means and the
    seed spread (coefficient of variation) of every metric, the numbers the design is sized on."""
    plt = pyplot()
    df = ctx.df.assign(
        N=ctx.df["N"].astype(float),
        kappa=ctx.df["density__kappa"].astype(float),
        beta=ctx.df["manifold__beta"].astype(float),
    )
    panels = sorted(df.groupby(["kappa", "beta"]).groups)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.8), squeeze=False)
    colours = {"A": "tab:red", "B": "tab:blue"}
    for ax, (kappa, beta) in zip(axes[0], panels, strict=True):
        sub = df[(df["kappa"] == kappa) & (df["beta"] == beta)]
        for reading, g in sub[sub["metric"] == "delta_star_c2"].groupby("reading"):
            _seeds_and_mean(ax, g, colours.get(reading, "k"), f"reading {reading}")
        for metric, style, label in (
            ("delta_floor_c2", "k:", "floor (m fresh draws)"),
            ("delta_emp_c2", "k--", "training set"),
        ):
            mean = sub[sub["metric"] == metric].groupby("N")["value"].mean()
            ax.loglog(mean.index, mean, style, label=label)
        ax.set_title(f"kappa = {kappa:g}, beta = {beta:g}: delta*(c = 2)", fontsize=9)
        ax.set_xlabel("N")
        ax.set_ylabel("coverage scale (geodesic radius)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = [
        "### Coverage scale against N (pilot)",
        "",
        "delta*(c = 2) of m generated samples under readings A and B (dots: seeds; line: seed "
        "mean), of m fresh draws from mu_data (its Monte-Carlo floor) and of the N training "
        "points.",
        "",
        f"![coverage against N]({savefig(fig, ctx, 'pilot_coverage.png')})",
        "",
        "### Seed means (coefficient of variation over seeds)",
        "",
    ]
    out += seed_table(df, ("kappa", "beta", "reading", "N"), PILOT_METRICS)
    return "\n".join(out)


SIZING_METRICS = (
    ("log_c_r030", "log c(0.3)"),
    ("log_c_r030_floor", "floor"),
    ("log_c_r010", "log c(0.1)"),
    ("log_c_r010_floor", "floor"),
    ("delta_star", "delta*(2)"),
    ("cover_vs_emp", "delta* / delta_emp"),
    ("memorized_frac", "memorized"),
    ("fid_q99", "99 % dist to M"),
)


def sizing_comparability(ctx) -> str:
    """The second pilot: the log comparability constant at radii 0.3 and 0.1 against N for each
    method, with its floor (m fresh draws), one panel per (radius, beta); then the seed means
    and coefficients of variation of every metric."""
    return _comparability(ctx, "sizing_comparability.png")


def comparability(ctx) -> str:
    """The registered study: the figure and table of :func:`sizing_comparability` (the oracle
    in purple: the sampler's own error)."""
    return _comparability(ctx, "comparability.png")


# what the density-blind (uniform) law of reading A gives, per data law (exact, by quadrature)
DENSITY_BLIND = {
    "von_mises": " The density-blind law of reading A has log 3.4 = 1.22 at small r.",
    "jump": " The density-blind law of reading A has log 2.5 = 0.92 next to the jump.",
    "holder": " The density-blind law of reading A has 0.448 at r = 0.3 and 0.696 at r = 0.1.",
}


def _comparability(ctx, name: str) -> str:
    plt = pyplot()
    df = ctx.df.assign(N=ctx.df["N"].astype(float), beta=ctx.df["manifold__beta"].astype(float))
    density = str(df["density"].iloc[0]) if "density" in df and len(df) else ""
    betas = sorted(df["beta"].unique())
    radii = (("log_c_r030", "r = 0.3"), ("log_c_r010", "r = 0.1"))
    fig, axes = plt.subplots(
        len(radii), len(betas), figsize=(4.6 * len(betas), 3.6 * len(radii)), squeeze=False
    )
    colours = {
        "A": "tab:red",
        "B": "tab:blue",
        "empirical": "tab:grey",
        "smoothed": "tab:green",
        "oracle": "tab:purple",
    }
    for i, (metric, label) in enumerate(radii):
        for j, beta in enumerate(betas):
            ax = axes[i, j]
            sub = df[df["beta"] == beta]
            for method, g in sub[sub["metric"] == metric].groupby("method"):
                colour = colours.get(method, "k")
                _seeds_and_mean(ax, g, colour, method)
                fl = sub[(sub["metric"] == f"{metric}_floor") & (sub["method"] == method)]
                fmean = fl.groupby("N")["value"].mean()
                ax.loglog(fmean.index, fmean, ":", color=colour)
            ax.set_title(f"beta = {beta:g}: log c at {label} (dotted: floors)", fontsize=9)
            ax.set_xlabel("N")
            ax.set_ylabel("max |log nu(B) / mu(B)|")
            ax.legend(fontsize=7)
    fig.tight_layout()
    out = [
        "### Comparability constant against N",
        "",
        "log c(r) = max over centres of |log nu(B(y, r)) / mu(B(y, r))| of the generated law "
        "(dots: seeds; line: seed mean), and of m fresh draws from mu_data (dotted: its "
        "Monte-Carlo floor, with the method's m)." + DENSITY_BLIND.get(density, ""),
        "",
        f"![comparability against N]({savefig(fig, ctx, name)})",
        "",
        "### Seed means (coefficient of variation over seeds)",
        "",
    ]
    out += seed_table(df, ("beta", "method", "N"), SIZING_METRICS)
    return "\n".join(out)
