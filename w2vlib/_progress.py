"""Progress reporting for training epochs: a tqdm bar on a terminal, plain log lines elsewhere.

The training engine (:meth:`w2vlib._train.Engine.run_epoch`) accepts a ``progress`` callable,
called about once a second and once more when the epoch ends::

    progress(tally, schedule, epoch, elapsed, final)

where ``tally`` is the epoch's :class:`w2vlib._train.EpochTally` (raw words, effective words and
sentences done so far), ``schedule`` the :class:`w2vlib._train.Schedule` (epochs, learning-rate
decay, epoch size), ``epoch`` the 0-based epoch number, ``elapsed`` the seconds since the epoch
started and ``final`` True on the last call of the epoch. :func:`make_progress` builds such a
callable:

* :class:`BarProgress` draws one tqdm bar per epoch: % done, raw words (or sentences) per second,
  the current learning rate and, when a loss getter is given, the epoch's loss so far;
* :class:`LogProgress` writes the same figures (with effective words per second, as gensim's
  log does) as ``logging`` lines (logger ``w2vlib.progress``, level INFO) at most every
  :data:`LOG_PERIOD` seconds, plus one line per finished epoch — for logs and CI, where a bar
  would print one line per redraw.

>>> import io
>>> from w2vlib._train import EpochTally, Schedule
>>> stream = io.StringIO()
>>> report = make_progress(True, stream=stream)
>>> schedule = Schedule(epochs=2, start_alpha=0.025, end_alpha=0.0001, total_words=1000)
>>> report(EpochTally(raw_words=1000, effective_words=900), schedule, 0, 0.5, final=True)
>>> "epoch 1/2" in stream.getvalue() and "100%" in stream.getvalue()
True
>>> make_progress(False) is None
True
"""
import logging
import sys
import time

from tqdm import tqdm

logger = logging.getLogger("w2vlib.progress")

#: Seconds between two :class:`LogProgress` lines within an epoch.
LOG_PERIOD = 5.0
#: Significant digits of the loss shown in the bar and the log lines.
LOSS_DIGITS = 4


def make_progress(enabled=None, *, stream=None, loss=None):
    """A progress callable for :meth:`w2vlib._train.Engine.run_epoch`, or None.

    Parameters
    ----------
    enabled : bool or None, optional
        False: no reporter (None is returned). True: a progress bar, wherever `stream` goes.
        None (automatic): a bar when `stream` is a terminal, otherwise periodic log lines.
    stream : file object, optional
        Where a bar is drawn; defaults to ``sys.stderr`` (looked up at call time).
    loss : callable, optional
        A function without arguments returning the loss of the epoch so far (for example
        ``lambda: engine.epoch_loss`` when the loss is computed); shown when given.

    Returns
    -------
    BarProgress, LogProgress or None

    Examples
    --------
    >>> import io
    >>> type(make_progress(None, stream=io.StringIO())).__name__   # not a terminal
    'LogProgress'
    >>> type(make_progress(True, stream=io.StringIO())).__name__
    'BarProgress'
    """
    if enabled is False:
        return None
    stream = sys.stderr if stream is None else stream
    if enabled or _isatty(stream):
        return BarProgress(stream, loss)
    return LogProgress(loss)


def _isatty(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _position(tally, schedule):
    """``(done, total, unit)`` of an epoch: raw words when the epoch size is known in words,
    else sentences; total is None when neither is known."""
    if schedule.total_words:
        return tally.raw_words, schedule.total_words, "word"
    if schedule.total_examples:
        return tally.examples, schedule.total_examples, "sentence"
    return tally.raw_words, None, "word"


def _figures(tally, schedule, epoch, elapsed, loss):
    """The figures both reporters show, formatted."""
    figures = {
        "effective words/s": f"{tally.effective_words / elapsed if elapsed > 0 else 0.0:,.0f}",
        "alpha": f"{schedule.alpha(epoch, tally.raw_words, tally.examples):.6f}",
    }
    if loss is not None:
        figures["loss"] = f"{loss():.{LOSS_DIGITS}g}"
    return figures


class BarProgress:
    """One tqdm bar per training epoch (see :func:`make_progress`).

    Parameters
    ----------
    stream : file object
        Where the bar is drawn.
    loss : callable or None
        Returns the epoch's loss so far.
    """

    def __init__(self, stream, loss=None):
        self.stream, self.loss = stream, loss
        self.bar, self.epoch = None, None

    def __call__(self, tally, schedule, epoch, elapsed, final=False):
        done, total, unit = _position(tally, schedule)
        if self.bar is None or self.epoch != epoch:
            self.close()
            self.epoch = epoch
            # The first call comes some time into the epoch: start the bar's clock at the
            # epoch's start and average over the whole epoch (smoothing=0), so the rate and
            # the time left are the epoch's, not those of the first jump.
            self.bar = tqdm(total=total, unit=unit, unit_scale=True, file=self.stream,
                            desc=f"epoch {epoch + 1}/{schedule.epochs}", leave=True,
                            dynamic_ncols=True, smoothing=0)
            self.bar.start_t -= elapsed
        if total is not None:
            done = total if final else min(done, total)
        figures = _figures(tally, schedule, epoch, elapsed, self.loss)
        figures.pop("effective words/s")  # the bar shows its own rate (of raw words)
        self.bar.set_postfix(figures, refresh=False)
        self.bar.n = done
        self.bar.refresh()
        if final:
            self.close()

    def close(self):
        """Close the current bar, if any (also safe after an interrupted epoch)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class LogProgress:
    """Periodic ``logging`` lines for training epochs (see :func:`make_progress`).

    Parameters
    ----------
    loss : callable or None
        Returns the epoch's loss so far.
    period : float, optional
        Minimum seconds between two lines within an epoch.
    """

    def __init__(self, loss=None, period=LOG_PERIOD):
        self.loss, self.period = loss, period
        self.last = None

    def __call__(self, tally, schedule, epoch, elapsed, final=False):
        now = time.monotonic()
        if not final and self.last is not None and now - self.last < self.period:
            return
        self.last = None if final else now
        done, total, unit = _position(tally, schedule)
        figures = ", ".join(f"{name} {value}" for name, value in
                            _figures(tally, schedule, epoch, elapsed, self.loss).items())
        where = f"{100.0 * done / total:.1f}% of {unit}s" if total else f"{done:,} {unit}s"
        state = f"done in {elapsed:.1f} s, {done:,} {unit}s" if final else where
        logger.info("epoch %d/%d: %s, %s", epoch + 1, schedule.epochs, state, figures)

    def close(self):
        """Nothing to release (for symmetry with :class:`BarProgress`)."""
