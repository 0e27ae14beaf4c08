"""Calibration (``orbitwin.calibrate``): known parameters are recovered from noisy
synthetic telemetry made by the twin itself, with honest uncertainties; bad input
names the field, the value and what is allowed; the CLI reads run files (or
``orbitwin.telemetry`` when present) and writes JSON/TOML."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin as ow
from orbitwin import cli
from orbitwin.calibrate import CalibrationError, calibrate
from orbitwin.run import run_scenario

pytest.importorskip("scipy")

EPOCH = "2026-03-20T00:00:00Z"
#: Truth = nominal x factor: radiator emissivity -10 %, array-front absorptivity +8 %,
#: battery capacity -15 %.
PERTURBATION = {
    "radiator.emissivity": 0.90,
    "thermal.face_absorptivity[array_front]": 1.08,
    "power.battery_capacity": 0.85,
}
PARAMS = list(PERTURBATION)
CHANNELS = ["thermal.temperature", "power.battery_soc"]
#: Gaussian measurement noise added to the synthetic telemetry.
NOISE = {"thermal.temperature": 0.2, "power.battery_soc": 0.002}  # [K], [1]
#: Absolute tolerances on the recovered values (besides 3 sigma).
TOLERANCE = {
    "radiator.emissivity": 2e-3,
    "thermal.face_absorptivity[array_front]": 2e-3,
    "power.battery_capacity": 0.01 * 0.85 * 5000 * 3600,  # [J] 1 % of the truth
}

SCENARIO_SCRIPT = f'''
import orbitwin as ow

scenario = ow.Scenario(
    name="cal",
    epoch="{EPOCH}",
    duration="12h",
    step="10s",
    output_every="60s",
    channels=("thermal.temperature", "power.battery_soc"),
)
scenario.add_fleet(
    "nodes",
    ow.elements(altitude_m=550e3, inclination_deg=53.0, raan_deg=[0.0, 40.0]),
    design=ow.compute_node(),
)
'''


def _scenario(path: Path) -> ow.Scenario:
    path.write_text(SCENARIO_SCRIPT, encoding="utf-8")
    return ow.load_scenario(path)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """12 h of telemetry of two compute nodes flown by the twin with perturbed
    parameters, sampled every 60 s, plus Gaussian noise (NOISE, seed 7)."""
    tmp = tmp_path_factory.mktemp("cal")
    script = tmp / "cal.py"
    scenario = _scenario(script)
    truth_design: dict[str, float] = {}

    def perturb(sim):
        f = sim.fleet("nodes")
        f.param("radiator.emissivity")[:] *= PERTURBATION["radiator.emissivity"]
        col = f.design.face_index("array_front")
        f.param("thermal.face_absorptivity")[:, col] *= PERTURBATION[
            "thermal.face_absorptivity[array_front]"
        ]
        f.param("power.battery_capacity")[:] *= PERTURBATION["power.battery_capacity"]
        truth_design["radiator.emissivity"] = float(f.param("radiator.emissivity")[0])
        truth_design["thermal.face_absorptivity[array_front]"] = float(
            f.param("thermal.face_absorptivity")[0, col]
        )
        truth_design["power.battery_capacity"] = float(f.param("power.battery_capacity")[0])
        yield sim.timeout(0)

    scenario.process(perturb)
    clean = tmp / "truth.h5"
    run_scenario(scenario, clean, progress=False)
    noisy = tmp / "telemetry.h5"
    shutil.copy(clean, noisy)
    rng = np.random.default_rng(7)
    with h5py.File(noisy, "r+") as f:
        for ch, sd in NOISE.items():
            var = f[ch.replace(".", "__")]
            var[...] = var[...] + rng.normal(0.0, sd, var.shape)
    return {
        "script": script,
        "telemetry": noisy,
        "truth": truth_design,
        "names": _scenario(tmp / "nominal.py").fleets[0].orbits.names,
    }


@pytest.fixture(scope="module")
def fitted(synthetic: dict):
    ds = ow.open_run(synthetic["telemetry"])
    return calibrate(synthetic["script"], ds, PARAMS, CHANNELS, satellites=[synthetic["names"][0]])


def test_recovers_perturbed_parameters_within_3_sigma(fitted, synthetic: dict) -> None:
    truth = synthetic["truth"]
    nominal = {
        "radiator.emissivity": 0.88,
        "thermal.face_absorptivity[array_front]": 0.90,
        "power.battery_capacity": 5000 * 3600.0,
    }
    for name in PARAMS:
        p = fitted.value(name)
        assert p.initial == pytest.approx(nominal[name])
        assert truth[name] == pytest.approx(nominal[name] * PERTURBATION[name])
        err = abs(p.value - truth[name])
        assert err <= 3 * p.sigma, (name, p.value, truth[name], p.sigma)
        assert err <= TOLERANCE[name], (name, err)
        # sigma is a real uncertainty: positive, and well inside the stated tolerance
        assert 0 < p.sigma < TOLERANCE[name] / 3, (name, p.sigma)
    assert fitted.success


def test_sigma_is_consistent_with_the_noise(fitted) -> None:
    """With the noise reweighting, the residual RMS equals the injected noise
    (within 5 %) and the reduced chi^2 is 1: the covariance s^2 (J^T J)^-1 then
    scales the Jacobian by the real scatter."""
    for ch, sd in NOISE.items():
        assert fitted.residual_rms[ch] == pytest.approx(sd, rel=0.05)
    assert fitted.reduced_chi2 == pytest.approx(1.0, rel=0.05)
    c = fitted.correlation
    assert c.shape == (3, 3)
    assert np.allclose(np.diag(c), 1.0)
    assert np.allclose(c, c.T)
    assert np.all(np.abs(c) <= 1.0 + 1e-12)


def test_given_sigma_gives_the_same_fit_in_one_pass(synthetic: dict, fitted) -> None:
    ds = ow.open_run(synthetic["telemetry"])
    r = calibrate(
        synthetic["script"],
        ds,
        PARAMS,
        CHANNELS,
        satellites=[synthetic["names"][0]],
        sigma=NOISE,
    )
    assert r.extra["passes"] == 1
    for name in PARAMS:
        assert r.value(name).value == pytest.approx(fitted.value(name).value, rel=1e-3)
        assert r.value(name).sigma == pytest.approx(fitted.value(name).sigma, rel=0.1)


def test_model_runs_are_vectorised(fitted) -> None:
    """Each twin run carries the point and its Jacobian columns as satellite copies."""
    assert fitted.model_copies >= (len(PARAMS) + 1) * (fitted.model_runs - 3)
    assert fitted.model_runs <= 40


def test_two_satellites_share_one_fit(synthetic: dict) -> None:
    ds = ow.open_run(synthetic["telemetry"])
    r = calibrate(synthetic["script"], ds, ["radiator.emissivity"], ["thermal.temperature"])
    assert r.satellites == list(synthetic["names"])
    p = r.value("radiator.emissivity")
    assert abs(p.value - synthetic["truth"]["radiator.emissivity"]) <= 3 * p.sigma + 1e-3


# ---- bad input ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def telemetry_ds(synthetic: dict):
    return ow.open_run(synthetic["telemetry"])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"parameters": ["radiator.emisivity"]}, ["'radiator.emisivity'", "radiator.emissivity"]),
        (
            {"parameters": ["thermal.face_absorptivity[wing]"]},
            ["'wing'", "array_front", "radiator_py"],
        ),
        ({"parameters": ["thermal.conductance"]}, ["thermal.conductance[", "payload-radiator"]),
        ({"parameters": ["attitude.mode"]}, ["'attitude.mode'", "allowed"]),
        ({"channels": ["power.array"]}, ["'power.array'", "not in the telemetry", "battery_soc"]),
        ({"channels": ["thermal.temprature"]}, ["'thermal.temprature'", "thermal.temperature"]),
        ({"channels": ["thermal.temperature[core]"]}, ["'core'", "payload"]),
        ({"satellites": ["SAT-99999"]}, ["'SAT-99999'", "not in the telemetry", "SAT-00000"]),
        ({"sigma": {"power.array": 1.0}}, ["'power.array'", "thermal.temperature"]),
    ],
)
def test_bad_input_names_the_field(synthetic, telemetry_ds, kwargs: dict, words: list) -> None:
    args = {
        "parameters": ["radiator.emissivity"],
        "channels": ["thermal.temperature"],
        "satellites": [synthetic["names"][0]],
    }
    args.update(kwargs)
    with pytest.raises(CalibrationError) as exc:
        calibrate(synthetic["script"], telemetry_ds, **args)
    for w in words:
        assert w in str(exc.value), (w, str(exc.value))


def test_satellite_not_in_the_scenario(synthetic, telemetry_ds) -> None:
    ds = telemetry_ds.assign_coords(
        satellite_name=("satellite", np.array(["OTHER-1", "OTHER-2"], dtype=object))
    )
    with pytest.raises(CalibrationError, match=r"'OTHER-1' is not in scenario 'cal'.*SAT-00000"):
        calibrate(synthetic["script"], ds, ["radiator.emissivity"], ["thermal.temperature"])


def test_no_overlapping_time(synthetic, telemetry_ds) -> None:
    ds = telemetry_ds.assign_coords(time=telemetry_ds["time"] - np.timedelta64(2, "D"))
    ds = ds.drop_vars("time_ns")
    with pytest.raises(CalibrationError, match="no overlapping time"):
        calibrate(
            synthetic["script"],
            ds,
            ["radiator.emissivity"],
            ["thermal.temperature"],
            satellites=[synthetic["names"][0]],
        )


def test_degc_telemetry_is_converted(synthetic, telemetry_ds) -> None:
    ds = telemetry_ds.copy()
    ds["thermal__temperature"] = ds["thermal__temperature"] - 273.15
    ds["thermal__temperature"].attrs["units"] = "degC"
    r = calibrate(
        synthetic["script"],
        ds,
        ["radiator.emissivity"],
        ["thermal.temperature[payload+radiator]"],
        satellites=[synthetic["names"][0]],
    )
    assert r.residual_rms["thermal.temperature[payload+radiator]"] < 0.25
    ds["thermal__temperature"].attrs["units"] = "furlong"
    with pytest.raises(CalibrationError, match="units 'furlong'; allowed: 'K'"):
        calibrate(synthetic["script"], ds, ["radiator.emissivity"], ["thermal.temperature"])


def test_telemetry_off_the_step_grid_is_interpolated(synthetic, telemetry_ds) -> None:
    """Telemetry stamped 5 s after each minute (the model steps 10 s): the model is
    interpolated linearly in time and the fit still recovers the emissivity."""
    ds = telemetry_ds.isel(time=slice(1, None, 2))
    ds = ds.assign_coords(time=ds["time"] + np.timedelta64(5, "s")).drop_vars("time_ns")
    r = calibrate(
        synthetic["script"],
        ds,
        ["radiator.emissivity"],
        ["thermal.temperature[payload+radiator]"],
        satellites=[synthetic["names"][0]],
    )
    p = r.value("radiator.emissivity")
    assert abs(p.value - synthetic["truth"]["radiator.emissivity"]) <= max(3 * p.sigma, 1e-3)
    assert r.residual_rms["thermal.temperature[payload+radiator]"] < 0.3


# ---- command line -------------------------------------------------------------------


def _cli_args(synthetic: dict, out: Path) -> list[str]:
    return [
        "calibrate",
        str(synthetic["script"]),
        str(synthetic["telemetry"]),
        "--param",
        "radiator.emissivity",
        "--param",
        "power.battery_capacity",
        "--channel",
        "thermal.temperature",
        "--channel",
        "power.battery_soc",
        "--satellite",
        synthetic["names"][0],
        "--out",
        str(out),
    ]


def test_cli_writes_json(synthetic: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "fit.json"
    args = _cli_args(synthetic, out)
    args[args.index("power.battery_capacity")] = "thermal.face_absorptivity[array_front]"
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "radiator.emissivity" in text and "residuals" in text
    assert "thermal.face_absorptivity[array_front]" in text  # printed, not taken as markup
    data = json.loads(out.read_text())
    eps = data["parameters"][0]
    assert eps["name"] == "radiator.emissivity" and eps["initial"] == pytest.approx(0.88)
    truth = synthetic["truth"]["radiator.emissivity"]
    assert abs(eps["value"] - truth) <= max(3 * eps["sigma"], 2e-3)
    assert data["residual_rms"]["thermal.temperature"]["unit"] == "K"


def test_cli_writes_toml(synthetic: dict, tmp_path: Path) -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    out = tmp_path / "fit.toml"
    assert cli.main(_cli_args(synthetic, out)) == 0
    data = tomllib.loads(out.read_text())
    assert [p["name"] for p in data["parameters"]] == [
        "radiator.emissivity",
        "power.battery_capacity",
    ]
    assert data["residual_rms"]["power.battery_soc"] > 0


def test_cli_without_scipy_is_one_clear_error(
    synthetic: dict, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    assert cli.main(_cli_args(synthetic, tmp_path / "x.json")) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "needs scipy" in err and "orbitwin[fit]" in err


def test_cli_bad_parameter_is_one_clear_error(synthetic: dict, tmp_path: Path, capsys) -> None:
    args = _cli_args(synthetic, tmp_path / "x.json")
    args[args.index("radiator.emissivity")] = "radiator.emmisivity"
    assert cli.main(args) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "'radiator.emmisivity'" in err and "allowed" in err and "Traceback" not in err
