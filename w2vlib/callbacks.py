"""Training callbacks, with gensim's names.

Subclass :class:`CallbackAny2Vec` and pass instances to ``Word2Vec(callbacks=[...])`` or
``train(callbacks=[...])``; every hook receives the model.

Examples
--------
>>> class EpochLogger(CallbackAny2Vec):
...     def __init__(self):
...         self.epochs = []
...     def on_epoch_end(self, model):
...         self.epochs.append(len(self.epochs))
>>> from w2vlib import Word2Vec
>>> logger = EpochLogger()
>>> _ = Word2Vec([["a", "b", "c"]] * 20, min_count=1, epochs=3, workers=1, callbacks=[logger])
>>> logger.epochs
[0, 1, 2]
"""


class CallbackAny2Vec:
    """Base class for training callbacks: override the hooks you need."""

    def on_epoch_begin(self, model):
        """Called at the start of each epoch."""

    def on_epoch_end(self, model):
        """Called at the end of each epoch."""

    def on_train_begin(self, model):
        """Called at the start of ``train()``."""

    def on_train_end(self, model):
        """Called at the end of ``train()``."""
