"""w2vlib: Cython-accelerated word2vec with a gensim-compatible API.

Replace ``from gensim.models import Word2Vec, KeyedVectors`` with

>>> from w2vlib import Word2Vec, KeyedVectors
>>> from w2vlib import LineSentence, PathLineSentences, Text8Corpus, BrownCorpus, CallbackAny2Vec

and ``from gensim.models import Phrases`` with ``from w2vlib import Phrases`` (the rest of
``gensim.models.phrases`` is in :mod:`w2vlib.phrases`).

The recommended preset (w2vlib's, measured: skip-gram with one draw of negatives per window,
gensim skip-gram's quality in less time than exact skip-gram):

>>> from w2vlib import FAST_PRESET
>>> dict(FAST_PRESET)
{'sg': 1, 'hs': 0, 'negative': 5, 'shared_negatives': True}
>>> model = Word2Vec([["a", "b", "c"]] * 20, min_count=1, vector_size=8, **FAST_PRESET)

The evaluation sets gensim ships in its tests ship here too (gensim:
``from gensim.test.utils import datapath``):

>>> from w2vlib import datapath
>>> datapath("questions-words.txt").endswith("questions-words.txt")
True

As a library should, w2vlib logs to the ``w2vlib`` logger and adds only a NullHandler to it: its
messages appear once the application configures logging (``logging.basicConfig()``).
"""
import logging

from w2vlib._version import __version__
from w2vlib._evaluation import datapath
from w2vlib._params import FAST_PRESET
from w2vlib.callbacks import CallbackAny2Vec
from w2vlib.corpora import BrownCorpus, LineSentence, PathLineSentences, Text8Corpus
from w2vlib.keyedvectors import KeyedVectors
from w2vlib.phrases import Phrases
from w2vlib.word2vec import Word2Vec

__all__ = ["Word2Vec", "KeyedVectors", "LineSentence", "PathLineSentences", "Text8Corpus",
           "BrownCorpus", "CallbackAny2Vec", "datapath", "Phrases", "FAST_PRESET"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
