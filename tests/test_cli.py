"""The command line and the scenario runner: every scenario runs at small size,
the output opens in xarray with units, errors are one clear paragraph, and an
interrupted run leaves a readable partial file up to the last flush."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin
from orbitwin import cli, run

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.py"))


def test_there_are_scenarios() -> None:
    assert len(SCENARIOS) >= 2


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_runs_small(path: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run.h5"
    rc = cli.main(
        [
            "run",
            str(path),
            "--out",
            str(out),
            "--duration",
            "20min",
            "--no-progress",
            "--threads",
            "2",
        ]
    )
    assert rc == 0
    assert out.exists() and not out.with_name("run.h5.partial").exists()
    printed = capsys.readouterr().out
    assert "satellite-steps/s" in printed and "eclipse fraction" in printed
    with h5py.File(out) as f:
        assert f.attrs["orbitwin_complete"] == 1
        every_s = float(f.attrs["output_every_s"])
        n_frames = int(20 * 60 // every_s) + 1  # t = 0 and every output time
        assert f["time_ns"].shape[0] == n_frames
        assert f["time_ns"][-1] == (n_frames - 1) * every_s * 10**9
        alt = f["orbit__altitude"][...]
        ok = (f["status__flags"][...] & 1) == 0
        assert np.all((alt[ok] > 150e3) & (alt[ok] < 2500e3))
        assert path.read_text() == f.attrs["scenario_source"]


def test_output_opens_in_xarray_with_units(tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    scenario = orbitwin.Scenario(
        name="tiny", epoch="2024-05-13T00:00:00Z", duration="30min", step="10s", output_every="60s"
    )
    scenario.add_fleet("w", orbitwin.walker(12, 3, 1, altitude_m=550e3, inclination_deg=53.0))
    result = run.run_scenario(scenario, tmp_path / "tiny.h5", progress=False)
    ds = xr.open_dataset(result.path, engine="h5netcdf")
    assert ds.sizes["time"] == 31 and ds.sizes["satellite"] == 12
    assert ds["orbit__altitude"].attrs["units"] == "m"
    assert ds["sun__illumination"].attrs["units"] == "1"
    assert str(ds["time"].values[1]).startswith("2024-05-13T00:01:00")
    assert list(ds["satellite_name"].values[:2]) == ["W-00-00", "W-00-01"]
    # The file holds what the core computed: altitude of a circular 550 km orbit.
    assert np.allclose(ds["orbit__altitude"].values, 550e3, atol=25e3)


def test_interrupted_run_keeps_a_readable_partial_file(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C after the second batch: exit 130, the .partial file holds 2 x 64 frames."""
    calls = {"n": 0}
    original = run.RunWriter.assemble

    def interrupt_on_third(self, frames, reuse=None):
        # Ctrl-C lands in the main thread while the third batch is handed over.
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, frames, reuse)

    monkeypatch.setattr(run.RunWriter, "assemble", interrupt_on_third)
    out = tmp_path / "cut.h5"
    rc = cli.main(
        ["run", str(ROOT / "scenarios" / "walker_shell.py"), "--out", str(out), "--no-progress"]
    )
    assert rc == cli.EXIT_INTERRUPTED
    partial = tmp_path / "cut.h5.partial"
    assert partial.exists() and not out.exists()
    with h5py.File(partial) as f:
        assert f.attrs["orbitwin_complete"] == 0
        # Batches 1 and 2 are flushed whole; batch 3 was written before the interrupt.
        assert f["time_ns"].shape[0] >= 128
        assert np.all(np.diff(f["time_ns"][...]) == 60 * 10**9)
        assert np.isfinite(f["orbit__altitude"][:128]).all()


def test_missing_scenario_file_is_one_clear_line(capsys) -> None:
    rc = cli.main(["run", "no/such/scenario.py"])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_ERROR
    assert "no/such/scenario.py" in err and "does not exist" in err
    assert "Traceback" not in err


def test_syntax_error_names_file_and_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import orbitwin\n\nscenario = orbitwin.Scenario(\n  name='x',,\n)\n")
    rc = cli.main(["run", str(bad)])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_ERROR
    assert str(bad) in err and "line 4" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"duration": "-5min"}, "duration"),
        ({"duration": 0}, "duration"),
        ({"step": 0}, "step"),
        ({"output_every": "25s"}, "multiple of the step"),
        ({"epoch": "yesterday"}, "epoch"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_scenario_fields_name_the_field(kwargs: dict, words: str) -> None:
    base = {"name": "x", "epoch": "2024-05-13T00:00:00Z", "duration": "1h"}
    base.update(kwargs)
    with pytest.raises(orbitwin.ScenarioError, match=words):
        orbitwin.Scenario(**base)


def test_negative_duration_on_the_command_line(capsys) -> None:
    rc = cli.main(["run", str(SCENARIOS[0]), "--duration=-1h", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_ERROR and "duration" in err and "Traceback" not in err


def test_scenario_runs_as_a_plain_script(tmp_path: Path) -> None:
    out = tmp_path / "plain.h5"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scenarios" / "walker_shell.py"),
            "--duration",
            "5min",
            "--out",
            str(out),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


def test_help_is_complete() -> None:
    text = cli.build_parser().format_help()
    assert "run" in text
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
