"""Test helpers: compare a run with a reference inside pytest.

``assert_matches(run, reference, tolerances)`` runs :func:`orbitwin.compare.compare`
and raises ``AssertionError`` with the per-channel table when anything is out of
tolerance::

    from orbitwin.testing import assert_matches

    def test_thermal_model_unchanged(tmp_path):
        result = run_scenario(load_scenario("tests/golden/walker_compute.py"), tmp_path / "x.h5")
        assert_matches(result, "tests/golden/walker_compute.h5")   # regression tolerances
"""

from __future__ import annotations

import os
from typing import Any

from .compare import Comparison, compare
from .tolerances import Tolerances

__all__ = ["assert_matches"]


def assert_matches(
    run: Any,
    reference: Any,
    tolerances: Tolerances | dict[str, Any] | str | os.PathLike[str] | None = None,
    *,
    epoch: str | None = None,
) -> Comparison:
    """Compares ``run`` with ``reference`` (paths, a RunResult or Datasets; see
    :func:`orbitwin.compare.compare`) under ``tolerances`` (None: the shipped regression
    tolerances) and returns the :class:`~orbitwin.compare.Comparison`; raises
    ``AssertionError`` with a readable per-channel table when a channel or an event
    kind is out of tolerance."""
    __tracebackhide__ = True
    result = compare(run, reference, tolerances, epoch=epoch)
    if not result.passed:
        failing = [c.channel for c in result.failing] + [
            e.kind for e in result.events if not e.passed
        ]
        raise AssertionError(
            f"run does not match the reference: out of tolerance: {', '.join(failing)}\n"
            + result.text()
        )
    return result
