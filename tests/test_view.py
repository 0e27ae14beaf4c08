"""``orbitwin view``: run-file fields and units, time lookup, picking, geometry, the
no-display rule, and off-screen renders compared with a stored reference image.

The reference image ``tests/data/view_reference.png`` is the render of
:func:`small_run` at 1 h (400x300 px, coloured by illumination, satellite
W-00-03 selected). After an intended change of the scene, regenerate it with::

    ORBITWIN_UPDATE_REFERENCE=1 python -m pytest tests/test_view.py -k reference

and look at the new PNG before committing it. The comparison allows small
GPU/driver differences (see :func:`image_difference`).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import orbitwin as ow
from orbitwin.cli import main
from orbitwin.run import run_scenario
from orbitwin.viz.geometry import (
    WGS84_A_KM,
    WGS84_B_KM,
    geodetic_to_ecef_km,
    rotation_to,
    subsolar_point_deg,
)
from orbitwin.viz.runfile import (
    RunFile,
    format_value,
    frame_index,
    nearest_satellite,
    parse_time,
)
from orbitwin.viz.scene import bar_format, decide_off_screen, has_display

REFERENCE = Path(__file__).resolve().parent / "data" / "view_reference.png"
#: Allowed mean absolute difference [levels of 255] and share of pixels off by > 48 levels.
MAX_MEAN_DIFF = 3.0
MAX_BAD_PIXELS = 0.02


def small_scenario() -> ow.Scenario:
    """120 satellites in 12 planes at 550 km, 2 h, ground stations, one fault."""
    from orbitwin import faults

    sc = ow.Scenario(
        name="viz-small",
        epoch="2024-05-13T00:00:00Z",
        duration="2h",
        step="30s",
        output_every="60s",
        seed=3,
        channels=ow.DEFAULT_CHANNELS + ("ground.visible", "ground.elevation"),
        ground_stations=ow.DEFAULT_STATIONS,
    )
    sc.add_fleet("shell", ow.walker(120, 12, 1, altitude_m=550e3, inclination_deg=53.0))
    sc.process(faults.attitude_loss(at="1h", target=faults.Target("shell", index=[3, 40])))
    return sc


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("view") / "small.h5"
    return run_scenario(small_scenario(), out, progress=False).path


@pytest.fixture(scope="module")
def can_render() -> None:
    """Skips when PyVista is missing or off-screen rendering cannot work here (probed in
    a child process, so a broken GL stack cannot crash the test run)."""
    pytest.importorskip("pyvista")
    probe = (
        "from orbitwin.viz.scene import configure_backend; configure_backend(True); "
        "import pyvista as pv; p = pv.Plotter(off_screen=True, window_size=(16, 16)); "
        "p.add_mesh(pv.Sphere()); assert p.screenshot(return_img=True).shape == (16, 16, 3)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        pytest.skip(f"off-screen rendering does not work here: {done.stderr[-400:]}")


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


# ---- time lookup ------------------------------------------------------------------------
def test_frame_index_nearest_and_floor() -> None:
    times = np.array([0.0, 60.0, 120.0, 180.0])
    assert frame_index(times, 0.0) == 0
    assert frame_index(times, 30.0) == 0  # a tie goes to the earlier frame
    assert frame_index(times, 30.1) == 1
    assert frame_index(times, 119.0, "floor") == 1
    assert frame_index(times, 120.0, "floor") == 2
    assert frame_index(times, 180.0) == 3
    for bad in (-1.0, 181.0, math.nan):
        with pytest.raises(ValueError, match="outside the recorded span"):
            frame_index(times, bad)
    with pytest.raises(ValueError, match="allowed: 'nearest' or 'floor'"):
        frame_index(times, 10.0, "ceil")


def test_parse_time_accepts_seconds_durations_and_instants(small_run: Path) -> None:
    with RunFile(small_run) as run:
        assert parse_time(90, run.epoch) == 90.0
        assert parse_time("1.5h", run.epoch) == 5400.0
        assert parse_time("2024-05-13T01:00:00Z", run.epoch) == 3600.0
        assert frame_index(run.times_s, parse_time("61min", run.epoch)) == 61
        with pytest.raises(ValueError, match="ISO 8601"):
            parse_time("noon", run.epoch)


# ---- colouring: channel -> scalars and unit label -----------------------------------------
def test_fields_carry_units_and_convert_radians(small_run: Path) -> None:
    with RunFile(small_run) as run:
        alt = run.field("orbit.altitude")
        assert alt.units == "m" and alt.label.endswith("[m]")
        assert run.field("orbit__altitude") == alt  # the variable name works too
        np.testing.assert_array_equal(run.values(alt, 5), run.raw("orbit__altitude", 5))
        lat = run.field("orbit.latitude")
        assert lat.units == "deg"
        np.testing.assert_allclose(run.values(lat, 5), np.degrees(run.raw("orbit__latitude", 5)))
        illum = run.field("sun.illumination")
        assert "[" not in illum.label  # dimensionless: no unit in the label
        lo, hi = run.value_range(illum)
        assert 0.0 <= lo < hi <= 1.0


def test_fields_with_a_station_dimension(small_run: Path) -> None:
    with RunFile(small_run) as run:
        # (n_sat, n_station) rad, single precision in the file; the viewer converts in double
        raw = run.raw("ground__elevation", 30).astype(np.float64)
        k = run.station_names.index("Singapore")
        one = run.field("ground.elevation[Singapore]")
        np.testing.assert_allclose(run.values(one, 30), np.degrees(raw[:, k]))
        best = run.field("ground.elevation")  # default reduction: max over stations
        assert best.key == "ground.elevation:max"
        np.testing.assert_allclose(run.values(best, 30), np.degrees(raw.max(axis=1)))
        vis = run.field("ground.visible[Svalbard]")
        assert vis.integer
        with pytest.raises(ValueError, match="allowed: .*orbit.altitude"):
            run.field("thermal.temperature")


def test_bar_format_and_values_for_people() -> None:
    assert bar_format(550000.0, 563000.0) == "%.0f"
    assert bar_format(-76.8, -1.8) == "%.1f"
    assert bar_format(0.0, 1.0) == "%.2f"
    assert format_value(563623.4, "m") == "563623 m"
    assert format_value(0.5, "1") == "0.5"
    assert format_value(float("nan"), "K") == "n/a"


# ---- geometry -----------------------------------------------------------------------------
def test_geodetic_to_ecef_and_the_sun() -> None:
    eq = geodetic_to_ecef_km(0.0, math.pi / 2, 0.0)
    np.testing.assert_allclose(eq, [0.0, WGS84_A_KM, 0.0], atol=1e-9)
    pole = geodetic_to_ecef_km(math.pi / 2, 0.0, 1000.0)
    np.testing.assert_allclose(pole, [0.0, 0.0, WGS84_B_KM + 1.0], atol=1e-9)
    epoch = ow.parse_epoch("2024-05-13T00:00:00Z")
    lat0, lon0 = subsolar_point_deg(epoch, 0.0)
    lat12, lon12 = subsolar_point_deg(epoch, 12 * 3600.0)
    assert abs(abs(lon0) - 180.0) < 4.5 and abs(lon12) < 4.5  # within the equation of time
    assert 18.0 < lat0 < 18.9 and 18.1 < lat12 < 19.0  # declination on 13 May
    d = np.array([0.3, -0.5, 0.81])
    d /= np.linalg.norm(d)
    rot = rotation_to(d)
    np.testing.assert_allclose(rot @ [0, 0, 1], d, atol=1e-12)
    np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-12)


# ---- picking: screen pick -> satellite index -> name and values ---------------------------
def test_picking_finds_the_nearest_satellite_and_describes_it(small_run: Path) -> None:
    with RunFile(small_run) as run:
        frame = 40
        pos = geodetic_to_ecef_km(*run.geodetic(frame))
        picked_point = pos[57] + np.array([30.0, -20.0, 10.0])  # [km] a click beside W-04-09
        index = nearest_satellite(pos, picked_point, max_distance=600.0)
        assert index == 57
        assert nearest_satellite(pos, [0.0, 0.0, 0.0], max_distance=600.0) is None
        rows = dict(run.describe(index, frame))
        assert rows["satellite"] == run.satellite_names[57]
        assert rows["fleet"] == "shell"
        assert rows["height above the WGS-84 ellipsoid"].endswith(" m")
        assert rows["geodetic latitude (WGS-84)"].endswith(" deg")
        alt = float(rows["height above the WGS-84 ellipsoid"].split()[0])
        assert abs(alt - run.raw("orbit__altitude", frame)[57]) < 1.0
        hist = run.history(run.field("sun.illumination"), index)
        assert hist.shape == (run.n_frames,)


# ---- no display: never a window ------------------------------------------------------------
def test_without_a_display_rendering_is_forced_off_screen(no_display: None) -> None:
    assert not has_display(platform="linux")
    assert decide_off_screen(None, None, platform="linux")
    assert decide_off_screen("x.png", None, env={"DISPLAY": ":0"}, platform="linux")
    assert not decide_off_screen(None, None, env={"DISPLAY": ":0"}, platform="linux")


def test_view_without_display_or_output_opens_no_window(
    small_run: Path, no_display: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    pv = pytest.importorskip("pyvista")

    def forbidden(*args, **kwargs):
        raise AssertionError("a plotter was created without a display")

    monkeypatch.setattr(pv, "Plotter", forbidden)
    assert main(["view", str(small_run)]) == 2
    assert "no display" in capsys.readouterr().err


# ---- rendering -------------------------------------------------------------------------------
def image_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean absolute difference [levels], share of pixels off by more than 48 levels in
    any channel) of two RGB images of one size."""
    if a.shape != b.shape:
        return math.inf, 1.0
    d = np.abs(a[..., :3].astype(np.int16) - b[..., :3].astype(np.int16))
    return float(d.mean()), float((d.max(axis=-1) > 48).mean())


def _render(run_path: Path, out: Path, off_screen: bool = True):
    from orbitwin.viz.scene import Scene

    run = RunFile(run_path)
    scene = Scene(run, off_screen=off_screen, window_size=(400, 300), selected=3)
    scene.set_frame(60)
    scene.reset_camera((20.0, 100.0))
    return run, scene


def test_scene_updates_in_place_and_matches_the_reference(
    small_run: Path, tmp_path: Path, no_display: None, can_render: None
) -> None:
    import imageio.v3 as iio

    run, scene = _render(small_run, tmp_path / "x.png", off_screen=False)
    try:
        assert scene.plotter.off_screen  # forced: no display
        actors = dict(scene.plotter.renderer.actors)
        sats = scene._sats
        for frame in (0, 10, 60):
            scene.set_frame(frame)
        assert dict(scene.plotter.renderer.actors) == actors  # no actor created per frame
        assert scene._sats is sats
        lat, lon, alt = run.geodetic(60)
        np.testing.assert_allclose(sats.points, geodetic_to_ecef_km(lat, lon, alt), rtol=1e-6)
        np.testing.assert_allclose(
            sats.point_data["values"], run.values(scene.field, 60), rtol=1e-6
        )
        scene.set_field(run.field("orbit.altitude"))
        scene.set_field(run.field("sun.illumination"))
        assert scene.pick_point(sats.points[7] + 5.0) == 7
        assert scene.pick_point([0.0, 0.0, 0.0]) is None
        scene.select(3)
        shot = scene.screenshot(tmp_path / "view.png")
    finally:
        scene.close()
        run.close()
    image = iio.imread(shot)
    assert image.shape[:2] == (300, 400)
    if os.environ.get("ORBITWIN_UPDATE_REFERENCE"):
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, REFERENCE)
    reference = iio.imread(REFERENCE)
    mean, bad = image_difference(image, reference)
    assert mean <= MAX_MEAN_DIFF and bad <= MAX_BAD_PIXELS, (
        f"render differs from {REFERENCE.name}: mean {mean:.2f} levels, {100 * bad:.2f} % "
        f"pixels off (see {shot}; regenerate as the module docstring says if intended)"
    )


def test_cli_screenshot_and_movie(
    small_run: Path, tmp_path: Path, no_display: None, can_render: None
) -> None:
    pytest.importorskip("imageio_ffmpeg")
    import imageio.v3 as iio

    png, mp4 = tmp_path / "shot.png", tmp_path / "orbit.mp4"
    args = ["view", str(small_run), "--time", "1h", "--color-by", "ground.elevation[Troll]"]
    assert main([*args, "--screenshot", str(png), "--window-size", "320x240"]) == 0
    assert iio.imread(png).shape[:2] == (240, 320)
    assert (
        main(
            [
                *args,
                "--movie",
                str(mp4),
                "--start",
                "0",
                "--stop",
                "4min",
                "--window-size",
                "320x240",
                "--fps",
                "5",
                "--track",
                "W-00-00",
            ]
        )
        == 0
    )
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    assert meta["size"][0] >= 320
    assert sum(1 for _ in reader) == 5
    assert main([*args[:2], "--color-by", "nope", "--screenshot", str(png)]) == 2


def test_window_controls_drive_the_scene_without_a_window(
    small_run: Path, no_display: None, can_render: None
) -> None:
    from orbitwin.viz.scene import Scene

    with RunFile(small_run) as run:
        scene = Scene(run, off_screen=False, window_size=(320, 240))
        try:
            assert scene.plotter.off_screen
            controls = scene.install_controls()
            controls["step"](3)
            assert scene.frame == 3
            controls["tick"]()  # paused: no step
            controls["toggle"]()
            controls["tick"]()
            assert scene.playing and scene.frame == 4
            controls["slider"](1.0)  # [h]
            assert scene.frame == 60
            before = scene.field.key
            controls["cycle"](1)
            assert scene.field.key != before and scene.plotter.scalar_bars
            controls["pick"](scene._sats.points[11] + 1.0)
            assert scene.selected == 11 and 11 in scene._tracks
            assert scene.plotter.screenshot(return_img=True).shape == (240, 320, 3)
        finally:
            scene.close()
