# cython: language_level=3, boundscheck=False, wraparound=False
"""The Huffman tree of hierarchical softmax, compiled: word2vec.c's two-queue construction and
every word's path, in time linear in the paths' total length (:func:`w2vlib._tables.huffman_tree`
checks the counts and orders the leaves; this module builds).

>>> import numpy as np
>>> weights = np.array([1, 1, 2, 4])               # ascending
>>> order = np.array([3, 2, 1, 0])                 # word of each leaf: word 0 counts 4
>>> codes, points, offsets = build(weights, order)
>>> offsets.tolist(), points[offsets[0]:offsets[1]].tolist(), points[offsets[3]:].tolist()
([0, 1, 3, 6, 9], [2], [2, 1, 0])
"""
import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t


def build(const int64_t[::1] weights, const int64_t[::1] order):
    """``(codes, points, offsets)`` of :func:`w2vlib._tables.huffman_tree` for ``n >= 2`` leaves:
    `weights` ascending (ties in the order word2vec.c takes them), ``order[j]`` the word of
    leaf ``j``.

    Inner node ``k`` (row ``k`` of ``syn1``) is made from the next two lightest nodes of two
    queues, the leaves in order and the inner nodes in creation order, the inner node first on
    equal weights; the first one taken is its branch 0, the second its branch 1. A word's path
    runs from the root (inner node ``n - 2``) down to the word.
    """
    cdef Py_ssize_t n = weights.shape[0], k, leaf = 0, inner = 0, node, side, at
    cdef Py_ssize_t root = 2 * n - 2
    cdef int64_t total
    if n < 2 or order.shape[0] != n:
        raise ValueError("build needs at least two leaves and a word for each")
    parent_array = np.empty(2 * n - 1, dtype=np.int64)
    bit_array = np.zeros(2 * n - 1, dtype=np.uint8)
    depth_array = np.zeros(2 * n - 1, dtype=np.int64)
    inner_weight_array = np.empty(n - 1, dtype=np.int64)
    cdef int64_t[::1] parent = parent_array, depth = depth_array, inner_weight = inner_weight_array
    cdef uint8_t[::1] bit = bit_array
    with nogil:
        for k in range(n - 1):
            total = 0
            for side in range(2):
                if leaf < n and (inner >= k or weights[leaf] < inner_weight[inner]):
                    node = order[leaf]
                    total += weights[leaf]
                    leaf += 1
                else:
                    node = n + inner
                    total += inner_weight[inner]
                    inner += 1
                parent[node] = n + k
                bit[node] = side
            inner_weight[k] = total
        parent[root] = root
        for node in range(root - 1, -1, -1):     # a parent's number is above its children's
            depth[node] = depth[parent[node]] + 1
    offsets_array = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(depth_array[:n], out=offsets_array[1:])
    codes_array = np.empty(offsets_array[n], dtype=np.uint8)
    points_array = np.empty(offsets_array[n], dtype=np.int32)
    cdef int64_t[::1] offsets = offsets_array
    cdef uint8_t[::1] codes = codes_array
    cdef int32_t[::1] points = points_array
    with nogil:
        for k in range(n):                       # each path filled from the word up
            node, at = k, offsets[k + 1] - 1
            while node != root:
                codes[at] = bit[node]
                points[at] = <int32_t>(parent[node] - n)
                node = parent[node]
                at -= 1
    return codes_array, points_array, offsets_array
