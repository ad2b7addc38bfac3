"""Queries on a trained model's output layer: next-word prediction and sentence scores.

These are rarely on a hot path, so they are plain numpy, with the exact log-sigmoid (gensim reads
a table and silently drops terms outside (-6, 6)).

>>> import numpy as np
>>> from w2vlib.keyedvectors import KeyedVectors
>>> kv = KeyedVectors(2)
>>> kv.add_vectors(["a", "b", "c"], np.eye(3, 2, dtype=np.float32))
>>> syn1neg = np.array([[4, 0], [0, 4], [0, 0]], dtype=np.float32)
>>> [word for word, _ in predict_output_word(kv, syn1neg, ["a"], topn=2, cbow_mean=True)]
['a', 'b']
"""
import logging

import numpy as np

logger = logging.getLogger("w2vlib.word2vec")


def predict_output_word(wv, syn1neg, context_words_list, topn, cbow_mean):
    """Softmax over the negative-sampling output layer for the (mean or sum of the) context."""
    indices = [wv.get_index(word) for word in context_words_list if word in wv]
    if not indices:
        logger.warning("All the input context words are out-of-vocabulary for the current model.")
        return None
    hidden = wv.vectors[indices].sum(axis=0)
    if cbow_mean:
        hidden /= len(indices)
    logits = syn1neg @ hidden
    prob = np.exp(logits - logits.max())
    prob /= prob.sum()
    top = np.argsort(-prob, kind="stable")[:topn]
    return [(wv.index_to_key[i], prob[i]) for i in top]


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _path_log_prob(hidden, syn1, codes, points):
    """log P(word | hidden) along the word's Huffman path; `hidden` may be a stack of rows."""
    logits = np.atleast_2d(hidden) @ syn1[points].T
    signs = 1.0 - 2.0 * codes.astype(np.float64)
    return _log_sigmoid(logits * signs).sum()


def score_sentences(wv, syn1, codes, points, offsets, sentences, total_sentences, window, sg,
                    cbow_mean):
    """Sum of log-probabilities of each word given its full window (hierarchical softmax).

    Returns a float32 array with one score per sentence (at most ``total_sentences``).
    """
    scores = []
    for sentence in sentences:
        if len(scores) >= total_sentences:
            break
        ids = [wv.key_to_index[word] for word in sentence if word in wv.key_to_index]
        total = 0.0
        for i, word in enumerate(ids):
            path = slice(offsets[word], offsets[word + 1])
            context = ids[max(0, i - window):i] + ids[i + 1:i + window + 1]
            rows = wv.vectors[np.asarray(context, dtype=np.intp)].astype(np.float64)
            if sg:   # one term per context word: none without context
                total += _path_log_prob(rows, syn1, codes[path], points[path])
            else:    # without context the hidden layer is zero, as in gensim
                hidden = rows.sum(axis=0)
                if cbow_mean and context:
                    hidden /= len(context)
                total += _path_log_prob(hidden, syn1, codes[path], points[path])
        scores.append(total)
    return np.array(scores, dtype=np.float32)
