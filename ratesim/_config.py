"""Package-wide numerical settings (stumpy-style).

``FASTMATH`` deliberately omits ``nnan`` and ``ninf``: our kernels must see and report non-finite
values, never let LLVM assume them away. Every ``@njit`` in ratesim uses these two names, never a
hard-coded ``fastmath=``.
"""

import os

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
NUMBA_CACHE = os.environ.get("RATESIM_NUMBA_CACHE", "1") != "0"
