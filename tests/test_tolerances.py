"""Tolerance files: the documented format, precedence of entries, and errors that name
the field, the value and what is allowed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from orbitwin.tolerances import (
    REGRESSION_TOLERANCES,
    ToleranceError,
    default_tolerances,
    load_tolerances,
    parse_tolerances,
)

EXAMPLE = """
ignore = ["status.flags"]

[default]
abs = 0.0
rel = 1e-6
lag = "0s"

[channels."thermal.temperature"]
abs = 0.5
rel = 0
lag = "30s"
window = ["1h", "1d"]

[channels."compute.*"]
abs = 1.0
max_outside = 0.01

[channels."compute.state"]
ignore = true

[events]
eclipse = "30s"
default = "1s"
ignore = ["upset"]
"""


def test_the_documented_example(tmp_path: Path) -> None:
    path = tmp_path / "tol.toml"
    path.write_text(EXAMPLE)
    tol = load_tolerances(path)
    th = tol.for_channel("thermal.temperature")
    assert (th.abs, th.rel, th.lag_s, th.window_s) == (0.5, 0.0, 30.0, (3600.0, 86400.0))
    assert tol.for_channel("thermal__temperature") == th  # file variable names work too
    # A pattern for the rest of compute; the exact entry wins over it.
    j = tol.for_channel("compute.junction_temperature")
    assert (j.abs, j.rel, j.max_outside, j.ignore) == (1.0, 1e-6, 0.01, False)
    assert tol.for_channel("compute.state").ignore
    assert tol.for_channel("status.flags").ignore
    d = tol.for_channel("orbit.altitude")
    assert (d.abs, d.rel, d.lag_s, d.window_s) == (0.0, 1e-6, 0.0, (0.0, math.inf))
    assert tol.for_event("eclipse") == 30.0 and tol.for_event("watch") == 1.0
    assert tol.for_event("upset") is None


def test_shipped_regression_file_loads() -> None:
    assert REGRESSION_TOLERANCES.is_file()
    tol = default_tolerances()
    assert tol.for_channel("thermal.temperature").abs == pytest.approx(0.02)
    assert tol.for_event("eclipse") == 1.0


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"default": {"rel": 2}}, ["[default].rel is 2", "0 to 1"]),
        ({"default": {"abs": -1}}, ["[default].abs is -1", "0 to inf"]),
        ({"default": {"abs": "big"}}, ["[default].abs is 'big'", "a finite number"]),
        (
            {"channels": {"power.array": {"lag": "soon"}}},
            ["\"power.array\"].lag is 'soon'", "'30s'"],
        ),
        (
            {"channels": {"x.y": {"window": ["2h", "1h"]}}},
            ["window is ['2h', '1h']", "after the start"],
        ),
        ({"channels": {"x.y": {"window": "1h"}}}, ["window is '1h'", "[start, end]"]),
        ({"channels": {"x.y": {"tolerance": 1}}}, ['x.y"].tolerance is 1', "abs, rel, lag"]),
        ({"channels": {"x.y": {"ignore": "yes"}}}, ["ignore is 'yes'", "true or false"]),
        ({"defaults": {}}, ["defaults is {}", "top-level keys default, channels"]),
        ({"ignore": "status.flags"}, ["ignore is 'status.flags'", "a list"]),
        ({"events": {"eclipse": -3}}, ["[events].eclipse is -3", "seconds"]),
    ],
)
def test_bad_tables_name_field_value_and_allowed(table: dict, words: list[str]) -> None:
    with pytest.raises(ToleranceError) as info:
        parse_tolerances(table, "'t.toml'")
    msg = str(info.value)
    assert msg.startswith("tolerance file 't.toml': ")
    for w in words:
        assert w in msg


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_tolerances(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[default\nabs = 1\n")
    with pytest.raises(ToleranceError, match="is not valid TOML"):
        load_tolerances(bad)
