"""Time a request spends in its write transaction, for the request log (config.requestlog).

The answer path notes how long it held the database's write lock (``write_transaction``); the
request's log line carries it as ``write_ms``, and ``make bench`` prints its p99 from the log.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

_write_ms = ContextVar("write_ms", default=None)


@contextmanager
def write_transaction():
    """Around a write transaction: adds to this request's ``write_ms`` the time from the moment the
    block calls the function it is given (``begun()``, first thing inside ``atomic()``, once the
    database's write lock is held) to the commit. Waiting for the lock is not counted."""
    started = []
    try:
        yield lambda: started.append(time.perf_counter())
    finally:
        if started:
            _write_ms.set((_write_ms.get() or 0) + (time.perf_counter() - started[0]) * 1000)


def take_write_ms():
    """The milliseconds noted for this request so far, or None; and start again from nothing."""
    value = _write_ms.get()
    _write_ms.set(None)
    return None if value is None else round(value, 3)
