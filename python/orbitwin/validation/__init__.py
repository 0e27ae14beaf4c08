"""The validation suite: every model checked against an analytic solution or an
independent reference, as one registry that ``orbitwin validate`` and the test
suite both run.

Each case is a function registered with :func:`case`; it runs the model (the
core, through the public API) and returns a :class:`Measurement`: the measured
error, the tolerance it must stay within, its unit and any supporting numbers.
The registry records the model family, the case name, the reference it is
compared with and whether the case belongs to the quick subset (``--quick``:
seconds, not minutes). One module per model family (:mod:`.orbit`,
:mod:`.sun`, :mod:`.thermal`, :mod:`.power`, :mod:`.radiation`, :mod:`.ground`,
:mod:`.compute`) registers its cases on import.

``orbitwin validate [--quick] [--model NAME] [--json FILE]`` prints the table
(model, case, reference, error, tolerance, pass) and exits 1 when any case
fails; ``tests/test_validation.py`` asserts that every case passes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Model-family modules, imported (and so registered) on first use.
FAMILIES: tuple[str, ...] = ("orbit", "sun", "thermal", "power", "radiation", "ground", "compute")

EXIT_FAILED = 1


@dataclass(frozen=True)
class Measurement:
    """What a case measured: ``error`` (>= 0, NaN when the case could not measure)
    must be <= ``tolerance``; both in ``unit``. ``details`` holds supporting
    numbers (arrays allowed) that tests may check further; only scalars go to JSON."""

    error: float
    tolerance: float
    unit: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(math.isfinite(self.error) and self.error <= self.tolerance)


@dataclass(frozen=True)
class Case:
    """A registered validation case."""

    model: str
    name: str
    reference: str
    quick: bool
    fn: Callable[[], Measurement]

    @property
    def key(self) -> str:
        return f"{self.model}.{self.name}"


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: its measurement, or the exception that stopped it."""

    case: Case
    measurement: Measurement | None
    seconds: float
    exception: str | None = None

    @property
    def passed(self) -> bool:
        return self.measurement is not None and self.measurement.passed

    def as_dict(self) -> dict[str, Any]:
        m = self.measurement
        out: dict[str, Any] = {
            "model": self.case.model,
            "case": self.case.name,
            "reference": self.case.reference,
            "quick": self.case.quick,
            "error": None if m is None or not math.isfinite(m.error) else m.error,
            "tolerance": None if m is None else m.tolerance,
            "unit": None if m is None else m.unit,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
        }
        if m is not None:
            out["details"] = {
                k: (float(v) if not isinstance(v, str | bool | int) else v)
                for k, v in m.details.items()
                if isinstance(v, int | float | str | bool)
                or (hasattr(v, "shape") and getattr(v, "shape", None) == ())
            }
        if self.exception:
            out["exception"] = self.exception
        return out


REGISTRY: dict[str, Case] = {}


def case(
    model: str, name: str, *, reference: str, quick: bool = True
) -> Callable[[Callable[[], Measurement]], Callable[[], Measurement]]:
    """Registers ``fn() -> Measurement`` as case ``model.name`` (a decorator)."""

    def register(fn: Callable[[], Measurement]) -> Callable[[], Measurement]:
        c = Case(model, name, reference, quick, fn)
        if c.key in REGISTRY and REGISTRY[c.key].fn is not fn:
            raise ValueError(f"validation case {c.key!r} is registered twice")
        REGISTRY[c.key] = c
        return fn

    return register


def load() -> dict[str, Case]:
    """Imports every model-family module and returns the registry (key -> case)."""
    for family in FAMILIES:
        importlib.import_module(f"{__name__}.{family}")
    return REGISTRY


def models() -> list[str]:
    """The model names that have cases, in registry order."""
    return list(dict.fromkeys(c.model for c in load().values()))


def select(quick: bool = False, model: str | Iterable[str] | None = None) -> list[Case]:
    """The cases to run: all, or the quick subset, optionally of some models only.

    Raises ValueError naming an unknown model and the allowed ones.
    """
    cases = list(load().values())
    if model is not None:
        wanted = [model] if isinstance(model, str) else list(model)
        known = models()
        for m in wanted:
            if m not in known:
                raise ValueError(f"validation model {m!r} is unknown; allowed: {', '.join(known)}")
        cases = [c for c in cases if c.model in wanted]
    if quick:
        cases = [c for c in cases if c.quick]
    return cases


def run_case(key: str | Case) -> CaseResult:
    """Runs one case (by key ``model.name`` or :class:`Case`); an exception in the
    case is a failure, recorded with its traceback."""
    c = key if isinstance(key, Case) else _lookup(key)
    t0 = time.perf_counter()
    try:
        m = c.fn()
    except Exception:  # noqa: BLE001 - a crashing case is a failed case
        return CaseResult(c, None, time.perf_counter() - t0, traceback.format_exc())
    return CaseResult(c, m, time.perf_counter() - t0)


def measure(key: str) -> Measurement:
    """The measurement of case ``key``, exceptions propagating (for tests)."""
    return _lookup(key).fn()


def _lookup(key: str) -> Case:
    reg = load()
    if key not in reg:
        raise KeyError(f"validation case {key!r} is unknown; allowed: {', '.join(reg)}")
    return reg[key]


def run(
    quick: bool = False,
    model: str | Iterable[str] | None = None,
    progress: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Runs the selected cases in registry order; ``progress`` sees each result."""
    results = []
    for c in select(quick, model):
        r = run_case(c)
        if progress is not None:
            progress(r)
        results.append(r)
    return results


# ---- command line ------------------------------------------------------------------


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.3g}"


def print_table(results: Sequence[CaseResult], file: Any = None) -> None:
    """The results as a rich table: model, case, reference, error, tolerance, pass."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="orbitwin validation", show_lines=False)
    for col, justify in (
        ("model", "left"),
        ("case", "left"),
        ("reference", "left"),
        ("error", "right"),
        ("tolerance", "right"),
        ("unit", "left"),
        ("pass", "center"),
        ("s", "right"),
    ):
        table.add_column(col, justify=justify, overflow="fold", no_wrap=col in ("model", "case"))
    for r in results:
        m = r.measurement
        table.add_row(
            r.case.model,
            r.case.name,
            escape(r.case.reference),
            _fmt(m.error if m else None),
            _fmt(m.tolerance if m else None),
            m.unit if m else "",
            "[green]yes[/]" if r.passed else "[bold red]NO[/]",
            f"{r.seconds:.1f}",
        )
    n_fail = sum(not r.passed for r in results)
    console = Console(file=file)
    if not console.is_terminal:  # files and pipes: no folding of names
        console = Console(file=file, width=200)
    console.print(table)
    console.print(
        f"{len(results) - n_fail} of {len(results)} cases passed"
        + (f"; [bold red]{n_fail} failed[/]" if n_fail else "")
    )
    for r in results:
        if r.exception:
            console.print(f"[red]{escape(r.case.key)} raised:[/]")
            console.print(r.exception, markup=False, highlight=False)


def _command(args: argparse.Namespace) -> int:
    results = run(quick=args.quick, model=args.model or None)
    print_table(results)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "quick": bool(args.quick),
            "passed": all(r.passed for r in results),
            "cases": [r.as_dict() for r in results],
        }
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0 if all(r.passed for r in results) else EXIT_FAILED


def add_parser(subparsers: Any) -> None:
    """Registers ``orbitwin validate``."""
    p = subparsers.add_parser(
        "validate",
        help="run every model against its analytic or independent reference",
        description=(
            "Run the validation suite: each model (orbit, Sun and eclipse, thermal, power, "
            "radiation, ground contacts, compute) against an analytic solution or an "
            "independent reference. Prints model, case, reference, error, tolerance and "
            "pass; exits 1 if any case fails."
        ),
    )
    p.add_argument("--quick", action="store_true", help="only the quick subset (seconds)")
    p.add_argument(
        "--model",
        action="append",
        metavar="NAME",
        help=f"only this model (repeatable): {', '.join(FAMILIES)}",
    )
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=_command)
