"""Word2Vec: the public training façade, with gensim 4.x names, defaults and behaviour.

Train from a list of token lists, any restartable iterable, or a file:

>>> from w2vlib import Word2Vec
>>> sentences = [["king", "queen", "royal"], ["cat", "dog", "pet"]] * 50
>>> model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, epochs=3, seed=1)
>>> model.wv["king"].shape
(16,)
>>> model.train(sentences, total_examples=model.corpus_count, epochs=1)  # doctest: +ELLIPSIS
(..., 300)

Large corpora stream from disk: ``Word2Vec(corpus_file="corpus.txt")`` or
``Word2Vec(LineSentence("corpus.txt.gz"))`` — memory stays bounded by the vocabulary and weights.
Where w2vlib differs from gensim on purpose, see ``docs/differences.md``. The corpus classes can
be imported from here too, as from ``gensim.models.word2vec``:

>>> from w2vlib.word2vec import BrownCorpus, LineSentence, PathLineSentences, Text8Corpus
"""
import logging
import os
import textwrap
import time
import types

import numpy as np
from w2vlib import _memory, _model_file, _params, _reader, _scan, _shards, _tables, _train, _weights
from w2vlib._reader import MAX_WORDS_IN_BATCH  # noqa: F401 (gensim.models.word2vec has it)
from w2vlib._dispatch import inner as _inner
from w2vlib import _checks
from w2vlib._checks import lock_factors
from w2vlib._lifecycle import Lifecycle, path_text
from w2vlib._progress import make_progress, plural
from w2vlib._output_layer import predict_output_word, score_sentences
from w2vlib.corpora import BrownCorpus, LineSentence, PathLineSentences, Text8Corpus  # noqa: F401
from w2vlib.keyedvectors import INIT_SIMS_ADVICE, KeyedVectors, deprecated
from w2vlib.vocab import NULL_WORD, Vocabulary, sample_thresholds

logger = logging.getLogger(__name__)

#: gensim's warning when both losses are on (its wording, so filters written for it still match).
HS_AND_NEGATIVE = ("Both hierarchical softmax and negative sampling are activated. This is "
                   "probably a mistake. You should set either 'hs=0' or 'negative=0' to disable "
                   "one of them. ")
#: What ``save(ignore=...)`` can leave out of a Word2Vec file, and what that means.
LEAVABLE = {"syn1": "hierarchical softmax's output layer: no more training",
            "syn1neg": "negative sampling's output layer: no more training or predict_output_word",
            "cum_table": "never stored: rebuilt from the counts"}
#: gensim's warning when a train() call starts above the learning rate an earlier one reached.
ALPHA_RISES = "Effective 'alpha' higher than previous training cycles"


class _ClassOnly(classmethod):
    """A classmethod that refuses to run on an instance, as gensim's ``load`` does
    (``model.load(f)`` would return a new model and leave ``model`` unchanged)."""

    def __get__(self, instance, owner=None):
        if instance is not None:
            raise AttributeError("This method should be called on a class object.")
        return super().__get__(None, owner)


class Word2Vec(Lifecycle):
    """Train word vectors with skip-gram or CBOW, negative sampling and/or hierarchical softmax.

    The parameters are gensim's (``gensim.models.Word2Vec``) with the same defaults and meaning,
    then w2vlib's extensions (keyword-only; their defaults give gensim's training); passing
    ``sentences`` or ``corpus_file`` builds the vocabulary and trains at once.

    Parameters
    ----------
{parameters}

    Attributes
    ----------
    wv : KeyedVectors
        The trained vectors, with ``count`` and ``sample_int`` attributes per key (gensim's).
    syn1, syn1neg : numpy.ndarray
        Output weights for hierarchical softmax / negative sampling; as in gensim, each exists
        only when its loss is on.
    """

    def __init__(self, *args, **kwargs):
        given = _params.SIGNATURE.bind(self, *args, **kwargs)   # TypeError as for any signature
        given.apply_defaults()
        arguments = dict(given.arguments)
        self._configure(arguments, comment=arguments["comment"])
        self.add_lifecycle_event("created", params=str(self))
        sentences, corpus_file = arguments["sentences"], arguments["corpus_file"]
        client = arguments["client"]
        if sentences is not None or corpus_file is not None:
            self._corpus(sentences, corpus_file, passes=self.epochs + 1, client=client)  # refuse one-shot input first
            self.build_vocab(sentences, corpus_file=corpus_file, trim_rule=arguments["trim_rule"],
                             client=client)
            self.train(sentences, corpus_file=corpus_file, total_examples=self.corpus_count,
                       total_words=self.corpus_total_words, epochs=self.epochs,
                       start_alpha=self.alpha, end_alpha=self.min_alpha,
                       compute_loss=self.compute_loss, callbacks=arguments["callbacks"],
                       client=client)
        elif client is not None:
            raise TypeError("client= needs corpus_file= (the workers read the files themselves); "
                            "or pass client= to build_vocab() and train()")

    __init__.__signature__ = _params.SIGNATURE

    def _configure(self, hyperparameters, comment=None):
        """Check and set the hyperparameters (:mod:`w2vlib._params`); an empty model (no
        vocabulary, no weights, no events)."""
        _params.configure(self, hyperparameters)
        self.comment = comment
        self.wv = KeyedVectors(self.vector_size)
        # gensim's lock factors: one for every word, or one per word (0 freezes a word's vector)
        self.wv.vectors_lockf = np.ones(1, dtype=np.float32)
        self.vocabulary = self._new_vocabulary()
        self._syn1 = self._syn1neg = None
        self.corpus_count = self.corpus_total_words = 0
        self.running_training_loss = 0.0
        self.min_alpha_yet_reached = float(self.alpha)   # gensim's: the lowest alpha trained at
        self.total_train_time = 0.0                      # seconds in train(), over every call
        self.random = np.random.RandomState(self.seed)   # gensim's; unused by the kernels
        self.train_calls = 0   # numbers each train() call's random streams (saved with the model)
        self._engine = self._index = None
        self.lifecycle_events = []

    def _new_vocabulary(self):
        return Vocabulary(**self._vocabulary_settings())

    def _vocabulary_settings(self):
        return dict(min_count=self.min_count, max_vocab_size=self.max_vocab_size,
                    sample=self.sample, max_final_vocab=self.max_final_vocab,
                    sorted_vocab=bool(self.sorted_vocab), null_word=self.null_word)

    # --- corpora ------------------------------------------------------------------------------

    @staticmethod
    def _corpus(corpus_iterable, corpus_file, passes, client=None):
        if (corpus_iterable is None) == (corpus_file is None):
            raise TypeError("pass exactly one of corpus_iterable (sentences) and corpus_file")
        if client is not None and corpus_file is None:
            raise TypeError("client= needs corpus_file= (paths, URIs or a glob that the Dask "
                            "workers open themselves), not an iterable")
        if corpus_file is not None:
            return _train.Corpus(sources=[(path, True, MAX_WORDS_IN_BATCH)
                                          for path in _shards.expand(corpus_file)])
        if isinstance(corpus_iterable, (str, bytes)):
            raise TypeError("sentences must be an iterable of token lists, not a single str; "
                            "for a file use corpus_file= or LineSentence(path)")
        try:
            iter(corpus_iterable)
        except TypeError:
            raise TypeError("corpus_iterable (sentences) must be an iterable of token lists, got "
                            f"{type(corpus_iterable).__name__}") from None
        if passes > 1 and (isinstance(corpus_iterable, types.GeneratorType)
                           or iter(corpus_iterable) is corpus_iterable):
            raise TypeError(
                "a generator or iterator can be read only once, but training needs "
                f"{passes} passes: pass a restartable iterable (a list, or a class whose __iter__ "
                "starts over, such as LineSentence)")
        file_sources = getattr(corpus_iterable, "_file_sources", None)
        sources = file_sources() if file_sources is not None else None
        return _train.Corpus(iterable=corpus_iterable, sources=sources)

    @property
    def syn1(self):
        """Hierarchical-softmax output weights (one row per inner node of the Huffman tree).
        As in gensim, the attribute exists only once the vocabulary is built with ``hs=1``."""
        return self._output_layer("_syn1", "syn1", "hs=1")

    @property
    def syn1neg(self):
        """Negative-sampling output weights (one row per word). As in gensim, the attribute
        exists only once the vocabulary is built with ``negative > 0``."""
        return self._output_layer("_syn1neg", "syn1neg", "negative > 0")

    def _output_layer(self, slot, name, setting):
        weights = getattr(self, slot)
        if weights is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}' "
                                 f"(it exists once the vocabulary is built with {setting})")
        return weights

    @property
    def layer1_size(self):
        """Width of the output layers: ``vector_size`` (gensim's attribute)."""
        return self.vector_size

    @property
    def effective_min_count(self):
        """The ``min_count`` the last vocabulary build applied (raised by ``max_final_vocab``)."""
        return self.vocabulary.effective_min_count

    @property
    def train_count(self):
        """How many times :meth:`train` has been called on this model."""
        return self.train_calls

    @property
    def raw_vocab(self):
        """Raw word counts of the last scan (emptied after build_vocab unless keep_raw_vocab)."""
        return self.vocabulary.raw_vocab

    # --- vocabulary and weights, in gensim's steps ----------------------------------------------
    # build_vocab runs them in order: scan_vocab (count the corpus), prepare_vocab (min_count,
    # max_final_vocab, trim_rule, sorting, subsampling), estimate_memory and prepare_weights
    # (init_weights for a new vocabulary, update_weights after update=True).

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, progress_per=10000,
                    keep_raw_vocab=False, trim_rule=None, progress=False, client=None, **kwargs):
        """Scan the corpus once: count words, apply min_count / max_final_vocab / trim_rule,
        compute subsampling thresholds and initialise the weights.

        ``update=True`` adds new words to a trained model, keeping the trained vectors.
        Progress is logged every `progress_per` sentences of an iterable; ``progress=True``
        also draws a bar on stderr for a scan longer than a second (bytes of a file, or
        sentences of an iterable), and None draws it only when stderr is a terminal, writing
        periodic ``w2vlib.progress`` log lines otherwise. With a Dask `client`, the files of
        `corpus_file` are counted on its workers (docs/distributed.md). Other keyword arguments
        go to :meth:`prepare_vocab`.

        Returns
        -------
        dict
            The report of :meth:`prepare_vocab`, with the :meth:`estimate_memory` report under
            ``'memory'`` (gensim computes the same dict and returns None). With
            ``dry_run=True`` the model is left unchanged.

        Examples
        --------
        >>> model = Word2Vec(vector_size=8, min_count=2, sample=0, workers=1)
        >>> model.build_vocab([["a", "b", "a"], ["c", "a", "b"]])["num_retained_words"]
        2
        >>> model.wv.index_to_key, model.syn1neg.shape
        (['a', 'b'], (2, 8))
        """
        corpus = self._corpus(corpus_iterable, corpus_file, passes=1, client=client)
        if update and not len(self.wv):
            raise RuntimeError("cannot update the vocabulary of a model that has none: "
                               "call build_vocab() without update=True first")
        if update:
            self._check_trainable_weights()
        kept = (self.vocabulary, self.vocabulary.checkpoint(), self.corpus_count,
                self.corpus_total_words)
        try:
            if update:
                self.vocabulary.configure(**self._vocabulary_settings())
            else:
                self.vocabulary = self._new_vocabulary()
            total_words, corpus_count = _scan.scan(self.vocabulary, corpus, progress_per,
                                                   trim_rule, progress, self.max_vocab_size, client)
            self.corpus_count, self.corpus_total_words = corpus_count, total_words
            report = self.prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab,
                                        trim_rule=trim_rule, **kwargs)
        except BaseException:   # a failed scan or preparation leaves the model as it was
            self._restore_vocabulary(kept)
            raise
        if kwargs.get("dry_run"):   # a report only: the model is left as it was
            report["memory"] = self.estimate_memory(report["num_retained_words"])
            self._restore_vocabulary(kept)
            return report
        report["memory"] = self.estimate_memory(len(self.vocabulary))
        self.prepare_weights(update)
        self.add_lifecycle_event("build_vocab", update=update, trim_rule=str(trim_rule))
        return report

    def _restore_vocabulary(self, kept):
        self.vocabulary, checkpoint, self.corpus_count, self.corpus_total_words = kept
        self.vocabulary.rollback(checkpoint)

    def scan_vocab(self, corpus_iterable=None, corpus_file=None, progress_per=10000, workers=None,
                   trim_rule=None, progress=False, client=None):
        """Count the corpus's words, replacing the counts of any earlier scan (gensim's first
        step of :meth:`build_vocab`), with the model's current vocabulary settings
        (``max_vocab_size`` ...). On a model without weights the scan starts a new vocabulary;
        on one with weights the vocabulary stays until :meth:`prepare_vocab` replaces or
        (``update=True``) extends it.

        `workers` is accepted for gensim's signature (counting runs in one thread; files are
        counted by compiled code). `trim_rule` is consulted when ``max_vocab_size`` pruning drops
        words; `progress` and `client` are as in :meth:`build_vocab`.

        Returns
        -------
        total_words, corpus_count : int
            Tokens and sentences counted.

        Examples
        --------
        >>> model = Word2Vec(vector_size=8, min_count=2, sample=0, workers=1)
        >>> model.scan_vocab([["a", "b", "a"], ["c", "a", "b"]])
        (6, 2)
        >>> model.prepare_vocab()["num_retained_words"]
        2
        >>> model.prepare_weights()
        >>> model.wv.index_to_key
        ['a', 'b']
        """
        corpus = self._corpus(corpus_iterable, corpus_file, passes=1, client=client)
        if not len(self.wv):
            self.vocabulary = self._new_vocabulary()
        else:
            self.vocabulary.configure(**self._vocabulary_settings())
        return _scan.scan(self.vocabulary, corpus, progress_per, trim_rule, progress,
                          self.max_vocab_size, client)

    def prepare_vocab(self, update=False, keep_raw_vocab=False, trim_rule=None, min_count=None,
                      sample=None, dry_run=False):
        """Turn the counts of the last :meth:`scan_vocab` into the vocabulary (gensim's second
        step): min_count (raised by ``max_final_vocab``), `trim_rule`, the sort, subsampling.

        `min_count` and `sample` override the model's settings and, unless `dry_run` or `update`,
        become them; None keeps the model's (gensim also replaces an explicit 0 by the model's
        value; here 0 means 0). ``dry_run=True`` only computes the report.

        Returns
        -------
        dict
            ``drop_unique``, ``retain_total``, ``downsample_unique``, ``downsample_total`` and
            ``num_retained_words``, as gensim's.

        Raises
        ------
        RuntimeError
            If there are no counts to prepare (no :meth:`scan_vocab` since the last preparation).
        """
        if not self.vocabulary.has_counts:
            raise RuntimeError("no word counts to prepare: call scan_vocab() first (build_vocab "
                               "drops the counts when it is done, unless keep_raw_vocab=True)")
        min_count = self.min_count if min_count is None else min_count
        sample = self.sample if sample is None else sample
        report = self.vocabulary.prepare(min_count=min_count, sample=sample, dry_run=dry_run,
                                         keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule,
                                         update=update)
        if not (dry_run or update):
            self.min_count, self.sample = self.vocabulary.min_count, self.vocabulary.sample
        return report

    def build_vocab_from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None,
                              trim_rule=None, update=False):
        """Build the vocabulary from a ``{word: count}`` mapping instead of a corpus."""
        if not update:
            self.vocabulary = self._new_vocabulary()
        elif len(self.wv):
            self._check_trainable_weights()
        report = self.vocabulary.from_freq(word_freq, keep_raw_vocab=keep_raw_vocab,
                                           corpus_count=corpus_count, trim_rule=trim_rule,
                                           update=update)
        self.corpus_count = self.vocabulary.corpus_count
        self.corpus_total_words = self.vocabulary.total_words
        self.prepare_weights(update)
        return report

    def estimate_memory(self, vocab_size=None, report=None):
        """Bytes the model takes for `vocab_size` words (default: its vocabulary's size).

        Same keys as gensim's: ``'vectors'``, ``'syn1'`` (hs), ``'syn1neg'`` (negative sampling)
        — exact — and ``'vocab'``: the vocabulary's Python structures and the tables ``train()``
        builds, measured per word on CPython 3.11 (keys of the current vocabulary's average size,
        or of 8 ASCII characters), where gensim counts a flat 500 or 700 bytes. Training from
        files adds the C index of the keys' UTF-8 bytes (about 40 bytes per word plus the bytes).
        ``'total'`` sums every entry of `report` (which is updated in place, as in gensim).

        Returns
        -------
        dict of str to int

        Examples
        --------
        >>> report = Word2Vec(vector_size=100).estimate_memory(1000)
        >>> report["vectors"], report["syn1neg"], sorted(report)
        (400000, 400000, ['syn1neg', 'total', 'vectors', 'vocab'])
        """
        vocab_size = len(self.vocabulary) if vocab_size is None else int(vocab_size)
        return _memory.estimate(self.vocabulary.index_to_key, vocab_size, self.vector_size,
                                self.hs, self.negative, report)

    def prepare_weights(self, update=False):
        """Weights for the vocabulary just prepared: :meth:`init_weights` for a new one,
        :meth:`update_weights` after ``prepare_vocab(update=True)``."""
        if update:
            self.update_weights()
        else:
            self._reset_weights(_weights.grown_lock_factors(
                getattr(self.wv, "vectors_lockf", None), 0, len(self.vocabulary)))

    def init_weights(self):
        """Fresh, untrained weights for the current vocabulary: random input vectors (the values
        ``build_vocab`` draws for this seed) and zero output layers. Lock factors are kept.
        (gensim keeps trained input vectors whose shape has not changed.)"""
        lockf = getattr(self.wv, "vectors_lockf", None)
        if lockf is None or len(lockf) not in (1, len(self.vocabulary)):
            lockf = None
        self._reset_weights(_weights.grown_lock_factors(lockf, len(self.vocabulary), 0))

    def _reset_weights(self, lockf):
        self.wv, self._syn1, self._syn1neg = _weights.fresh(
            self.vocabulary, self.vector_size, self.seed, self.hs, self.negative, lockf)
        self._weights_changed()

    def _weights_changed(self):
        if self.hs:
            _weights.set_huffman_paths(self.wv, self.vocabulary.counts)
        self._engine = self._index = None

    def update_weights(self):
        """Grow the weights after ``prepare_vocab(update=True)``: trained rows are kept, new words
        get random input vectors, zero output rows and lock factor 1."""
        self._syn1, self._syn1neg = _weights.grown(self.wv, self._syn1, self._syn1neg,
                                                   self.vocabulary, self.vector_size, self.seed)
        self._weights_changed()

    def reset_from(self, other_model):
        """Take `other_model`'s vocabulary and corpus size, with fresh weights (gensim's way to
        train several models on one vocabulary).

        The vocabulary is copied, not shared as in gensim, so either model may later grow its
        own; it is the other model's as it stands, with its null word or without one, whatever
        this model's ``null_word``. Subsampling thresholds are recomputed when this model's
        ``sample`` differs.
        """
        other = other_model.vocabulary
        if not len(other):
            raise RuntimeError("reset_from: the other model has no vocabulary")
        self.vocabulary = self._new_vocabulary()
        sample_int = other.sample_int.copy()
        if self.sample != other_model.sample:
            words = np.array([key != NULL_WORD for key in other.index_to_key])  # the null word
            counts = other.counts[words]                                         # keeps its 0
            sample_int[words] = sample_thresholds(counts, self.sample, int(counts.sum()))[0]
        self.vocabulary.restore(other.index_to_key, other.counts.copy(), sample_int)
        self.vocabulary.effective_min_count = other.effective_min_count
        self.corpus_count = other_model.corpus_count
        self.corpus_total_words = other_model.corpus_total_words
        self.prepare_weights()

    def _check_prepared(self):
        _weights.check_prepared(self.vocabulary, self.wv)

    def _check_trainable_weights(self):
        for name, layer, on in (("syn1", self._syn1, self.hs), ("syn1neg", self._syn1neg, self.negative)):
            if on and layer is None:
                raise RuntimeError(f"{name} was left out when this model was saved "
                                   "(save(ignore=...)): its vectors can be queried, but it "
                                   "cannot train")
        _weights.check_trainable({"wv.vectors": self.wv.vectors, "syn1": self._syn1,
                                  "syn1neg": self._syn1neg}, self.vector_size)

    # --- training -----------------------------------------------------------------------------

    def _kernel(self, compute_loss):
        vocab, hs = self.vocabulary, bool(self.hs)
        codes = points = offsets = accept = alias = None
        if hs:
            codes, points, offsets = _tables.huffman_tree(vocab.counts)
        if self.negative:
            accept, alias = _tables.alias_table(vocab.counts, self.ns_exponent)
        sample_int = vocab.sample_int if self.sample else None
        return _inner.Kernel(
            self.wv.vectors, self._syn1, self._syn1neg, sample_int, accept, alias, codes, points,
            offsets, sg=bool(self.sg), hs=hs, negative=self.negative, window=self.window,
            cbow_mean=bool(self.cbow_mean), cbow_correction=self.cbow_correction,
            shared_negatives=self.shared_negatives,
            shrink_windows=self.shrink_windows,
            compute_loss=compute_loss, lockf=self._lock_factors(), **self._hot_rows())

    def _lock_factors(self):
        """``wv.vectors_lockf`` for the kernel: float32, one entry or one per word (gensim wraps
        any other length around the vocabulary; w2vlib refuses it)."""
        return lock_factors(getattr(self.wv, "vectors_lockf", None), len(self.wv), "wv.vectors_lockf")

    def _hot_rows(self):
        """Private hot rows only pay when workers contend for them (one worker: none)."""
        if self.workers < 2:
            return {}
        return {"hot_nodes": _train.HOT_NODES, "hot_words": _train.HOT_WORDS,
                "merge_every": _train.MERGE_EVERY}

    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None,
              epochs=None, start_alpha=None, end_alpha=None, word_count=0, queue_factor=2,
              report_delay=1.0, compute_loss=False, callbacks=(), progress=False, client=None,
              sync=None, sync_words=None, synchronous=None, **kwargs):
        """Train for ``epochs`` passes over the corpus; returns ``(effective_words, raw_words)``.

        As in gensim, ``epochs`` and one of ``total_examples`` (sentences) or ``total_words``
        (raw words) must be given; after ``build_vocab`` on the same corpus use
        ``total_examples=model.corpus_count``. Progress goes to the ``w2vlib.word2vec`` logger;
        ``progress=True`` also draws a progress bar per epoch on stderr (None: a bar only when
        stderr is a terminal, log lines otherwise).

        As in gensim, the call sets ``model.epochs`` to ``epochs`` and ``model.alpha`` /
        ``model.min_alpha`` to ``start_alpha`` / ``end_alpha`` when they are given (and not 0).
        The learning rate decays with the share of ``total_examples`` done when training on an
        iterable, of ``total_words`` with ``corpus_file`` (either, when only one is given).

        With a Dask `client`, the files of `corpus_file` are trained on its workers, each holding
        a replica of the weights trained by ``workers`` threads; `sync` names how the replicas
        are combined (``"counts"``, the default, ``"rows"``, ``"mean"``, ``"sum"`` or
        ``"epoch"``) and `sync_words` how many raw words each replica trains between two syncs
        (default: 100,000 per thread for skip-gram, 300,000 for CBOW, less with more than two
        replicas); `synchronous` whether each replica waits for a round's update before its
        next lease (True: less staleness, the better quality measured at eight replicas; False:
        the replicas train on while a round is combined, the faster; default: True with more
        than two replicas); the model's
        ``distributed_report`` then tells the rounds, the bytes moved, where the time went and
        the shards each replica trained (docs/distributed.md).
        """
        if kwargs:
            raise TypeError(f"train() got an unexpected keyword argument {next(iter(kwargs))!r}")
        if not len(self.wv):
            raise RuntimeError("you must first build vocabulary before training the model")
        self._check_prepared()
        if total_words is None and total_examples is None:
            raise ValueError("You must specify either total_examples or total_words, for proper "
                             "learning-rate and progress calculations (after build_vocab on the "
                             "same corpus: total_examples=model.corpus_count)")
        if epochs is None or _checks.integer("epochs", epochs) <= 0:
            raise ValueError("You must specify an explicit epochs count, e.g. epochs=model.epochs")
        for name, total in (("total_examples", total_examples), ("total_words", total_words)):
            if total is not None and _checks.integer(name, total) < 0:
                raise ValueError(f"{name} must be >= 0, got {total}")
        self._check_trainable_weights()
        corpus = self._corpus(corpus_iterable, corpus_file, passes=epochs, client=client)
        if client is None and not (sync is None and sync_words is None and synchronous is None):
            raise TypeError("sync=, sync_words= and synchronous= apply to training on a Dask "
                            "cluster (client=)")
        self.compute_loss = bool(compute_loss)
        self.epochs = _checks.integer("epochs", epochs)
        self.alpha = _checks.real("start_alpha", start_alpha) if start_alpha else self.alpha
        self.min_alpha = _checks.real("end_alpha", end_alpha) if end_alpha else self.min_alpha
        if self.hs and self.negative:
            logger.warning(HS_AND_NEGATIVE)
        if self.alpha > self.min_alpha_yet_reached:
            logger.warning(ALPHA_RISES)
        schedule = _train.Schedule(epochs, self.alpha, self.min_alpha, total_words=total_words,
                                   total_examples=total_examples, by_words=corpus_file is not None)
        if client is None:
            run_epoch, close = self._local_epochs(corpus, schedule, progress)
        else:
            run_epoch, close = self._dask_epochs(client, corpus, schedule, sync, sync_words,
                                                 synchronous)
        self.train_calls += 1
        self.wv.norms = None
        started = time.perf_counter()
        try:   # the trainer is closed whatever fails, a callback included
            for callback in callbacks:
                callback.on_train_begin(self)
            effective, raw = self._train_epochs(run_epoch, schedule, callbacks,
                                                check_totals=corpus_file is None)
        finally:
            self.total_train_time += time.perf_counter() - started
            close()
        for callback in callbacks:
            callback.on_train_end(self)
        self.add_lifecycle_event("train", msg=(
            f"training on {raw} raw words ({effective} effective words) with "
            f"{plural(self.workers, 'worker')}, sg={self.sg} hs={self.hs} negative={self.negative} "
            f"window={self.window}, {plural(epochs, 'epoch')}"))
        return effective, raw

    def _local_epochs(self, corpus, schedule, progress):
        """Epochs on this machine's threads: ``(run_epoch, close)``; ``run_epoch(epoch)`` returns
        the epoch's tally and loss."""
        if self._index is None and corpus.sources is not None:
            self._index = _reader.VocabIndex(self.wv.index_to_key)
        engine = _train.Engine(self._kernel(self.compute_loss), self.vector_size, self.workers,
                               self.batch_words, self.seed, self.wv.key_to_index, self._index,
                               stream=self.train_calls)
        self._engine = engine
        report = make_progress(progress, loss=(lambda: engine.epoch_loss) if self.compute_loss else None)

        def run_epoch(epoch):
            return engine.run_epoch(corpus, schedule, epoch, report), engine.epoch_loss

        return run_epoch, (report.close if report is not None else lambda: None)

    def _dask_epochs(self, client, corpus, schedule, sync, sync_words, synchronous):
        """Epochs on a Dask cluster's replicas (docs/distributed.md): ``(run_epoch, close)``."""
        from w2vlib import _dask_train
        policy = _dask_train.Sync(_dask_train.DEFAULT_POLICY if sync is None else sync, sync_words,
                                  synchronous)
        trainer = _dask_train.Trainer(self, client, [source[0] for source in corpus.sources],
                                      schedule, self.compute_loss, policy)
        self._engine = None
        self.distributed_report = trainer.report
        return trainer.run_epoch, trainer.close

    def _train_epochs(self, run_epoch, schedule, callbacks, check_totals):
        effective = raw = 0
        for epoch in range(schedule.epochs):
            for callback in callbacks:
                callback.on_epoch_begin(self)
            tally, self.running_training_loss = run_epoch(epoch)
            if epoch > 0 and tally.raw_words == 0 and raw > 0:
                raise ValueError("the corpus produced no words in epoch "
                                 f"{epoch} after {raw} in the first: is it a one-shot iterator?")
            effective, raw = effective + tally.effective_words, raw + tally.raw_words
            if tally.alpha is not None:
                self.min_alpha_yet_reached = tally.alpha
            _check_finite(self.wv.vectors, epoch)
            logger.info("EPOCH %i: training on %i raw words (%i effective words)", epoch,
                        tally.raw_words, tally.effective_words)
            if check_totals:   # as gensim: a corpus_file is expected to differ (it is split)
                _warn_if_not_total(epoch, tally, schedule)
            for callback in callbacks:
                callback.on_epoch_end(self)
        return effective, raw

    def get_latest_training_loss(self):
        """Loss of the latest epoch (summed over workers, float64); needs ``compute_loss=True``.

        Unlike gensim it is reset at each epoch and does not depend on ``workers``.
        """
        if self._engine is not None:
            return self._engine.epoch_loss
        return self.running_training_loss

    def init_sims(self, replace=False):
        """Deprecated in gensim 4: ``wv.init_sims(replace)`` (see :meth:`KeyedVectors.init_sims`)."""
        deprecated("init_sims", "wv." + INIT_SIMS_ADVICE)
        self.wv._init_sims(replace)

    # --- queries on the output layer ----------------------------------------------------------

    def predict_output_word(self, context_words_list, topn=10):
        """Most probable center words for a context, as ``[(word, probability), ...]``
        (negative sampling models only, as in gensim); None if no context word is known."""
        if not self.negative:
            raise RuntimeError("predict_output_word needs a model trained with negative sampling "
                               "(negative > 0)")
        if self._syn1neg is None:   # wv loaded from a word2vec file: no output layer
            raise RuntimeError("Parameters required for predicting the output words not found.")
        return predict_output_word(self.wv, self.syn1neg, context_words_list, topn, self.cbow_mean)

    def score(self, sentences, total_sentences=int(1e6), chunksize=100, queue_factor=2,
              report_delay=1):
        """Log-probability of each sentence under the model (hierarchical softmax models only)."""
        if not self.hs:
            raise RuntimeError("score needs a model trained with hierarchical softmax (hs=1)")
        codes, points, offsets = _tables.huffman_tree(self.vocabulary.counts)
        return score_sentences(self.wv, self.syn1, codes, points, offsets, sentences,
                               total_sentences, self.window, bool(self.sg), bool(self.cbow_mean))

    # --- persistence --------------------------------------------------------------------------

    def save(self, fname, **options):
        """Save the whole model (vectors, output weights, vocabulary, parameters) in w2vlib's
        native format: no pickle, so loading an untrusted file cannot run code. A model whose
        vectors hold NaN or infinity (training diverged) is refused.

        gensim's options are accepted: ``separately``, ``sep_limit`` and ``pickle_protocol``
        have nothing to choose in the native file (every array is stored on its own and can be
        memory-mapped; nothing is pickled); ``ignore=['syn1neg']`` (or ``'syn1'``) leaves an
        output layer out, so the loaded model's vectors can be queried but it cannot train
        further (``'cum_table'`` is never stored).

        Examples
        --------
        >>> import os, tempfile
        >>> model = Word2Vec([["a", "b"], ["b", "c"]] * 20, vector_size=4, min_count=1, workers=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.w2v")
        >>> model.save(path, ignore=["syn1neg"])
        >>> Word2Vec.load(path).predict_output_word(["a"])
        Traceback (most recent call last):
        RuntimeError: Parameters required for predicting the output words not found.
        """
        ignored = _checks.left_out(options, LEAVABLE)
        self._check_prepared()
        _check_finite(self.wv.vectors, None)
        lockf = self._lock_factors()
        self.add_lifecycle_event("saved", fname=path_text(fname))
        _model_file.save(self, fname, lockf, ignored)

    @_ClassOnly
    def load(cls, fname, mmap=None):
        """Load a model written by :meth:`save` (``mmap='r'`` maps the arrays read-only).

        As in gensim it is called on the class (``Word2Vec.load(f)``); on an instance it raises
        AttributeError. A file holding a KeyedVectors raises :class:`~w2vlib.errors.WrongKindError`
        (an AttributeError, as in gensim, and a ValueError)."""
        meta, arrays = _model_file.read(fname, mmap)
        model = cls.__new__(cls)   # not __init__: a loaded model was not created now
        try:
            model._configure(meta)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{fname}: invalid parameter: {err}") from None
        _model_file.restore(model, fname, meta, arrays)
        model.add_lifecycle_event("loaded", fname=path_text(fname))
        return model

    def __getstate__(self):
        """For ``copy.deepcopy`` and pickle (of a model you made, e.g. to keep the best one in
        a callback): the training engine and the C key index are left out and rebuilt on the
        next ``train()`` (``save``/``load`` stay the way to store a model in a file)."""
        state = dict(self.__dict__)
        if self._engine is not None:
            state["running_training_loss"] = self._engine.epoch_loss
        state["_engine"] = state["_index"] = None
        return state

    def __str__(self):
        return (f"Word2Vec<vocab={len(self.wv)}, vector_size={self.vector_size}, "
                f"alpha={self.alpha}>")


Word2Vec.__doc__ = Word2Vec.__doc__.replace(
    "{parameters}", textwrap.indent(_params.docstring_section(), "    "))


def _warn_if_not_total(epoch, tally, schedule):
    """gensim's warnings when an epoch read another number of sentences or words than the
    ``total_examples`` / ``total_words`` given to train() (the learning rate then did not
    decay as planned)."""
    if schedule.total_examples and schedule.total_examples != tally.examples:
        logger.warning("EPOCH %i: supplied example count (%i) did not equal expected count (%i)",
                       epoch, tally.examples, schedule.total_examples)
    if schedule.total_words and schedule.total_words != tally.raw_words:
        logger.warning("EPOCH %i: supplied raw word count (%i) did not equal expected count (%i)",
                       epoch, tally.raw_words, schedule.total_words)


def _check_finite(vectors, epoch):
    if not np.isfinite(vectors).all():
        when = "" if epoch is None else f" in epoch {epoch}"
        raise FloatingPointError(
            f"training diverged{when}: the vectors contain NaN or infinity (try a smaller alpha)")
