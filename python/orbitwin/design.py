"""Satellite designs: the thermal network and power system a fleet shares.

A :class:`SatelliteDesign` describes, in SI units (temperatures in kelvin,
battery capacity in watt-hours for convenience):

* thermal **nodes** (lumped heat capacities) and conductive **links** between
  them (mounts, heat pipes);
* radiating **faces**: area, body-frame normal (or mounted on the solar array,
  following its tracking), solar absorptivity, infrared emissivity and the node
  they belong to. A deployable radiator is a face whose normal is e.g. +Y or
  -Y (orbit normal in nadir mode, edge-on to the Sun at low beta angle).
  Areas under multi-layer insulation are faces with the blanket's effective
  absorptance and emittance (~0.01-0.03): the outer layer re-radiates what it
  absorbs, only the leak reaches the node;
* **heaters** with thermostats;
* the **solar array**, the **battery** and the **loads** (bus, payload,
  heaters) with their load-shedding priorities and state-of-charge thresholds.

Every field is checked against its documented range when the dataclass is
built; a value out of range raises ``ValueError`` naming the field, the value
and the allowed range. The core (``orbitwin._core``) integrates the network
with a linearised TR-BDF2 scheme that is stable for every design in these
ranges at any step (it is L-stable); its accuracy is validated in
``tests/test_thermal_power.py``.

Topology (which nodes, links, faces, heaters exist) is shared by the whole
fleet; every numeric value is copied into per-satellite writable parameters
(``fleet.param("thermal.face_emissivity")``, ``fleet.param("power.battery_capacity")``,
...) that faults may change between advances.

Two built-in designs: :func:`compute_node` (kilowatt-class accelerator payload,
deployable radiators, sun-tracking wings) and :func:`relay_sat` (small relay
satellite, ~150 W).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Literal

from . import _core
from .compute import ComputePayload

WH_TO_J = 3600.0  #: [J/Wh]

#: Limits of the topology (the core's fixed block scratch).
MAX_NODES = 8
MAX_FACES = 16
MAX_HEATERS = 8

Mount = Literal["body", "array_front", "array_back"]
_MOUNTS: dict[str, int] = {"body": 0, "array_front": 1, "array_back": 2}


def _check(owner: str, name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    """Raises ValueError unless lo <= value <= hi (NaN is rejected)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and lo <= value <= hi
    if not ok:
        u = f" {unit}" if unit else ""
        raise ValueError(f"{owner}.{name} is {value!r}; allowed: {lo:g} to {hi:g}{u}")


def _unit_vector(
    owner: str, name: str, v: tuple[float, float, float]
) -> tuple[float, float, float]:
    if len(v) != 3 or not all(isinstance(c, numbers.Real) and math.isfinite(c) for c in v):
        raise ValueError(f"{owner}.{name} is {v!r}; allowed: three finite components")
    n = math.sqrt(sum(c * c for c in v))
    if not 0.999 <= n <= 1.001:
        raise ValueError(f"{owner}.{name} is {v!r} (length {n:g}); allowed: a unit vector (±0.1 %)")
    return (v[0] / n, v[1] / n, v[2] / n)


@dataclass(frozen=True)
class ThermalNode:
    """A lumped thermal mass.

    heat_capacity_j_per_k: [J/K], 10 to 1e7. initial_temperature_k: [K], 100 to 400.
    """

    name: str
    heat_capacity_j_per_k: float
    initial_temperature_k: float = 293.15

    def __post_init__(self) -> None:
        o = f"ThermalNode({self.name!r})"
        _check(o, "heat_capacity_j_per_k", self.heat_capacity_j_per_k, 10.0, 1e7, "J/K")
        _check(o, "initial_temperature_k", self.initial_temperature_k, 100.0, 400.0, "K")


@dataclass(frozen=True)
class ConductiveLink:
    """A conductance between two nodes (mount, strap, heat pipe).

    conductance_w_per_k: [W/K], 0 to 1e4.
    """

    node_a: str
    node_b: str
    conductance_w_per_k: float

    def __post_init__(self) -> None:
        o = f"ConductiveLink({self.node_a!r}, {self.node_b!r})"
        _check(o, "conductance_w_per_k", self.conductance_w_per_k, 0.0, 1e4, "W/K")
        if self.node_a == self.node_b:
            raise ValueError(f"{o}.node_b is {self.node_b!r}; allowed: a node other than node_a")


@dataclass(frozen=True)
class RadiatingFace:
    """An outer surface that absorbs sunlight, albedo and Earth IR and radiates to space.

    area_m2: [m^2], 0 to 200. normal: unit vector in the body frame (``mount="body"``);
    faces mounted ``"array_front"`` / ``"array_back"`` follow the solar array's
    normal instead. absorptivity (solar) and emissivity (IR): 0 to 1.
    radiator: a radiator surface; all radiator faces of a design share one
    emissivity, held per satellite in the writable parameter ``radiator.emissivity``
    (what a coating-degradation fault changes: ``fleet.param("radiator.emissivity")[ids] *= 0.6``).
    """

    name: str
    node: str
    area_m2: float
    absorptivity: float
    emissivity: float
    normal: tuple[float, float, float] = (0.0, 0.0, -1.0)
    mount: Mount = "body"
    radiator: bool = False

    def __post_init__(self) -> None:
        o = f"RadiatingFace({self.name!r})"
        if not isinstance(self.radiator, bool):
            raise ValueError(f"{o}.radiator is {self.radiator!r}; allowed: True or False")
        _check(o, "area_m2", self.area_m2, 0.0, 200.0, "m^2")
        _check(o, "absorptivity", self.absorptivity, 0.0, 1.0)
        _check(o, "emissivity", self.emissivity, 0.0, 1.0)
        if self.mount not in _MOUNTS:
            raise ValueError(f"{o}.mount is {self.mount!r}; allowed: {', '.join(_MOUNTS)}")
        object.__setattr__(self, "normal", _unit_vector(o, "normal", tuple(self.normal)))


@dataclass(frozen=True)
class Heater:
    """A heater with a thermostat: on below ``on_below_k``, off above ``off_above_k``.

    power_w: [W], 0 to 1e4. Setpoints [K], 100 to 400, on_below_k <= off_above_k.
    """

    name: str
    node: str
    power_w: float
    on_below_k: float
    off_above_k: float

    def __post_init__(self) -> None:
        o = f"Heater({self.name!r})"
        _check(o, "power_w", self.power_w, 0.0, 1e4, "W")
        _check(o, "on_below_k", self.on_below_k, 100.0, 400.0, "K")
        _check(o, "off_above_k", self.off_above_k, self.on_below_k, 400.0, "K")


@dataclass(frozen=True)
class SolarArray:
    """Solar array: P = area eta (1 + k_T (T - T_ref)) max(0, n.s) illum S (1 - d (age + t)).

    area_m2 [m^2] 0 to 500 (cell area); efficiency 0 to 0.5 (at T_ref);
    temperature_coefficient_per_k [1/K] -0.01 to 0 (relative, GaAs ~ -0.0022);
    reference_temperature_k [K] 200 to 400; degradation_per_year [1/yr] 0 to 0.2;
    age_years [yr] 0 to 30 at the epoch; node: where its temperature is taken and
    its electrical output leaves as heat. normal: body-frame normal of a fixed
    array (also the rest normal of a tracking one). tracking_axis: body-frame
    drive axis of a one-axis sun-tracking array (None: fixed).
    """

    area_m2: float
    efficiency: float
    node: str
    temperature_coefficient_per_k: float = -0.0022
    reference_temperature_k: float = 301.15
    degradation_per_year: float = 0.0
    age_years: float = 0.0
    normal: tuple[float, float, float] = (0.0, 0.0, -1.0)
    tracking_axis: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        o = "SolarArray"
        _check(o, "area_m2", self.area_m2, 0.0, 500.0, "m^2")
        _check(o, "efficiency", self.efficiency, 0.0, 0.5)
        _check(
            o,
            "temperature_coefficient_per_k",
            self.temperature_coefficient_per_k,
            -0.01,
            0.0,
            "1/K",
        )
        _check(o, "reference_temperature_k", self.reference_temperature_k, 200.0, 400.0, "K")
        _check(o, "degradation_per_year", self.degradation_per_year, 0.0, 0.2, "1/yr")
        _check(o, "age_years", self.age_years, 0.0, 30.0, "yr")
        object.__setattr__(self, "normal", _unit_vector(o, "normal", tuple(self.normal)))
        if self.tracking_axis is not None:
            axis = _unit_vector(o, "tracking_axis", tuple(self.tracking_axis))
            object.__setattr__(self, "tracking_axis", axis)


@dataclass(frozen=True)
class Battery:
    """Battery: capacity_wh [Wh] 1 to 1e6; initial_soc soc_floor to 1; charge and
    discharge efficiencies 0.5 to 1 (stored/drawn, delivered/taken); max_charge_w
    and max_discharge_w [W] 0 to 1e5 at the terminals; soc_floor 0 to 0.9 (never
    discharged below); node: where its losses dissipate."""

    capacity_wh: float
    node: str
    initial_soc: float = 1.0
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    max_charge_w: float = 1e3
    max_discharge_w: float = 1e3
    soc_floor: float = 0.2

    def __post_init__(self) -> None:
        o = "Battery"
        _check(o, "capacity_wh", self.capacity_wh, 1.0, 1e6, "Wh")
        _check(o, "soc_floor", self.soc_floor, 0.0, 0.9)
        _check(o, "initial_soc", self.initial_soc, self.soc_floor, 1.0)
        _check(o, "charge_efficiency", self.charge_efficiency, 0.5, 1.0)
        _check(o, "discharge_efficiency", self.discharge_efficiency, 0.5, 1.0)
        _check(o, "max_charge_w", self.max_charge_w, 0.0, 1e5, "W")
        _check(o, "max_discharge_w", self.max_discharge_w, 0.0, 1e5, "W")


@dataclass(frozen=True)
class Loads:
    """Electrical loads and load shedding.

    bus_power_w [W] 0 to 1e5, dissipated in bus_node, never shed by SoC (it is
    counted as unmet when even the battery cannot supply it). payload_power_w
    [W] 0 to 1e5 (demand), dissipated in payload_node. Heaters draw their
    thermostat power. SoC shedding: the payload switches off below
    payload_shed_soc and back on at payload_restore_soc (hysteresis; both 0 to
    1, restore >= shed); likewise the heaters. Deficit shedding, when array and
    battery together cannot meet the demand: the load with the larger priority
    number (1 or 2) is shed first, then the other, then the bus goes unmet.
    """

    bus_power_w: float
    bus_node: str
    payload_power_w: float
    payload_node: str
    payload_priority: int = 2
    heater_priority: int = 1
    payload_shed_soc: float = 0.3
    payload_restore_soc: float = 0.4
    heater_shed_soc: float = 0.0
    heater_restore_soc: float = 0.0

    def __post_init__(self) -> None:
        o = "Loads"
        _check(o, "bus_power_w", self.bus_power_w, 0.0, 1e5, "W")
        _check(o, "payload_power_w", self.payload_power_w, 0.0, 1e5, "W")
        for name in ("payload_priority", "heater_priority"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v not in (1, 2):
                raise ValueError(f"{o}.{name} is {v!r}; allowed: 1 or 2 (2 is shed first)")
        _check(o, "payload_shed_soc", self.payload_shed_soc, 0.0, 1.0)
        _check(o, "payload_restore_soc", self.payload_restore_soc, self.payload_shed_soc, 1.0)
        _check(o, "heater_shed_soc", self.heater_shed_soc, 0.0, 1.0)
        _check(o, "heater_restore_soc", self.heater_restore_soc, self.heater_shed_soc, 1.0)


@dataclass(frozen=True)
class SatelliteDesign:
    """A satellite's thermal network and power system (see the module docstring).

    1 to 8 nodes, at most 28 links, 16 faces and 8 heaters; every node name
    referenced by a link, face, heater, the array, battery or loads must exist.
    """

    name: str
    nodes: tuple[ThermalNode, ...]
    links: tuple[ConductiveLink, ...]
    faces: tuple[RadiatingFace, ...]
    array: SolarArray
    battery: Battery
    loads: Loads
    heaters: tuple[Heater, ...] = field(default_factory=tuple)
    #: The accelerators (orbitwin.compute.ComputePayload). When given, the core
    #: sets the payload's power demand every step from the compute model
    #: (throttling, utilisation, outages) instead of loads.payload_power_w.
    compute: ComputePayload | None = None

    def __post_init__(self) -> None:
        for name in ("nodes", "links", "faces", "heaters"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        o = f"SatelliteDesign({self.name!r})"
        if not 1 <= len(self.nodes) <= MAX_NODES:
            raise ValueError(f"{o}.nodes has {len(self.nodes)} nodes; allowed: 1 to {MAX_NODES}")
        if len(self.faces) > MAX_FACES:
            raise ValueError(f"{o}.faces has {len(self.faces)} faces; allowed: 0 to {MAX_FACES}")
        if len(self.heaters) > MAX_HEATERS:
            raise ValueError(f"{o}.heaters has {len(self.heaters)}; allowed: 0 to {MAX_HEATERS}")
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            raise ValueError(f"{o}.nodes has duplicate names {names}; allowed: unique names")
        max_links = len(names) * (len(names) - 1) // 2
        if len(self.links) > max_links:
            raise ValueError(f"{o}.links has {len(self.links)}; allowed: 0 to {max_links}")

        def need(where: str, node: str) -> None:
            if node not in names:
                raise ValueError(f"{o}: {where} is {node!r}; allowed: one of {names}")

        for link in self.links:
            need(f"link {link.node_a}-{link.node_b} node_a", link.node_a)
            need(f"link {link.node_a}-{link.node_b} node_b", link.node_b)
        for face in self.faces:
            need(f"face {face.name!r} node", face.node)
        for h in self.heaters:
            need(f"heater {h.name!r} node", h.node)
        radiator_eps = {f.emissivity for f in self.faces if f.radiator}
        if len(radiator_eps) > 1:
            faces = ", ".join(f"{f.name}={f.emissivity:g}" for f in self.faces if f.radiator)
            raise ValueError(
                f"{o}: radiator faces have emissivities {faces}; allowed: one shared value "
                "(radiator.emissivity)"
            )
        need("array.node", self.array.node)
        need("battery.node", self.battery.node)
        need("loads.bus_node", self.loads.bus_node)
        need("loads.payload_node", self.loads.payload_node)

    # ---- lookups -------------------------------------------------------------
    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    @property
    def face_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.faces)

    @property
    def heater_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.heaters)

    def node_index(self, name: str) -> int:
        """Column of node ``name`` in (n_sat, n_node) channels such as thermal.temperature."""
        try:
            return self.node_names.index(name)
        except ValueError:
            raise KeyError(
                f"design {self.name!r} has no node {name!r}; nodes: {self.node_names}"
            ) from None

    def face_index(self, name: str) -> int:
        """Column of face ``name`` in (n_sat, n_face) parameters such as thermal.face_emissivity."""
        try:
            return self.face_names.index(name)
        except ValueError:
            raise KeyError(
                f"design {self.name!r} has no face {name!r}; faces: {self.face_names}"
            ) from None

    def to_core(self) -> _core.ThermalPowerDesign:
        """The design as the core takes it (SI units, node names resolved to indices)."""
        idx = {n: i for i, n in enumerate(self.node_names)}
        d = _core.ThermalPowerDesign()
        d.node_capacity_j_k = [n.heat_capacity_j_per_k for n in self.nodes]
        d.node_initial_temperature_k = [n.initial_temperature_k for n in self.nodes]
        d.link_node_a = [idx[link.node_a] for link in self.links]
        d.link_node_b = [idx[link.node_b] for link in self.links]
        d.link_conductance_w_k = [link.conductance_w_per_k for link in self.links]
        d.face_node = [idx[f.node] for f in self.faces]
        d.face_mount = [_MOUNTS[f.mount] for f in self.faces]
        d.face_normal_body = [c for f in self.faces for c in f.normal]
        d.face_area_m2 = [f.area_m2 for f in self.faces]
        d.face_absorptivity = [f.absorptivity for f in self.faces]
        d.face_emissivity = [f.emissivity for f in self.faces]
        d.face_radiator = [1 if f.radiator else 0 for f in self.faces]
        d.radiator_emissivity = next((f.emissivity for f in self.faces if f.radiator), 0.0)
        d.heater_node = [idx[h.node] for h in self.heaters]
        d.heater_power_w = [h.power_w for h in self.heaters]
        d.heater_on_below_k = [h.on_below_k for h in self.heaters]
        d.heater_off_above_k = [h.off_above_k for h in self.heaters]
        a = self.array
        d.array_area_m2 = a.area_m2
        d.array_efficiency = a.efficiency
        d.array_temperature_coefficient = a.temperature_coefficient_per_k
        d.array_reference_temperature_k = a.reference_temperature_k
        d.array_degradation_per_year = a.degradation_per_year
        d.array_age_years = a.age_years
        d.array_node = idx[a.node]
        d.array_normal_body = list(a.normal)
        d.array_tracking = 0 if a.tracking_axis is None else 1
        d.array_axis_body = list(a.tracking_axis or (0.0, 1.0, 0.0))
        b = self.battery
        d.battery_capacity_j = b.capacity_wh * WH_TO_J
        d.battery_initial_soc = b.initial_soc
        d.battery_charge_efficiency = b.charge_efficiency
        d.battery_discharge_efficiency = b.discharge_efficiency
        d.battery_max_charge_w = b.max_charge_w
        d.battery_max_discharge_w = b.max_discharge_w
        d.battery_soc_floor = b.soc_floor
        d.battery_node = idx[b.node]
        ld = self.loads
        d.bus_power_w = ld.bus_power_w
        d.bus_node = idx[ld.bus_node]
        d.payload_power_w = ld.payload_power_w
        d.payload_node = idx[ld.payload_node]
        d.payload_priority = ld.payload_priority
        d.heater_priority = ld.heater_priority
        d.payload_shed_soc = ld.payload_shed_soc
        d.payload_restore_soc = ld.payload_restore_soc
        d.heater_shed_soc = ld.heater_shed_soc
        d.heater_restore_soc = ld.heater_restore_soc
        d.validate()
        return d


def compute_node() -> SatelliteDesign:
    """A kilowatt-class compute satellite (nadir-pointing, ~1.9 kW load).

    Payload: 1.5 kW of accelerators on a cold plate (node ``payload``) tied by a
    loop heat pipe (60 W/K) to two deployable radiator panels whose faces point
    +Y and -Y (orbit normal in nadir mode; 3.5 m^2 each, white paint/OSR,
    alpha 0.12, eps 0.88). Bus 350 W (avionics, comms) on ``bus`` with a zenith
    OSR radiator; MLI elsewhere. Two sun-tracking wings (one-axis drive about
    body Y), 10 m^2 of 30 % triple-junction cells: ~4.1 kW at normal incidence
    at 28 C, 2 %/yr degradation, enough to recharge through a 36 min eclipse.
    A 5 kWh Li-ion battery (floor 20 %) with a 40 W heater. The payload is shed
    below 30 % state of charge and restored at 40 %. Over a day at 550 km,
    53 deg: payload 297-309 K, battery 283-288 K, array 200-342 K.
    """
    nodes = (
        ThermalNode("payload", 45e3, 300.0),  # ~50 kg accelerators, cold plate, structure
        ThermalNode("radiator", 30e3, 290.0),  # two aluminium/honeycomb panels with heat pipes
        ThermalNode("bus", 60e3, 295.0),  # structure, avionics
        ThermalNode("battery", 30e3, 293.0),  # ~30 kg cells
        ThermalNode("array", 25e3, 300.0),  # wings, ~2.5 kg/m^2
    )
    links = (
        ConductiveLink("payload", "radiator", 60.0),  # loop heat pipe
        ConductiveLink("bus", "radiator", 5.0),
        ConductiveLink("payload", "bus", 2.0),  # mounts
        ConductiveLink("battery", "bus", 1.5),
        ConductiveLink("array", "bus", 0.05),  # hinge and drive
    )
    faces = (
        RadiatingFace("radiator_py", "radiator", 3.5, 0.12, 0.88, (0.0, 1.0, 0.0), radiator=True),
        RadiatingFace("radiator_my", "radiator", 3.5, 0.12, 0.88, (0.0, -1.0, 0.0), radiator=True),
        RadiatingFace("bus_zenith", "bus", 1.2, 0.10, 0.80, (0.0, 0.0, -1.0)),
        RadiatingFace("bus_nadir", "bus", 1.2, 0.02, 0.02, (0.0, 0.0, 1.0)),  # MLI (effective)
        RadiatingFace("bus_ram", "bus", 1.0, 0.02, 0.02, (1.0, 0.0, 0.0)),  # MLI (effective)
        RadiatingFace("bus_wake", "bus", 1.0, 0.02, 0.02, (-1.0, 0.0, 0.0)),  # MLI (effective)
        RadiatingFace("battery_panel", "battery", 0.3, 0.10, 0.80, (-1.0, 0.0, 0.0)),
        RadiatingFace("array_front", "array", 10.0, 0.90, 0.85, mount="array_front"),
        RadiatingFace("array_back", "array", 10.0, 0.50, 0.85, mount="array_back"),
    )
    return SatelliteDesign(
        name="compute_node",
        nodes=nodes,
        links=links,
        faces=faces,
        heaters=(Heater("battery_heater", "battery", 40.0, 283.15, 288.15),),
        array=SolarArray(
            area_m2=10.0,
            efficiency=0.30,
            node="array",
            temperature_coefficient_per_k=-0.0022,
            reference_temperature_k=301.15,
            degradation_per_year=0.02,
            normal=(0.0, 0.0, -1.0),
            tracking_axis=(0.0, 1.0, 0.0),
        ),
        battery=Battery(
            capacity_wh=5000.0,
            node="battery",
            initial_soc=0.9,
            charge_efficiency=0.96,
            discharge_efficiency=0.96,
            max_charge_w=2500.0,
            max_discharge_w=3000.0,
            soc_floor=0.2,
        ),
        loads=Loads(
            bus_power_w=350.0,
            bus_node="bus",
            payload_power_w=1500.0,
            payload_node="payload",
            payload_priority=2,
            heater_priority=1,
            payload_shed_soc=0.3,
            payload_restore_soc=0.4,
        ),
        # Four accelerator modules: 1.5 kW at full clock and load, 2,000 TOPS
        # (INT8) in all; throttling from 85 C, clock gated at 100 C junction.
        compute=ComputePayload(
            accelerators=4,
            idle_power_w=75.0,
            peak_power_w=375.0,
            peak_tops=500.0,
            throttle_start_k=358.15,
            junction_limit_k=373.15,
            junction_offset_k_per_w=0.02,
        ),
    )


def relay_sat() -> SatelliteDesign:
    """A small relay satellite (~150 W): 60 W bus, 90 W transponder payload.

    Four nodes (bus, payload, battery, array); the payload radiates through a
    0.3 m^2 OSR panel on +Y, the bus through a zenith panel; a 1.6 m^2
    sun-tracking wing of 28 % cells; a 300 Wh battery with a 10 W heater.
    Over a day at 550 km, 53 deg: payload 288-300 K, battery 281-286 K.
    """
    nodes = (
        ThermalNode("bus", 15e3, 293.0),
        ThermalNode("payload", 8e3, 298.0),
        ThermalNode("battery", 4e3, 293.0),
        ThermalNode("array", 5e3, 300.0),
    )
    links = (
        ConductiveLink("bus", "payload", 3.0),
        ConductiveLink("bus", "battery", 0.8),
        ConductiveLink("bus", "array", 0.02),
    )
    faces = (
        RadiatingFace(
            "payload_radiator", "payload", 0.3, 0.12, 0.85, (0.0, 1.0, 0.0), radiator=True
        ),
        RadiatingFace("bus_zenith", "bus", 0.2, 0.12, 0.85, (0.0, 0.0, -1.0), radiator=True),
        RadiatingFace("bus_mli", "bus", 1.5, 0.02, 0.02, (0.0, -1.0, 0.0)),  # MLI (effective)
        RadiatingFace("battery_panel", "battery", 0.05, 0.12, 0.85, (-1.0, 0.0, 0.0)),
        RadiatingFace("array_front", "array", 1.6, 0.90, 0.85, mount="array_front"),
        RadiatingFace("array_back", "array", 1.6, 0.50, 0.85, mount="array_back"),
    )
    return SatelliteDesign(
        name="relay_sat",
        nodes=nodes,
        links=links,
        faces=faces,
        heaters=(Heater("battery_heater", "battery", 10.0, 281.15, 286.15),),
        array=SolarArray(
            area_m2=1.6,
            efficiency=0.28,
            node="array",
            temperature_coefficient_per_k=-0.0025,
            degradation_per_year=0.025,
            tracking_axis=(0.0, 1.0, 0.0),
        ),
        battery=Battery(
            capacity_wh=300.0,
            node="battery",
            initial_soc=0.9,
            max_charge_w=200.0,
            max_discharge_w=300.0,
            soc_floor=0.2,
        ),
        loads=Loads(
            bus_power_w=60.0,
            bus_node="bus",
            payload_power_w=90.0,
            payload_node="payload",
            payload_shed_soc=0.3,
            payload_restore_soc=0.4,
        ),
    )
