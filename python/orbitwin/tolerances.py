"""Tolerance files for ``orbitwin compare``: what counts as "the same" per channel.

A tolerance file is TOML. Every table is optional::

    # Used for every channel that no [channels] entry matches.
    [default]
    abs = 0.0          # absolute tolerance, in the channel's own units (K, W, m, rad, 1 ...)
    rel = 1e-6         # relative tolerance, a fraction of |reference|
    lag = "0s"         # allowed time lag: seconds or text ("30s", "2min")
    window = ["0s", "1y"]   # compare only samples in [start, end] after the run's epoch
    max_outside = 0.0  # fraction of samples allowed outside the band (0 to 1)

    # Keys are channels ("thermal.temperature"), file variables ("thermal__temperature")
    # or glob patterns ("compute.*"); an exact name wins over a pattern, a longer pattern
    # over a shorter one. Unset fields come from [default].
    [channels."thermal.temperature"]
    abs = 0.5
    lag = "30s"
    window = ["1h", "1d"]

    [channels."ground.best_station"]
    ignore = true      # not compared

    # Event time differences allowed (eclipse entry/exit from sun.illumination
    # crossing 0.5; other kinds from the events group, matched by kind and satellite).
    [events]
    eclipse = "30s"
    default = "0s"     # every other kind
    ignore = ["upset"] # kinds not compared

    ignore = ["status.flags"]   # top level: channels (or patterns) not compared

A sample of a channel passes when the reference, at some time within
``±lag`` of the sample's time, lies within ``abs + rel * |reference|`` of it
(see :func:`orbitwin.compare.compare`). A channel passes when the fraction of its
samples outside that band is at most ``max_outside``.

:func:`load_tolerances` reads a file; :data:`REGRESSION_TOLERANCES` is the file
shipped for regression checks of one build of the twin against another
(``orbitwin golden check``), :func:`default_tolerances` loads it.
"""

from __future__ import annotations

import fnmatch
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .timeutil import NS_PER_S, duration_ns

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

#: The tolerance file shipped for regression checks (golden references).
REGRESSION_TOLERANCES: Path = Path(__file__).with_name("data") / "regression_tolerances.toml"

_CHANNEL_FIELDS = ("abs", "rel", "lag", "window", "max_outside", "ignore")
_TOP_LEVEL = ("default", "channels", "events", "ignore")


class ToleranceError(ValueError):
    """A tolerance file or table that cannot be used: names the field, value and what is allowed."""


@dataclass(frozen=True)
class ChannelTolerance:
    """The band a channel must stay in. ``abs`` is in the channel's units; ``rel`` is a
    fraction of ``|reference|``; ``lag_s`` [s] the allowed time shift; ``window_s`` [s]
    the compared span after the run's epoch; ``max_outside`` the fraction of samples
    allowed outside the band; ``ignore`` skips the channel."""

    abs: float = 0.0
    rel: float = 1e-6
    lag_s: float = 0.0
    window_s: tuple[float, float] = (0.0, math.inf)
    max_outside: float = 0.0
    ignore: bool = False

    def describe(self) -> str:
        """Short text for tables: ``0.5+1e-06|ref| lag 30s``."""
        text = f"{self.abs:g}+{self.rel:g}|ref|"
        if self.lag_s:
            text += f" lag {self.lag_s:g}s"
        if self.window_s != (0.0, math.inf):
            text += f" in {self.window_s[0]:g}-{self.window_s[1]:g}s"
        if self.max_outside:
            text += f" max {100 * self.max_outside:g}% out"
        return text


@dataclass(frozen=True)
class Tolerances:
    """Per-channel bands (``default`` plus ``channels`` keyed by channel or pattern),
    allowed event time differences [s] per kind, and ignored event kinds."""

    default: ChannelTolerance = field(default_factory=ChannelTolerance)
    channels: Mapping[str, ChannelTolerance] = field(default_factory=dict)
    events_s: Mapping[str, float] = field(default_factory=dict)
    event_default_s: float = 0.0
    ignored_events: tuple[str, ...] = ()
    source: str = "<built-in>"

    def for_channel(self, channel: str) -> ChannelTolerance:
        """The tolerance of ``channel`` (``thermal.temperature`` or ``thermal__temperature``):
        an exact entry, else the longest matching pattern, else the default."""
        dotted = channel.replace("__", ".")
        if dotted in self.channels:
            return self.channels[dotted]
        patterns = [p for p in self.channels if fnmatch.fnmatchcase(dotted, p)]
        if patterns:
            return self.channels[max(patterns, key=len)]
        return self.default

    def for_event(self, kind: str) -> float | None:
        """Allowed time difference [s] for events of ``kind``; None when ignored."""
        if kind in self.ignored_events:
            return None
        return float(self.events_s.get(kind, self.event_default_s))


def _err(source: str, where: str, value: Any, allowed: str) -> ToleranceError:
    return ToleranceError(f"tolerance file {source}: {where} is {value!r}; allowed: {allowed}")


def _number(source: str, where: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _err(source, where, value, f"a finite number from {lo:g} to {hi:g}")
    if not lo <= value <= hi:
        raise _err(source, where, value, f"a number from {lo:g} to {hi:g}")
    return float(value)


def _seconds(source: str, where: str, value: Any, allow_inf: bool = False) -> float:
    if allow_inf and isinstance(value, str) and value.strip().lower() in ("inf", "end"):
        return math.inf
    try:
        return duration_ns(value, where, allow_zero=True) / NS_PER_S
    except ValueError:
        raise _err(
            source,
            where,
            value,
            "seconds (a number >= 0) or text such as '30s', '2min', '1h', '1d'"
            + (" (or 'end')" if allow_inf else ""),
        ) from None


def _channel(source: str, where: str, table: Any, base: ChannelTolerance) -> ChannelTolerance:
    if not isinstance(table, dict):
        raise _err(source, where, table, "a table such as { abs = 0.5, rel = 0, lag = '30s' }")
    unknown = sorted(set(table) - set(_CHANNEL_FIELDS))
    if unknown:
        raise _err(
            source,
            f"{where}.{unknown[0]}",
            table[unknown[0]],
            f"fields {', '.join(_CHANNEL_FIELDS)}",
        )
    out = base
    if "abs" in table:
        out = replace(out, abs=_number(source, f"{where}.abs", table["abs"], 0.0, math.inf))
    if "rel" in table:
        out = replace(out, rel=_number(source, f"{where}.rel", table["rel"], 0.0, 1.0))
    if "lag" in table:
        out = replace(out, lag_s=_seconds(source, f"{where}.lag", table["lag"]))
    if "max_outside" in table:
        out = replace(
            out,
            max_outside=_number(source, f"{where}.max_outside", table["max_outside"], 0.0, 1.0),
        )
    if "ignore" in table:
        if not isinstance(table["ignore"], bool):
            raise _err(source, f"{where}.ignore", table["ignore"], "true or false")
        out = replace(out, ignore=table["ignore"])
    if "window" in table:
        w = table["window"]
        if not isinstance(w, list) or len(w) != 2:
            raise _err(source, f"{where}.window", w, "a list [start, end] such as ['1h', '1d']")
        start = _seconds(source, f"{where}.window[0]", w[0])
        end = _seconds(source, f"{where}.window[1]", w[1], allow_inf=True)
        if end <= start:
            raise _err(source, f"{where}.window", w, "an end after the start")
        out = replace(out, window_s=(start, end))
    return out


def parse_tolerances(data: Mapping[str, Any], source: str = "<table>") -> Tolerances:
    """Tolerances from a parsed TOML table (see the module docstring for the format);
    raises :class:`ToleranceError` naming the field, value and what is allowed."""
    unknown = sorted(set(data) - set(_TOP_LEVEL))
    if unknown:
        raise _err(source, unknown[0], data[unknown[0]], f"top-level keys {', '.join(_TOP_LEVEL)}")
    default = _channel(source, "[default]", data.get("default", {}), ChannelTolerance())
    channels: dict[str, ChannelTolerance] = {}
    raw_channels = data.get("channels", {})
    if not isinstance(raw_channels, dict):
        raise _err(
            source, "channels", raw_channels, 'tables such as [channels."thermal.temperature"]'
        )
    for key, table in raw_channels.items():
        name = key.replace("__", ".")
        channels[name] = _channel(source, f'[channels."{key}"]', table, default)
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(x, str) for x in ignore):
        raise _err(source, "ignore", ignore, 'a list of channels or patterns, e.g. ["status.*"]')
    for key in ignore:
        name = key.replace("__", ".")
        channels[name] = replace(channels.get(name, default), ignore=True)
    events = data.get("events", {})
    if not isinstance(events, dict):
        raise _err(source, "events", events, "a table such as { eclipse = '30s', default = '0s' }")
    events_s: dict[str, float] = {}
    event_default = 0.0
    ignored: tuple[str, ...] = ()
    for kind, value in events.items():
        if kind == "ignore":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise _err(
                    source, "[events].ignore", value, 'a list of event kinds, e.g. ["upset"]'
                )
            ignored = tuple(value)
        elif kind == "default":
            event_default = _seconds(source, "[events].default", value)
        else:
            events_s[kind] = _seconds(source, f"[events].{kind}", value)
    return Tolerances(default, channels, events_s, event_default, ignored, source)


def load_tolerances(path: str | os.PathLike[str]) -> Tolerances:
    """Reads a tolerance file (TOML); raises FileNotFoundError or :class:`ToleranceError`
    naming the file, the field, its value and what is allowed."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"tolerance file {str(p)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ToleranceError(f"tolerance file {str(p)!r} is not valid TOML: {exc}") from None
    return parse_tolerances(data, repr(str(p)))


def default_tolerances() -> Tolerances:
    """The shipped regression tolerances (:data:`REGRESSION_TOLERANCES`)."""
    return load_tolerances(REGRESSION_TOLERANCES)


def as_tolerances(
    value: Tolerances | Mapping[str, Any] | str | os.PathLike[str] | None,
) -> Tolerances:
    """Tolerances from a :class:`Tolerances`, a TOML-shaped mapping, a file path, or None
    (the shipped regression tolerances)."""
    if value is None:
        return default_tolerances()
    if isinstance(value, Tolerances):
        return value
    if isinstance(value, Mapping):
        return parse_tolerances(value)
    return load_tolerances(value)
