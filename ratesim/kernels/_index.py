"""KD-tree index for the truncated mode (built once per data set, cached)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
from numba import njit

from .._config import FASTMATH, NUMBA_CACHE
from .._validation import as_points, check_int

DEFAULT_LEAF_SIZE = 256
_CACHE_SIZE = 4
_CACHE: OrderedDict = OrderedDict()


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _node_reduce(pts, lw, start_, end_, left, right, lo, hi, lwmax):
    """Bounding boxes and max log-weight per node; children always have larger ids than parents."""
    n_nodes = left.shape[0]
    d = pts.shape[1]
    for node in range(n_nodes - 1, -1, -1):
        lft = left[node]
        if lft < 0:
            for j in range(d):
                lo[node, j] = np.inf
                hi[node, j] = -np.inf
            mx = -np.inf
            for i in range(start_[node], end_[node]):
                for j in range(d):
                    v = pts[i, j]
                    lo[node, j] = min(lo[node, j], v)
                    hi[node, j] = max(hi[node, j], v)
                mx = max(mx, lw[i])
            lwmax[node] = mx
        else:
            rgt = right[node]
            for j in range(d):
                lo[node, j] = min(lo[lft, j], lo[rgt, j])
                hi[node, j] = max(hi[lft, j], hi[rgt, j])
            lwmax[node] = max(lwmax[lft], lwmax[rgt])


@njit(fastmath=FASTMATH, cache=NUMBA_CACHE)
def _node_lwmax(lw, start_, end_, left, right, lwmax):
    n_nodes = left.shape[0]
    for node in range(n_nodes - 1, -1, -1):
        lft = left[node]
        if lft < 0:
            mx = -np.inf
            for i in range(start_[node], end_[node]):
                mx = max(mx, lw[i])
            lwmax[node] = mx
        else:
            lwmax[node] = max(lwmax[lft], lwmax[right[node]])


def _build_tree(points: np.ndarray, leaf_size: int):
    """Median-split KD-tree on the widest bounding-box side; leaves hold <= leaf_size points
    (more only when all points of a leaf coincide)."""
    n, d = points.shape
    perm = np.arange(n)
    starts, ends, lefts, rights = [0], [n], [-1], [-1]
    todo = [0]
    while todo:
        node = todo.pop()
        s, e = starts[node], ends[node]
        if e - s <= leaf_size:
            continue
        idx = perm[s:e]
        pts = points[idx]
        spread = pts.max(axis=0) - pts.min(axis=0)
        j = int(np.argmax(spread))
        if spread[j] == 0.0:
            continue
        mid = (e - s) // 2
        part = np.argpartition(pts[:, j], mid)
        perm[s:e] = idx[part]
        for a, b in ((s, s + mid), (s + mid, e)):
            starts.append(a)
            ends.append(b)
            lefts.append(-1)
            rights.append(-1)
            todo.append(len(starts) - 1)
        lefts[node] = len(starts) - 2
        rights[node] = len(starts) - 1
    start_ = np.asarray(starts, dtype=np.int64)
    end_ = np.asarray(ends, dtype=np.int64)
    left = np.asarray(lefts, dtype=np.int64)
    right = np.asarray(rights, dtype=np.int64)
    return perm, start_, end_, left, right


class GaussianIndex:
    """A data set prepared for the Gaussian softmax kernels (KD-tree for the truncated mode).

    Pass an instance instead of the data array to :func:`log_sum_exp_gauss` and friends to reuse
    the tree across calls; plain arrays are also cached (keyed by a hash of their bytes, up to 4
    data sets), so repeated calls with the same data never rebuild it.

    Parameters
    ----------
    data : array_like, shape (N, d)
        Finite data points (float32 is upcast to float64).
    leaf_size : int, default 256
        Maximal number of points per leaf (the block size of the truncated kernel); 256 was the
        fastest of {64, 128, 256, 512} for N = 1e6 points on S^2 at sigma = 0.01 (benchmark).

    Attributes
    ----------
    data : ndarray (N, d), float64, in the caller's order.
    perm : ndarray (N,), the tree order: ``data[perm]`` is stored leaf by leaf.
    yT : ndarray (d, N), ``data[perm].T`` (coordinate-major, contiguous).
    n_leaves, depth : int
    """

    def __init__(self, data, leaf_size: int = DEFAULT_LEAF_SIZE):
        self.data = as_points(data, "data")
        self.leaf_size = check_int(leaf_size, "leaf_size", low=1)
        self.n_samples, self.n_features = self.data.shape
        perm, start_, end_, left, right = _build_tree(self.data, self.leaf_size)
        self.perm = perm
        pts = np.ascontiguousarray(self.data[perm])
        self.yT = np.ascontiguousarray(pts.T)
        self.start = start_
        self.end = end_
        self.left = left
        self.right = right
        n_nodes = left.shape[0]
        d = self.n_features
        self.lo = np.empty((n_nodes, d))
        self.hi = np.empty((n_nodes, d))
        self.lwmax0 = np.empty(n_nodes)
        self.zeros = np.zeros(self.n_samples)  # the log-weights of the unweighted case
        _node_reduce(pts, self.zeros, start_, end_, left, right, self.lo, self.hi,
                     self.lwmax0)  # fmt: skip
        is_leaf = left < 0
        self.n_leaves = int(np.count_nonzero(is_leaf))
        self.leaf_max = int((end_ - start_)[is_leaf].max())
        self.extent = float(np.max(self.hi[0] - self.lo[0]))

    def node_lwmax(self, lw_perm: np.ndarray) -> np.ndarray:
        """Max log-weight per node for log-weights given in tree order."""
        out = np.empty(self.left.shape[0])
        _node_lwmax(lw_perm, self.start, self.end, self.left, self.right, out)
        return out

    def __repr__(self) -> str:
        return (
            f"GaussianIndex(n_samples={self.n_samples}, n_features={self.n_features}, "
            f"leaf_size={self.leaf_size}, n_leaves={self.n_leaves})"
        )


def _data_key(data: np.ndarray) -> tuple:
    h = hashlib.blake2b(data.view(np.uint8).reshape(-1), digest_size=16).hexdigest()
    return (data.shape, h)


def get_index(data: np.ndarray, leaf_size: int = DEFAULT_LEAF_SIZE) -> GaussianIndex:
    """Return the cached :class:`GaussianIndex` of ``data`` (validated float64 array), building it
    on first use. The key is a hash of the bytes, so a mutated array gets a new index."""
    key = (*_data_key(data), leaf_size)
    idx = _CACHE.get(key)
    if idx is not None:
        _CACHE.move_to_end(key)
        return idx
    idx = GaussianIndex(data, leaf_size=leaf_size)
    _CACHE[key] = idx
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return idx


def clear_index_cache() -> None:
    """Forget all cached indices."""
    _CACHE.clear()
