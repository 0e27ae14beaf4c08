"""Parameters written through a numpy view kept across advances take effect from the
next step, whether a row becomes different between satellites or uniform again
(the core transposes only rows that differ and re-checks every row before each
advance)."""

from __future__ import annotations

import numpy as np

import orbitwin as ow


def _twin() -> ow.Twin:
    twin = ow.Twin("2024-05-13T00:00:00Z", step="10s", threads=2)
    twin.add_fleet(
        "shell",
        ow.walker(130, 13, 1, altitude_m=550e3, inclination_deg=53.0),
        design=ow.compute_node(),
    )
    twin.start()
    return twin


def _temps(twin: ow.Twin) -> np.ndarray:
    return np.array(twin.fleets[0].state("thermal.temperature"))


def test_retained_view_writes_match_fresh_accessor_writes() -> None:
    """A write through a view taken before the first advance gives bit-identical
    temperatures to the same write through a fresh ``param()`` call."""
    kept, fresh, untouched = _twin(), _twin(), _twin()
    emissivity = kept.fleets[0].param("radiator.emissivity")  # view kept across advances
    capacity = kept.fleets[0].param("thermal.capacity")
    for twin in (kept, fresh, untouched):
        twin.advance(by="10min")
    emissivity[::7] = 0.3  # the row now differs between satellites
    capacity[5, 0] *= 2.0
    f = fresh.fleets[0]
    f.param("radiator.emissivity")[::7] = 0.3
    f.param("thermal.capacity")[5, 0] *= 2.0
    for twin in (kept, fresh, untouched):
        twin.advance(by="30min")
    np.testing.assert_array_equal(_temps(kept), _temps(fresh))
    assert not np.array_equal(_temps(kept), _temps(untouched))
    # The row uniform again (one value for every satellite): both still agree.
    emissivity[:] = 0.3
    f.param("radiator.emissivity")[:] = 0.3
    for twin in (kept, fresh):
        twin.advance(by="30min")
    np.testing.assert_array_equal(_temps(kept), _temps(fresh))
