"""read_telemetry: long and wide CSV and HDF5 columns into a run-shaped Dataset, unit
conversion, and errors that name the file, the row or column, the value and what is
allowed; ``orbitwin compare RUN.h5 TELEMETRY.csv``."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

xr = pytest.importorskip("xarray")

from orbitwin import cli  # noqa: E402
from orbitwin.telemetry import TelemetryError, convert_units, read_telemetry  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "telemetry_sample.csv"
SAMPLE_TOL = ROOT / "tests" / "data" / "telemetry_tolerances.toml"
GOLDEN = ROOT / "tests" / "golden" / "walker_compute.h5"


def test_sample_file_reads_like_a_run() -> None:
    ds = read_telemetry(SAMPLE)
    assert ds.sizes["time"] == 61 and ds.sizes["satellite"] == 2
    assert ds.satellite_name.values.tolist() == ["W-00-00", "W-02-01"]
    assert ds.attrs["epoch"].startswith("2024-05-13T00:00:00")
    # Converted to the run's SI units: degC -> K, % -> 1, kW -> W, km -> m, deg -> rad.
    units = {v: ds[v].attrs["units"] for v in ds.data_vars}
    assert units == {
        "orbit__altitude": "m",
        "orbit__latitude": "rad",
        "power__array": "W",
        "power__battery_soc": "1",
        "thermal__temperature": "K",
    }
    th = ds.thermal__temperature
    assert th.dims == ("time", "satellite", "node") and th.sizes["node"] == 4
    assert np.isnan(th.values[:, :, 1]).all() and (th.values[:, :, 0] > 250).all()
    assert 0.5 < ds.power__battery_soc.values.max() < 1.01  # noise on a full battery
    assert 500e3 < ds.orbit__altitude.values.min() < 600e3
    # ISO and numeric times (every other row) land on one minute grid.
    dt = np.diff(ds.time.values).astype("timedelta64[s]").astype(int)
    assert set(dt.tolist()) == {60}


def test_compare_run_with_telemetry(capsys) -> None:
    code = cli.main(["compare", str(GOLDEN), str(SAMPLE), "--tolerances", str(SAMPLE_TOL)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "compared 2 of the run's 6 satellites" in out and "interpolated" in out
    # Without the noise allowance the thermal channel fails: exit 1.
    assert cli.main(["compare", str(GOLDEN), str(SAMPLE)]) == 1


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_wide_csv_and_epoch_option(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "time,satellite,thermal.temperature[0] (degC),power.battery_soc (%)\n"
        "0,A,20.0,50\n60,A,21.0,\n0,B,,75\n",
    )
    with pytest.raises(TelemetryError, match="no epoch"):
        read_telemetry(p)
    ds = read_telemetry(p, epoch="2024-05-13T00:00:00Z")
    assert str(ds.time.values[1]).startswith("2024-05-13T00:01:00")
    np.testing.assert_allclose(ds.thermal__temperature.values[:, 0, 0], [293.15, 294.15])
    soc = ds.power__battery_soc.values
    assert soc[0].tolist() == [0.5, 0.75] and np.isnan(soc[1]).all()


def test_the_files_epoch_wins_over_the_option(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "# epoch: 2024-05-13T06:00:00Z\ntime,satellite,channel,value,unit\n60,A,power.array,1,W\n",
    )
    ds = read_telemetry(p, epoch="2024-05-13T00:00:00Z")
    assert str(ds.time.values[0]).startswith("2024-05-13T06:01:00")
    assert ds.attrs["epoch"].startswith("2024-05-13T06:00:00")


def test_hdf5_columns(tmp_path: Path) -> None:
    p = tmp_path / "t.h5"
    with h5py.File(p, "w") as f:
        g = f.create_group("telemetry")
        g.attrs["epoch"] = "2024-05-13T00:00:00Z"
        g["time"] = np.array([0.0, 60.0, 0.0])
        g["satellite"] = np.array([b"A", b"A", b"B"])
        g["channel"] = np.array([b"power.array", b"power.array", b"power.array"])
        g["value"] = np.array([1.0, 2.0, 3.0])
        g["unit"] = np.array([b"kW", b"kW", b"W"])
    ds = read_telemetry(p)
    assert ds.power__array.values.tolist()[0] == [1000.0, 3.0]
    assert ds.power__array.attrs["units"] == "W"


def test_satellites_by_index_and_time_offsets(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "time,satellite,channel,value,unit\n"
        "2024-05-13T00:02:00Z,10,power.battery_soc,0.9,1\n"
        "2024-05-13T02:02:00+02:00,2,power.battery_soc,0.8,1\n",
    )
    ds = read_telemetry(p)
    assert ds.attrs["satellite_key"] == "index"
    assert ds.satellite_name.values.tolist() == ["2", "10"]
    assert ds.sizes["time"] == 1  # 02:02+02:00 is 00:02Z
    assert str(ds.time.values[0]).startswith("2024-05-13T00:02:00")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            "2024-05-13T00:00:00Z,A,thermal.temperature,20,furlongs\n",
            ["row 2, channel thermal.temperature", "'furlongs'", "degC"],
        ),
        (
            "2024-05-13T00:00:00Z,A,thermal.temperature,warm,K\n",
            ["row 2, column value", "'warm'", "a number"],
        ),
        ("yesterday,A,power.array,1,W\n", ["row 2, column time", "'yesterday'", "ISO 8601"]),
        ("13/05/2024 00:00,A,power.array,1,W\n", ["'13/05/2024 00:00'", "ISO 8601"]),
        ("60,A,power.array,1,W\n", ["row 2, column time", "no epoch"]),
        ("2024-05-13T00:00:00Z,A,power array,1,W\n", ["row 2, column channel", "'power array'"]),
        (
            "2024-05-13T00:00:00Z,A,power.array,1,W\n2024-05-13T00:00:00Z,A,power.array,2,W\n",
            ["rows 2 and 3", "two values of power.array"],
        ),
        ("2024-05-13T00:00:00Z,A,power.array,1,W,extra\n", ["row 2: 6 fields", "5 fields"]),
        ("2024-05-13T00:00:00Z,,power.array,1,W\n", ["row 2, column satellite: empty"]),
        ("2024-05-13T00:00:00Z,A,power.array,1,K\n", ["unit 'K' cannot be converted to 'W'"]),
    ],
)
def test_errors_name_file_row_value_and_allowed(
    tmp_path: Path, body: str, words: list[str]
) -> None:
    p = write(tmp_path, "time,satellite,channel,value,unit\n" + body)
    with pytest.raises(TelemetryError) as info:
        read_telemetry(p)
    msg = str(info.value)
    assert str(p) in msg
    for w in words:
        assert w in msg, msg


def test_header_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_telemetry(tmp_path / "none.csv")
    with pytest.raises(TelemetryError, match="no column 'unit'"):
        read_telemetry(write(tmp_path, "time,satellite,channel,value\n0,A,x.y,1\n"))
    with pytest.raises(TelemetryError, match="has no unit"):
        read_telemetry(write(tmp_path, "time,satellite,power.array\n0,A,1\n"), epoch="2024-05-13")
    with pytest.raises(TelemetryError, match="header"):
        read_telemetry(write(tmp_path, "when,who,what\n"))


def test_convert_units() -> None:
    np.testing.assert_allclose(convert_units(np.array([0.0, 100.0]), "degC", "K"), [273.15, 373.15])
    np.testing.assert_allclose(convert_units(np.array([1.0]), "Wh", "J"), [3600.0])
    np.testing.assert_allclose(convert_units(np.array([50.0]), "%", "1"), [0.5])
    np.testing.assert_allclose(convert_units(np.array([180.0]), "deg", "rad"), [np.pi])
    np.testing.assert_allclose(convert_units(np.array([32.0]), "degF", "degC"), [0.0], atol=1e-12)
    with pytest.raises(TelemetryError, match="allowed: one of"):
        convert_units(np.array([1.0]), "m", "W")


def test_unknown_channels_keep_their_unit(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "time,satellite,channel,value,unit\n"
        "2024-05-13T00:00:00Z,A,bus.voltage,28.1,V\n"
        "2024-05-13T00:00:00Z,A,radiation.dose_rate,3.6,mGy/h\n",
    )
    ds = read_telemetry(p)
    assert ds.bus__voltage.attrs["units"] == "V" and ds.bus__voltage.values[0, 0] == 28.1
    assert ds.radiation__dose_rate.attrs["units"] == "Gy s-1"
    assert ds.radiation__dose_rate.values[0, 0] == pytest.approx(1e-6)


def test_a_run_file_reads_as_telemetry() -> None:
    ds = read_telemetry(GOLDEN)
    assert ds.thermal__temperature.attrs["units"] == "K" and ds.sizes["satellite"] == 6
