"""Throughput of orbitwin's orbit + Sun + eclipse + attitude step against its peers.

What it measures (a Walker constellation, default 10,000 satellites, one
simulated day at a 10 s step, i.e. 8,640 steps):

1. **orbitwin core** -- ``Twin.advance(by=...)`` with 1 and 2 threads. Every step
   evaluates everything the core does now: J2 mean-element orbit and Kepler
   solve, GMST and geodetic latitude/longitude/altitude, the Sun, conical
   umbra/penumbra illumination, beta angle and attitude axes.
2. **sgp4 SatrecArray** -- the ``sgp4`` package's vectorised C++ SGP4 on the same
   mean elements (WGS72, no drag) over the same times, in chunks of times that
   bound memory. Orbit only: no Sun, eclipse, geodetic or attitude.
3. **numpy (same models)** -- what a user would write instead: the same models,
   vectorised over satellites with numpy, looping over time steps in Python.
   It is first checked against the core on a few instants (positions, geodetic,
   illumination, beta angle, attitude axes), then timed on a shorter span and
   scaled to a day.

It prints satellite-steps per second, the wall time for the simulated span and
the ratio of orbitwin (2 threads) to each row, peak RSS and the throughput
target. It reports figures only; it never fails on timings.

Run ``python benchmarks/bench_orbit.py`` (about 1.5 min on 2 cores) or
``--quick`` for a few-second smoke run; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import sgp4
from sgp4.api import WGS72, Satrec, SatrecArray

import orbitwin
from orbitwin.timeutil import NS_PER_S, duration_ns
from orbitwin.tle import split_julian_date

FloatArray = npt.NDArray[np.float64]

EPOCH = "2024-05-13T00:00:00Z"
TARGET_SAT_STEPS_S = 20e6  #: [satellite-steps/s] target for orbit + eclipse

# Constants as the core uses them (cpp/core/include/orbitwin/constants.hpp).
MU = 3.986004418e14  #: [m^3/s^2]
RE = 6378137.0  #: [m] WGS-84 equatorial radius
FLAT = 1.0 / 298.257223563  #: [-]
J2 = 1.08262668e-3  #: [-]
R_SUN = 6.957e8  #: [m]
AU = 1.495978707e11  #: [m]
JD_J2000 = 2451545.0  #: [day]
DEG = math.pi / 180.0
NS_PER_DAY = 86400 * NS_PER_S
SGP4_EPOCH_JD = 2433281.5  #: [day] 1949-12-31 00:00 UT, origin of sgp4init's epoch


# --------------------------------------------------------------------------- helpers
def peak_rss_mib() -> float:
    """Peak resident set size of this process so far [MiB] (Linux: ru_maxrss in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (1024.0 * 1024.0) if sys.platform == "darwin" else kib / 1024.0


def best_of(repeats: int, fn: Callable[[], int]) -> tuple[float, int]:
    """Best wall time [s] of ``repeats`` calls of ``fn`` (which returns its work count)."""
    best = math.inf
    work = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        work = fn()
        best = min(best, time.perf_counter() - t0)
    return best, work


def walker_planes(total: int) -> int:
    """Largest plane count <= 100 that divides ``total`` (100 planes for the default)."""
    return max(p for p in range(1, min(total, 100) + 1) if total % p == 0)


def kepler_iterations_for(e_max: float) -> int:
    """Newton iterations the core uses for a fleet of eccentricity <= e_max (kernels.cpp)."""
    if e_max == 0.0:
        return 1
    c = e_max / (2.0 * (1.0 - e_max))
    prev = e_max
    for k in range(1, 16):
        nxt = c * prev * prev
        if nxt < 1e-16 and 0.5 * prev * prev < 1e-16:
            return k
        prev = nxt
    return 16


# --------------------------------------------------------------------------- orbitwin core
def time_core(
    elements: orbitwin.ElementSet, step: str, span_ns: int, threads: int, repeats: int
) -> tuple[float, int]:
    """Best wall time [s] of advancing a fresh twin over ``span_ns``, and its step count."""
    best = math.inf
    steps = 0
    for _ in range(repeats):
        tw = orbitwin.Twin(EPOCH, step=step, threads=threads)
        tw.add_fleet("walker", elements)
        tw.start()  # evaluates t = 0 outside the timed span
        t0 = time.perf_counter()
        res = tw.advance(until=span_ns)
        best = min(best, time.perf_counter() - t0)
        steps = int(res.steps)
    return best, steps


# --------------------------------------------------------------------------- sgp4
def build_satrec_array(elements: orbitwin.ElementSet, epoch_jd: float) -> SatrecArray:
    """Satrec objects on the same mean elements (WGS72, bstar = 0), as one SatrecArray."""
    a = elements.semi_major_axis_m
    n_rad_min = np.sqrt(MU / a**3) * 60.0  # [rad/min] two-body mean motion
    epoch = epoch_jd - SGP4_EPOCH_JD  # [day] since 1949-12-31 00:00 UT
    sats = []
    for i in range(len(elements)):
        s = Satrec()
        s.sgp4init(
            WGS72,
            "i",
            i + 1,
            epoch,
            0.0,  # bstar [1/earth radii]
            0.0,  # ndot
            0.0,  # nddot
            float(elements.eccentricity[i]),
            float(elements.arg_perigee_rad[i]),
            float(elements.inclination_rad[i]),
            float(elements.mean_anomaly_rad[i]),
            float(n_rad_min[i]),
            float(elements.raan_rad[i]),
        )
        sats.append(s)
    return SatrecArray(sats)


def run_sgp4(array: SatrecArray, jd: FloatArray, fr: FloatArray, chunk: int) -> int:
    """Propagates every satellite to every time, ``chunk`` times a call; returns errors."""
    errors = 0
    for start in range(0, jd.size, chunk):
        e, _r, _v = array.sgp4(jd[start : start + chunk], fr[start : start + chunk])
        errors += int(np.count_nonzero(e))
    return errors


# --------------------------------------------------------------------------- numpy
@dataclass
class Ephemerides:
    """Per-instant quantities shared by all satellites, for k instants (k,)."""

    t_s: FloatArray  #: [s] since epoch
    sin_gmst: FloatArray  #: [-]
    cos_gmst: FloatArray  #: [-]
    sun_dir: FloatArray  #: [-] (k, 3) unit vector Earth -> Sun, TEME
    sun_m: FloatArray  #: [m] (k, 3) Earth -> Sun


def ephemerides(jd_whole: float, jd_fraction: float, t_ns: npt.NDArray[np.int64]) -> Ephemerides:
    """GMST (IAU 1982) and the Sun (Astronomical Almanac low precision), as the core does."""
    days = t_ns // NS_PER_DAY
    whole = jd_whole + days.astype(np.float64)
    frac = jd_fraction + (t_ns - days * NS_PER_DAY).astype(np.float64) / NS_PER_DAY
    # GMST
    d_raw = whole - JD_J2000
    day_fraction = (d_raw - np.floor(d_raw)) + frac
    tc = (d_raw + frac) / 36525.0
    sec = (
        67310.54841 + 86400.0 * day_fraction + (8640184.812866 + (0.093104 - 6.2e-6 * tc) * tc) * tc
    )
    sec = np.fmod(sec, 86400.0)
    sec = np.where(sec < 0.0, sec + 86400.0, sec)
    theta = sec * (2.0 * math.pi / 86400.0)
    # Sun
    n = d_raw + frac
    lon0 = np.fmod(280.460 + 0.9856474 * n, 360.0)
    g = np.fmod(357.528 + 0.9856003 * n, 360.0) * DEG
    lam = (lon0 + 1.915 * np.sin(g) + 0.020 * np.sin(2.0 * g)) * DEG
    eps = (23.439 - 0.0000004 * n) * DEG
    r_au = 1.00014 - 0.01671 * np.cos(g) - 0.00014 * np.cos(2.0 * g)
    u = np.stack([np.cos(lam), np.cos(eps) * np.sin(lam), np.sin(eps) * np.sin(lam)], axis=1)
    return Ephemerides(
        t_s=t_ns.astype(np.float64) * 1e-9,
        sin_gmst=np.sin(theta),
        cos_gmst=np.cos(theta),
        sun_dir=u,
        sun_m=u * (r_au * AU)[:, None],
    )


class NumpyTwin:
    """The core's orbit, geodetic, Sun/eclipse and nadir-attitude models in plain numpy,
    vectorised over satellites (one call per time step)."""

    def __init__(self, el: orbitwin.ElementSet) -> None:
        a = el.semi_major_axis_m
        e = el.eccentricity
        inc = el.inclination_rad
        # J2 secular rates (Vallado eq. 9-41), mean motion including J2.
        n0 = np.sqrt(MU / a**3)
        p = a * (1.0 - e * e)
        k = J2 * (RE / p) ** 2
        ci = np.cos(inc)
        self.eta = np.sqrt(1.0 - e * e)
        self.raan_dot = -1.5 * n0 * k * ci
        self.argp_dot = 0.75 * n0 * k * (5.0 * ci * ci - 1.0)
        self.n = n0 * (1.0 + 0.75 * k * self.eta * (3.0 * ci * ci - 1.0))
        self.a, self.e, self.ci, self.si = a, e, ci, np.sin(inc)
        self.m0, self.raan0, self.argp0 = el.mean_anomaly_rad, el.raan_rad, el.arg_perigee_rad
        self.kepler_iterations = kepler_iterations_for(float(e.max()))

    def step(self, t: float, sg: float, cg: float, u: FloatArray, s: FloatArray) -> dict:
        """Every output at ``t`` [s] for GMST (sin, cos), Sun direction ``u``, Sun ``s`` [m]."""
        a, e, ci, si, eta, n = self.a, self.e, self.ci, self.si, self.eta, self.n
        # Orbit: secular mean elements, Kepler (Newton), perifocal -> inertial.
        m = np.remainder(self.m0 + n * t + math.pi, 2.0 * math.pi) - math.pi
        ea = m.copy()
        for _ in range(self.kepler_iterations):
            ea -= (ea - e * np.sin(ea) - m) / (1.0 - e * np.cos(ea))
        se, ce = np.sin(ea), np.cos(ea)
        raan = self.raan0 + self.raan_dot * t
        argp = self.argp0 + self.argp_dot * t
        so, co, sw, cw = np.sin(raan), np.cos(raan), np.sin(argp), np.cos(argp)
        edot = n / (1.0 - e * ce)
        x, y = a * (ce - e), a * eta * se
        xd, yd = -a * se * edot, a * eta * ce * edot
        px, py, pz = co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si
        qx, qy, qz = -co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si
        rx, ry, rz = px * x + qx * y, py * x + qy * y, pz * x + qz * y
        hx, hy, hz = so * si, -co * si, ci
        wd, od = self.argp_dot, self.raan_dot
        vx = px * xd + qx * yd + wd * (hy * rz - hz * ry) - od * ry
        vy = py * xd + qy * yd + wd * (hz * rx - hx * rz) + od * rx
        vz = pz * xd + qz * yd + wd * (hx * ry - hy * rx)

        # Earth-fixed and geodetic (Bowring, two passes).
        bb = RE * (1.0 - FLAT)
        e2 = FLAT * (2.0 - FLAT)
        ep2 = e2 / (1.0 - e2)
        xf, yf = cg * rx + sg * ry, -sg * rx + cg * ry
        lon = np.arctan2(yf, xf)
        pp = np.hypot(xf, yf)
        cb, sb = bb * pp, RE * rz
        for _ in range(2):
            inv = 1.0 / np.sqrt(cb * cb + sb * sb)
            num = rz + ep2 * bb * (sb * inv) ** 3
            den = pp - e2 * RE * (cb * inv) ** 3
            cb, sb = RE * den, bb * num
        lat = np.arctan2(num, den)
        inv = 1.0 / np.sqrt(num * num + den * den)
        sphi = num * inv
        alt = pp * den * inv + rz * sphi - RE * np.sqrt(1.0 - e2 * sphi * sphi)

        # Conical shadow: apparent radii a (Sun), b (Earth), separation c; disc overlap.
        dx, dy, dz = s[0] - rx, s[1] - ry, s[2] - rz
        d = np.sqrt(dx * dx + dy * dy + dz * dz)
        rn = np.sqrt(rx * rx + ry * ry + rz * rz)
        sa = np.arcsin(R_SUN / d)
        sb_ = np.arcsin(RE / rn)
        c = np.arccos(np.clip(-(rx * dx + ry * dy + rz * dz) / (rn * d), -1.0, 1.0))
        illum = np.where(c >= sa + sb_, 1.0, 0.0)
        pen = np.flatnonzero((c < sa + sb_) & (c > sb_ - sa))
        if pen.size:
            ap, bp, cp = sa[pen], sb_[pen], c[pen]
            xo = (cp * cp + ap * ap - bp * bp) / (2.0 * cp)
            yo = np.sqrt(np.maximum(0.0, ap * ap - xo * xo))
            area = (
                ap * ap * np.arccos(np.minimum(1.0, xo / ap))
                + bp * bp * np.arccos(np.minimum(1.0, (cp - xo) / bp))
                - cp * yo
            )
            illum[pen] = np.clip(1.0 - area / (math.pi * ap * ap), 0.0, 1.0)

        # Beta angle and nadir attitude (Z to the Earth's centre, Y = -h, X = Y x Z).
        hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
        ih = 1.0 / np.sqrt(hx * hx + hy * hy + hz * hz)
        beta = np.arcsin((hx * u[0] + hy * u[1] + hz * u[2]) * ih)
        ir = 1.0 / rn
        zx, zy, zz = -rx * ir, -ry * ir, -rz * ir
        yx, yy, yz = -hx * ih, -hy * ih, -hz * ih
        xx, xy, xz = yy * zz - yz * zy, yz * zx - yx * zz, yx * zy - yy * zx
        return {
            "position": (rx, ry, rz),
            "velocity": (vx, vy, vz),
            "latitude": lat,
            "longitude": lon,
            "altitude": alt,
            "illumination": illum,
            "beta": beta,
            "axes": ((xx, xy, xz), (yx, yy, yz), (zx, zy, zz)),
        }

    def run(self, eph: Ephemerides) -> int:
        """Steps through every instant of ``eph``; returns the number of steps."""
        for j in range(eph.t_s.size):
            self.step(
                float(eph.t_s[j]),
                float(eph.sin_gmst[j]),
                float(eph.cos_gmst[j]),
                eph.sun_dir[j],
                eph.sun_m[j],
            )
        return int(eph.t_s.size)


def check_numpy_against_core(
    elements: orbitwin.ElementSet, step: str, check_ns: list[int], threads: int
) -> dict[str, float]:
    """Largest differences between the numpy model and the core at the ``check_ns`` instants."""
    tw = orbitwin.Twin(EPOCH, step=step, threads=threads)
    fleet = tw.add_fleet("walker", elements)
    model = NumpyTwin(elements)
    eph = ephemerides(tw.epoch.jd_whole, tw.epoch.jd_fraction, np.asarray(check_ns, np.int64))
    worst = {"position_m": 0.0, "velocity_m_s": 0.0, "geodetic_rad": 0.0, "altitude_m": 0.0}
    worst |= {"illumination": 0.0, "beta_rad": 0.0, "axes": 0.0, "penumbra_sats": 0.0}
    for j, t_ns in enumerate(check_ns):
        if t_ns == 0:
            tw.start()
        else:
            tw.advance(until=t_ns)
        out = model.step(
            float(eph.t_s[j]),
            float(eph.sin_gmst[j]),
            float(eph.cos_gmst[j]),
            eph.sun_dir[j],
            eph.sun_m[j],
        )
        pos = np.stack(out["position"], axis=1)
        vel = np.stack(out["velocity"], axis=1)
        axes = np.stack([np.stack(row, axis=1) for row in out["axes"]], axis=1)
        dlon = np.angle(np.exp(1j * (out["longitude"] - fleet.state("orbit.longitude"))))
        illum_core = fleet.state("sun.illumination")

        def upd(key: str, value: float) -> None:
            worst[key] = max(worst[key], value)

        upd("position_m", float(np.abs(pos - fleet.state("orbit.position")).max()))
        upd("velocity_m_s", float(np.abs(vel - fleet.state("orbit.velocity")).max()))
        upd("geodetic_rad", float(np.abs(out["latitude"] - fleet.state("orbit.latitude")).max()))
        upd("geodetic_rad", float(np.abs(dlon).max()))
        upd("altitude_m", float(np.abs(out["altitude"] - fleet.state("orbit.altitude")).max()))
        upd("illumination", float(np.abs(out["illumination"] - illum_core).max()))
        upd("beta_rad", float(np.abs(out["beta"] - fleet.state("sun.beta_angle")).max()))
        upd("axes", float(np.abs(axes - fleet.state("attitude.body_axes")).max()))
        worst["penumbra_sats"] += float(np.count_nonzero((illum_core > 0) & (illum_core < 1)))
    return worst


# --------------------------------------------------------------------------- main
@dataclass
class Row:
    name: str
    rate: float  #: [satellite-steps/s]
    span_s: float  #: [s] wall time for the simulated span (measured or scaled)
    measured: bool  #: False where the wall time is scaled from a shorter run


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--satellites", type=int, default=None, help="Walker satellites (10000)")
    ap.add_argument("--days", type=float, default=None, help="simulated days (1)")
    ap.add_argument("--step", default="10s", help="fixed step, e.g. 10s (10s)")
    ap.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="best of N for every timing (default: 1 for day-long runs, 3 for short ones)",
    )
    ap.add_argument(
        "--numpy-steps", type=int, default=None, help="steps timed for numpy (600; quick 200)"
    )
    ap.add_argument("--sgp4-chunk", type=int, default=64, help="times per SatrecArray call (64)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1,000 satellites, 0.1 day")
    args = ap.parse_args(argv)
    if args.satellites is None:
        args.satellites = 1000 if args.quick else 10000
    if args.days is None:
        args.days = 0.1 if args.quick else 1.0
    if args.numpy_steps is None:
        args.numpy_steps = 200 if args.quick else 600
    if args.satellites < 1 or args.days <= 0 or args.numpy_steps < 1 or args.sgp4_chunk < 1:
        ap.error("--satellites, --days, --numpy-steps and --sgp4-chunk must be positive")
    if args.repeats is not None and args.repeats < 1:
        ap.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    n_sat: int = args.satellites
    step_ns = duration_ns(args.step, "--step")
    span_ns = int(round(args.days * NS_PER_DAY))
    n_steps = -(-span_ns // step_ns)  # the core shortens the last step onto span_ns
    short = n_steps * n_sat <= 10_000_000
    long_repeats = args.repeats or (3 if short else 1)
    short_repeats = args.repeats or 3
    planes = walker_planes(n_sat)
    phasing = 1 if planes > 1 else 0
    el = orbitwin.walker(n_sat, planes, phasing, altitude_m=550e3, inclination_deg=53)
    work = n_sat * n_steps

    print(
        f"orbitwin {orbitwin.__version__} (OpenMP {orbitwin._core.openmp}), numpy {np.__version__}"
        f", sgp4 {sgp4.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(
        f"Walker 53:{n_sat}/{planes}/{phasing} at 550 km, {args.days:g} day at {args.step} "
        f"({n_steps} steps, {work / 1e6:.1f} M satellite-steps); repeats: "
        f"{long_repeats} (span), {short_repeats} (short)"
    )
    load1 = os.getloadavg()[0]
    busy = " -- the machine is busy: timings will be low, 2 threads worst" if load1 > 0.5 else ""
    print(f"load average (1 min) at start: {load1:.2f}{busy}")
    rss: dict[str, float] = {}
    rows: list[Row] = []

    # 1. orbitwin core
    for threads in (1, 2):
        wall, steps = time_core(el, args.step, span_ns, threads, long_repeats)
        rate = n_sat * steps / wall
        rows.append(
            Row(f"orbitwin, {threads} thread{'s' if threads > 1 else ''}", rate, wall, True)
        )
        print(f"  orbitwin {threads} thread(s): {wall:.2f} s, {rate / 1e6:.1f} M sat-steps/s")
    rss["orbitwin"] = peak_rss_mib()

    # 3. numpy: check against the core, then time a shorter span.
    np_steps = min(args.numpy_steps, n_steps)
    check_steps = sorted({0, 1, min(7, n_steps), n_steps // 2, n_steps})
    check_ns = [min(k * step_ns, span_ns) for k in check_steps]
    diff = check_numpy_against_core(el, args.step, check_ns, threads=2)
    print(
        f"  numpy vs core at steps {check_steps}: position {diff['position_m'] * 1e3:.2g} mm, "
        f"velocity {diff['velocity_m_s'] * 1e3:.2g} mm/s, lat/lon {diff['geodetic_rad']:.2g} rad, "
        f"altitude {diff['altitude_m'] * 1e3:.2g} mm, illumination {diff['illumination']:.2g} "
        f"({int(diff['penumbra_sats'])} penumbral samples), beta {diff['beta_rad']:.2g} rad, "
        f"axes {diff['axes']:.2g}"
    )
    model = NumpyTwin(el)
    epoch = orbitwin.parse_epoch(EPOCH)
    t_ns = np.arange(1, np_steps + 1, dtype=np.int64) * step_ns

    def numpy_span() -> int:
        # The per-instant ephemerides are part of the user's work, so they are timed too.
        return model.run(ephemerides(epoch.jd_whole, epoch.jd_fraction, t_ns))

    wall, steps = best_of(short_repeats, numpy_span)
    rate = n_sat * steps / wall
    rows_numpy = Row("numpy (same models)", rate, work / rate, False)
    print(f"  numpy: {steps} steps in {wall:.2f} s, {rate / 1e6:.2f} M sat-steps/s")
    rss["numpy"] = peak_rss_mib()

    # 2. sgp4 SatrecArray, orbit only, over the same n_steps + 1 instants.
    t0 = time.perf_counter()
    array = build_satrec_array(el, epoch.jd_whole + epoch.jd_fraction)
    build_s = time.perf_counter() - t0
    offsets = np.minimum(np.arange(n_steps + 1) * step_ns, span_ns) / NS_PER_S
    jd, fr = split_julian_date(epoch.jd_whole + epoch.jd_fraction, offsets)
    errors = 0

    def sgp4_span() -> int:
        nonlocal errors
        errors = run_sgp4(array, jd, fr, args.sgp4_chunk)
        return n_sat * jd.size

    wall, sat_steps = best_of(long_repeats, sgp4_span)
    rate = sat_steps / wall
    rows.append(Row("sgp4 SatrecArray (orbit only)", rate, wall, True))
    print(
        f"  sgp4: {jd.size} times in {wall:.2f} s (+{build_s:.2f} s building Satrecs), "
        f"{rate / 1e6:.2f} M sat-steps/s, {errors} error codes, chunk {args.sgp4_chunk}"
    )
    rss["sgp4"] = peak_rss_mib()
    rows.append(rows_numpy)

    print_table(rows, args.days)
    print(
        "peak RSS after each stage (process high-water mark): "
        + ", ".join(f"{k} {v:.0f} MiB" for k, v in rss.items())
    )
    best = rows[1].rate
    verdict = "met" if best >= TARGET_SAT_STEPS_S else "not met"
    print(
        f"target: >= {TARGET_SAT_STEPS_S / 1e6:.0f} M satellite-steps/s for orbit + eclipse; "
        f"orbitwin 2 threads: {best / 1e6:.1f} M ({verdict})"
    )


def print_table(rows: list[Row], days: float) -> None:
    ref = rows[1].rate  # orbitwin, 2 threads
    head = ("", "satellite-steps/s", f"wall time for {days:g} day", "orbitwin(2 thr) / row")
    cells = [
        (
            r.name,
            f"{r.rate / 1e6:,.2f} M",
            f"{r.span_s:,.2f} s" + ("" if r.measured else " (scaled)"),
            f"{ref / r.rate:,.2f}x",
        )
        for r in rows
    ]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(c[i]) for c in [head, *cells]) for i in range(4)]
        for c in [head, *cells]:
            print(
                "  ".join(
                    s.ljust(w) if i == 0 else s.rjust(w)
                    for i, (s, w) in enumerate(zip(c, widths, strict=True))
                )
            )
        return
    table = Table(title="orbit + Sun + eclipse + attitude throughput")
    for i, h in enumerate(head):
        table.add_column(h, justify="left" if i == 0 else "right")
    for c in cells:
        table.add_row(*c)
    # Wide enough for the four columns when the output is not a terminal.
    Console(width=None if sys.stdout.isatty() else 120).print(table)


if __name__ == "__main__":
    main()
