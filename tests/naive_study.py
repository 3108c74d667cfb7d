"""Naive twins of the study engine's closed forms: dense midpoint grids, obviously right.

The exact functions of ratesim.study.tasks are checked against these (a midpoint rule on a grid of
m points integrates the piecewise-linear |F_N(x) - x| with error <= N / m^2 per kink, so rtol 1e-6
at m = 2e6).
"""

import numpy as np

M = 2_000_000


def _grid():
    return (np.arange(M) + 0.5) / M


def w1_interval(u):
    x = _grid()
    F = np.searchsorted(np.sort(u), x, side="right") / len(u)
    return float(np.mean(np.abs(F - x)))


def w2_interval(u):
    s = _grid()
    q = np.sort(u)[np.minimum((s * len(u)).astype(int), len(u) - 1)]
    return float(np.sqrt(np.mean((q - s) ** 2)))


def w1_circle(theta):
    """min_c mean |D - c| over the grid, D = F_N - F: the minimizer is the median of D."""
    x = _grid()
    D = np.searchsorted(np.sort(np.asarray(theta) / (2 * np.pi)), x, side="right") / len(theta) - x
    return float(2 * np.pi * np.mean(np.abs(D - np.median(D))))
