"""``orbitwin view RUN.h5``: look at a run in 3D (PyVista), or render it off screen.

With ``--screenshot out.png`` or ``--movie out.mp4`` nothing is shown: the scene
renders off screen and is written to the file. Without either, a window opens,
unless there is no display (no ``DISPLAY``/``WAYLAND_DISPLAY`` on Linux): then
the command says so and exits without trying to open one.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..cli import EXIT_ERROR


def add_parser(subparsers: Any) -> None:
    """Registers ``view`` with the ``orbitwin`` command line."""
    p = subparsers.add_parser(
        "view",
        help="look at a run in 3D (window, --screenshot or --movie)",
        description=(
            "Show a run in 3D: the Earth with land, ocean and the night side, satellites "
            "coloured by any channel, ground stations with contact lines, orbit tracks. "
            "Interactive: time slider, play/pause (space), [ ] to change the colour channel, "
            "click a satellite for its values and history. Off screen with --screenshot or "
            "--movie (needs the 'viz' extra: pip install 'orbitwin[viz]')."
        ),
    )
    p.add_argument("run", help="run file written by `orbitwin run` (HDF5)")
    p.add_argument(
        "--color-by",
        "--colour-by",
        dest="color_by",
        help="channel that colours the satellites, e.g. sun.illumination, orbit.altitude, "
        "ground.elevation[Svalbard], thermal.temperature:max (default: illumination)",
    )
    p.add_argument(
        "--time",
        default="0",
        help="time shown: seconds since the epoch, a duration ('6h') or an ISO UTC instant "
        "(default: the first frame)",
    )
    p.add_argument(
        "--time-rule",
        choices=("nearest", "floor"),
        default="nearest",
        help="frame for a time between frames: nearest (earlier on a tie) or the last at or "
        "before it (default: nearest)",
    )
    p.add_argument("--screenshot", metavar="PNG", help="render one image off screen and exit")
    p.add_argument("--movie", metavar="MP4", help="render a movie off screen (MP4, or GIF)")
    p.add_argument("--start", help="movie start time (default: --time)")
    p.add_argument("--stop", help="movie stop time (default: the last frame)")
    p.add_argument("--every", type=int, default=1, help="movie: every N-th frame (default: 1)")
    p.add_argument("--fps", type=float, default=24.0, help="movie frames per second (default 24)")
    p.add_argument(
        "--window-size", default="1280x800", help="image size in pixels, WxH (default 1280x800)"
    )
    p.add_argument(
        "--track",
        action="append",
        default=[],
        metavar="SATELLITE",
        help="draw the last orbit of this satellite (name or index; repeatable)",
    )
    p.add_argument(
        "--select", metavar="SATELLITE", help="show this satellite's values and history plot"
    )
    p.add_argument("--camera", metavar="LAT,LON", help="look from this latitude,longitude [deg]")
    p.add_argument("--point-size", type=float, default=4.0, help="satellite size [px]")
    p.add_argument(
        "--no-shadow-cylinder", action="store_true", help="do not draw the Earth's shadow"
    )
    p.add_argument("--list-channels", action="store_true", help="list the colour channels and exit")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=run_view)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(
            f"window size is {text!r}; allowed: WIDTHxHEIGHT such as 1280x800"
        ) from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise ValueError(f"window size is {text!r}; allowed: 16..8192 pixels each way")
    return w, h


def _latlon(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"camera is {text!r}; allowed: LAT,LON in degrees, e.g. 30,-40") from None
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"camera latitude is {lat}; allowed: -90 to 90 deg")
    return lat, lon


def run_view(args: argparse.Namespace) -> int:
    """Handler of ``orbitwin view``."""
    from .runfile import RunFile, frame_index, parse_time
    from .scene import decide_off_screen, has_display

    size = _size(args.window_size)
    camera = _latlon(args.camera)
    with RunFile(args.run) as run:
        if args.list_channels:
            for key, field in run.fields.items():
                print(f"{key:40s} {field.label}")
            return 0
        field = run.field(args.color_by) if args.color_by else run.default_field()
        frame = frame_index(run.times_s, parse_time(args.time, run.epoch), args.time_rule)
        tracks = [run.satellite_index(s) for s in args.track]
        selected = run.satellite_index(args.select) if args.select else None
        off_screen = decide_off_screen(args.screenshot, args.movie)
        if not (args.screenshot or args.movie) and not has_display():
            print(
                "orbitwin view: no display (DISPLAY is not set), so no window is opened; "
                "render off screen with --screenshot out.png or --movie out.mp4",
                file=sys.stderr,
            )
            return EXIT_ERROR
        try:
            from .scene import Scene
        except ImportError as exc:  # pragma: no cover - depends on the installation
            print(
                f"orbitwin view needs PyVista ({exc}); install it with pip install 'orbitwin[viz]'",
                file=sys.stderr,
            )
            return EXIT_ERROR
        scene = Scene(
            run,
            field=field,
            off_screen=off_screen,
            window_size=size,
            tracks=tracks,
            selected=selected,
            point_size=args.point_size,
            shadow_cylinder=not args.no_shadow_cylinder,
            camera_latlon_deg=camera,
        )
        try:
            scene.set_frame(frame)
            if camera is None:
                scene.reset_camera()
            if args.screenshot:
                out = scene.screenshot(args.screenshot)
                print(f"orbitwin view: wrote {out} ({run.instant(frame):%Y-%m-%d %H:%M:%S} UTC)")
            if args.movie:
                if args.every < 1:
                    raise ValueError(f"every is {args.every}; allowed: an integer >= 1")
                if not args.fps > 0:
                    raise ValueError(f"fps is {args.fps}; allowed: > 0")
                start = frame
                if args.start is not None:
                    start = frame_index(run.times_s, parse_time(args.start, run.epoch), "floor")
                stop = run.n_frames - 1
                if args.stop is not None:
                    stop = frame_index(run.times_s, parse_time(args.stop, run.epoch), "floor")
                frames = list(range(start, stop + 1, args.every))
                if not frames:
                    raise ValueError("the movie has no frames: --start is after --stop")
                out = scene.movie(args.movie, frames, fps=args.fps)
                print(f"orbitwin view: wrote {out} ({len(frames)} frames)")
            if not (args.screenshot or args.movie):
                scene.show()  # pragma: no cover - needs a display
        finally:
            scene.close()
    return 0
