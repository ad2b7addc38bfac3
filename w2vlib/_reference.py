"""Pure-numpy twin of the training kernels in :mod:`w2vlib._inner`.

Slow and obvious on purpose: one training example at a time, the same random stream
(splitmix64), the same sigmoid table and the same order of draws, so that a deterministic run of the
compiled kernel can be checked against it step by step.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> syn0 = (rng.random((4, 3), dtype=np.float32) - 0.5)
>>> syn1neg = np.zeros((4, 3), dtype=np.float32)
>>> accept = np.full(4, 2**32, dtype=np.uint64); alias = np.arange(4, dtype=np.int32)
>>> ref = ReferenceKernel(syn0, None, syn1neg, None, accept, alias, None, None, None,
...                       sg=True, hs=False, negative=2, window=1, cbow_mean=True,
...                       shrink_windows=False, compute_loss=True)
>>> state = ReferenceState(seed=1)
>>> ref.train_batch(state, np.array([0, 1, 2], np.int32), np.array([0, 3], np.int32), 0.025)
3
>>> round(state.loss, 4) > 0
True
"""
import math

import numpy as np

SIGMOID_TABLE_SIZE = 1000
MAX_EXP = 6
_MASK64 = (1 << 64) - 1
_LOW32 = 0xFFFFFFFF


def _sigmoid_table():
    i = np.arange(SIGMOID_TABLE_SIZE, dtype=np.float64)
    return (1.0 / (1.0 + np.exp(-((2.0 * i / SIGMOID_TABLE_SIZE) - 1.0) * MAX_EXP))).astype(np.float32)


_TABLE = _sigmoid_table()


def _sigmoid(f):
    return _TABLE[int((f + MAX_EXP) * (SIGMOID_TABLE_SIZE / (2.0 * MAX_EXP)))]


def _softplus(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


class ReferenceState:
    """Random state and loss tally of one reference worker (mirrors ``_inner.WorkerState``)."""

    def __init__(self, seed):
        self.rng = seed & _MASK64
        self.loss = 0.0
        self.examples = 0

    def next_random(self):
        """One splitmix64 draw."""
        self.rng = (self.rng + 0x9E3779B97F4A7C15) & _MASK64
        z = self.rng
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)


def _below(r, n):
    return ((r >> 32) * n) >> 32


class ReferenceKernel:
    """Same constructor and :meth:`train_batch` as ``_inner.Kernel``, in numpy."""

    def __init__(self, syn0, syn1, syn1neg, sample_int, accept, alias, codes, points,
                 code_offsets, *, sg, hs, negative, window, cbow_mean, shrink_windows,
                 compute_loss, lockf=None, cbow_correction=False, shared_negatives=False):
        self.syn0, self.syn1, self.syn1neg = syn0, syn1, syn1neg
        self.sample_int, self.accept, self.alias = sample_int, accept, alias
        self.codes, self.points, self.code_offsets = codes, points, code_offsets
        self.sg, self.hs, self.negative, self.window = sg, hs, negative, window
        self.cbow_mean, self.shrink_windows = cbow_mean, shrink_windows
        self.cbow_correction, self.shared_negatives = cbow_correction, shared_negatives
        self.compute_loss = compute_loss
        self.lockf = np.ones(1, np.float32) if lockf is None else lockf

    def _draw(self, state):
        """One negative draw from the alias table."""
        r = state.next_random()
        i = _below(r, len(self.syn0))
        return i if (r & _LOW32) < int(self.accept[i]) else int(self.alias[i])

    def _ns_step(self, state, f, label, alpha):
        """Negative sampling's step for dot product `f` and `label` (saturated outside
        (-MAX_EXP, MAX_EXP)); adds the term's loss."""
        if self.compute_loss:
            state.loss += _softplus(-f if label > 0 else f)
        if f >= MAX_EXP:
            return (label - 1.0) * alpha
        if f <= -MAX_EXP:
            return label * alpha
        return (label - float(_sigmoid(f))) * alpha

    def _loss_ns(self, state, h, target, alpha, grad):
        for d in range(self.negative + 1):
            if d == 0:
                word, label = target, 1.0
            else:
                word, label = self._draw(state), 0.0
                if word == target:
                    continue
            out = self.syn1neg[word]
            g = self._ns_step(state, float(np.dot(h, out)), label, alpha)
            grad += np.float32(g) * out
            out += np.float32(g) * h

    def _shared_window(self, state, context, target, alpha):
        """Skip-gram with shared negatives: one draw for the window, one gradient step of its
        loss at the weights before it (see ``_inner._train_sg_shared``)."""
        draws = [self._draw(state) for _ in range(self.negative)]
        outputs = [target] + [word for word in draws if word != target]
        labels = [1.0] + [0.0] * (len(outputs) - 1)
        inputs, rows = self.syn0[context], self.syn1neg[outputs]     # copies: the old values
        steps = np.array([[self._ns_step(state, float(np.dot(h, out)), label, alpha)
                           for out, label in zip(rows, labels)] for h in inputs], np.float32)
        grads = steps @ rows
        for k, word in enumerate(outputs):
            self.syn1neg[word] += steps[:, k] @ inputs
        for c, word in enumerate(context):
            self.syn0[word] += self._lock(word) * grads[c]
        state.examples += len(context)

    def _loss_hs(self, state, h, target, alpha, grad):
        for b in range(self.code_offsets[target], self.code_offsets[target + 1]):
            out = self.syn1[self.points[b]]
            code = int(self.codes[b])
            f = float(np.dot(h, out))
            if self.compute_loss:
                state.loss += _softplus(f if code else -f)
            if f <= -MAX_EXP or f >= MAX_EXP:
                continue
            g = (1 - code - float(_sigmoid(f))) * alpha
            grad += np.float32(g) * out
            out += np.float32(g) * h

    def _output_layer(self, state, h, target, alpha):
        grad = np.zeros_like(h)
        h = h.copy()
        if self.hs:
            self._loss_hs(state, h, target, alpha, grad)
        if self.negative:
            self._loss_ns(state, h, target, alpha, grad)
        state.examples += 1
        return grad

    def train_batch(self, state, ids, offsets, alpha):
        """Train on sentences ``ids[offsets[k]:offsets[k+1]]``; returns the words kept."""
        sentences = []
        for k in range(len(offsets) - 1):
            kept = []
            for w in ids[offsets[k]:offsets[k + 1]]:
                if self.sample_int is not None and int(self.sample_int[w]) < (state.next_random() >> 32):
                    continue
                kept.append(int(w))
            if kept:
                sentences.append(kept)
        total = 0
        for words in sentences:
            total += len(words)
            for i, center in enumerate(words):
                reduce = _below(state.next_random(), self.window) if self.shrink_windows else 0
                lo = max(0, i - self.window + reduce)
                hi = min(len(words), i + self.window + 1 - reduce)
                context = [words[j] for j in range(lo, hi) if j != i]
                if self.shared_negatives:
                    if context:
                        self._shared_window(state, context, center, alpha)
                elif self.sg:
                    for word in context:
                        grad = self._output_layer(state, self.syn0[word], center, alpha)
                        self.syn0[word] += self._lock(word) * grad
                elif context:
                    h = self.syn0[context].sum(axis=0)
                    if self.cbow_mean:
                        h /= len(context)
                    grad = self._output_layer(state, h, center, alpha)
                    if not self.cbow_mean or self.cbow_correction:
                        grad /= len(context)
                    for word in context:
                        self.syn0[word] += self._lock(word) * grad
        return total

    def _lock(self, word):
        return self.lockf[word if len(self.lockf) > 1 else 0]
