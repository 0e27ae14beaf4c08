"""Sweeps: specs expand and validate, parameters reach the scenario, local
processes and a Dask LocalCluster give the same bytes, a failing run is recorded
while the others finish, a second invocation runs nothing new, and Ctrl-C keeps
the finished rows. Runs are tiny (12 satellites, 20 simulated minutes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from orbitwin import cli, metrics, params, sweep

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "scenarios" / "walker_design.py"

SMALL = """
[sweep]
scenario = "{scenario}"
name = "small"
seeds = [1, 2]

[set]
duration = "20min"
planes = 3
per_plane = 4

[grid]
altitude_km = {altitudes}
"""


def write_spec(tmp: Path, text: str | None = None, altitudes: str = "[500.0, 650.0]") -> Path:
    path = tmp / "spec.toml"
    body = text if text is not None else SMALL.format(scenario=DESIGN, altitudes=altitudes)
    path.write_text(body.replace("{scenario}", str(DESIGN)))
    return path


class NoRuns:
    """An engine that must not be asked to run anything."""

    def run(self, tasks):
        assert not tasks, f"expected nothing to run, got {len(tasks)} runs"
        yield from ()


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """The small sweep (2 altitudes x 2 seeds) on 2 local worker processes."""
    tmp = tmp_path_factory.mktemp("local")
    spec = sweep.load_spec(write_spec(tmp))
    report = sweep.run_sweep(spec, tmp / "out", engine=sweep.ProcessEngine(2), progress=False)
    return spec, tmp / "out", report


# ---- spec and parameters ----------------------------------------------------------


def test_spec_expands_grid_samples_and_seeds(tmp_path: Path) -> None:
    text = SMALL.format(scenario=DESIGN, altitudes="{ start = 500, stop = 600, num = 3 }")
    text = text.replace("seeds = [1, 2]", "seeds = { start = 4, count = 2 }\nsamples = 2")
    text += '\n[random]\ninclination_deg = { dist = "uniform", low = 40.0, high = 60.0 }\n'
    text += 'phasing = { dist = "choice", values = [0, 1, 2] }\n'
    spec = sweep.load_spec(write_spec(tmp_path, text))
    tasks = spec.runs(tmp_path / "out")
    assert len(tasks) == 3 * 2 * 2
    assert len({t.run_id for t in tasks}) == len(tasks)
    assert [t.run_id for t in sweep.load_spec(spec.path).runs()] == [t.run_id for t in tasks]
    assert {t.seed for t in tasks} == {4, 5}
    assert sorted({t.values["altitude_km"] for t in tasks}) == [500.0, 550.0, 600.0]
    # Sample k has the same draws at every grid point, within the bounds.
    draws = {(t.values["inclination_deg"], t.values["phasing"]) for t in tasks}
    assert len(draws) == 2 and all(40 <= i <= 60 and p in (0, 1, 2) for i, p in draws)
    assert all(t.fields == {"duration": "20min"} for t in tasks)
    assert isinstance(tasks[0].parameters["planes"], int)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("planes = 3", "plains = 3"), ["'plains'", "unknown", "altitude_km", "duration"]),
        (("[grid]", "[random]\nx = 1\n[grid]"), ["'x'", "unknown"]),
        (
            ("altitude_km = [500.0, 650.0]", 'altitude_km = { dist = "gauss", mean = 1 }'),
            ["[grid] altitude_km", "allowed"],
        ),
        (("planes = 3", "planes = 2.5"), ["planes", "2.5", "whole number"]),
        (("altitude_km = [500.0, 650.0]", "altitude_km = []"), ["empty list"]),
        (("[set]", "[sett]"), ["[sett]", "unknown", "[grid]"]),
        ((str(DESIGN), "no/such/scenario.py"), ["no/such/scenario.py", "does not exist"]),
        (("seeds = [1, 2]", "seeds = [1, -2]"), ["seed -2", "non-negative"]),
        (("[set]", "[set]\nseed = 3"), ["seeds = [...]"]),
    ],
)
def test_bad_specs_name_field_value_and_allowed(tmp_path: Path, edit, words) -> None:
    text = SMALL.format(scenario=DESIGN, altitudes="[500.0, 650.0]").replace(*edit)
    with pytest.raises(sweep.SweepSpecError) as info:
        sweep.load_spec(write_spec(tmp_path, text))
    for w in words:
        assert w in str(info.value)


@pytest.mark.parametrize(
    ("random", "words"),
    [
        ('{ dist = "gauss", mean = 1.0, std = 1.0 }', ["'gauss'", "uniform, loguniform"]),
        ('{ dist = "uniform", low = 2.0 }', ["uniform takes low, high", "got low"]),
        ('{ dist = "uniform", low = 2.0, high = 1.0 }', ["low < high"]),
        ('{ dist = "loguniform", low = 0.0, high = 1.0 }', ["> 0"]),
    ],
)
def test_bad_distributions(tmp_path: Path, random: str, words: list[str]) -> None:
    text = SMALL.format(scenario=DESIGN, altitudes="[500.0]").replace("seeds", "samples = 2\nseeds")
    text += f"\n[random]\ninclination_deg = {random}\n"
    with pytest.raises(sweep.SweepSpecError) as info:
        sweep.load_spec(write_spec(tmp_path, text))
    assert "[random] inclination_deg" in str(info.value)
    for w in words:
        assert w in str(info.value)


def test_real_distribution_on_an_int_parameter_is_refused(tmp_path: Path) -> None:
    text = SMALL.format(scenario=DESIGN, altitudes="[500.0]").replace("seeds", "samples = 2\nseeds")
    text += '\n[random]\nphasing = { dist = "normal", mean = 1.0, std = 0.5 }\n'
    with pytest.raises(sweep.SweepSpecError, match="randint or choice"):
        sweep.load_spec(write_spec(tmp_path, text))


def test_parameters_reach_the_scenario() -> None:
    sc, declared, used = params.load_with_parameters(DESIGN, {"altitude_km": 700, "planes": 2})
    assert declared["altitude_km"] == 550.0 and used["altitude_km"] == 700.0
    assert used["planes"] == 2 and sc.n_satellites == 2 * declared["per_plane"]
    a = sc.fleets[0].orbits.semi_major_axis_m
    assert np.allclose(a - 6378137.0, 700e3)
    # Outside a sweep the script gets its defaults.
    assert params.parameters(x=1.5).x == 1.5
    with pytest.raises(params.ScenarioError, match="'altitude'.*declared: altitude_km"):
        params.load_with_parameters(DESIGN, {"altitude": 700.0})
    with pytest.raises(params.ScenarioError, match="'planes' is 'six'.*whole number"):
        params.load_with_parameters(DESIGN, {"planes": "six"})


# ---- engines, failures, resume, Ctrl-C ---------------------------------------------


def _telemetry(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path) as f:
        return {
            k: f[k][...]
            for k in f
            if isinstance(f[k], h5py.Dataset) and k not in ("satellite_name", "fleet")
        }


def test_local_processes_write_one_file_and_row_per_run(local_sweep) -> None:
    spec, out, report = local_sweep
    assert (report.total, report.ok, report.failed, report.interrupted) == (4, 4, 0, False)
    rows = sweep.read_summary(out)
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows)
    for r in rows:
        path = out / r["path"]
        assert path.exists()
        # The altitude parameter reached the orbit: the metric follows it.
        assert abs(r["orbit.altitude.mean"] - r["altitude_km"] * 1e3) < 25e3
        assert 0 < r["fleet.eclipse_fraction"] < 0.5
        assert r["stats.eclipse_fraction"] == pytest.approx(r["fleet.eclipse_fraction"])
        with h5py.File(path) as f:
            assert json.loads(f.attrs["sweep_parameters"])["altitude_km"] == r["altitude_km"]
            assert f.attrs["seed"] == r["seed"]
    manifest = json.loads((out / "sweep.json").read_text())
    assert {m["run_id"] for m in manifest["runs"]} == {r["run_id"] for r in rows}


def test_dask_local_cluster_gives_identical_results(local_sweep, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    spec, out_local, _ = local_sweep
    out = tmp_path / "dask"
    report = sweep.run_sweep(
        spec, out, engine=sweep.make_engine(dask="local", jobs=2), progress=False
    )
    assert report.ok == 4
    local = {r["run_id"]: r for r in sweep.read_summary(out_local)}
    for r in sweep.read_summary(out):
        other = local[r["run_id"]]
        for key, value in r.items():
            if not key.startswith("run.") and key not in ("wall_s", "path"):
                assert value == other[key], key
        a, b = _telemetry(out / r["path"]), _telemetry(out_local / other["path"])
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].tobytes() == b[k].tobytes(), k


def test_dask_missing_is_one_clear_error(local_sweep, monkeypatch, capsys) -> None:
    spec, out, _ = local_sweep
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    assert cli.main(["sweep", str(spec.path), "--out", str(out), "--dask", "local"]) == 2
    err = capsys.readouterr().err
    assert "dask.distributed" in err and "orbitwin[dask]" in err and "Traceback" not in err


def test_second_invocation_runs_nothing_new(local_sweep) -> None:
    spec, out, _ = local_sweep
    report = sweep.run_sweep(spec, out, engine=NoRuns(), progress=False)
    assert (report.skipped, report.ran) == (4, 0)
    # A run whose file went missing runs again, and only that one.
    victim = sweep.read_summary(out)[0]
    (out / victim["path"]).unlink()
    report = sweep.run_sweep(spec, out, engine=sweep.SerialEngine(), progress=False)
    assert (report.skipped, report.ok) == (3, 1)
    assert (out / victim["path"]).exists()


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path: Path, capsys) -> None:
    spec = write_spec(tmp_path, altitudes="[-100.0, 550.0]")
    out = tmp_path / "out"
    args = ["sweep", str(spec), "--out", str(out), "--jobs", "2", "--no-progress"]
    assert cli.main(args) == sweep.EXIT_RUNS_FAILED
    assert "2 ok, 2 failed" in capsys.readouterr().out
    rows = sweep.read_summary(out)
    failed = [r for r in rows if r["status"] == "failed"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(failed) == 2 and len(ok) == 2
    assert all(r["altitude_km"] == -100.0 and not r["path"] for r in failed)
    assert "perigee altitude" in failed[0]["error"] and "allowed" in failed[0]["error"]
    assert (out / "runs" / f"{failed[0]['run_id']}.error.txt").read_text().startswith("Traceback")
    # Failed runs count as finished; --retry-failed runs them (only them) again.
    assert cli.main(args) == 0
    assert "0 ok, 0 failed now, 4 finished before" in capsys.readouterr().out
    assert cli.main([*args, "--retry-failed", "--serial"]) == sweep.EXIT_RUNS_FAILED
    assert "0 ok, 2 failed now, 2 finished before" in capsys.readouterr().out


CRASHY = """
import os
import signal

import orbitwin
from orbitwin.params import parameters

p = parameters(crash=False, altitude_km=550.0)
if p.crash:
    os.kill(os.getpid(), signal.SIGKILL)  # a segfault in the core, or the OOM killer
scenario = orbitwin.Scenario(name="crashy", epoch="2024-05-13T00:00:00Z", duration="10min")
w = orbitwin.walker(6, 2, 1, altitude_m=p.altitude_km * 1e3, inclination_deg=53.0)
scenario.add_fleet("w", w)
"""


def test_a_dying_worker_fails_only_its_run(tmp_path: Path) -> None:
    (tmp_path / "crashy.py").write_text(CRASHY)
    text = '[sweep]\nscenario = "crashy.py"\n[grid]\ncrash = [false, true]\n'
    text += "altitude_km = [500.0, 600.0]\n"
    spec = sweep.load_spec(write_spec(tmp_path, text))
    report = sweep.run_sweep(spec, tmp_path / "out", engine=sweep.ProcessEngine(2), progress=False)
    assert (report.ok, report.failed) == (2, 2)
    for r in sweep.read_summary(tmp_path / "out"):
        assert (r["status"] == "failed") == r["crash"]
        assert ("worker process died" in r["error"]) == r["crash"]


def test_ctrl_c_keeps_finished_runs_and_resumes(tmp_path: Path, monkeypatch, capsys) -> None:
    spec = write_spec(tmp_path, altitudes="[500.0, 550.0, 600.0]")
    out = tmp_path / "out"
    seen = {"n": 0, "workers": []}
    original = sweep._SweepProgress.update
    engines = []
    make = sweep.make_engine

    def keep_engine(*a, **k):
        engines.append(make(*a, **k))
        return engines[-1]

    def interrupt_after_two(self, report):
        original(self, report)
        seen["n"] += 1
        if seen["n"] == 2:
            seen["workers"] = list(engines[0].pool._processes.values())
            raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "make_engine", keep_engine)
    monkeypatch.setattr(sweep._SweepProgress, "update", interrupt_after_two)
    args = ["sweep", str(spec), "--out", str(out), "--jobs", "2", "--no-progress"]
    assert cli.main(args) == cli.EXIT_INTERRUPTED
    assert "interrupted; 2 runs finished and kept, 4 left" in capsys.readouterr().err
    assert seen["workers"] and not any(p.is_alive() for p in seen["workers"])
    rows = sweep.read_summary(out)
    assert len(rows) == 2 and all(r["status"] == "ok" for r in rows)
    monkeypatch.setattr(sweep._SweepProgress, "update", original)
    assert cli.main([*args, "--serial"]) == 0
    assert "4 ok, 0 failed now, 2 finished before" in capsys.readouterr().out
    assert len(sweep.read_summary(out)) == 6


# ---- summary, plot and metrics -----------------------------------------------------


def test_summary_sorts_by_a_metric(local_sweep, capsys) -> None:
    spec, out, _ = local_sweep
    base = ["sweep", str(spec.path), "--out", str(out), "--summary"]
    assert cli.main([*base, "--sort", "orbit.altitude.mean", "--desc"]) == 0
    text = capsys.readouterr().out
    assert "orbit.altitude.mean" in text and "fleet.eclipse_fraction" in text
    lines = [ln for ln in text.splitlines() if " ok " in ln]
    assert len(lines) == 4 and "650" in lines[0] and "500" in lines[-1]
    assert cli.main([*base, "--sort", "no.such"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "'no.such'" in err and "altitude_km" in err and "fleet.eclipse_fraction" in err


def test_plot_metric_against_parameter(local_sweep, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    spec, out, _ = local_sweep
    fig = tmp_path / "alt.png"
    args = ["sweep", str(spec.path), "--out", str(out), "--plot", "fleet.eclipse_fraction"]
    assert cli.main([*args, "--against", "altitude_km", "--figure", str(fig)]) == 0
    assert fig.read_bytes()[:4] == b"\x89PNG"


def test_metrics_are_generic_and_registrable(local_sweep, monkeypatch) -> None:
    _, out, _ = local_sweep
    path = out / sweep.read_summary(out)[0]["path"]
    monkeypatch.setitem(metrics.METRICS, "test.double_frames", None)

    @metrics.register_metric("test.double_frames", needs=("time",))
    def _double(f) -> float:
        return 2.0 * f["time"].shape[0]

    metrics.register_metric("test.needs_missing", needs=("thermal__t_radiator",))(lambda f: 1.0)
    monkeypatch.setitem(
        metrics.METRICS, "test.needs_missing", metrics.METRICS["test.needs_missing"]
    )
    got = metrics.file_metrics(path)
    assert got["test.double_frames"] == 42.0  # 21 frames in 20 min
    assert "test.needs_missing" not in got
    with h5py.File(path) as f:
        floats = [
            f[k].attrs["orbitwin_channel"]
            for k in f
            if isinstance(f[k], h5py.Dataset) and f[k].dtype.kind == "f" and f[k].ndim == 2
        ]
    assert floats and all(f"{c}.{s}" in got for c in floats for s in ("min", "mean", "max"))
    with pytest.raises(ValueError, match="with a dot"):
        metrics.register_metric("nodot")
