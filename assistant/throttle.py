"""Failed sign-ins counted per key (a client address, a user name), and refusal once there are too many.

`failures` failed attempts within `window` seconds refuse that key until the
first of them is `window` seconds old (5 in 5 minutes: at most 5 guesses a name
or address each 5 minutes). An attempt refused is not checked, so it does not
count; a success does not clear the count. Counts live in memory: a restart
clears them.

    >>> now = [0.0]
    >>> t = Throttle(failures=2, window=60, clock=lambda: now[0])
    >>> t.fail(["addr:10.0.0.9", "user:bob"]); t.refused(["addr:10.0.0.9"])
    >>> t.fail(["addr:10.0.0.9", "user:bob"]); t.refused(["addr:10.0.0.7", "user:bob"])
    'user:bob'
    >>> now[0] = 61.0; t.refused(["user:bob"]) is None
    True

This module does not know what a key means, nor log; access.py does both.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class Throttle:
    def __init__(self, failures: int = 5, window: float = 300.0, clock=time.monotonic):
        self.failures, self.window, self._clock = failures, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def refused(self, keys) -> str | None:
        """The first of these keys with too many recent failures, or None."""
        now = self._clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now) if key in self._seen else ()
                if len(times) >= self.failures:
                    return key
        return None

    def fail(self, keys) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
                if len(self._seen) > 100_000:  # a flood of made-up names must not fill the memory
                    self._seen.pop(next(iter(self._seen)))

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.setdefault(key, deque(maxlen=self.failures))
        while times and now - times[0] > self.window:
            times.popleft()
        return times
