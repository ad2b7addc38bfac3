"""w2vlib._parallel.run_parts: results in part order, the first error in part order, and the
parts after a failed one called off (none left running)."""
import threading
import time

import pytest

from w2vlib._parallel import Cancelled, run_parts


def test_results_come_in_part_order():
    def work(k, check):
        time.sleep(0.02 * (3 - k))          # the last part finishes first
        return k, threading.current_thread().name
    results = run_parts(work, 3)
    assert [k for k, _ in results] == [0, 1, 2]
    assert len({name for _, name in results}) == 3


def test_the_first_error_in_part_order_is_raised_even_when_it_comes_last():
    def work(k, check):
        if k == 2:
            raise KeyError("part 2")
        if k == 0:
            time.sleep(0.2)
            raise ValueError("part 0")
        return k
    with pytest.raises(ValueError, match="part 0"):
        run_parts(work, 3)


def test_parts_after_a_failed_one_are_called_off_and_earlier_ones_finish():
    finished, stopped = [], []

    def work(k, check):
        if k == 1:
            raise OSError("part 1 failed")
        deadline = time.monotonic() + (0.3 if k == 0 else 30)
        try:
            while time.monotonic() < deadline:
                check()
                time.sleep(0.005)
        except Cancelled:
            stopped.append(k)
            raise
        finished.append(k)

    start = time.monotonic()
    with pytest.raises(OSError, match="part 1 failed"):
        run_parts(work, 4)
    assert time.monotonic() - start < 10
    assert finished == [0] and sorted(stopped) == [2, 3]
    assert not [t for t in threading.enumerate() if t.name.startswith("w2vlib-part-")]
