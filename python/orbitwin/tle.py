"""Two-line element (TLE) reading, strict validation and batch SGP4 propagation.

This module is the orbitwin entry point for real satellite catalogues:

* :func:`read_tle` / :func:`parse_tle` read 2-line and 3-line (optionally
  ``"0 "``-prefixed name line) element sets, mixed freely in one input, and
  validate every field against the fixed-column TLE format before handing the
  lines to the reference SGP4 implementation (the ``sgp4`` package, Vallado's
  C++ code, WGS72 constants).  Any violation raises :class:`ValueError` whose
  message names the source, the 1-based line number, the field, the offending
  value and what is allowed.
* :class:`SgpPropagator` propagates a whole :class:`TleSet` over a time grid
  with :class:`sgp4.api.SatrecArray` (vectorised C++ SGP4; no Python loop over
  satellites or times except over time *chunks* that bound peak memory), and
  returns TEME positions in metres and velocities in metres per second.

SGP4 itself is never reimplemented here; results are validated in
``tests/test_tle.py`` against per-satellite :meth:`sgp4.api.Satrec.sgp4` calls.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from sgp4.api import Satrec, SatrecArray

__all__ = [
    "MAX_CHUNK_BYTES",
    "SgpPropagator",
    "TleSet",
    "default_chunk_steps",
    "parse_tle",
    "read_tle",
    "split_julian_date",
    "tle_checksum",
]

#: Length of a TLE data line, checksum column included.
TLE_LINE_LENGTH: Final[int] = 69

#: Upper bound on the output bytes (r, v and error code) one SatrecArray call
#: may produce; :meth:`SgpPropagator.propagate` chunks the time axis to stay
#: below it.
MAX_CHUNK_BYTES: Final[int] = 64 * 1024 * 1024

#: Output bytes per (satellite, time step): r and v (3 float64 each) + uint8 error.
_BYTES_PER_SAMPLE: Final[int] = 3 * 8 + 3 * 8 + 1

_SECONDS_PER_DAY: Final[float] = 86400.0
_M_PER_KM: Final[float] = 1000.0

# Alpha-5 catalogue numbers (https://www.space-track.org/documentation#tle-alpha5):
# first character A-Z without I and O stands for 10..33.
_ALPHA5_LETTERS: Final[str] = "ABCDEFGHJKLMNPQRSTUVWXYZ"

_DECIMAL_RE: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_IMPLIED_EXP_RE: Final = re.compile(r"[ +-]\d{5}[ +-]\d")
_ECC_RE: Final = re.compile(r"[+-]?\d+")
_UINT_RIGHT_ALIGNED_RE: Final = re.compile(r" *\d*")
_CATALOG_DIGITS_RE: Final = re.compile(r" *\d{1,5}")
_CATALOG_ALPHA5_RE: Final = re.compile(r"[A-HJ-NP-Z]\d{4}")

# 0-based indices of the columns that must be blank.
_LINE1_BLANKS: Final = (1, 8, 17, 32, 43, 52, 61, 63)
_LINE2_BLANKS: Final = (1, 7, 16, 25, 33, 42, 51)

_SGP4_ERRORS: Final = {
    1: "mean eccentricity outside [0, 1) or semi-major axis below 0.95 Earth radii",
    2: "mean motion is negative",
    3: "perturbed eccentricity outside [0, 1]",
    4: "semi-latus rectum is negative",
    5: "epoch elements are sub-orbital",
    6: "satellite radius below 1 Earth radius at epoch (decayed)",
}

FloatArray = npt.NDArray[np.float64]


def tle_checksum(line: str) -> int:
    """Return the TLE modulo-10 checksum of the first 68 characters of ``line``.

    Digits count their value, ``'-'`` counts 1, every other character 0
    (the NORAD definition; matches :func:`sgp4.io.compute_checksum`, which the
    tests check on the real snapshot).
    """
    total = 0
    for ch in line[: TLE_LINE_LENGTH - 1]:
        if "0" <= ch <= "9":
            total += ord(ch) - 48
        elif ch == "-":
            total += 1
    return total % 10


@dataclass(frozen=True, eq=False)
class TleSet:
    """An immutable, validated set of TLEs, one entry per satellite, in file order.

    Attributes:
        names: Satellite names (name line stripped, without a ``"0 "`` prefix);
            for 2-line entries the catalogue number as decimal text.
        catalog_numbers: NORAD catalogue numbers, int64, shape (n,)
            (Alpha-5 numbers decoded, e.g. ``A0001`` -> 100001).
        line1: TLE line 1 of each satellite (69 characters, no trailing blanks).
        line2: TLE line 2 of each satellite.
        satrecs: ``sgp4.api.Satrec.twoline2rv(line1, line2)`` (WGS72) objects.
        epoch_jd: TLE epoch as a UTC Julian date, float64, shape (n,):
            ``jdsatepoch + jdsatepochF``.
    """

    names: tuple[str, ...]
    catalog_numbers: npt.NDArray[np.int64]
    line1: tuple[str, ...]
    line2: tuple[str, ...]
    satrecs: tuple[Satrec, ...]
    epoch_jd: FloatArray

    def __post_init__(self) -> None:
        n = len(self.names)
        lengths = {
            "catalog_numbers": len(self.catalog_numbers),
            "line1": len(self.line1),
            "line2": len(self.line2),
            "satrecs": len(self.satrecs),
            "epoch_jd": len(self.epoch_jd),
        }
        bad = {k: v for k, v in lengths.items() if v != n}
        if bad:
            raise ValueError(f"TleSet fields must all have length {n} (len(names)); got {bad}")
        catalog = np.array(self.catalog_numbers, dtype=np.int64)
        epoch = np.array(self.epoch_jd, dtype=np.float64)
        catalog.flags.writeable = False
        epoch.flags.writeable = False
        object.__setattr__(self, "catalog_numbers", catalog)
        object.__setattr__(self, "epoch_jd", epoch)

    def __len__(self) -> int:
        """Number of satellites."""
        return len(self.names)

    def select(self, indices: npt.ArrayLike | slice) -> TleSet:
        """Return the sub-set at ``indices`` (integer indices, boolean mask or slice).

        Order and repetitions follow ``indices``; negative indices count from the
        end; out-of-range indices raise :class:`IndexError`.
        """
        idx = np.arange(len(self))[indices]
        idx = np.atleast_1d(idx).astype(np.intp, copy=False)
        pick = idx.tolist()
        return TleSet(
            names=tuple(self.names[i] for i in pick),
            catalog_numbers=self.catalog_numbers[idx],
            line1=tuple(self.line1[i] for i in pick),
            line2=tuple(self.line2[i] for i in pick),
            satrecs=tuple(self.satrecs[i] for i in pick),
            epoch_jd=self.epoch_jd[idx],
        )


def read_tle(path: str | os.PathLike[str]) -> TleSet:
    """Read and strictly validate a 2-line / 3-line TLE file; see :func:`parse_tle`.

    A missing file raises :class:`FileNotFoundError` (the OS error, which names
    the path).  Text must be UTF-8; invalid bytes raise :class:`ValueError`
    naming the path and line.
    """
    p = Path(path)
    data = p.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        lineno = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"{p}, line {lineno}: byte {data[exc.start : exc.start + 1]!r} is not valid UTF-8; "
            "TLE files must be ASCII/UTF-8 text"
        ) from exc
    return parse_tle(text, source=str(p))


def parse_tle(text: str, source: str = "<string>") -> TleSet:
    """Parse and strictly validate TLE text containing one or more element sets.

    Accepted layouts, freely mixed: 2-line (line 1, line 2) and 3-line (name
    line, optionally prefixed ``"0 "``, then line 1 and line 2).  Blank lines,
    trailing whitespace and CR/CRLF line ends are ignored.  A name line that
    itself begins with ``"1 "``/``"2 "`` is recognised when it is not 69
    characters long and the next non-blank line starts with ``"1 "``.

    Each data line is checked for: leading ``"1 "``/``"2 "``, exact length 69,
    modulo-10 checksum (:func:`tle_checksum`), blank separator columns, every
    numeric field's syntax, line 1/line 2 catalogue number agreement, and the
    element ranges SGP4 requires (0 <= e < 1, 0 <= i <= 180 deg, mean motion
    > 0, angles in [0, 360] deg, epoch day within the year).  The lines are then
    initialised with :meth:`sgp4.api.Satrec.twoline2rv` (WGS72), and any
    initialisation error code is reported too.

    Raises:
        ValueError: with ``"<source>, line <n>: <field> ..."`` naming the
            offending value and what is allowed; also for input without any
            element set and for a name/line 1 left without its line 2.
    """
    raw_lines = re.split(r"\r\n|\r|\n", text)
    lines = [ln.rstrip() for ln in raw_lines]
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]

    names: list[str] = []
    catalog: list[int] = []
    l1s: list[str] = []
    l2s: list[str] = []
    satrecs: list[Satrec] = []
    epochs: list[float] = []

    pending_name: tuple[int, str] | None = None  # (line index, name)
    pending_l1: tuple[int, str, int] | None = None  # (line index, line, catalog)

    for pos, i in enumerate(nonblank):
        line = lines[i]
        lineno = i + 1
        where = f"{source}, line {lineno}"

        if pending_l1 is not None:
            # Expect line 2.
            l1_index, l1, cat1 = pending_l1
            if not line.startswith("2 "):
                raise ValueError(
                    f"{where}: line number (columns 1-2) is {line[:2]!r}; expected '2 ' "
                    f"(line 2 of the element set whose line 1 is on line {l1_index + 1})"
                )
            _check_length_and_checksum(line, where, "line 2")
            cat2 = _parse_catalog(line, where, "line 2")
            if cat2 != cat1:
                raise ValueError(
                    f"{where}: line 2 catalog number (columns 3-7) is {line[2:7]!r}; expected "
                    f"{l1[2:7]!r} to match line 1 on line {l1_index + 1}"
                )
            _check_line2_fields(line, where)
            sat = Satrec.twoline2rv(l1, line)
            if sat.error != 0:
                meaning = _SGP4_ERRORS.get(sat.error, "unknown error")
                raise ValueError(
                    f"{where}: elements rejected by SGP4 initialisation: error code "
                    f"{sat.error} ({meaning}); expected error code 0"
                )
            name = pending_name[1] if pending_name is not None else ""
            names.append(name or str(cat1))  # 2-line entry or empty name: catalog number
            catalog.append(cat1)
            l1s.append(l1)
            l2s.append(line)
            satrecs.append(sat)
            epochs.append(sat.jdsatepoch + sat.jdsatepochF)
            pending_name = None
            pending_l1 = None
            continue

        next_starts_line1 = pos + 1 < len(nonblank) and lines[nonblank[pos + 1]].startswith("1 ")
        looks_like_data = len(line) == TLE_LINE_LENGTH and line[0].isdigit() and line[1:2] == " "

        if pending_name is not None:
            # Expect line 1 after a name line.
            if not line.startswith("1 "):
                raise ValueError(
                    f"{where}: line number (columns 1-2) is {line[:2]!r}; expected '1 ' "
                    f"(line 1 after the name line {pending_name[1]!r} on line "
                    f"{pending_name[0] + 1})"
                )
            pending_l1 = _parse_line1(line, i, where)
            continue

        # Expect a name line or line 1.
        is_name_like = next_starts_line1 and not looks_like_data
        if line.startswith("1 ") and not is_name_like:
            pending_l1 = _parse_line1(line, i, where)
        elif line.startswith("2 ") and not is_name_like:
            raise ValueError(
                f"{where}: dangling line 2 {line[:7]!r}... without a preceding line 1; "
                "expected a name line or a line 1 starting with '1 '"
            )
        elif looks_like_data and line[0] != "0":
            raise ValueError(
                f"{where}: line number (column 1) is {line[0]!r}; expected '1' "
                "(a 69-character data line must be line 1 here)"
            )
        else:
            name = line.strip()
            if name.startswith("0 ") or name == "0":
                name = name[2:].strip()
            pending_name = (i, name)

    n_lines = len(lines) - (1 if lines[-1] == "" else 0)  # a final newline ends, not starts, a line
    if pending_l1 is not None:
        raise ValueError(
            f"{source}, line {pending_l1[0] + 1}: dangling line 1 at end of input; "
            "expected it to be followed by a line 2"
        )
    if pending_name is not None:
        raise ValueError(
            f"{source}, line {pending_name[0] + 1}: dangling name line {pending_name[1]!r} at "
            "end of input; expected it to be followed by line 1 and line 2"
        )
    if not names:
        raise ValueError(
            f"{source}, line {max(n_lines, 1)}: no satellites found (empty input or only blank "
            "lines); expected at least one 2-line or 3-line element set"
        )

    return TleSet(
        names=tuple(names),
        catalog_numbers=np.asarray(catalog, dtype=np.int64),
        line1=tuple(l1s),
        line2=tuple(l2s),
        satrecs=tuple(satrecs),
        epoch_jd=np.asarray(epochs, dtype=np.float64),
    )


def _check_length_and_checksum(line: str, where: str, which: str) -> None:
    if len(line) != TLE_LINE_LENGTH:
        raise ValueError(
            f"{where}: {which} length is {len(line)} characters; expected exactly "
            f"{TLE_LINE_LENGTH} (after stripping trailing whitespace)"
        )
    expected = tle_checksum(line)
    found = line[TLE_LINE_LENGTH - 1]
    if found != str(expected):
        raise ValueError(
            f"{where}: {which} checksum (column 69) is {found!r}; expected {expected} "
            "(modulo-10 sum of columns 1-68: digits count their value, '-' counts 1)"
        )
    blanks = _LINE1_BLANKS if which == "line 1" else _LINE2_BLANKS
    for col in blanks:
        if line[col] != " ":
            raise ValueError(
                f"{where}: {which} column {col + 1} (field separator) is {line[col]!r}; "
                "expected a blank"
            )


def _parse_catalog(line: str, where: str, which: str) -> int:
    field = line[2:7]
    if _CATALOG_DIGITS_RE.fullmatch(field):
        return int(field)
    if _CATALOG_ALPHA5_RE.fullmatch(field):
        return (10 + _ALPHA5_LETTERS.index(field[0])) * 10000 + int(field[1:])
    raise ValueError(
        f"{where}: {which} catalog number (columns 3-7) is {field!r}; expected up to 5 "
        "digits, right-aligned, or Alpha-5 (letter A-Z except I/O followed by 4 digits)"
    )


def _parse_decimal(
    line: str,
    start: int,
    stop: int,
    where: str,
    field: str,
    lo: float,
    hi: float,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    unit: str = "",
) -> float:
    raw = line[start:stop]
    text = raw.strip()
    cols = f"columns {start + 1}-{stop}"
    lo_op = "<" if lo_open else "<="
    hi_op = "<" if hi_open else "<="
    allowed = f"allowed {lo:g} {lo_op} value {hi_op} {hi:g}{unit}"
    if not _DECIMAL_RE.fullmatch(text):
        raise ValueError(
            f"{where}: {field} ({cols}) is {raw!r}; expected a decimal number, {allowed}"
        )
    value = float(text)
    ok_lo = value > lo if lo_open else value >= lo
    ok_hi = value < hi if hi_open else value <= hi
    if not (ok_lo and ok_hi):
        raise ValueError(
            f"{where}: {field} ({cols}) is {raw!r} = {value!r}; out of range, {allowed}"
        )
    return value


def _check_implied_exponent(line: str, start: int, where: str, field: str) -> None:
    raw = line[start : start + 8]
    if not _IMPLIED_EXP_RE.fullmatch(raw):
        raise ValueError(
            f"{where}: {field} (columns {start + 1}-{start + 8}) is {raw!r}; expected "
            "implied-decimal exponent notation like ' 12345-3' or '-12345+0'"
        )


def _check_uint(line: str, start: int, stop: int, where: str, field: str) -> None:
    raw = line[start:stop]
    if not _UINT_RIGHT_ALIGNED_RE.fullmatch(raw):
        raise ValueError(
            f"{where}: {field} (columns {start + 1}-{stop}) is {raw!r}; expected a "
            "right-aligned non-negative integer"
        )


def _parse_line1(line: str, index: int, where: str) -> tuple[int, str, int]:
    _check_length_and_checksum(line, where, "line 1")
    cat = _parse_catalog(line, where, "line 1")
    if line[7] not in "UCS ":
        raise ValueError(
            f"{where}: line 1 classification (column 8) is {line[7]!r}; expected 'U', 'C', "
            "'S' or blank"
        )
    year_raw = line[18:20]
    if not (year_raw.isascii() and year_raw.isdigit()):
        raise ValueError(
            f"{where}: line 1 epoch year (columns 19-20) is {year_raw!r}; expected two digits"
        )
    yy = int(year_raw)
    year = 1900 + yy if yy >= 57 else 2000 + yy
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days_in_year = 366 if leap else 365
    _parse_decimal(
        line,
        20,
        32,
        where,
        f"line 1 epoch day of year {year}",
        1.0,
        float(days_in_year + 1),
        hi_open=True,
    )
    _parse_decimal(line, 33, 43, where, "line 1 mean motion first derivative", -1.0, 1.0)
    _check_implied_exponent(line, 44, where, "line 1 mean motion second derivative")
    _check_implied_exponent(line, 53, where, "line 1 BSTAR drag term")
    if not (line[62] == " " or line[62].isdigit()):
        raise ValueError(
            f"{where}: line 1 ephemeris type (column 63) is {line[62]!r}; expected a digit or blank"
        )
    _check_uint(line, 64, 68, where, "line 1 element set number")
    return index, line, cat


def _check_line2_fields(line: str, where: str) -> None:
    deg = " deg"
    _parse_decimal(line, 8, 16, where, "line 2 inclination", 0.0, 180.0, unit=deg)
    _parse_decimal(
        line, 17, 25, where, "line 2 right ascension of ascending node", 0.0, 360.0, unit=deg
    )
    raw = line[26:33]
    text = raw.strip()
    if not _ECC_RE.fullmatch(text):
        raise ValueError(
            f"{where}: line 2 eccentricity (columns 27-33) is {raw!r}; expected 7 digits with "
            "an implied leading decimal point, allowed 0 <= e < 1"
        )
    sign = "-" if text[0] == "-" else ""
    ecc = float(f"{sign}0.{text.lstrip('+-')}")
    if not 0.0 <= ecc < 1.0:
        raise ValueError(
            f"{where}: line 2 eccentricity (columns 27-33) is {raw!r} = {ecc!r}; out of range, "
            "allowed 0 <= e < 1"
        )
    _parse_decimal(line, 34, 42, where, "line 2 argument of perigee", 0.0, 360.0, unit=deg)
    _parse_decimal(line, 43, 51, where, "line 2 mean anomaly", 0.0, 360.0, unit=deg)
    _parse_decimal(
        line, 52, 63, where, "line 2 mean motion", 0.0, math.inf, lo_open=True, unit=" rev/day"
    )
    _check_uint(line, 63, 68, where, "line 2 revolution number at epoch")


def split_julian_date(jd_whole: float, offset_s: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Split the UTC Julian dates ``jd_whole + offset_s / 86400`` into ``(jd, fr)``.

    ``jd`` holds whole numbers (``floor(jd_whole)`` plus whole days) and ``fr``
    the fraction in [0, 1), so that ``jd - jdsatepoch`` inside SGP4 is exact
    and only ``fr`` carries rounding error (about 1e-16 day, i.e. 10 ps).
    Validated in the tests against the direct sum ``jd_whole + offset_s/86400``.
    """
    offsets = np.asarray(offset_s, dtype=np.float64)
    base = math.floor(jd_whole)
    frac = (jd_whole - base) + offsets / _SECONDS_PER_DAY
    whole = np.floor(frac)
    jd = base + whole
    fr = frac - whole
    return np.ascontiguousarray(jd), np.ascontiguousarray(fr)


def default_chunk_steps(n_satellites: int) -> int:
    """Largest number of time steps per SatrecArray call whose output (r, v in
    float64 and the uint8 error code: 49 bytes per satellite and step) fits in
    :data:`MAX_CHUNK_BYTES`; at least 1."""
    per_step = max(n_satellites, 1) * _BYTES_PER_SAMPLE
    return max(1, MAX_CHUNK_BYTES // per_step)


class SgpPropagator:
    """Batch SGP4 propagation of a :class:`TleSet` using :class:`sgp4.api.SatrecArray`.

    Outputs are in the TEME frame of each element set (as SGP4 defines it),
    positions in metres and velocities in metres per second.  Results are
    bit-identical to per-satellite :meth:`sgp4.api.Satrec.sgp4` calls with the
    same ``(jd, fr)`` split (see :func:`split_julian_date`), converted km -> m,
    which ``tests/test_tle.py`` checks on the real Starlink snapshot.
    """

    def __init__(self, tles: TleSet) -> None:
        """Build the C++ satellite array for ``tles`` (one-off cost, O(n))."""
        self._tles = tles
        self._array: SatrecArray | None = SatrecArray(list(tles.satrecs)) if len(tles) else None

    @property
    def tles(self) -> TleSet:
        """The element sets being propagated, in output order."""
        return self._tles

    def __len__(self) -> int:
        """Number of satellites."""
        return len(self._tles)

    def propagate(
        self,
        jd_whole: float,
        offset_s: npt.ArrayLike,
        chunk_steps: int | None = None,
        out: tuple[FloatArray, FloatArray] | None = None,
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.uint8]]:
        """Propagate every satellite to the UTC Julian dates ``jd_whole + offset_s/86400``.

        Args:
            jd_whole: Reference UTC Julian date (any value; it is split into a
                whole and fractional part internally for precision).
            offset_s: 1-D array of k time offsets in seconds from ``jd_whole``.
            chunk_steps: Time steps per SatrecArray call; default
                :func:`default_chunk_steps` (output of one call <= 64 MiB).
            out: Optional preallocated ``(r_out, v_out)``, each float64,
                C-contiguous, writable, shape (n, k, 3); filled and returned.

        Returns:
            ``(r_teme_m, v_teme_m_s, error)``: positions [m] and velocities
            [m/s], float64 C-contiguous (n, k, 3), and the SGP4 error code
            (n, k) uint8.  Where ``error != 0`` the position and velocity are
            NaN (sgp4 itself leaves finite values for code 6, "decayed"; this
            method blanks them too).
        """
        offsets = np.asarray(offset_s, dtype=np.float64)
        if offsets.ndim != 1:
            raise ValueError(f"offset_s must be 1-D; got shape {offsets.shape}")
        if not np.all(np.isfinite(offsets)):
            raise ValueError("offset_s must be finite; got NaN or infinity")
        if not math.isfinite(jd_whole):
            raise ValueError(f"jd_whole must be finite; got {jd_whole!r}")
        n = len(self._tles)
        k = offsets.shape[0]
        if chunk_steps is None:
            chunk_steps = default_chunk_steps(n)
        elif chunk_steps < 1:
            raise ValueError(f"chunk_steps must be >= 1; got {chunk_steps}")

        shape = (n, k, 3)
        if out is None:
            r_out = np.empty(shape, dtype=np.float64)
            v_out = np.empty(shape, dtype=np.float64)
        else:
            r_out, v_out = out
            for label, arr in (("r_out", r_out), ("v_out", v_out)):
                if (
                    not isinstance(arr, np.ndarray)
                    or arr.shape != shape
                    or arr.dtype != np.float64
                    or not arr.flags.c_contiguous
                    or not arr.flags.writeable
                ):
                    raise ValueError(
                        f"out {label} must be a writable C-contiguous float64 array of shape "
                        f"{shape}; got {getattr(arr, 'dtype', type(arr))} "
                        f"{getattr(arr, 'shape', None)}"
                    )
        error = np.zeros((n, k), dtype=np.uint8)
        if n == 0 or k == 0 or self._array is None:
            return r_out, v_out, error

        jd, fr = split_julian_date(jd_whole, offsets)
        for start in range(0, k, chunk_steps):
            stop = min(start + chunk_steps, k)
            e_c, r_km, v_km_s = self._array.sgp4(jd[start:stop], fr[start:stop])
            bad = e_c != 0
            if bad.any():
                r_km[bad] = np.nan
                v_km_s[bad] = np.nan
            np.multiply(r_km, _M_PER_KM, out=r_out[:, start:stop])
            np.multiply(v_km_s, _M_PER_KM, out=v_out[:, start:stop])
            error[:, start:stop] = e_c
        return r_out, v_out, error
