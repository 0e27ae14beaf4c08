"""The ``orbitwin`` command line.

``orbitwin run SCENARIO.py`` runs a scenario script, writes its HDF5 file and
prints a summary. Errors are one clear paragraph and a non-zero exit; add
``--debug`` for the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

import numpy as np

from . import __version__
from .scenario import Scenario, ScenarioError, load_scenario

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

#: Modules that add a subcommand: each has ``add_parser(subparsers)``, which
#: registers its parser with ``set_defaults(handler=fn)`` where ``fn(args) -> int``.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "orbitwin.results",
    "orbitwin.sweep",
    "orbitwin.viz.view",
    "orbitwin.viz.report",
    "orbitwin.calibrate",
    "orbitwin.validation",
    "orbitwin.compare",
    "orbitwin.golden",
)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="output HDF5 file (default: out/<scenario name>.h5)")
    p.add_argument(
        "--duration", help="simulated span, overriding the scenario's (e.g. 3600, '90min', '2d')"
    )
    p.add_argument("--seed", type=int, help="random seed, overriding the scenario's")
    p.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="core threads (default: every core; results never depend on it)",
    )
    p.add_argument(
        "--precision",
        choices=("single", "double"),
        help="storage precision of floating-point telemetry, overriding the scenario's "
        "(default single: 7 significant digits)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orbitwin",
        description=(
            "orbitwin: a digital twin of space-computing constellations. Runs scenario "
            "scripts through the C++ core and writes one netCDF4/HDF5 file per run."
        ),
    )
    parser.add_argument("--version", action="version", version=f"orbitwin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run a scenario script and write its HDF5 file",
        description=(
            "Run a scenario script (a Python file defining `scenario = orbitwin.Scenario(...)`), "
            "write the telemetry to HDF5 (as NAME.partial until complete) and print a summary."
        ),
    )
    run.add_argument(
        "scenario",
        nargs="?",
        help="path to the scenario script, e.g. scenarios/starlink.py (not with --resume)",
    )
    run.add_argument(
        "--resume",
        metavar="FILE",
        help="continue the interrupted run in FILE (NAME.partial) from its last checkpoint, "
        "with the scenario, seed and duration stored in it; the telemetry is the same as "
        "an uninterrupted run's",
    )
    _add_run_options(run)
    run.set_defaults(handler=_run_command)
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).add_parser(sub)
    return parser


def _summary(result) -> None:
    from rich.console import Console
    from rich.table import Table

    st = result.stats
    table = Table(title=f"orbitwin run: {result.scenario}", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("satellites", f"{result.n_satellites:,}"),
        ("simulated", f"{result.simulated_s / 3600:.2f} h"),
        ("frames written", f"{st.frames:,}"),
        ("wall time", f"{result.wall_s:.2f} s"),
        (
            "core time / SGP4 / output",
            f"{result.timing['core']:.2f} / {result.timing['ephemeris']:.2f} / "
            f"{result.timing['sink']:.2f} s (writing {result.timing.get('write', 0.0):.2f} s "
            "in the background)",
        ),
        ("core speed", f"{result.core_rate / 1e6:.1f} M satellite-steps/s"),
        ("mean eclipse fraction", f"{st.eclipse_fraction:.4f}"),
        (
            "altitude min / max",
            f"{st.altitude_min_m / 1e3:.1f} / {st.altitude_max_m / 1e3:.1f} km",
        ),
        ("max |beta angle|", f"{st.beta_abs_max_rad * 57.29577951308232:.1f} deg"),
        (
            "satellites without a valid orbit",
            f"{int(st.invalid.sum()) if st.invalid is not None else 0}",
        ),
    ]
    fin = result.final
    if "compute_delivered_ops" in fin:
        rows += [
            ("compute delivered", f"{fin['compute_delivered_ops'] / 1e18:,.1f} Exa-op"),
            (
                "mean time throttled / off",
                f"{100 * fin['throttled_fraction']:.1f} % / {100 * fin['off_fraction']:.1f} %",
            ),
        ]
        if "data_generated_bits" in fin:
            rows.append(
                (
                    "data generated / downlinked",
                    f"{fin['data_generated_bits'] / 8e12:,.2f} / "
                    f"{fin['data_downlinked_bits'] / 8e12:,.3f} TB",
                )
            )
    if np.isfinite(st.soc_min):
        rows.append(("minimum state of charge", f"{100 * st.soc_min:.1f} %"))
    if np.isfinite(st.node_max_k):
        rows.append(("hottest node", f"{st.node_max_k - 273.15:.1f} C (node {st.node_max_index})"))
    if np.isfinite(st.junction_max_k):
        rows.append(("hottest junction", f"{st.junction_max_k - 273.15:.1f} C"))
    if "dose_max_gy" in fin:
        rows += [
            (
                "dose mean / max",
                f"{fin['dose_mean_gy'] * 100:.3g} / {fin['dose_max_gy'] * 100:.3g} rad(Si)",
            ),
            (
                "upsets / interrupts / latch-ups",
                f"{fin['upsets']:,.0f} / {fin['functional_interrupts']:,.0f} / "
                f"{fin['latchups']:,.0f}",
            ),
        ]
    kinds: dict[str, int] = {}
    for ev in result.events:
        kinds[ev.kind] = kinds.get(ev.kind, 0) + 1
    faults = {k: v for k, v in kinds.items() if k not in ("watch", "job_done", "operation", "note")}
    rows.append(
        ("faults", ", ".join(f"{k} {v}" for k, v in sorted(faults.items())) if faults else "none")
    )
    rows.append(("output", str(result.path)))
    for k, v in rows:
        table.add_row(k, v)
    Console().print(table)


def _run_command(args: argparse.Namespace) -> int:
    if args.resume is None:
        if args.scenario is None:
            raise ScenarioError("give a scenario script to run, or --resume FILE")
        return _run(load_scenario(args.scenario), args)
    fixed = [
        name
        for name, value in (
            ("SCENARIO", args.scenario),
            ("--out", args.out),
            ("--duration", args.duration),
            ("--seed", args.seed),
            ("--precision", args.precision),
        )
        if value is not None
    ]
    if fixed:
        raise ScenarioError(
            f"--resume takes the scenario, output, duration, seed and precision from the run "
            f"file; {', '.join(fixed)} cannot be given with it"
        )
    return _run(None, args)


def _run(scenario: Scenario | None, args: argparse.Namespace) -> int:
    from .run import resume_run, run_scenario

    try:
        if scenario is None:
            result = resume_run(args.resume, threads=args.threads, progress=not args.no_progress)
        else:
            if args.precision is not None:
                scenario.output_precision = args.precision
            result = run_scenario(
                scenario,
                args.out,
                threads=args.threads,
                duration=args.duration,
                seed=args.seed,
                progress=not args.no_progress,
            )
    except KeyboardInterrupt:
        print(
            "orbitwin: interrupted; the output written so far is kept as a readable "
            "'.partial' file (every frame up to the last flush).",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    _summary(result)
    return 0


def _guarded(fn, debug: bool) -> int:
    try:
        return fn()
    except (ScenarioError, ValueError, KeyError, FileNotFoundError, OSError) as exc:
        if debug:
            traceback.print_exc()
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"orbitwin: error: {msg}", file=sys.stderr)
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orbitwin`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    return _guarded(lambda: args.handler(args), getattr(args, "debug", False))


def main_for(scenario: Scenario, argv: Sequence[str] | None = None) -> None:
    """Runs ``scenario`` from its own script (``python scenarios/x.py [options]``)."""
    parser = argparse.ArgumentParser(
        prog=sys.argv[0] if sys.argv else "scenario",
        description=f"Run the orbitwin scenario {scenario.name!r}. {scenario.description}",
    )
    _add_run_options(parser)
    args = parser.parse_args(argv)
    if scenario.source_path is None and sys.argv and sys.argv[0].endswith(".py"):
        scenario.source_path = sys.argv[0]
    sys.exit(_guarded(lambda: _run(scenario, args), args.debug))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
