"""The 3D scene of a run (PyVista): Earth, night side, satellites, stations, contacts.

Everything is drawn in the Earth-fixed frame (ECEF) in kilometres:

- the Earth: a WGS-84 ellipsoid textured with land and ocean from the committed
  land mask (:mod:`orbitwin.viz.landmask`);
- the night side and the eclipse: a dark translucent shell over the hemisphere
  away from the Sun, with a soft twilight band, the terminator circle and a
  faint shadow cylinder behind the Earth; all three are one rigid set of
  meshes turned each frame (a user matrix) to face away from the Sun, which
  comes from ``_core.sun_ephemeris`` rotated by ``_core.gmst``;
- satellites: one point cloud coloured by any field, with a colour bar titled
  with its long name and unit; ground stations with labels and contact lines
  where ``ground__visible`` is recorded; orbit tracks (the last orbit) of
  selected satellites.

Per frame, point coordinates and scalars are written in place into the same
VTK arrays (the contact and track line sets get new contents); no actor is
created after the scene is built, so it stays interactive with 10,000 satellites.

Off screen: :func:`configure_backend` must run before VTK is imported; without
a display (no ``DISPLAY``/``WAYLAND_DISPLAY`` on Linux) it forces off-screen
rendering (``pyvista.OFF_SCREEN``) and picks VTK's EGL render window (Mesa's
software EGL where there is no GPU), so no window is ever opened.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .geometry import (
    WGS84_A_KM,
    geodetic_to_ecef_km,
    rotation_to,
    subsolar_point_deg,
    sun_direction_ecef,
)
from .landmask import land_fraction
from .runfile import Field, RunFile, nearest_satellite

OCEAN_RGB = (18, 52, 98)  #: ocean colour
LAND_RGB = (84, 122, 64)  #: land colour
ICE_RGB = (222, 228, 234)  #: land poleward of ICE_LATITUDE_DEG
ICE_LATITUDE_DEG = 68.0  #: [deg]
NIGHT_OPACITY = 0.72  #: [1] darkness of the night side
TWILIGHT_HALF_WIDTH = 0.06  #: [1] half width of the twilight band in cos(solar zenith)
HIGHLIGHT_RADIUS_KM = 160.0  #: [km] marker around the selected satellite
PICK_TOLERANCE_KM = 600.0  #: [km] a pick further than this from every satellite picks none
MU_EARTH = 3.986004418e14  #: [m3 s-2]
_UPPER_LEFT, _LEFT_EDGE = 2, 6  # vtkCornerAnnotation text positions


def has_display(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether a window could open: on Linux only with ``DISPLAY`` or ``WAYLAND_DISPLAY``."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def decide_off_screen(
    screenshot: str | None = None,
    movie: str | None = None,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> bool:
    """Off screen when an image or movie is asked for, or when there is no display."""
    return bool(screenshot or movie) or not has_display(env, platform)


def configure_backend(off_screen: bool) -> None:
    """Prepares VTK for the chosen mode; call before PyVista is imported. Off screen
    without a display selects the EGL render window (no X connection is tried)."""
    if off_screen:
        os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
        if not has_display():
            os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    import pyvista as pv

    if off_screen:
        pv.OFF_SCREEN = True


def bar_format(low: float, high: float) -> str:
    """printf format for colour-bar labels: about three significant digits of the span."""
    span = abs(high - low)
    if not math.isfinite(span) or span == 0:
        return "%.4g"
    decimals = max(0, 2 - int(math.floor(math.log10(span))))
    return f"%.{min(decimals, 6)}f"


def earth_texture_rgb() -> np.ndarray:
    """(720, 1440, 3) uint8 image of land, ice and ocean, rows north to south."""
    frac = land_fraction()[..., None]
    lat = 90.0 - (np.arange(frac.shape[0]) + 0.5) * 180.0 / frac.shape[0]
    ice = np.clip((np.abs(lat) - ICE_LATITUDE_DEG) / 4.0, 0.0, 1.0)[:, None, None]
    land = (1.0 - ice) * np.array(LAND_RGB) + ice * np.array(ICE_RGB)
    rgb = (1.0 - frac) * np.array(OCEAN_RGB) + frac * land
    return np.round(rgb).astype(np.uint8)


def _earth_mesh(pv: Any, n_lon: int = 181, n_lat: int = 91) -> Any:
    lon = np.linspace(-math.pi, math.pi, n_lon)
    lat = np.linspace(-math.pi / 2, math.pi / 2, n_lat)
    lon_g, lat_g = np.meshgrid(lon, lat, indexing="ij")
    xyz = geodetic_to_ecef_km(lat_g, lon_g, 0.0)
    grid = pv.StructuredGrid(xyz[..., 0], xyz[..., 1], xyz[..., 2])
    u = (lon_g + math.pi) / (2 * math.pi)
    v = (lat_g + math.pi / 2) / math.pi
    grid.active_texture_coordinates = np.column_stack([u.ravel("F"), v.ravel("F")])
    return grid.extract_surface(algorithm="dataset_surface")


def _night_shell(pv: Any) -> tuple[Any, np.ndarray]:
    """A sphere whose +z axis will point away from the Sun, with RGBA darkness."""
    shell = pv.Sphere(radius=WGS84_A_KM + 20.0, theta_resolution=120, phi_resolution=90)
    z = shell.points[:, 2] / (WGS84_A_KM + 20.0)  # cos of the angle from the anti-Sun point
    t = np.clip((z + TWILIGHT_HALF_WIDTH) / (2 * TWILIGHT_HALF_WIDTH), 0.0, 1.0)
    alpha = NIGHT_OPACITY * t * t * (3 - 2 * t)  # smoothstep
    rgba = np.zeros((shell.n_points, 4), dtype=np.uint8)
    rgba[:, 2] = 12
    rgba[:, 3] = np.round(alpha * 255).astype(np.uint8)
    return shell, rgba


class Scene:
    """A run drawn with PyVista; :meth:`set_frame` moves it in time in place.

    ``field``: the colour field (default: illumination or altitude);
    ``tracks``: satellite indices whose last orbit is drawn; ``selected``: a
    satellite whose values and history are shown (as if picked);
    ``window_size`` [px]; ``off_screen``: never open a window.
    """

    def __init__(
        self,
        run: RunFile,
        *,
        field: Field | None = None,
        off_screen: bool = True,
        window_size: tuple[int, int] = (1280, 800),
        tracks: Sequence[int] = (),
        selected: int | None = None,
        point_size: float = 4.0,
        shadow_cylinder: bool = True,
        camera_latlon_deg: tuple[float, float] | None = None,
    ) -> None:
        off_screen = off_screen or not has_display()  # no display: never open a window
        configure_backend(off_screen)
        import pyvista as pv

        self.pv = pv
        self.run = run
        self.field = field or run.default_field()
        self.frame = 0
        self.playing = False
        self.selected: int | None = None
        self._tracks: list[int] = list(tracks)
        self.plotter = pv.Plotter(off_screen=off_screen, window_size=list(window_size))
        self._font = float(np.clip(min(window_size[0] / 1280, window_size[1] / 800), 0.5, 2.0))
        p = self.plotter
        p.set_background("black")
        self._positions = np.zeros((run.n_satellites, 3))  # [km] ECEF at the current frame

        # The Earth.
        texture = pv.Texture(earth_texture_rgb())
        self._earth_actor = p.add_mesh(_earth_mesh(pv), texture=texture, smooth_shading=True)
        # Night side, terminator and shadow: turned together by one user matrix.
        shell, rgba = _night_shell(pv)
        self._night = [p.add_mesh(shell, scalars=rgba, rgba=True, smooth_shading=True)]
        ring = pv.Circle(radius=WGS84_A_KM + 25.0, resolution=256)
        self._night.append(
            p.add_mesh(ring.extract_feature_edges(), color="#ffb347", line_width=2, opacity=0.8)
        )
        if shadow_cylinder:
            cyl = pv.Cylinder(
                center=(0.0, 0.0, 1.5 * WGS84_A_KM),
                direction=(0.0, 0.0, 1.0),
                radius=WGS84_A_KM,
                height=3.0 * WGS84_A_KM,
                resolution=96,
                capping=False,
            )
            self._night.append(p.add_mesh(cyl, color="#607090", opacity=0.08, lighting=False))

        # Ground stations and contact lines.
        self._stations = run.station_positions_deg()
        self._station_xyz = np.full((len(self._stations), 3), np.nan)
        known = [(k, s) for k, s in enumerate(self._stations) if s is not None]
        if known:
            lat = np.radians([s[1] for _, s in known])
            lon = np.radians([s[2] for _, s in known])
            self._station_xyz[[k for k, _ in known]] = geodetic_to_ecef_km(lat, lon, 0.0)
            st = pv.PolyData(self._station_xyz[[k for k, _ in known]])
            p.add_mesh(st, color="#ff4040", point_size=11, render_points_as_spheres=True)
            p.add_point_labels(
                st,
                [s[0] for _, s in known],
                font_size=self._fs(10),
                text_color="#ffb0b0",
                shape=None,
                show_points=False,
                always_visible=False,
            )
        self._has_contacts = bool(known) and run.has("ground__visible")
        self._contacts = pv.PolyData(np.zeros((2, 3)), lines=np.array([2, 0, 1]))
        p.add_mesh(self._contacts, color="#7CFC00", line_width=1.5, opacity=0.9, lighting=False)

        # Orbit tracks.
        self._track_poly = pv.PolyData(np.zeros((2, 3)), lines=np.array([2, 0, 1]))
        p.add_mesh(self._track_poly, color="#00e5ff", line_width=2, lighting=False)
        self._track_xyz = np.zeros((run.n_frames, 0, 3))
        self._track_window = self._orbit_frames()

        # Satellites.
        self._sats = pv.PolyData(np.zeros((run.n_satellites, 3)))
        self._sats.point_data["values"] = np.zeros(run.n_satellites)
        self._clim = run.value_range(self.field)
        self._sat_actor = p.add_mesh(
            self._sats,
            scalars="values",
            cmap="plasma",
            clim=self._clim,
            render_points_as_spheres=True,
            point_size=point_size,
            lighting=False,
            nan_color="#808080",
            scalar_bar_args=self._bar_args(self.field),
        )
        self._bar_title = self.field.label
        self._highlight_actor = p.add_mesh(
            pv.Sphere(radius=HIGHLIGHT_RADIUS_KM), color="white", opacity=0.45, lighting=False
        )
        self._highlight_actor.visibility = False

        # Texts and the history chart (filled when a satellite is selected).
        self._clock = p.add_text("", position="upper_left", font_size=self._fs(11), color="white")
        self._info = p.add_text("", position="left_edge", font_size=self._fs(9), color="#e0e0e0")
        self._chart: Any = None
        self._marker: Any = None
        self._history_t_h = run.times_s / 3600.0

        self.set_tracks(self._tracks)
        self.set_frame(0)
        if selected is not None:
            self.select(selected)
        self.reset_camera(camera_latlon_deg)

    # ---- building blocks -------------------------------------------------------
    def _fs(self, points: float) -> int:
        """A font size scaled with the window (sizes are for 1280x800)."""
        return max(5, int(round(points * self._font)))

    def _bar_args(self, field: Field) -> dict[str, Any]:
        return {
            "title": field.label,
            "vertical": False,
            "position_x": 0.3,
            "position_y": 0.03,
            "width": 0.4,
            "height": 0.06,
            "fmt": bar_format(*self._clim),
            "n_labels": 5,
            "title_font_size": self._fs(14),
            "label_font_size": self._fs(12),
            "color": "white",
        }

    def _orbit_frames(self) -> int:
        """Frames in one orbit period at the mean altitude (at least 2)."""
        if self.run.n_frames < 2 or not self.run.has("orbit__altitude"):
            return 2
        alt = np.nanmedian(self.run.raw("orbit__altitude", 0))
        a_m = WGS84_A_KM * 1e3 + (alt if np.isfinite(alt) else 550e3)
        period_s = 2 * math.pi * math.sqrt(a_m**3 / MU_EARTH)
        cadence = float(np.median(np.diff(self.run.times_s)))
        return max(2, int(math.ceil(period_s / cadence)) + 1)

    def reset_camera(self, latlon_deg: tuple[float, float] | None = None) -> None:
        """Looks at the Earth from ``(lat, lon)`` [deg], by default from 20 deg N and
        75 deg west of the subsolar point at the current frame (day, dusk and night)."""
        if latlon_deg is None:
            _, sub_lon = subsolar_point_deg(self.run.epoch, float(self.run.times_s[self.frame]))
            latlon_deg = (20.0, sub_lon - 75.0)
        lat, lon = (math.radians(v) for v in latlon_deg)
        d = 5.2 * WGS84_A_KM
        eye = (
            d * math.cos(lat) * math.cos(lon),
            d * math.cos(lat) * math.sin(lon),
            d * math.sin(lat),
        )
        self.plotter.camera_position = [eye, (0.0, 0.0, 0.0), (0.0, 0.0, 1.0)]
        self.plotter.camera.view_angle = 30.0
        self.plotter.camera.clipping_range = (0.2 * WGS84_A_KM, 8.0 * WGS84_A_KM)

    # ---- state changes -----------------------------------------------------------
    def set_frame(self, frame: int) -> None:
        """Moves every actor to ``frame`` (in place: no actor is created)."""
        run = self.run
        frame = int(np.clip(frame, 0, run.n_frames - 1))
        self.frame = frame
        t_s = float(run.times_s[frame])
        lat, lon, alt = run.geodetic(frame)
        xyz = geodetic_to_ecef_km(lat, lon, alt)
        xyz[~np.isfinite(xyz).all(axis=1)] = 0.0  # no valid orbit: hidden inside the Earth
        self._positions = xyz
        self._sats.points[:] = xyz
        self._sats.GetPoints().Modified()
        self._update_scalars()
        if self.selected is not None:
            self._highlight_actor.position = tuple(xyz[self.selected])

        rot = rotation_to(-sun_direction_ecef(run.epoch, t_s))
        matrix = np.eye(4)
        matrix[:3, :3] = rot
        for actor in self._night:
            actor.user_matrix = matrix

        if self._has_contacts:
            vis = np.asarray(run.raw("ground__visible", frame), dtype=bool)
            vis &= np.isfinite(self._station_xyz[:, 0])[None, :]
            sat_i, st_i = np.nonzero(vis)
            if sat_i.size:
                pts = np.empty((2 * sat_i.size, 3))
                pts[0::2] = xyz[sat_i]
                pts[1::2] = self._station_xyz[st_i]
                cells = np.empty((sat_i.size, 3), dtype=np.int64)
                cells[:, 0] = 2
                cells[:, 1] = np.arange(0, 2 * sat_i.size, 2)
                cells[:, 2] = cells[:, 1] + 1
                self._contacts.points = pts
                self._contacts.lines = cells.ravel()
            else:
                self._contacts.points = np.zeros((2, 3))
                self._contacts.lines = np.array([2, 0, 1])
        self._update_tracks()
        if self._marker is not None:
            lo, hi = self._chart_range
            self._marker.update([t_s / 3600.0] * 2, [lo, hi])
        self._update_clock()
        if self.selected is not None:
            self._update_info()

    def _update_scalars(self) -> None:
        values = self.run.values(self.field, self.frame)
        arr = self._sats.point_data["values"]
        arr[:] = values
        self._sats.point_data.active_scalars_name = "values"
        self._sats.GetPointData().GetArray("values").Modified()

    def _update_clock(self) -> None:
        run, t_s = self.run, float(self.run.times_s[self.frame])
        when = run.instant(self.frame).strftime("%Y-%m-%d %H:%M:%S UTC")
        scenario = run.attrs.get("scenario", run.path.stem)
        text = (
            f"{scenario}   {run.n_satellites:,} satellites\n{when}   t = {t_s / 3600:.2f} h   "
            f"frame {self.frame + 1}/{run.n_frames}\ncolour: {self.field.key}"
        )
        self._clock.SetText(_UPPER_LEFT, text)

    def set_field(self, field: Field) -> None:
        """Colours the satellites by ``field`` (fixed range over the run, titled bar)."""
        self.field = field
        self._clim = self.run.value_range(field)
        mapper = self._sat_actor.mapper
        if self._bar_title in self.plotter.scalar_bars:
            self.plotter.remove_scalar_bar(self._bar_title)
        mapper.scalar_range = self._clim
        self._update_scalars()
        self.plotter.add_scalar_bar(mapper=mapper, **self._bar_args(field))
        self._bar_title = field.label
        self._update_clock()
        if self.selected is not None:
            self.select(self.selected)

    def set_tracks(self, satellites: Sequence[int]) -> None:
        """Draws the last orbit of each of ``satellites`` (indices)."""
        self._tracks = list(dict.fromkeys(int(s) for s in satellites))
        if self._tracks and self.run.has("orbit__latitude"):
            lat, lon, alt = self.run.geodetic_history(self._tracks)
            self._track_xyz = geodetic_to_ecef_km(lat, lon, alt)
        else:
            self._track_xyz = np.zeros((self.run.n_frames, 0, 3))
        self._update_tracks()

    def _update_tracks(self) -> None:
        k = self._track_xyz.shape[1]
        if k == 0:
            self._track_poly.points = np.zeros((2, 3))
            self._track_poly.lines = np.array([2, 0, 1])
            return
        w = min(self._track_window, self.frame + 1)
        idx = np.arange(self.frame - w + 1, self.frame + 1)
        pts = self._track_xyz[idx].transpose(1, 0, 2).reshape(-1, 3)
        pts = np.where(np.isfinite(pts), pts, 0.0)
        self._track_poly.points = pts
        cells = np.hstack([np.full((k, 1), w), np.arange(k * w).reshape(k, w)]).ravel()
        self._track_poly.lines = cells

    # ---- picking -------------------------------------------------------------------
    def pick_point(self, point: Sequence[float]) -> int | None:
        """Selects the satellite nearest to a picked world point [km] (or none)."""
        index = nearest_satellite(self._positions, point, PICK_TOLERANCE_KM)
        if index is not None:
            self.select(index)
        return index

    def select(self, satellite: int) -> None:
        """Shows ``satellite``'s name and values, its track and its history plot."""
        self.selected = int(satellite)
        self._highlight_actor.position = tuple(self._positions[self.selected])
        self._highlight_actor.visibility = True
        if self.selected not in self._tracks:
            self.set_tracks([*self._tracks, self.selected])
        self._update_info()
        self._show_history()

    def _update_info(self) -> None:
        assert self.selected is not None
        rows = self.run.describe(self.selected, self.frame)
        self._info.SetText(_LEFT_EDGE, "\n".join(f"{k}: {v}" for k, v in rows))

    def _show_history(self) -> None:
        pv, run = self.pv, self.run
        assert self.selected is not None
        values = run.history(self.field, self.selected)
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        self._chart_range = (lo, hi)
        if self._chart is None:
            self._chart = pv.Chart2D(size=(0.38, 0.3), loc=(0.61, 0.68))
            self._chart.background_color = (0.94, 0.94, 0.96, 0.9)
            self.plotter.add_chart(self._chart)
        chart = self._chart
        chart.clear()
        chart.line(self._history_t_h, np.nan_to_num(values, nan=lo), color="#d62728", width=2.0)
        t_h = float(run.times_s[self.frame]) / 3600.0
        self._marker = chart.line([t_h, t_h], [lo, hi], color="black", width=1.0, style="--")
        chart.title = f"{run.satellite_names[self.selected]}: {self.field.key}"
        chart.GetTitleProperties().SetFontSize(self._fs(12))
        chart.x_label = "time [h]"
        chart.y_label = self.field.units if self.field.units not in ("", "1") else "value"
        chart.x_range = [float(self._history_t_h[0]), float(self._history_t_h[-1]) or 1.0]
        chart.y_range = [lo, hi]
        for axis in (chart.x_axis, chart.y_axis):
            axis.label_size = self._fs(12)
            axis.tick_label_size = self._fs(10)

    # ---- output --------------------------------------------------------------------
    def screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Renders the current frame to a PNG file."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.plotter.screenshot(str(out))
        return out

    def movie(
        self,
        path: str | os.PathLike[str],
        frames: Sequence[int],
        fps: float = 24.0,
        on_frame: Callable[[int], None] | None = None,
    ) -> Path:
        """Writes ``frames`` as a movie (MP4 through imageio-ffmpeg; GIF by extension)."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".gif":
            self.plotter.open_gif(str(out), fps=max(1, int(round(fps))))
        else:
            self.plotter.open_movie(str(out), framerate=fps, quality=6)
        for k, frame in enumerate(frames):
            self.set_frame(int(frame))
            self.plotter.write_frame()
            if on_frame is not None:
                on_frame(k)
        self.plotter.mwriter.close()
        return out

    def close(self) -> None:
        self.plotter.close()

    # ---- interactive ------------------------------------------------------------------
    def install_controls(self, frame_ms: int = 80) -> dict[str, Callable[..., None]]:
        """Adds the window's controls: a time slider, play/pause (button or space), ``[``/``]``
        to change the colour channel, left/right arrows to step, click to pick. Returns
        the callbacks by name (``slider``, ``step``, ``toggle``, ``cycle``, ``tick``,
        ``pick``) so that they can be driven without a window."""
        p, run = self.plotter, self.run
        keys = list(run.fields)
        t_h = run.times_s / 3600.0

        def on_slider(value: float) -> None:
            frame = int(np.argmin(np.abs(t_h - value)))
            if frame != self.frame:
                self.set_frame(frame)

        slider = p.add_slider_widget(
            on_slider,
            rng=[float(t_h[0]), float(t_h[-1]) or 1.0],
            value=float(t_h[self.frame]),
            title="time [h]",
            pointa=(0.3, 0.16),
            pointb=(0.7, 0.16),
            style="modern",
            fmt="%.2f",
            interaction_event="always",
            title_height=0.02,
            tube_width=0.004,
            slider_width=0.012,
        )

        def step(delta: int) -> None:
            self.set_frame((self.frame + delta) % run.n_frames)
            slider.GetRepresentation().SetValue(float(t_h[self.frame]))
            p.render()

        def toggle(state: bool | None = None) -> None:
            self.playing = (not self.playing) if state is None else bool(state)

        def cycle(delta: int) -> None:
            i = keys.index(self.field.key) if self.field.key in keys else 0
            self.set_field(run.fields[keys[(i + delta) % len(keys)]])
            p.render()

        def tick(_step: int = 0) -> None:
            if self.playing:
                step(1)

        def on_pick(point: Any, *_: Any) -> None:
            if point is not None and self.pick_point(point) is not None:
                p.render()

        p.add_checkbox_button_widget(toggle, value=False, position=(10, 70), size=28)
        p.add_text("play", position=(44, 74), font_size=self._fs(9), color="white")
        p.add_text(
            "click: pick   space: play/pause   [ ]: colour channel   <- ->: step",
            position="lower_right",
            font_size=self._fs(8),
            color="#a0a0a0",
        )
        p.add_key_event("space", lambda: toggle())
        p.add_key_event("bracketright", lambda: cycle(1))
        p.add_key_event("bracketleft", lambda: cycle(-1))
        p.add_key_event("Right", lambda: step(1))
        p.add_key_event("Left", lambda: step(-1))
        p.pickable_actors = [self._sat_actor]
        p.enable_point_picking(
            callback=on_pick,
            use_picker=True,
            show_message=False,
            show_point=False,
            left_clicking=True,
            picker="point",
            pickable_window=False,
            tolerance=0.01,
        )
        p.add_timer_event(max_steps=10**9, duration=frame_ms, callback=tick)
        return {
            "slider": on_slider,
            "step": step,
            "toggle": toggle,
            "cycle": cycle,
            "tick": tick,
            "pick": on_pick,
        }

    def show(self, frame_ms: int = 80) -> None:  # pragma: no cover - needs a display
        """Opens the interactive window (see :meth:`install_controls`)."""
        self.install_controls(frame_ms)
        self.plotter.show(title=f"orbitwin view: {self.run.path.name}")
