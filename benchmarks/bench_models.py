"""The core with every model against numpy implementations of the same models.

What it measures (a Walker shell at 550 km, 53 deg, compute-node design,
default 10,000 satellites, 2 h at a 10 s step):

1. **orbitwin core, every model** -- orbit, eclipse, attitude, thermal network,
   power, radiation (AE8/AP8 at solar maximum, 3 mm Al), compute payload and 4
   ground stations, with 1 and 2 threads.
2. **orbitwin core, the numpy set** -- the same twin without radiation and
   ground stations: exactly the models the numpy row implements.
3. **numpy (orbit, eclipse, attitude, thermal, power, compute)** -- what a user
   would write instead, vectorised over satellites, looping over steps in
   Python: the orbit, geodetic, Sun, conical shadow and nadir attitude of
   ``bench_orbit.NumpyTwin`` (checked there against the core to ~1e-4 mm), then
   per step the design's face heat inputs (direct sun, albedo and Earth IR
   through the plate-to-sphere view factor with its horizon cut), the
   sun-tracking array's output, the compute payload's throttling (junction
   temperature, clock^p power), the battery (efficiency, charge/discharge
   limits, floor, SoC shedding), thermostats, and the thermal network
   integrated with the core's linearised TR-BDF2 (``numpy.linalg.solve`` on
   the batched 5x5 systems, twice per step). It leaves out what the core adds
   for accuracy (penumbra sub-sampling of steps across an eclipse boundary,
   the trapezoidal step means of heat and array output, priority shedding of
   deficits, the energy ledger), so it does less work than the core. Its
   temperatures are printed beside the core's as a sanity check (after 10
   minutes the payload, radiator, bus and battery agree within 0.12 K, the
   array node within ~2 K; not a validation).
4. **sgp4 SatrecArray** -- the ``sgp4`` package's batch SGP4, orbit only, on
   the same instants (see ``bench_orbit.py`` for the orbit-only comparison).

It prints satellite-steps/s, the ratio of the core to each row, the issue's
targets (>= 10 M satellite-steps/s with every model, >= 20x numpy) beside
them, the load average and the peak memory. Figures only, never assertions:
``python benchmarks/bench_models.py`` (about a minute), ``--quick`` (seconds).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

import orbitwin
from orbitwin.timeutil import NS_PER_S, duration_ns
from orbitwin.tle import split_julian_date

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_orbit import (  # noqa: E402
    EPOCH,
    RE,
    FloatArray,
    NumpyTwin,
    build_satrec_array,
    ephemerides,
    run_sgp4,
)

SIGMA = 5.670374419e-8  #: [W m-2 K-4] Stefan-Boltzmann
SOLAR_CONSTANT = 1361.0  #: [W m-2] at 1 au
ALBEDO = 0.3  #: [-] Earth's mean albedo (the core's kEarthAlbedo)
EARTH_IR = 237.0  #: [W m-2] Earth's mean infrared exitance (the core's kEarthInfrared)
GAMMA = 2.0 - math.sqrt(2.0)  #: TR-BDF2 stage fraction
TARGET_RATE = 10e6  #: [satellite-steps/s] every model on
TARGET_NUMPY_RATIO = 20.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plate_view_factor(cos_nadir: FloatArray, h: FloatArray) -> FloatArray:
    """View factor [-] from a one-sided plate to the Earth (Howell C-34, with the
    horizon cut), as the core's ``plate_view_factor``; h = r / R_E."""
    c = np.clip(cos_nadir, -1.0, 1.0)
    inv_h = 1.0 / h
    x = np.sqrt(h * h - 1.0)
    w = np.sqrt(np.maximum(0.0, 1.0 - h * h * c * c))
    cut = (
        0.5
        - np.arctan2(x, w) / math.pi
        + (c * (0.5 * math.pi + np.arctan2(x * c, w)) - x * w) * inv_h * inv_h / math.pi
    )
    f = np.where(c >= inv_h, c * inv_h * inv_h, np.where(c <= -inv_h, 0.0, cut))
    return np.maximum(f, 0.0)


class NumpyFullTwin(NumpyTwin):
    """Orbit, eclipse and attitude (``NumpyTwin``) plus a design's thermal network,
    power system and compute payload, vectorised over satellites with numpy.

    The equations are the core's (``thermal_power_kernel.cpp``, ``compute.cpp``)
    without its accuracy refinements (see the module docstring); validated only
    loosely, by its temperatures against the core's after the timed span.
    """

    def __init__(self, el: orbitwin.ElementSet, design: orbitwin.design.SatelliteDesign) -> None:
        super().__init__(el)
        n = el.semi_major_axis_m.size
        d = design
        idx = d.node_index
        self.nn = len(d.nodes)
        self.cap = np.array([nd.heat_capacity_j_per_k for nd in d.nodes])  # [J/K] (nn,)
        self.T = np.tile(np.array([nd.initial_temperature_k for nd in d.nodes]), (n, 1))  # [K]
        k = np.zeros((self.nn, self.nn))  # [W/K] conductance Laplacian
        for ln in d.links:
            a, b = idx(ln.node_a), idx(ln.node_b)
            k[a, a] += ln.conductance_w_per_k
            k[b, b] += ln.conductance_w_per_k
            k[a, b] -= ln.conductance_w_per_k
            k[b, a] -= ln.conductance_w_per_k
        self.K = k
        nf = len(d.faces)
        self.face_node = np.zeros((nf, self.nn))  # (nf, nn) one-hot
        self.face_normal = np.zeros((nf, 3))  # body-fixed normals (0 for array faces)
        self.face_array_sign = np.zeros(nf)  # +1 front, -1 back, 0 body-fixed
        for j, f in enumerate(d.faces):
            self.face_node[j, idx(f.node)] = 1.0
            if f.mount == "array_front":
                self.face_array_sign[j] = 1.0
            elif f.mount == "array_back":
                self.face_array_sign[j] = -1.0
            else:
                self.face_normal[j] = f.normal
        self.a_alpha = np.array([f.area_m2 * f.absorptivity for f in d.faces])  # [m^2]
        self.a_eps = np.array([f.area_m2 * f.emissivity for f in d.faces])  # [m^2]
        self.eps_a_node = self.a_eps @ self.face_node  # [m^2] (nn,)
        arr, bat, lo, cp = d.array, d.battery, d.loads, d.compute
        self.arr, self.bat, self.loads, self.cp = arr, bat, lo, cp
        self.axis = np.array(arr.tracking_axis, dtype=np.float64)
        self.array_node, self.battery_node = idx(arr.node), idx(bat.node)
        self.bus_node, self.payload_node = idx(lo.bus_node), idx(lo.payload_node)
        self.heaters = [(idx(h.node), h.power_w, h.on_below_k, h.off_above_k) for h in d.heaters]
        self.heater_on = np.zeros((n, len(self.heaters)), dtype=bool)
        self.capacity_j = bat.capacity_wh * 3600.0  # [J]
        self.soc = np.full(n, bat.initial_soc)  # [-]
        self.payload_on = np.ones(n, dtype=bool)
        self.payload_w = np.zeros(n)  # [W] delivered last step (junction offset)

    def step_all(self, t: float, dt: float, sg: float, cg: float, u: FloatArray, s: FloatArray):
        """One step of every model ending at ``t`` [s], duration ``dt`` [s]."""
        o = self.step(t, sg, cg, u, s)
        rx, ry, rz = o["position"]
        ax = o["axes"]
        illum = o["illumination"]
        rn = np.sqrt(rx * rx + ry * ry + rz * rz)
        flux = SOLAR_CONSTANT  # [W m-2] (1 au; the core scales by the Sun's distance)
        # Sun and nadir in the body frame (rows of the attitude matrix).
        sb = np.stack([row[0] * u[0] + row[1] * u[1] + row[2] * u[2] for row in ax], axis=1)
        nx, ny, nz = -rx / rn, -ry / rn, -rz / rn
        nb = np.stack([row[0] * nx + row[1] * ny + row[2] * nz for row in ax], axis=1)
        # Sun-tracking array: the Sun projected normal to the drive axis.
        p = sb - (sb @ self.axis)[:, None] * self.axis
        p /= np.maximum(np.linalg.norm(p, axis=1), 1e-9)[:, None]
        array_cos = np.maximum(0.0, np.einsum("ij,ij->i", p, sb))
        # Face heat: body normals (n, nf) plus the array faces along +-p.
        cs = sb @ self.face_normal.T + np.einsum("ij,ij->i", p, sb)[:, None] * self.face_array_sign
        cn = nb @ self.face_normal.T + np.einsum("ij,ij->i", p, nb)[:, None] * self.face_array_sign
        view = plate_view_factor(cn, (rn / RE)[:, None])  # [-] (n, nf)
        cos_zeta = np.maximum(0.0, -(nx * u[0] + ny * u[1] + nz * u[2]))
        q_face = (
            self.a_alpha * flux * np.maximum(0.0, cs) * illum[:, None]
            + (self.a_alpha * (flux * ALBEDO * cos_zeta)[:, None] + self.a_eps * EARTH_IR) * view
        )
        q_env = q_face @ self.face_node  # [W] (n, nn)

        T = self.T
        # Compute payload: junction temperature, throttle, clock^p power.
        cp = self.cp
        tj = T[:, self.payload_node] + cp.junction_offset_k_per_w * self.payload_w / cp.accelerators
        f = np.clip((cp.junction_limit_k - tj) / (cp.junction_limit_k - cp.throttle_start_k), 0, 1)
        dyn = (cp.peak_power_w - cp.idle_power_w) * cp.demand * f**cp.power_exponent
        d_pay = cp.accelerators * (cp.idle_power_w + dyn) * self.payload_on
        # Thermostats (state at t_n).
        d_heat = np.zeros_like(rn)
        for j, (node, pw, lo_k, hi_k) in enumerate(self.heaters):
            on = np.where(
                T[:, node] < lo_k, True, np.where(T[:, node] > hi_k, False, self.heater_on[:, j])
            )
            self.heater_on[:, j] = on
            d_heat += pw * on
        # Power: array, loads, battery limits and floor, payload shedding by SoC.
        arr, bat, lo = self.arr, self.bat, self.loads
        tf = 1.0 + arr.temperature_coefficient_per_k * (
            T[:, self.array_node] - arr.reference_temperature_k
        )
        gen = arr.area_m2 * arr.efficiency * np.maximum(tf, 0.0) * array_cos * flux * illum
        demand = lo.bus_power_w + d_pay + d_heat
        surplus = gen - demand
        room = (1.0 - self.soc) * self.capacity_j / (bat.charge_efficiency * dt)
        p_ch = np.clip(np.minimum(surplus, bat.max_charge_w), 0.0, np.maximum(room, 0.0))
        above = (self.soc - bat.soc_floor) * self.capacity_j * bat.discharge_efficiency / dt
        p_dis = np.clip(np.minimum(-surplus, bat.max_discharge_w), 0.0, np.maximum(above, 0.0))
        short = np.maximum(-surplus - p_dis, 0.0)
        got_pay = np.maximum(d_pay - short, 0.0)
        stored = bat.charge_efficiency * p_ch - p_dis / bat.discharge_efficiency
        self.soc = self.soc + stored * dt / self.capacity_j
        self.payload_on = np.where(
            self.soc < lo.payload_shed_soc,
            False,
            np.where(self.soc >= lo.payload_restore_soc, True, self.payload_on),
        )
        self.payload_w = got_pay
        loss = (1.0 - bat.charge_efficiency) * p_ch + p_dis * (1.0 / bat.discharge_efficiency - 1.0)
        q_int = np.zeros_like(T)
        q_int[:, self.bus_node] += lo.bus_power_w
        q_int[:, self.payload_node] += got_pay
        q_int[:, self.battery_node] += loss + d_heat
        q_int[:, self.array_node] -= np.minimum(gen, demand + p_ch)
        # Thermal network, linearised TR-BDF2 (the core's scheme).
        q = q_env + q_int
        sea = SIGMA * self.eps_a_node
        t3 = T**3
        rad = sea * t3 * T
        inv_dh = 2.0 / (GAMMA * dt)
        m = np.broadcast_to(self.K, (T.shape[0], self.nn, self.nn)).copy()
        diag = np.arange(self.nn)
        m[:, diag, diag] += self.cap * inv_dh + 4.0 * sea * t3
        kt = T @ self.K.T
        rhs = self.cap * inv_dh * T + 2.0 * q - kt + 2.0 * rad
        x = np.linalg.solve(m, rhs[..., None])[..., 0]
        c_g = 1.0 / (GAMMA * (1.0 - GAMMA) * dt)
        c_n = (1.0 - GAMMA) / (GAMMA * dt)
        rhs = self.cap * (c_g * x - c_n * T) + q + 3.0 * rad
        self.T = np.linalg.solve(m, rhs[..., None])[..., 0]

    def run_span(self, eph, dt: float) -> int:
        for j in range(eph.t_s.size):
            self.step_all(
                float(eph.t_s[j]),
                dt,
                float(eph.sin_gmst[j]),
                float(eph.cos_gmst[j]),
                eph.sun_dir[j],
                eph.sun_m[j],
            )
        return int(eph.t_s.size)


def core_twin(el: orbitwin.ElementSet, threads: int, every_model: bool) -> orbitwin.Twin:
    twin = orbitwin.Twin(EPOCH, step="10s", threads=threads)
    twin.add_fleet("shell", el, design=orbitwin.compute_node())
    if every_model:
        twin.set_ground_stations(orbitwin.DEFAULT_STATIONS[:4])
        twin.enable_radiation("shell", orbitwin.RadiationConfig(solar="max", shield_mm=3.0))
    twin.start()
    return twin


def time_core(el: orbitwin.ElementSet, threads: int, every_model: bool, span_ns: int, repeats: int):
    """Best wall time [s] of ``advance`` over the span, and the steps taken."""
    best, steps = math.inf, 0
    for _ in range(repeats):
        twin = core_twin(el, threads, every_model)
        t0 = time.perf_counter()
        res = twin.advance(by=f"{span_ns}ns")
        best = min(best, time.perf_counter() - t0)
        steps = res.steps
    return best, steps


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--satellites", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=2.0, help="span timed for the core [h]")
    ap.add_argument("--numpy-steps", type=int, default=60, help="steps timed for numpy")
    ap.add_argument("--repeats", type=int, default=2, help="best of N for the core")
    ap.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    args = ap.parse_args(argv)
    if args.quick:
        args.satellites, args.hours, args.numpy_steps, args.repeats = 1000, 0.25, 10, 1
    n = args.satellites
    planes = 100 if n % 100 == 0 and n >= 1000 else 1
    el = orbitwin.walker(n, planes, 1 if planes > 1 else 0, altitude_m=550e3, inclination_deg=53.0)
    step_ns = duration_ns("10s", "step")
    span_ns = int(round(args.hours * 3600 * NS_PER_S))
    print(
        f"orbitwin {orbitwin.__version__} (OpenMP {orbitwin._core.openmp}), "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs; {n:,} compute nodes, "
        "Walker 53 deg at 550 km, 10 s step"
    )
    load = os.getloadavg()[0]
    print(f"load average (1 min) at start: {load:.2f} (figures on a busy machine are low)")
    rows: list[tuple[str, float]] = []
    for every_model, label in ((True, "every model"), (False, "numpy's set")):
        for threads in (1, 2):
            wall, steps = time_core(el, threads, every_model, span_ns, args.repeats)
            rate = n * steps / wall
            rows.append((f"orbitwin {label}, {threads} thread{'s' * (threads > 1)}", rate))
            print(f"  {rows[-1][0]}: {steps} steps in {wall:.2f} s, {rate / 1e6:.2f} M sat-steps/s")
    rss_core = peak_rss_mib()

    # numpy: the same span start, args.numpy_steps steps.
    model = NumpyFullTwin(el, orbitwin.compute_node())
    epoch = orbitwin.parse_epoch(EPOCH)
    t_ns = np.arange(1, args.numpy_steps + 1, dtype=np.int64) * step_ns
    eph = ephemerides(epoch.jd_whole, epoch.jd_fraction, t_ns)
    t0 = time.perf_counter()
    steps = model.run_span(eph, step_ns / NS_PER_S)
    wall = time.perf_counter() - t0
    rate_np = n * steps / wall
    rows.append(("numpy (orbit, eclipse, attitude, thermal, power, compute)", rate_np))
    print(f"  numpy: {steps} steps in {wall:.2f} s, {rate_np / 1e6:.3f} M sat-steps/s")
    twin = core_twin(el, 2, every_model=False)
    twin.advance(by=f"{int(t_ns[-1])}ns")
    core_t = np.asarray(twin.fleets[0].state("thermal.temperature"))
    dT = np.abs(core_t - model.T)
    print(
        f"  numpy vs core temperatures after {steps} steps: median {np.median(dT):.2g} K, "
        f"max {dT.max():.2g} K (sanity check of the numpy model, not a validation)"
    )
    rss_numpy = peak_rss_mib()

    # sgp4 SatrecArray, orbit only, same instants as the numpy span.
    array = build_satrec_array(el, epoch.jd_whole + epoch.jd_fraction)
    jd, fr = split_julian_date(epoch.jd_whole + epoch.jd_fraction, t_ns / NS_PER_S)
    t0 = time.perf_counter()
    run_sgp4(array, jd, fr, 64)
    rate_sgp4 = n * jd.size / (time.perf_counter() - t0)
    rows.append(("sgp4 SatrecArray (orbit only)", rate_sgp4))

    ref_all = rows[1][1]  # every model, 2 threads
    ref_same = rows[3][1]  # numpy's set, 2 threads
    print(f"{'':58s} {'sat-steps/s':>12s} {'every/row':>10s} {'same/row':>9s}")
    for name, rate in rows:
        print(f"{name:58s} {rate / 1e6:10.3f} M {ref_all / rate:9.2f}x {ref_same / rate:8.2f}x")
    print(
        f"targets: every model >= {TARGET_RATE / 1e6:.0f} M sat-steps/s (2 threads: "
        f"{ref_all / 1e6:.2f} M); >= {TARGET_NUMPY_RATIO:.0f}x numpy (same models, 2 threads: "
        f"{ref_same / rate_np:.0f}x; every model against numpy's subset: {ref_all / rate_np:.0f}x)"
    )
    print(f"peak RSS: after the core {rss_core:.0f} MiB, after numpy {rss_numpy:.0f} MiB")


if __name__ == "__main__":
    main()
