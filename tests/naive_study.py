"""Naive twins of the study engine's closed forms: dense midpoint grids, obviously right.

The exact functions of ratesim.study.tasks are checked against these. Error bound: the integrands
are piecewise linear with N jumps of height 1/N (F_N) and kinks; a midpoint cell of width h = 1/m
containing a jump errs by at most h/N, the other cells are exact up to h^2 terms at kinks, so the
total error is <= h + O(N h^2): the tests use atol = 1/m (2.5e-6 at m = 4e5).
"""

import numpy as np

M = 400_000


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
