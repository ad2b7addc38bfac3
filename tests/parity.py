"""Shared helper of the gensim parity tests."""
from gensim.models import KeyedVectors as GensimKeyedVectors

from w2vlib import KeyedVectors


def build_pair(keys, vectors):
    """Our KeyedVectors and gensim's, holding the same keys and vectors."""
    ours, theirs = KeyedVectors(vectors.shape[1]), GensimKeyedVectors(vectors.shape[1])
    ours.add_vectors(keys, vectors)
    theirs.add_vectors(keys, vectors)
    return ours, theirs
