"""Golden references: small checked-in runs that later builds must reproduce.

Each golden scenario is a small scenario script ``tests/golden/NAME.py``; its
reference run is ``tests/golden/NAME.h5``, written by the regular
:func:`~orbitwin.run.run_scenario` path and stamped with provenance attributes
(``golden_created`` UTC time, ``golden_git_commit``, ``golden_scenario_file``; the
run already carries ``orbitwin_version``, ``seed`` and ``scenario_source``).

``orbitwin golden check`` re-runs every golden scenario into a temporary directory
and compares it with its reference under the shipped regression tolerances (exit 1
when out of tolerance); ``orbitwin golden update`` re-runs them and rewrites the
references, on purpose only, after an intended model change. The test suite does
the same comparison through :func:`orbitwin.testing.assert_matches`.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .compare import Comparison, compare
from .tolerances import Tolerances

#: Where the golden scenarios and references live, relative to the repository root.
GOLDEN_DIR = Path("tests") / "golden"


def default_directory() -> Path:
    """``tests/golden`` under the current directory, else under the source checkout
    this package was installed from (editable installs)."""
    here = Path.cwd() / GOLDEN_DIR
    if here.is_dir():
        return here
    checkout = Path(__file__).resolve().parents[2] / GOLDEN_DIR
    return checkout if checkout.is_dir() else here


def golden_scenarios(
    directory: str | os.PathLike[str] | None = None, names: list[str] | None = None
) -> list[Path]:
    """The golden scenario scripts (``*.py``) in ``directory``, sorted; ``names``
    (file stems) picks some. Raises FileNotFoundError / ValueError naming what is missing."""
    d = Path(directory) if directory is not None else default_directory()
    if not d.is_dir():
        raise FileNotFoundError(f"golden directory {str(d)!r} does not exist")
    found = sorted(p for p in d.glob("*.py") if not p.name.startswith("_"))
    if names:
        stems = {p.stem: p for p in found}
        unknown = [n for n in names if n not in stems]
        if unknown:
            raise ValueError(
                f"golden scenario {unknown[0]!r} is not in {str(d)!r}; allowed: "
                f"{', '.join(stems) or '(none)'}"
            )
        found = [stems[n] for n in names]
    if not found:
        raise FileNotFoundError(f"golden directory {str(d)!r} has no scenario scripts (*.py)")
    return found


def run_golden(script: str | os.PathLike[str], out: str | os.PathLike[str]) -> Any:
    """Runs a golden scenario script through :func:`~orbitwin.run.run_scenario` (one
    thread, no progress bar) into ``out``; returns the RunResult."""
    from .run import run_scenario
    from .scenario import load_scenario

    return run_scenario(load_scenario(script), out, threads=1, progress=False)


def git_commit(where: str | os.PathLike[str]) -> str:
    """The checkout's HEAD commit (``+dirty`` with uncommitted changes), or "" outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def stamp_provenance(
    path: str | os.PathLike[str], script: str | os.PathLike[str], commit: str | None = None
) -> None:
    """Adds the golden provenance attributes to a run file (``commit``: the checkout's
    commit, looked up when None)."""
    import h5py

    script = Path(script)
    with h5py.File(path, "r+") as f:
        f.attrs["golden_created"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.attrs["golden_git_commit"] = git_commit(script.parent) if commit is None else commit
        f.attrs["golden_scenario_file"] = script.name


def update_golden(
    directory: str | os.PathLike[str] | None = None, names: list[str] | None = None
) -> list[Path]:
    """Re-runs the golden scenarios and rewrites their references (``NAME.h5``);
    returns the written files. Each file is replaced only when its run completed."""
    written = []
    scripts = golden_scenarios(directory, names)
    # The commit before any reference is rewritten (rewriting one makes the tree dirty).
    commit = git_commit(scripts[0].parent)
    for script in scripts:
        target = script.with_suffix(".h5")
        with tempfile.TemporaryDirectory(prefix="orbitwin-golden-") as tmp:
            result = run_golden(script, Path(tmp) / target.name)
            stamp_provenance(result.path, script, commit)
            os.replace(result.path, target)
        written.append(target)
    return written


def check_golden(
    directory: str | os.PathLike[str] | None = None,
    names: list[str] | None = None,
    tolerances: Tolerances | str | os.PathLike[str] | None = None,
) -> dict[str, Comparison]:
    """Re-runs the golden scenarios into a temporary directory and compares each with
    its reference; returns the comparisons by scenario file stem. Raises
    FileNotFoundError for a missing reference (run ``orbitwin golden update``)."""
    out = {}
    for script in golden_scenarios(directory, names):
        ref = script.with_suffix(".h5")
        if not ref.is_file():
            raise FileNotFoundError(
                f"golden reference {str(ref)!r} does not exist; write it with "
                "'orbitwin golden update'"
            )
        with tempfile.TemporaryDirectory(prefix="orbitwin-golden-") as tmp:
            result = run_golden(script, Path(tmp) / ref.name)
            out[script.stem] = compare(result.path, ref, tolerances)
    return out


def add_parser(sub: Any) -> None:
    """``orbitwin golden check|update [NAME ...] [--dir DIR] [--tolerances FILE]``."""
    p = sub.add_parser(
        "golden",
        help="check the golden reference runs, or rewrite them on purpose",
        description=(
            "Golden references are small checked-in runs (tests/golden/NAME.h5) of small "
            "scenario scripts (tests/golden/NAME.py). 'check' re-runs each scenario and "
            "compares it with its reference (exit 1 when out of tolerance); 'update' re-runs "
            "them and rewrites the references with provenance (version, seed, date, git "
            "commit, scenario source) - only after an intended model change."
        ),
    )
    p.add_argument("action", choices=("check", "update"), help="compare, or rewrite the files")
    p.add_argument("names", nargs="*", help="scenario file stems (default: all)")
    p.add_argument("--dir", help=f"golden directory (default: ./{GOLDEN_DIR})")
    p.add_argument("--tolerances", help="tolerance file for check (default: regression)")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=_golden_command)


def _golden_command(args: Any) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if args.action == "update":
        files = update_golden(args.dir, args.names or None)
        table = Table(title="golden references written")
        table.add_column("file")
        table.add_column("size", justify="right")
        for f in files:
            table.add_row(str(f), f"{f.stat().st_size / 1024:.0f} KiB")
        console.print(table)
        return 0
    results = check_golden(args.dir, args.names or None, args.tolerances)
    ok = True
    for name, cmp in results.items():
        console.rule(name)
        cmp.print()
        ok &= cmp.passed
    console.print(
        "[bold green]golden references: all match[/]"
        if ok
        else "[bold red]golden references: out of tolerance (see above)[/]"
    )
    return 0 if ok else 1
