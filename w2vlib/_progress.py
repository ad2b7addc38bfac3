"""Progress reporting: a tqdm bar on a terminal, plain log lines elsewhere.

Two kinds of reporter live here, both built from the same ``enabled`` switch (False: none;
True: a bar; None: a bar on a terminal, periodic ``logging`` lines otherwise):

* a **meter** for one long step whose size is counted in one unit — a vocabulary scan (bytes or
  sentences), loading or saving a vectors file (vectors). :func:`make_meter` returns a
  :class:`BarMeter` or :class:`LogMeter`; the step calls ``meter.update(done)`` with its running
  total, as often as it likes, and ``meter.close()`` at the end. Both stay silent for short steps:
  the bar appears after :data:`BAR_DELAY` seconds, the first log line after :data:`LOG_PERIOD`.
* a **training reporter** (:func:`make_progress`) for the epochs of
  :meth:`w2vlib._train.Engine.run_epoch`, called about once a second and once more when the epoch
  ends::

      progress(tally, schedule, epoch, elapsed, final)

  where ``tally`` is the epoch's :class:`w2vlib._train.EpochTally` (raw words, effective words
  and sentences done so far), ``schedule`` the :class:`w2vlib._train.Schedule` (epochs,
  learning-rate decay, epoch size), ``epoch`` the 0-based epoch number, ``elapsed`` the seconds
  since the epoch started and ``final`` True on the last call of the epoch.
  :class:`BarProgress` draws one tqdm bar per epoch: % done, raw words (or sentences) per
  second, the current learning rate and, when a loss getter is given, the epoch's loss so far;
  :class:`LogProgress` writes the same figures (with effective words per second, as gensim's
  log does) at most every :data:`LOG_PERIOD` seconds, plus one line per finished epoch.

Log lines go to the logger ``w2vlib.progress`` at level INFO.

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

#: Seconds between two log lines (within an epoch, or within one step of a meter).
LOG_PERIOD = 5.0
#: Seconds a meter's step must have run before its bar is drawn (short steps stay quiet).
BAR_DELAY = 1.0
#: Bytes in a MiB (log lines show byte counts in MiB).
MIB = 1 << 20
#: Significant digits of the loss shown in the bar and the log lines.
LOSS_DIGITS = 4


def plural(count, noun):
    """``count`` and `noun`, plural unless count is 1 (``1 epoch``, ``5 epochs``).

    >>> plural(1, "epoch"), plural(2, "worker")
    ('1 epoch', '2 workers')
    """
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


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
    """``(done, total, unit)`` of an epoch, in what the learning rate follows
    (:meth:`Schedule.measure`); total is None when neither size is known."""
    total, unit = schedule.measure()
    if unit == "examples":
        return tally.examples, total, "sentence"
    return tally.raw_words, total, "word"


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


# --- meters: one long step counted in one unit --------------------------------------------------

def make_meter(enabled, desc, total=None, unit="it", *, stream=None, delay=None, period=None):
    """A progress meter for one long step (a scan, a load, a save), or None.

    Parameters
    ----------
    enabled : bool or None
        False: no meter (None is returned). True: a progress bar on `stream`. None (automatic):
        a bar when `stream` is a terminal, otherwise periodic log lines.
    desc : str
        What the step does, e.g. ``'loading vectors.bin'``.
    total : int, optional
        The step's size in `unit`; None when unknown (the bar then counts without a percentage).
    unit : str
        ``'B'`` for bytes (shown with binary prefixes), or a noun such as ``'vectors'``.
    stream : file object, optional
        Where a bar is drawn; defaults to ``sys.stderr`` (looked up at call time).
    delay : float, optional
        Seconds before the bar first appears (default :data:`BAR_DELAY`).
    period : float, optional
        Seconds between two log lines (default :data:`LOG_PERIOD`).

    Returns
    -------
    BarMeter, LogMeter or None

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> meter = make_meter(True, "loading tiny.txt", total=4, unit="vectors", stream=stream,
    ...                    delay=0)
    >>> meter.update(4)
    >>> meter.close()
    >>> "loading tiny.txt: 100%" in stream.getvalue()
    True
    >>> make_meter(False, "loading tiny.txt") is None
    True
    """
    if enabled is False:
        return None
    stream = sys.stderr if stream is None else stream
    if enabled or _isatty(stream):
        return BarMeter(desc, total, unit, stream, BAR_DELAY if delay is None else delay)
    return LogMeter(desc, total, unit, LOG_PERIOD if period is None else period)


class BarMeter:
    """A tqdm bar for one step (see :func:`make_meter`)."""

    def __init__(self, desc, total, unit, stream, delay=BAR_DELAY):
        binary = unit == "B"
        self.bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True,
                        unit_divisor=1024 if binary else 1000, file=stream, leave=True,
                        dynamic_ncols=True, delay=delay)

    def update(self, done):
        """Move the bar to `done` units (a running total)."""
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def close(self):
        """Draw the final state (if the bar was shown) and release the bar."""
        self.bar.close()


class LogMeter:
    """Periodic ``logging`` lines for one step (see :func:`make_meter`): one every `period`
    seconds, and a closing one if any was written, so a short step writes nothing."""

    def __init__(self, desc, total, unit, period=LOG_PERIOD):
        self.desc, self.total, self.unit, self.period = desc, total, unit, period
        self.start = self.last = time.monotonic()
        self.done, self.lines = 0, 0

    def update(self, done):
        """Record `done` units (a running total); log a line if `period` has passed."""
        self.done = done
        now = time.monotonic()
        if now - self.last >= self.period:
            self.last = now
            self._log(now, "")

    def close(self):
        """Log the step's end, if it has logged before."""
        if self.lines:
            self._log(time.monotonic(), "done, ")

    def _log(self, now, state):
        elapsed = now - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        share = f"{100.0 * self.done / self.total:.1f}% " if self.total else ""
        logger.info("%s: %s%s%s, %s/s, %.1f s", self.desc, state, share,
                    _amount(self.done, self.unit), _amount(rate, self.unit), elapsed)
        self.lines += 1


def _amount(value, unit):
    """``value unit`` for log lines, bytes in MiB."""
    if unit == "B":
        return f"{value / MIB:,.1f} MiB"
    return f"{value:,.0f} {unit}"


class ByteCounter:
    """A binary file object that reports the bytes read through it to a meter.

    Wraps ``read``/``readinto`` (the calls :func:`w2vlib._reader.count_words` makes, once per
    chunk); other attributes pass through. `offset` is added to the count, so one meter can
    cover several files read one after another.

    >>> import io
    >>> class Tally:
    ...     def update(self, done):
    ...         self.done = done
    >>> tally = Tally()
    >>> reader = ByteCounter(io.BytesIO(b"abcdef"), tally, offset=10)
    >>> reader.read(4), tally.done
    (b'abcd', 14)
    """

    def __init__(self, fileobj, meter, offset=0):
        self._fileobj, self._meter, self.count = fileobj, meter, offset

    def read(self, size=-1):
        data = self._fileobj.read(size)
        self._advance(len(data))
        return data

    def readinto(self, buffer):
        readinto = getattr(self._fileobj, "readinto", None)
        if readinto is not None:
            got = readinto(buffer) or 0
        else:
            data = self._fileobj.read(len(buffer))
            got = len(data)
            memoryview(buffer).cast("B")[:got] = data
        self._advance(got)
        return got

    def _advance(self, nbytes):
        self.count += nbytes
        self._meter.update(self.count)

    def __getattr__(self, name):
        return getattr(self._fileobj, name)
