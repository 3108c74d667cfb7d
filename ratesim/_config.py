"""Package-wide numerical settings (stumpy-style).

``FASTMATH`` deliberately omits ``nnan`` and ``ninf``: our kernels must see and report non-finite
values, never let LLVM assume them away. Every ``@njit`` in ratesim uses these names, never a
hard-coded ``fastmath=``.

``IEEE_MATH`` (no fast-math flag at all) is for kernels whose rounding reaches discrete decisions:
the moving-least-squares projection and local polynomial regression (``scores._localpoly``) cut
neighbours, lower the degree, clamp foot points and reject fits by thresholds, and a reverse sampler
carries a flipped decision to 1e-3 of a metric. Under ``reassoc`` numba's freshly compiled and
cache-loaded machine code for those kernels differ in the last bits (up to 5e-15 on one
projection), so a result would depend on the history of the numba cache. Without fast-math both
agree; every other module gives the same bits either way (tests/test_numba_cache.py). The cost: 4 %
(k = 1) to 11 % (k = 2) of the coarse sampler's throughput.

``JAX_CACHE`` is where the trained networks' compiled XLA programs are kept between processes
(JAX's persistent compilation cache; ``RATESIM_JAX_CACHE``, default ``~/.cache/ratesim/jax``, "0"
to switch it off). A process that loads a program gives the same bits as one that compiles it
(tests/test_jax_cache.py); a study's workers and later runs skip compilations of about 0.1-1.5 s
each. JAX's own ``JAX_COMPILATION_CACHE_DIR``, when set, wins.
"""

import os
from pathlib import Path

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
IEEE_MATH = False
NUMBA_CACHE = os.environ.get("RATESIM_NUMBA_CACHE", "1") != "0"
JAX_CACHE = os.environ.get(
    "RATESIM_JAX_CACHE",
    str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ratesim" / "jax"),
)
