"""One background thread that writes a run's batches in order, while the core steps.

(``run_scenario`` overlaps writing with stepping only when a core is left over
for it; otherwise it waits for each batch, which is then encoded on every core.)

The core releases the GIL while it steps, zlib releases it while it
compresses, and ``write()`` releases it while the kernel copies pages, so the
file is written while the next batch is computed. Jobs run strictly in the
order they were submitted (one worker), so the file's contents do not depend
on timing. At most :attr:`max_pending` jobs wait; :meth:`submit` blocks
beyond that, which bounds the memory held by copies of frames.

An exception in a job is raised again in the submitting thread, by the next
:meth:`submit`, :meth:`wait` or :meth:`close`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class OrderedWriter:
    """Runs submitted jobs one after another on a background thread."""

    def __init__(self, max_pending: int = 2) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending is {max_pending}; allowed: at least 1")
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orbitwin-output")
        self._pending: deque[Future] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queues ``fn(*args)`` after every job submitted before it."""
        self._reap()
        while len(self._pending) >= self.max_pending:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(fn, *args))

    def wait(self) -> None:
        """Returns when every submitted job has run. On the first failure the jobs
        queued after it are cancelled and the failure is raised."""
        try:
            while self._pending:
                self._pending.popleft().result()
        except BaseException:
            for job in self._pending:
                job.cancel()
            self._pending.clear()
            raise

    def close(self) -> None:
        """Waits for every job, then stops the thread; raises the first failure."""
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)

    def _reap(self) -> None:
        while self._pending and self._pending[0].done():
            self._pending.popleft().result()
