"""Checkpoints and ``orbitwin run --resume``: an interrupted run, resumed, writes the
telemetry and events of an uninterrupted run, bit for bit (Ctrl-C and a real
SIGKILL), whatever the thread count; a changed scenario is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from orbitwin import cli, run
from orbitwin.checkpoint import Checkpoint, ResumeError
from orbitwin.scenario import load_scenario

# Faults before and after the checkpoint, a watch-driven operation, radiation
# draws and compute jobs: every piece of state a resume has to rebuild.
SCENARIO = """
import orbitwin
import orbitwin.cli
from orbitwin import faults
from orbitwin.params import parameters

p = parameters(emissivity_factor=0.7)
scenario = orbitwin.Scenario(
    name="resumable", epoch="2024-05-13T00:00:00Z", duration="{duration}", step="30s",
    output_every="60s", seed=11, ground_stations=orbitwin.DEFAULT_STATIONS[:3],
)
scenario.add_fleet(
    "c", orbitwin.walker(24, 4, 1, altitude_m=550e3, inclination_deg=53.0),
    design=orbitwin.compute_node(),
    radiation=orbitwin.RadiationConfig(solar="max", shield_mm=1.0),
)
scenario.process(faults.radiator_degradation("50min", faults.Target("c", index=[1, 2]),
                                             factor=p.emissivity_factor))
scenario.process(faults.attitude_loss("200min", faults.Target("c", index=[5])))
scenario.process(faults.random_failures("c", 40.0, lambda at, t: faults.battery_fade(at, t, 0.5),
                                        key="battery"))
scenario.process(orbitwin.compute.batch_jobs("c", job_tera_ops=5e5, checkpoint_interval="20min"))


@scenario.process
def shed_in_shadow(sim):
    while True:
        hit = yield sim.when("c", "sun.illumination", "<", 0.5)
        fleet = sim.fleet("c")
        fleet.param("compute.demand")[hit.satellites] = 0.5
        sim.log("operation", "c", hit.satellites, "demand 0.5 in shadow")
        yield sim.timeout("45min")

{extra}

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
"""


def write_scenario(tmp_path: Path, duration: str = "5h", extra: str = "") -> Path:
    path = tmp_path / "resumable.py"
    path.write_text(SCENARIO.format(duration=duration, extra=extra))
    return path


def assert_same_telemetry(a: Path, b: Path) -> None:
    """Every variable and every event column of ``a`` and ``b`` hold the same bytes."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names = sorted(k for k in fa if isinstance(fa[k], h5py.Dataset))
        assert names == sorted(k for k in fb if isinstance(fb[k], h5py.Dataset))
        for name in names:
            x, y = fa[name][...], fb[name][...]
            assert x.dtype == y.dtype and x.shape == y.shape, name
            if x.dtype == object:
                assert np.array_equal(x, y), f"{name} differs"
            else:
                assert x.tobytes() == y.tobytes(), f"{name} differs"
        assert sorted(fa["events"]) == sorted(fb["events"])
        for name in fa["events"]:
            assert np.array_equal(fa["events"][name][...], fb["events"][name][...]), name
        assert fa.attrs["orbitwin_frames"] == fb.attrs["orbitwin_frames"]
        assert fa["events/kind"].shape[0] > 10  # the scenario did log faults and operations


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The uninterrupted run (2 threads) and its scenario script."""
    tmp = tmp_path_factory.mktemp("reference")
    script = write_scenario(tmp)
    result = run.run_scenario(load_scenario(script), tmp / "whole.h5", threads=2, progress=False)
    assert result.complete and result.stats.frames == 301
    return script, result.path


def interrupt_at_batch(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Ctrl-C in the main thread while batch ``n`` is handed to the writer."""
    calls = {"n": 0}
    original = run.RunWriter.assemble

    def assemble(self, frames, reuse=None):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return original(self, frames, reuse)

    monkeypatch.setattr(run.RunWriter, "assemble", assemble)


@pytest.mark.parametrize("threads", [1, 2])
def test_resumed_run_matches_an_uninterrupted_one(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    script, whole = reference
    out = tmp_path / "cut.h5"
    with monkeypatch.context() as m:
        interrupt_at_batch(m, 4)
        with pytest.raises(KeyboardInterrupt):
            run.run_scenario(load_scenario(script), out, threads=2, progress=False)
    partial = tmp_path / "cut.h5.partial"
    with h5py.File(partial, "r") as f:
        cp = Checkpoint.read(f)
        assert cp is not None and cp.batches == 3 and cp.frames == 192
        assert cp.events > 0 and cp.log_entries > 0
    result = run.resume_run(partial, threads=threads, progress=False)
    assert result.complete and result.path == out and not partial.exists()
    assert result.stats.frames == 301  # the summary covers the whole run, replay included
    assert_same_telemetry(whole, out)
    with h5py.File(out, "r") as f:
        assert f.attrs["orbitwin_resumed_at_frame"] == 192


def test_resume_after_sigkill_through_the_command_line(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    """A real SIGKILL after the third batch is flushed; `orbitwin run --resume` finishes."""
    script = write_scenario(
        tmp_path,
        extra=(
            "@scenario.process\n"
            "def announce(sim):\n"
            "    yield sim.timeout('195min')\n"
            "    sim.sync_output()\n"
            "    print('flushed', flush=True)\n"
            "    yield sim.timeout('1d')\n"
        ),
    )
    out = tmp_path / "killed.h5"
    proc = subprocess.Popen(
        [sys.executable, str(script), "--out", str(out), "--no-progress", "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert line.strip() == "flushed"
    partial = tmp_path / "killed.h5.partial"
    with h5py.File(partial, "r") as f:
        assert Checkpoint.read(f).frames == 192
    rc = cli.main(["run", "--resume", str(partial), "--no-progress", "--threads", "2"])
    assert rc == 0 and out.exists() and not partial.exists()
    # The extra process only prints, so telemetry and events equal the reference's.
    assert_same_telemetry(reference[1], out)


def test_resume_refuses_a_changed_scenario(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, _ = reference
    out = tmp_path / "cut.h5"
    with monkeypatch.context() as m:
        interrupt_at_batch(m, 3)
        with pytest.raises(KeyboardInterrupt):
            run.run_scenario(load_scenario(script), out, progress=False)
    partial = tmp_path / "cut.h5.partial"
    with h5py.File(partial, "r+") as f:
        f.attrs["scenario_parameters"] = '{"emissivity_factor": 0.8}'
        frames_before = f["time_ns"].shape[0]
    with pytest.raises(ResumeError, match="another state"):
        run.resume_run(partial, progress=False)
    # Refusing loses nothing: the partial file still holds what it held.
    with h5py.File(partial, "r") as f:
        assert f["time_ns"].shape[0] >= 128 and frames_before >= 128


def test_info_tells_how_to_resume(
    reference: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "cut.h5"
    with monkeypatch.context() as m:
        interrupt_at_batch(m, 2)
        with pytest.raises(KeyboardInterrupt):
            run.run_scenario(load_scenario(reference[0]), out, progress=False)
    assert cli.main(["info", str(tmp_path / "cut.h5.partial")]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "checkpoint after frame 64 " in text and "--resume" in text


def test_resume_errors_name_the_file(
    reference: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, whole = reference
    with pytest.raises(ResumeError, match="complete"):
        run.resume_run(whole, progress=False)
    missing = tmp_path / "nothing.h5.partial"
    assert cli.main(["run", "--resume", str(missing)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "nothing.h5.partial" in err and "does not exist" in err
    assert cli.main(["run", "x.py", "--resume", str(whole)]) == cli.EXIT_ERROR
    assert "cannot be given" in capsys.readouterr().err
