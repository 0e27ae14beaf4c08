"""Scenario parameters: the knobs a scenario script exposes to sweeps.

A scenario script declares its parameters, with their defaults, by calling
:func:`parameters` at module level and builds its fleets from the values it
gets back::

    from orbitwin.params import parameters

    p = parameters(altitude_km=550.0, inclination_deg=53.0, n_planes=6)
    scenario.add_fleet("shell", orbitwin.walker(..., altitude_m=p.altitude_km * 1e3))

Run plainly (``orbitwin run``, ``python scenarios/x.py``) the script gets the
defaults. A sweep loads the script inside :func:`overriding`, so the same call
returns the run's values instead; :func:`load_with_parameters` does that and
also checks that every override names a declared parameter.

Each value keeps the type of its default: an ``int`` parameter accepts whole
numbers (``600`` or ``600.0``), a ``float`` accepts any real number, a
``bool`` only ``true``/``false`` and a ``str`` only strings; anything else is a
:class:`~orbitwin.scenario.ScenarioError` naming the parameter, the value and
the allowed type.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .scenario import Scenario, ScenarioError, load_scenario

#: Scalar types a parameter default may have.
ALLOWED_TYPES: tuple[type, ...] = (bool, int, float, str)


@dataclass
class _Overrides:
    """What a load inside :func:`overriding` asks for and what the script declared."""

    values: dict[str, Any]
    declared: dict[str, Any] = field(default_factory=dict)  #: name -> default
    resolved: dict[str, Any] = field(default_factory=dict)  #: name -> value used


_ACTIVE: ContextVar[_Overrides | None] = ContextVar("orbitwin_parameter_overrides", default=None)


class Parameters(Mapping[str, Any]):
    """The values of a scenario's parameters: a read-only mapping with attribute access."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(
                f"parameter {name!r} is not declared; declared: {', '.join(self._values) or 'none'}"
            ) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Parameters({inner})"


def coerce(name: str, value: Any, default: Any) -> Any:
    """``value`` converted to the type of ``default``; :class:`ScenarioError` if it cannot be."""
    kind = type(default)
    ok: Any = None
    if kind is bool:
        ok = value if isinstance(value, bool) else None
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            ok = value
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            ok = int(value)
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            ok = float(value)
    elif kind is str:
        ok = value if isinstance(value, str) else None
    if ok is None:
        allowed = {
            bool: "true or false",
            int: "a whole number",
            float: "a real number",
            str: "a string",
        }[kind]
        raise ScenarioError(
            f"parameter {name!r} is {value!r}; allowed: {allowed} (its default is {default!r})"
        )
    return ok


def parameters(**defaults: Any) -> Parameters:
    """Declares scenario parameters with their defaults and returns their values:
    the defaults, or the overrides of the sweep run that is loading the script."""
    for name, default in defaults.items():
        if not isinstance(default, ALLOWED_TYPES):
            raise ScenarioError(
                f"parameter {name!r} has default {default!r} ({type(default).__name__}); "
                "allowed: a bool, int, float or str"
            )
    active = _ACTIVE.get()
    if active is None:
        return Parameters(defaults)
    values = {}
    for name, default in defaults.items():
        if name in active.declared:
            raise ScenarioError(f"parameter {name!r} is declared twice")
        active.declared[name] = default
        value = coerce(name, active.values[name], default) if name in active.values else default
        active.resolved[name] = value
        values[name] = value
    return Parameters(values)


@contextlib.contextmanager
def overriding(values: Mapping[str, Any]) -> Iterator[_Overrides]:
    """Within the block, :func:`parameters` returns ``values`` instead of defaults
    (per thread and task: a context variable)."""
    state = _Overrides(dict(values))
    token = _ACTIVE.set(state)
    try:
        yield state
    finally:
        _ACTIVE.reset(token)


def load_with_parameters(
    path: str | os.PathLike[str], values: Mapping[str, Any] | None = None
) -> tuple[Scenario, dict[str, Any], dict[str, Any]]:
    """Loads a scenario script with parameter ``values``.

    Returns the scenario, the declared parameters with their defaults, and the
    values the script used. Raises :class:`ScenarioError` for a value that names
    no declared parameter.
    """
    with overriding(values or {}) as state:
        scenario = load_scenario(path)
    unknown = [k for k in state.values if k not in state.declared]
    if unknown:
        raise ScenarioError(
            f"parameter {unknown[0]!r} is not declared by scenario file {str(path)!r}; "
            f"declared: {', '.join(state.declared) or 'none'}"
        )
    scenario.parameters = dict(state.resolved)
    return scenario, dict(state.declared), dict(state.resolved)
