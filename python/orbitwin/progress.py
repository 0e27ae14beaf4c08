"""A rich progress bar that may be switched off: the shared start/stop of the run
and sweep bars (subclasses build ``self._progress`` or leave it ``None``)."""

from __future__ import annotations

from typing import Any


class OptionalProgress:
    """Context manager that starts and stops ``self._progress`` when there is one."""

    _progress: Any = None

    def __enter__(self) -> OptionalProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
