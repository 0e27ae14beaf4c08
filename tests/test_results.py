"""Reading runs: open_run and orbitwin info, clear errors for bad files, and a run
killed with SIGKILL leaves a partial file that opens with every flushed frame."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin as ow
from orbitwin import cli
from orbitwin.run import run_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    scenario = ow.Scenario(name="small", epoch="2024-05-13T00:00:00Z", duration="1h", seed=3)
    scenario.add_fleet("w", ow.walker(30, 3, 1, altitude_m=550e3, inclination_deg=53.0))

    @scenario.process
    def note(sim):
        yield sim.timeout("10min")
        sim.log("operation", "w", [1, 2], "test entry")

    return run_scenario(scenario, tmp_path_factory.mktemp("r") / "small.h5", progress=False).path


def test_open_run_gives_dataset_events_and_metadata(small_run: Path) -> None:
    pytest.importorskip("xarray")
    ds = ow.open_run(small_run)
    assert ds.attrs["scenario"] == "small" and ds.attrs["seed"] == 3
    assert ds.attrs["orbitwin_version"] == ow.__version__
    assert (
        ds.sizes == {"time": 61, "satellite": 30, "body_axis": 3, "xyz": 3}
        or ds.sizes["time"] == 61
    )
    ev = ds.attrs["events"]
    assert [str(k) for k in ev["kind"].values] == ["operation", "operation"]
    assert ev["satellite"].values.tolist() == [1, 2]


def test_info_prints_a_summary(small_run: Path, capsys) -> None:
    assert cli.main(["info", str(small_run)]) == 0
    out = capsys.readouterr().out
    for words in (
        "complete",
        "scenario small",
        "30 satellites",
        "61 frames",
        "orbit__altitude",
        "operation 2",
    ):
        assert words in out


def test_missing_file(capsys) -> None:
    assert cli.main(["info", "no/such/run.h5"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "no/such/run.h5" in err and "does not exist" in err and "Traceback" not in err


def test_not_hdf5(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "notes.h5"
    bad.write_text("not a run\n")
    assert cli.main(["info", str(bad)]) == cli.EXIT_ERROR
    assert "not an HDF5 file" in capsys.readouterr().err
    with pytest.raises(ow.RunFileError, match="notes.h5"):
        ow.open_run(bad)


def test_hdf5_but_not_a_run(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    assert cli.main(["info", str(other)]) == cli.EXIT_ERROR
    assert "not an orbitwin run" in capsys.readouterr().err


KILL_SCENARIO = """
import sys
import orbitwin
import orbitwin.cli

scenario = orbitwin.Scenario(name="kill", epoch="2024-05-13T00:00:00Z", duration="2d")
scenario.add_fleet("w", orbitwin.walker(2000, 40, 1, altitude_m=550e3, inclination_deg=53.0))


@scenario.process
def announce(sim):
    # Two batches of 64 one-minute frames are flushed once the core passes 128 min.
    yield sim.timeout("130min")
    sim.sync_output()  # the background writer has written and flushed both batches
    print("flushed", flush=True)


if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
"""


def test_sigkill_leaves_a_readable_partial_file(tmp_path: Path) -> None:
    """A real SIGKILL mid-run: the .partial file opens and holds whole batches of
    frames (64 each, flushed) with consistent times and values."""
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCENARIO)
    out = tmp_path / "killed.h5"
    proc = subprocess.Popen(
        [sys.executable, str(script), "--out", str(out), "--no-progress", "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline()  # blocks until the scenario says two batches are flushed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert line.strip() == "flushed"
    partial = tmp_path / "killed.h5.partial"
    assert partial.exists() and not out.exists()
    info = ow.run_info(partial)
    assert not info.complete
    with h5py.File(partial, "r") as f:
        n = int(f.attrs["orbitwin_frames"])
        t = f["time_ns"][:n]
        assert n >= 128 and n % 64 == 0
        assert np.array_equal(t, np.arange(n) * 60 * 10**9)
        alt = f["orbit__altitude"][:n]
        assert np.all((alt > 500e3) & (alt < 600e3))


def test_design_and_radiation_are_recorded_as_metadata(tmp_path: Path) -> None:
    import json

    scenario = ow.Scenario(name="meta", epoch="2024-05-13T00:00:00Z", duration="10min")
    scenario.add_fleet(
        "c", ow.walker(4, 2, 1, altitude_m=550e3, inclination_deg=53.0), design=ow.compute_node()
    )
    path = run_scenario(scenario, tmp_path / "meta.h5", progress=False).path
    with h5py.File(path) as f:
        design = json.loads(f.attrs["fleet_c_design"])
        assert design["name"] == "compute_node"
        assert design["compute"]["peak_tops"] == 500.0
        assert f.attrs["fleet_c_orbits"] == "ElementSet"
        assert f["thermal__temperature"].dims[2][0].name == "/node"
