"""Thermal-network validation against closed forms: Stefan-Boltzmann equilibrium of
a radiator, the exact solution of single-node radiative cooling, the exponential
RC transient of two conductively linked nodes and the conservation of their
energy. The helpers (:func:`bare_design`, :func:`one_fleet`, :func:`history`)
build minimal networks for these cases and for ``tests/test_thermal_power.py``.
"""

from __future__ import annotations

import numpy as np

from ..design import (
    Battery,
    ConductiveLink,
    Heater,
    Loads,
    RadiatingFace,
    SatelliteDesign,
    SolarArray,
    ThermalNode,
)
from . import Measurement, case

SIGMA = 5.670374419e-8  #: [W/(m^2 K^4)] Stefan-Boltzmann constant (CODATA 2018)
EPOCH = "2026-03-20T00:00:00Z"
ORBIT_S = 5740.0  #: [s] period at 550 km, rounded up
ZENITH = (0.0, 0.0, -1.0)  #: body -Z: away from the Earth in nadir mode (view factor 0)


def bare_design(
    nodes: tuple[ThermalNode, ...],
    faces: tuple[RadiatingFace, ...] = (),
    links: tuple[ConductiveLink, ...] = (),
    bus_w: float = 0.0,
    battery: Battery | None = None,
    array: SolarArray | None = None,
    heaters: tuple[Heater, ...] = (),
    payload_w: float = 0.0,
    **loads: float,
) -> SatelliteDesign:
    """A network with no array output, a lossless battery and a bus load ``bus_w`` [W]
    on node 0 (unless ``array`` / ``battery`` say otherwise)."""
    first = nodes[0].name
    return SatelliteDesign(
        name="test",
        nodes=nodes,
        links=links,
        faces=faces,
        heaters=heaters,
        array=array or SolarArray(area_m2=0.0, efficiency=0.0, node=first),
        battery=battery
        or Battery(
            capacity_wh=1e5,
            node=first,
            initial_soc=1.0,
            charge_efficiency=1.0,
            discharge_efficiency=1.0,
            max_charge_w=1e5,
            max_discharge_w=1e5,
            soc_floor=0.0,
        ),
        loads=Loads(
            bus_power_w=bus_w,
            bus_node=first,
            payload_power_w=payload_w,
            payload_node=first,
            **loads,
        ),
    )


def one_fleet(design: SatelliteDesign, step: float = 10.0, n: int = 1, threads: int = 1, **orbit):
    """A twin with one fleet of ``n`` satellites of ``design`` at 550 km, 53 deg
    (``orbit`` overrides :func:`orbitwin.elements` arguments): (twin, fleet)."""
    import orbitwin as ow

    tw = ow.Twin(EPOCH, step=step, threads=threads)
    kw = dict(altitude_m=550e3, inclination_deg=53.0, raan_deg=0.0, mean_anomaly_deg=0.0)
    kw.update(orbit)
    if n > 1:
        kw["raan_deg"] = np.linspace(0.0, 360.0, n, endpoint=False)
        kw["mean_anomaly_deg"] = np.linspace(0.0, 3600.0, n, endpoint=False) % 360.0
    fleet = tw.add_fleet("f", ow.elements(**kw), design=design)
    return tw, fleet


def history(tw, fleet, channels, every: float, duration: float) -> dict[str, np.ndarray]:
    """Copies of ``channels`` every ``every`` seconds for ``duration`` seconds, with
    the times [s] as ``"t"``."""
    out: dict[str, list[np.ndarray]] = {c: [] for c in channels}
    out["t"] = []
    for _ in range(round(duration / every)):
        tw.advance(by=every)
        out["t"].append(np.array(tw.time_s))
        for c in channels:
            out[c].append(fleet.state(c).copy())
    return {k: np.array(v) for k, v in out.items()}


# ---- cases ----------------------------------------------------------------------------

#: Plate-to-Earth distances h = r / R and angles [deg] between the plate normal and
#: the direction to the Earth's centre of the view-factor case.
VIEW_FACTOR_H: tuple[float, ...] = (1.02, 1.086, 1.3, 2.0, 6.6)
VIEW_FACTOR_ANGLES_DEG: tuple[float, ...] = (0, 20, 45, 70, 85, 90, 100, 115, 130, 150, 180)


def view_factor_errors(grid: int = 1400) -> np.ndarray:
    """|core view factor - direct integration| of a flat plate to a sphere, shape
    (len(VIEW_FACTOR_H), len(VIEW_FACTOR_ANGLES_DEG)). The reference is the
    cosine-weighted fraction of directions that hit the sphere (Nusselt/Malley:
    uniform points in the unit disc, ``grid`` x ``grid``, lifted to the hemisphere)."""
    from .. import _core

    g = (np.arange(grid) + 0.5) / grid * 2 - 1
    x, y = np.meshgrid(g, g)
    keep = x * x + y * y < 1
    x, y = x[keep], y[keep]
    z = np.sqrt(1 - x * x - y * y)  # plate normal along +z
    out = np.zeros((len(VIEW_FACTOR_H), len(VIEW_FACTOR_ANGLES_DEG)))
    for i, h in enumerate(VIEW_FACTOR_H):
        cos_half = np.sqrt(1 - 1 / h**2)  # the sphere's angular radius seen from the plate
        for j, lam in enumerate(np.radians(VIEW_FACTOR_ANGLES_DEG)):
            centre = np.array([np.sin(lam), 0.0, np.cos(lam)])  # direction to the centre
            reference = (x * centre[0] + y * centre[1] + z * centre[2] > cos_half).mean()
            f = _core.plate_view_factor(np.array([np.cos(lam)]), np.array([h]))[0]
            out[i, j] = abs(f - reference)
    return out


@case(
    "thermal",
    "earth_view_factor",
    reference="direct integration over directions (Nusselt unit-sphere method), h 1.02-6.6",
)
def earth_view_factor() -> Measurement:
    """Largest |F - direct integration| of a tilted plate's view factor to the Earth
    (albedo and Earth IR), 5 distances x 11 tilts; tolerance 2e-3 (the 1,400^2-point
    integration grid)."""
    return Measurement(float(view_factor_errors().max()), 2e-3, "1")


def radiator_equilibrium() -> dict[str, float]:
    """A node dissipating 120 W through a 0.8 m^2 zenith radiator (alpha 0, eps 0.85,
    view factor 0) after 6 h at 30 s steps: ``temperature`` and ``expected``
    (P / (eps sigma A))^(1/4) [K], ``dissipation`` [W] and ``power`` [W]."""
    power, eps, area = 120.0, 0.85, 0.8
    d = bare_design(
        (ThermalNode("n", 2000.0, 280.0),),
        faces=(RadiatingFace("rad", "n", area, 0.0, eps, ZENITH),),
        bus_w=power,
    )
    tw, f = one_fleet(d, step=30.0)
    tw.advance(by=6 * 3600.0)
    return {
        "temperature": float(f.state("thermal.temperature")[0, 0]),
        "expected": (power / (eps * SIGMA * area)) ** 0.25,
        "dissipation": float(f.state("thermal.dissipation")[0, 0]),
        "power": power,
    }


@case(
    "thermal",
    "radiative_equilibrium",
    reference="Stefan-Boltzmann: T = (P / (eps sigma A))^(1/4)",
)
def radiative_equilibrium() -> Measurement:
    """|T - (P / (eps sigma A))^(1/4)| [K] of a single radiating node at steady state;
    tolerance 1e-6 K (the implicit scheme's fixed point is exact)."""
    d = radiator_equilibrium()
    return Measurement(abs(d["temperature"] - d["expected"]), 1e-6, "K", d)


def radiative_cooling(step: float) -> dict[str, np.ndarray]:
    """A 4,000 J/K node at 380 K radiating through 1 m^2 (eps 0.9) for 3 h at ``step``
    [s]: sampled ``t`` [s], ``temperature`` [K] and the exact solution ``exact`` [K]
    of C dT/dt = -eps sigma A T^4: T = (T0^-3 + 3 eps sigma A t / C)^(-1/3)."""
    cap, eps, area, t0 = 4000.0, 0.9, 1.0, 380.0
    d = bare_design(
        (ThermalNode("n", cap, t0),), faces=(RadiatingFace("rad", "n", area, 0.0, eps, ZENITH),)
    )
    tw, f = one_fleet(d, step=step)
    h = history(tw, f, ["thermal.temperature"], every=60.0, duration=3 * 3600.0)
    exact = (t0**-3 + 3 * eps * SIGMA * area * h["t"] / cap) ** (-1 / 3)
    return {"t": h["t"], "temperature": h["thermal.temperature"][:, 0, 0], "exact": exact}


@case(
    "thermal",
    "radiative_cooling_10s",
    reference="exact T(t) of C dT/dt = -eps sigma A T^4, 380 K -> < 200 K in 3 h, 10 s steps",
)
def radiative_cooling_10s() -> Measurement:
    """Largest |T - exact| [K] over 3 h of radiative cooling at 10 s steps; tolerance
    2 mK (the linearised TR-BDF2 is second order)."""
    d = radiative_cooling(10.0)
    return Measurement(float(np.abs(d["temperature"] - d["exact"]).max()), 2e-3, "K", d)


@case(
    "thermal",
    "radiative_cooling_60s",
    reference="exact T(t) of C dT/dt = -eps sigma A T^4, 60 s steps",
)
def radiative_cooling_60s() -> Measurement:
    """As ``radiative_cooling_10s`` at 60 s steps; tolerance 0.1 K."""
    d = radiative_cooling(60.0)
    return Measurement(float(np.abs(d["temperature"] - d["exact"]).max()), 0.1, "K", d)


RC = {"c1": 2000.0, "c2": 6000.0, "g": 5.0, "t1": 320.0, "t2": 280.0}  #: [J/K], [W/K], [K]


def rc_transient() -> dict[str, np.ndarray | float]:
    """Two nodes (2,000 and 6,000 J/K at 320 and 280 K) joined by 5 W/K, 30 min at
    10 s steps: ``t`` [s], ``temperature`` (k, 2) [K], the difference ``diff`` and its
    exact decay ``exact`` = 40 exp(-t/tau) [K], tau = C1 C2 / (G (C1 + C2)) = 300 s,
    and ``energy`` C1 T1 + C2 T2 [J] with its initial value ``energy0``."""
    c1, c2, g = RC["c1"], RC["c2"], RC["g"]
    tau = c1 * c2 / (g * (c1 + c2))
    d = bare_design(
        (ThermalNode("a", c1, RC["t1"]), ThermalNode("b", c2, RC["t2"])),
        links=(ConductiveLink("a", "b", g),),
    )
    tw, f = one_fleet(d, step=10.0)
    h = history(tw, f, ["thermal.temperature"], every=10.0, duration=1800.0)
    temp = h["thermal.temperature"][:, 0, :]
    diff = temp[:, 0] - temp[:, 1]
    return {
        "t": h["t"],
        "tau": tau,
        "temperature": temp,
        "diff": diff,
        "exact": (RC["t1"] - RC["t2"]) * np.exp(-h["t"] / tau),
        "energy": c1 * temp[:, 0] + c2 * temp[:, 1],
        "energy0": c1 * RC["t1"] + c2 * RC["t2"],
    }


@case(
    "thermal",
    "rc_exponential_transient",
    reference="two-node RC decay 40 K exp(-t/tau), tau = C1C2/(G(C1+C2)) = 300 s",
)
def rc_exponential() -> Measurement:
    """Largest |dT - 40 exp(-t/tau)| [K] over six time constants at 10 s steps;
    tolerance 1 mK."""
    d = rc_transient()
    return Measurement(float(np.abs(d["diff"] - d["exact"]).max()), 1e-3, "K", d)


@case(
    "thermal",
    "network_energy_conservation",
    reference="closed network: C1 T1 + C2 T2 constant (first law)",
)
def network_energy_conservation() -> Measurement:
    """Largest relative change of the stored energy C1 T1 + C2 T2 of two linked nodes
    with no radiation or loads over 30 min; tolerance 1e-13 (round-off)."""
    d = rc_transient()
    err = float(np.abs(d["energy"] / d["energy0"] - 1.0).max())
    return Measurement(err, 1e-13, "1")
