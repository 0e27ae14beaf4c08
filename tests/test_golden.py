"""Golden references: each checked-in reference run is reproduced by the regular
run_scenario path within the regression tolerances; a real model change (radiator
emissivity +5 %) is caught on the thermal channels and not on the orbit; ``orbitwin
golden update/check`` rewrite and compare with provenance."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import pytest

pytest.importorskip("xarray")

import orbitwin as ow  # noqa: E402
from orbitwin import cli  # noqa: E402
from orbitwin.compare import compare  # noqa: E402
from orbitwin.golden import golden_scenarios, run_golden  # noqa: E402
from orbitwin.run import run_scenario  # noqa: E402
from orbitwin.testing import assert_matches  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "golden"
SCRIPTS = golden_scenarios(GOLDEN)


def test_the_golden_set() -> None:
    assert [p.stem for p in SCRIPTS] == ["starlink_tle", "walker_compute", "walker_radiation"]
    for script in SCRIPTS:
        ref = script.with_suffix(".h5")
        assert ref.stat().st_size < 300_000, f"{ref} is {ref.stat().st_size} bytes"
        with h5py.File(ref, "r") as f:
            a = f.attrs
            for key in (
                "orbitwin_version",
                "seed",
                "golden_created",
                "golden_git_commit",
                "scenario_source",
                "epoch",
            ):
                assert key in a, f"{ref.name} has no attribute {key}"
            assert a["golden_scenario_file"] == script.name
            assert "orbitwin.Scenario(" in a["scenario_source"]
    with h5py.File(GOLDEN / "walker_radiation.h5", "r") as f:
        assert "radiation__dose" in f and "radiation__upsets" in f
    with h5py.File(GOLDEN / "starlink_tle.h5", "r") as f:
        names = [n.decode() for n in f["satellite_name"][...]]
        assert all(n.startswith("STARLINK-") for n in names) and len(names) == 4


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_golden_reference_is_reproduced(script: Path, tmp_path: Path) -> None:
    result = run_golden(script, tmp_path / script.with_suffix(".h5").name)
    cmp = assert_matches(result, script.with_suffix(".h5"))
    assert len(cmp.channels) >= 12 and cmp.n_times == 91
    assert {e.kind for e in cmp.events} >= {"eclipse_entry", "eclipse_exit"}


def test_a_five_percent_emissivity_change_is_caught(tmp_path: Path) -> None:
    scenario = ow.load_scenario(GOLDEN / "walker_compute.py")

    @scenario.process
    def brighter_radiators(sim):
        yield sim.at(0)
        view = sim.fleet("compute").param("radiator.emissivity")
        view[:] = view * 1.05

    result = run_scenario(scenario, tmp_path / "perturbed.h5", progress=False)
    cmp = compare(result, GOLDEN / "walker_compute.h5")
    assert not cmp.passed
    by = {c.channel: c for c in cmp.channels}
    assert not by["thermal.temperature"].passed
    assert by["thermal.temperature"].max_abs_error > 0.5  # [K]
    assert not by["compute.junction_temperature"].passed
    for ch in (
        "orbit.latitude",
        "orbit.longitude",
        "orbit.altitude",
        "sun.illumination",
        "sun.beta_angle",
    ):
        assert by[ch].passed and by[ch].max_abs_error == 0.0, ch
    with pytest.raises(AssertionError, match="thermal.temperature"):
        assert_matches(result, GOLDEN / "walker_compute.h5")
    pytest.importorskip("matplotlib")
    report = tmp_path / "report.html"
    code = cli.main(
        ["compare", str(result.path), str(GOLDEN / "walker_compute.h5"), "--report", str(report)]
    )
    assert code == 1
    html = report.read_text()
    assert html.count("data:image/png;base64,") == len(cmp.failing)


def test_golden_update_and_check_commands(tmp_path: Path, capsys) -> None:
    shutil.copy(GOLDEN / "walker_compute.py", tmp_path)
    assert cli.main(["golden", "check", "--dir", str(tmp_path)]) == 2  # no reference yet
    assert "orbitwin golden update" in capsys.readouterr().err
    assert cli.main(["golden", "update", "--dir", str(tmp_path)]) == 0
    ref = tmp_path / "walker_compute.h5"
    with h5py.File(ref, "r") as f:
        assert f.attrs["golden_scenario_file"] == "walker_compute.py"
    assert cli.main(["golden", "check", "walker_compute", "--dir", str(tmp_path)]) == 0
    assert "all match" in capsys.readouterr().out
    with h5py.File(ref, "r+") as f:  # a reference that no longer matches
        f["thermal__temperature"][10:, 0, 0] += 1.0
    assert cli.main(["golden", "check", "--dir", str(tmp_path)]) == 1
    assert "thermal.temperature" in capsys.readouterr().out
    assert cli.main(["golden", "check", "nope", "--dir", str(tmp_path)]) == 2
