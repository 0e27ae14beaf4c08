"""Time at the Python edge: ISO 8601 epochs, durations and integer nanoseconds.

The core counts time as int64 nanoseconds since the scenario epoch; this module
converts what users write (``"2024-05-13T00:00:00Z"``, ``"90min"``, ``600``)
into that, with errors that name the field and what is allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

NS_PER_S = 1_000_000_000
_UNIX_EPOCH_JD = 2440587.5  # [day] 1970-01-01T00:00 UTC

_UNITS_S = {
    "ns": 1e-9,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "y": 365.25 * 86400.0,
    "yr": 365.25 * 86400.0,
}
_DURATION = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]*)\s*$")


def duration_ns(value: float | int | str, field: str = "duration", allow_zero: bool = False) -> int:
    """Integer nanoseconds for a duration given in seconds or as text (``"90min"``, ``"2d"``).

    Raises ``ValueError`` naming ``field`` for negative, zero (unless ``allow_zero``),
    non-finite or unparsable values.
    """
    allowed = (
        "a number of seconds or a string such as '10s', '90min', '6h', '2d', '1y' "
        f"(units: {', '.join(sorted(_UNITS_S))})"
    )
    if isinstance(value, bool):
        raise ValueError(f"{field} is {value!r}; allowed: {allowed}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        m = _DURATION.match(value.lower())
        if not m:
            raise ValueError(f"{field} is {value!r}; allowed: {allowed}")
        unit = m.group(2) or "s"
        if unit not in _UNITS_S:
            raise ValueError(f"{field} is {value!r}: unknown unit {unit!r}; allowed: {allowed}")
        seconds = float(m.group(1)) * _UNITS_S[unit]
    else:
        raise ValueError(f"{field} is {value!r}; allowed: {allowed}")
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{field} is {value!r}; allowed: a finite duration {bound}")
    return int(round(seconds * NS_PER_S))


@dataclass(frozen=True)
class Epoch:
    """A UTC instant as a two-part Julian date (UT1 = UTC is assumed, |dUT1| < 0.9 s)."""

    jd_whole: float  #: [day] Julian date of the preceding midnight (ends in .5)
    jd_fraction: float  #: [day] fraction of the day since that midnight
    iso: str  #: ISO 8601 text, UTC

    @property
    def datetime(self) -> datetime:
        return datetime.fromisoformat(self.iso.replace("Z", "+00:00"))

    def plus(self, t_ns: int) -> datetime:
        """The UTC datetime ``t_ns`` nanoseconds after this epoch (microsecond resolution)."""
        return self.datetime + timedelta(microseconds=t_ns // 1000)


def parse_epoch(value: str | datetime, field: str = "epoch") -> Epoch:
    """Parses an ISO 8601 UTC instant (``"2024-05-13T00:00:00Z"``) into an :class:`Epoch`."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{field} is {value!r}; allowed: an ISO 8601 UTC time such as "
                "'2024-05-13T00:00:00Z'"
            ) from None
    else:
        raise ValueError(f"{field} is {value!r}; allowed: an ISO 8601 string or a datetime")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    if not 1950 <= dt.year <= 2100:
        raise ValueError(f"{field} is {value!r}; allowed: years 1950 to 2100")
    midnight = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    days = (midnight - datetime(1970, 1, 1, tzinfo=timezone.utc)).days
    since_midnight = dt - midnight
    fraction = since_midnight.total_seconds() / 86400.0
    iso = dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return Epoch(jd_whole=_UNIX_EPOCH_JD + days, jd_fraction=fraction, iso=iso)
