"""Validation of the coupled thermal network and power system (issue 3).

Analytic references: Stefan-Boltzmann steady state of a radiator, the exact
closed form of single-node radiative cooling, the RC time constant of two
conductively linked nodes, the tilted-plate view factor against a direct
integration over directions, a battery drained through an eclipse against the
hand calculation, and the array temperature coefficient. Numerical references:
the same network at a much smaller step, 1 vs 2 threads, one vs split advances.
"""

from __future__ import annotations

import numpy as np
import pytest

import orbitwin as ow
from orbitwin import _core
from orbitwin.design import (
    Battery,
    ConductiveLink,
    Heater,
    Loads,
    RadiatingFace,
    SatelliteDesign,
    SolarArray,
    ThermalNode,
    compute_node,
    relay_sat,
)
from orbitwin.validation import power as vpower
from orbitwin.validation import thermal as vthermal
from orbitwin.validation.thermal import EPOCH, ORBIT_S, bare_design, history, one_fleet

# ---- environment: view factor --------------------------------------------------------


def test_view_factor_against_direct_integration():
    """F of a plate to a sphere equals the cosine-weighted fraction of directions that hit it
    (Nusselt/Malley); |error| < 2e-3 at every distance and tilt (validation case
    ``thermal.earth_view_factor``)."""
    err = vthermal.view_factor_errors()
    assert err.max() < 2e-3, err


def test_view_factor_closed_form_limits():
    """Facing the centre F = 1/h^2; facing away 0; the two sides differ by cos/h^2."""
    h = np.array([1.05, 1.5, 3.0])
    assert np.allclose(_core.plate_view_factor(np.ones(3), h), 1 / h**2, rtol=1e-14)
    assert np.all(_core.plate_view_factor(-np.ones(3), h) == 0.0)
    c = np.linspace(-1, 1, 2001)
    for hh in h:
        hv = np.full_like(c, hh)
        diff = _core.plate_view_factor(c, hv) - _core.plate_view_factor(-c, hv)
        assert np.allclose(diff, c / hh**2, atol=1e-12)


# ---- thermal network: analytic cases ---------------------------------------------------


def test_radiator_steady_state_matches_stefan_boltzmann():
    """A node dissipating P through a zenith radiator (alpha 0, F 0) settles at
    (P / (eps sigma A))^(1/4); the implicit scheme's fixed point is exact (1e-6 K)
    (validation case ``thermal.radiative_equilibrium``)."""
    d = vthermal.radiator_equilibrium()
    assert d["temperature"] == pytest.approx(d["expected"], abs=1e-6)
    assert d["dissipation"] == pytest.approx(d["power"], rel=1e-12)


@pytest.mark.parametrize(("step", "tol_k"), [(10.0, 2e-3), (60.0, 0.1)])
def test_single_node_radiative_cooling_closed_form(step, tol_k):
    """C dT/dt = -eps sigma A T^4 has t(T) = C/(3 eps sigma A) (T^-3 - T0^-3); the
    linearised TR-BDF2 follows it within 2 mK at 10 s and 0.1 K at 60 s over 3 h
    (validation cases ``thermal.radiative_cooling_*``)."""
    d = vthermal.radiative_cooling(step)
    assert np.abs(d["temperature"] - d["exact"]).max() < tol_k
    assert d["exact"][-1] < 200.0  # it really cooled


def test_two_node_rc_time_constant():
    """Two nodes joined by G: the difference decays as exp(-t/tau), tau = C1 C2 / (G (C1 + C2))
    = 300 s, within 1 mK (relative 5e-4) at 10 s steps; C1 T1 + C2 T2 is conserved
    (validation cases ``thermal.rc_exponential_transient`` and
    ``thermal.network_energy_conservation``)."""
    d = vthermal.rc_transient()
    diff, exact = d["diff"], d["exact"]
    assert np.abs(diff - exact).max() < 1e-3
    assert np.abs(diff / exact - 1).max() < 5e-4
    assert np.allclose(d["energy"], d["energy0"], rtol=1e-13)
    fitted_tau = -(np.polyfit(d["t"], np.log(diff), 1)[0] ** -1)
    assert fitted_tau == pytest.approx(d["tau"], rel=1e-4)
    assert diff[-1] < 0.1  # six time constants


def test_stiff_heat_pipe_is_damped_not_ringing():
    """A heat pipe of 1e4 W/K between two 10 J/K nodes (tau = 0.5 ms) at 60 s steps: the
    L-stable scheme damps the difference by > 1e4 per step (Crank-Nicolson's factor would be
    -0.99998: a persistent 100 K oscillation)."""
    d = bare_design(
        (ThermalNode("a", 10.0, 350.0), ThermalNode("b", 10.0, 250.0)),
        links=(ConductiveLink("a", "b", 1e4),),
    )
    tw, f = one_fleet(d, step=60.0)
    h = history(tw, f, ["thermal.temperature"], every=60.0, duration=600.0)
    diff = np.abs(h["thermal.temperature"][:, 0, 0] - h["thermal.temperature"][:, 0, 1])
    assert diff[0] < 100.0 * 1e-4
    assert np.all(diff[2:] < 1e-9)
    assert np.allclose(h["thermal.temperature"][:, 0, :], 300.0, atol=1e-2)
    assert np.allclose(h["thermal.temperature"][-1, 0, :], 300.0, atol=1e-9)


# ---- the built-in designs over orbits ----------------------------------------------------


@pytest.mark.parametrize("make", [compute_node, relay_sat])
def test_matches_fine_step_reference_over_an_orbit(make):
    """Every node at 10 s stays within 0.1 K of the same network run at 1 s over two
    orbits (three orbit planes; eclipse transitions, shunting and thermostats included)."""
    runs = {}
    for step in (1.0, 10.0):
        tw, f = one_fleet(make(), step=step, raan_deg=np.array([0.0, 60.0, 120.0]))
        runs[step] = history(tw, f, ["thermal.temperature", "power.battery_soc"], 60.0, 2 * ORBIT_S)
    err = np.abs(runs[10.0]["thermal.temperature"] - runs[1.0]["thermal.temperature"])
    assert err.max() < 0.1, err.max(axis=(0, 1))
    soc_err = np.abs(runs[10.0]["power.battery_soc"] - runs[1.0]["power.battery_soc"])
    assert soc_err.max() < 1e-4


@pytest.mark.parametrize("make", [compute_node, relay_sat])
def test_stable_at_60_s_steps(make):
    """One day at 60 s steps: finite, physical temperatures whose daily means agree with the
    10 s run within 0.3 K and samples within 6 K (thermostat cycles and battery-full events
    fall at other instants: phase, not instability)."""
    runs = {}
    for step in (10.0, 60.0):
        tw, f = one_fleet(make(), step=step, n=8)
        runs[step] = history(tw, f, ["thermal.temperature"], 600.0, 86400.0)
    t60 = runs[60.0]["thermal.temperature"]
    assert np.isfinite(t60).all()
    assert t60.min() > 150.0 and t60.max() < 400.0
    t10 = runs[10.0]["thermal.temperature"]
    assert np.abs(t60.mean(axis=0) - t10.mean(axis=0)).max() < 0.3
    assert np.abs(t60 - t10).max() < 6.0


# ---- power ---------------------------------------------------------------------------------


@pytest.mark.parametrize("payload_w", [1500.0, 6000.0])
def test_energy_ledger_closes_over_an_orbit(payload_w):
    """generated = stored + consumed + shunted + battery losses to 1e-9, for the nominal
    compute node and for one overloaded into shedding and unmet bus load; the stored
    counter equals capacity * (SoC - SoC0) (validation case ``power.energy_ledger_closure``)."""
    e = vpower.ledger_over_an_orbit(payload_w)
    assert np.all(np.abs(e["residual"]) <= 1e-9 * e["scale"])
    cap = e["capacity"]
    assert np.allclose(e["stored"], cap * (e["soc"] - e["soc0"]), rtol=0, atol=1e-9 * cap)
    assert (e["shunted"] > 0).any()
    if payload_w > 5000:
        assert (e["shed"] > 0).all() and (e["unmet"] >= 0).all()
        assert (e["soc"] >= e["soc_floor"] - 1e-12).all()


def test_soc_at_eclipse_exit_matches_hand_calculation():
    """A full battery feeding a constant 500 W load through an eclipse ends it at
    SoC = 1 - P t_dark / (eta_d E), t_dark from the eclipse's shadow crossings (the
    array covers the load above illumination P / P_array); within 5 s of drain
    (validation case ``power.battery_eclipse_discharge``)."""
    d = vpower.eclipse_discharge()
    assert d["soc_entry"] == 1.0
    assert d["soc_exit"] == pytest.approx(d["expected"], abs=5 * d["drain_per_s"])
    assert 1.0 - d["soc_exit"] > 0.1  # a real drain (~35 min)


def test_hotter_array_delivers_less_by_its_temperature_coefficient():
    """Two fleets identical but for the array temperature: output ratio
    (1 + k (T_hot - T_ref)) / (1 + k (T_cold - T_ref)); degradation scales by 1 - d age."""
    k, t_ref = -0.0035, 301.15

    def design(temp: float, age: float = 0.0) -> SatelliteDesign:
        return bare_design(
            (ThermalNode("bus", 1e4, 290.0), ThermalNode("array", 1e7, temp)),
            array=SolarArray(
                area_m2=5.0,
                efficiency=0.3,
                node="array",
                temperature_coefficient_per_k=k,
                reference_temperature_k=t_ref,
                degradation_per_year=0.02,
                age_years=age,
                tracking_axis=(0.0, 1.0, 0.0),
            ),
        )

    tw = ow.Twin(EPOCH, step=10.0)
    el = ow.elements(altitude_m=550e3, inclination_deg=53.0)
    cold = tw.add_fleet("cold", el, design=design(280.0))
    hot = tw.add_fleet("hot", el, design=design(350.0))
    old = tw.add_fleet("old", el, design=design(280.0, age=10.0))
    tw.start()
    p_cold = cold.state("power.array_available")[0]
    assert p_cold > 1000.0
    ratio = hot.state("power.array_available")[0] / p_cold
    assert ratio == pytest.approx((1 + k * (350.0 - t_ref)) / (1 + k * (280.0 - t_ref)), rel=1e-12)
    assert old.state("power.array_available")[0] / p_cold == pytest.approx(0.8, rel=1e-12)


def test_load_shedding_by_soc_and_priority():
    """No array: below the payload's SoC threshold the payload is shed; at the floor the
    heater goes too (priority 1 after the payload's 2) and the bus is left unmet."""
    d = bare_design(
        (ThermalNode("n", 1e6, 270.0),),
        bus_w=50.0,
        payload_w=150.0,
        heaters=(Heater("h", "n", 20.0, 300.0, 310.0),),  # always on
        battery=Battery(
            capacity_wh=100.0,
            node="n",
            initial_soc=0.8,
            charge_efficiency=1.0,
            discharge_efficiency=1.0,
            max_charge_w=1e3,
            max_discharge_w=1e3,
            soc_floor=0.2,
        ),
        payload_shed_soc=0.5,
        payload_restore_soc=0.6,
    )
    tw, f = one_fleet(d, step=10.0)
    h = history(
        tw,
        f,
        [
            "power.battery_soc",
            "power.payload",
            "power.heater",
            "power.shed",
            "power.unmet",
            "power.payload_on",
        ],
        10.0,
        4 * 3600.0,
    )
    soc = h["power.battery_soc"][:, 0]
    above = soc > 0.51
    assert np.all(h["power.payload"][above, 0] == 150.0)
    low = (soc < 0.49) & (soc > 0.21)
    assert low.any() and np.all(h["power.payload_on"][low, 0] == 0)
    assert np.all(h["power.shed"][low, 0] == pytest.approx(150.0))
    assert np.all(h["power.heater"][low, 0] == pytest.approx(20.0))
    end = slice(-10, None)
    assert np.allclose(soc[end], 0.2, atol=1e-12)
    assert np.allclose(h["power.heater"][end, 0], 0.0)
    assert np.allclose(h["power.unmet"][end, 0], 50.0)


# ---- parameters, faults, validation ------------------------------------------------------------


def test_channels_units_and_fault_injection():
    """Channels carry units and shapes; a radiator emissivity fault heats the payload."""
    d = compute_node()
    tw, f = one_fleet(d, step=10.0, n=4)
    info = f.channels
    assert info["thermal.temperature"]["unit"] == "K"
    assert info["thermal.temperature"]["shape"] == (len(d.nodes),)
    assert info["thermal.face_emissivity"]["shape"] == (len(d.faces),)
    for name, unit in [
        ("power.array", "W"),
        ("power.battery_soc", "1"),
        ("power.battery", "W"),
        ("power.energy_generated", "J"),
        ("power.battery_capacity", "J"),
    ]:
        assert info[name]["unit"] == unit
    with pytest.raises(ValueError):
        f.state("thermal.temperature")[0, 0] = 1.0  # read-only
    f.param("radiator.emissivity")[1] *= 0.5  # the DESIGN's coating-degradation fault
    # Radiator faces follow radiator.emissivity; other faces keep their own.
    f.param("thermal.face_emissivity")[2, d.face_index("radiator_py")] = 0.0
    f.param("thermal.face_emissivity")[3, d.face_index("bus_zenith")] *= 0.5
    tw.advance(by=3 * 3600.0)
    eps = f.param("thermal.face_emissivity")
    py, my = d.face_index("radiator_py"), d.face_index("radiator_my")
    assert eps[1, py] == eps[1, my] == pytest.approx(0.44)
    assert eps[2, py] == 0.88  # overwritten by radiator.emissivity before the advance
    assert eps[3, d.face_index("bus_zenith")] == pytest.approx(0.4)
    payload = f.state("thermal.temperature")[:, d.node_index("payload")]
    assert payload[1] > payload[0] + 10.0
    assert abs(payload[2] - payload[0]) < 1.0


def test_bad_parameter_written_by_a_fault_is_rejected_naming_the_channel():
    tw, f = one_fleet(compute_node())
    f.param("thermal.face_emissivity")[0, 2] = 1.5
    with pytest.raises(
        ValueError, match=r"thermal\.face_emissivity of satellite 0 \[2\] is 1\.5; allowed: 0 to 1"
    ):
        tw.advance(by=10.0)


@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (
            lambda: RadiatingFace("r", "n", 1.0, 0.2, 1.2),
            r"RadiatingFace\('r'\)\.emissivity is 1\.2; allowed: 0 to 1",
        ),
        (
            lambda: RadiatingFace("r", "n", -1.0, 0.2, 0.8),
            r"area_m2 is -1\.0; allowed: 0 to 200 m\^2",
        ),
        (
            lambda: ThermalNode("n", 5.0),
            r"heat_capacity_j_per_k is 5\.0; allowed: 10 to 1e\+07 J/K",
        ),
        (
            lambda: Battery(capacity_wh=0.5, node="n"),
            r"Battery\.capacity_wh is 0\.5; allowed: 1 to 1e\+06 Wh",
        ),
        (
            lambda: Battery(capacity_wh=100, node="n", soc_floor=0.3, initial_soc=0.2),
            r"initial_soc is 0\.2; allowed: 0\.3 to 1",
        ),
        (
            lambda: SolarArray(area_m2=5, efficiency=0.7, node="n"),
            r"SolarArray\.efficiency is 0\.7; allowed: 0 to 0\.5",
        ),
        (
            lambda: SolarArray(
                area_m2=5, efficiency=0.3, node="n", temperature_coefficient_per_k=0.01
            ),
            r"temperature_coefficient_per_k is 0\.01; allowed: -0\.01 to 0 1/K",
        ),
        (
            lambda: Heater("h", "n", 10.0, 290.0, 280.0),
            r"off_above_k is 280\.0; allowed: 290 to 400 K",
        ),
        (
            lambda: Loads(
                bus_power_w=10,
                bus_node="n",
                payload_power_w=10,
                payload_node="n",
                payload_priority=3,
            ),
            r"payload_priority is 3; allowed: 1 or 2",
        ),
        (
            lambda: RadiatingFace("r", "n", 1.0, 0.2, 0.8, normal=(0.0, 0.0, 2.0)),
            r"normal is .*allowed: a unit vector",
        ),
        (
            lambda: ConductiveLink("a", "b", float("nan")),
            r"conductance_w_per_k is nan; allowed: 0 to 10000 W/K",
        ),
        (
            lambda: bare_design(
                (ThermalNode("n", 100.0),), faces=(RadiatingFace("r", "x", 1.0, 0.2, 0.8),)
            ),
            r"face 'r' node is 'x'; allowed: one of \['n'\]",
        ),
        (
            lambda: bare_design(
                (ThermalNode("n", 100.0),),
                faces=(
                    RadiatingFace("a", "n", 1.0, 0.2, 0.8, radiator=True),
                    RadiatingFace("b", "n", 1.0, 0.2, 0.7, radiator=True),
                ),
            ),
            r"radiator faces have emissivities a=0\.8, b=0\.7; allowed: one shared value",
        ),
        (
            lambda: bare_design(tuple(ThermalNode(f"n{i}", 100.0) for i in range(9))),
            r"nodes has 9 nodes; allowed: 1 to 8",
        ),
    ],
)
def test_bad_design_raises_value_error_naming_the_field(build, pattern):
    with pytest.raises(ValueError, match=pattern):
        build()


def test_tle_fleet_with_a_design():
    """A TLE (SGP4 ephemeris) fleet carries the thermal/power model too; threads agree."""
    from pathlib import Path

    tles = ow.read_tle(Path(__file__).parent.parent / "data" / "starlink-2024-05-12.tle").select(
        slice(0, 100)
    )
    out = []
    for threads in (1, 2):
        tw = ow.Twin("2024-05-12T12:00:00Z", step=10.0, threads=threads)
        f = tw.add_fleet("tle", tles, design=relay_sat())
        tw.advance(by=3 * 3600.0)
        temp = f.state("thermal.temperature")
        assert np.isfinite(temp).all() and 150.0 < temp.min() and temp.max() < 400.0
        out.append(temp.tobytes() + f.state("power.battery_soc").tobytes())
    assert out[0] == out[1]


def test_fleet_without_design_has_no_thermal_channels():
    tw = ow.Twin(EPOCH, step=10.0)
    f = tw.add_fleet("plain", ow.elements(altitude_m=550e3, inclination_deg=53.0))
    assert f.design is None
    assert not any(c.startswith(("thermal.", "power.")) for c in f.channels)
    with pytest.raises(ValueError, match="allowed: a SatelliteDesign"):
        tw.add_fleet("x", ow.elements(altitude_m=550e3, inclination_deg=53.0), design="compute")


# ---- determinism ---------------------------------------------------------------


def test_bit_identical_for_threads_and_split_advances():
    """1 vs 2 threads, and one advance vs many, give identical bytes in every channel."""
    states = []
    for threads, chunks in [(1, [7200.0]), (2, [7200.0]), (2, [1230.0, 2000.0, 10.0, 3960.0])]:
        tw, f = one_fleet(compute_node(), step=10.0, n=200, threads=threads)
        f.param("power.payload_demand")[::3] = 4000.0  # some satellites shed
        for chunk in chunks:
            tw.advance(by=chunk)
        states.append(
            {c: f.state(c).tobytes() for c, i in f.channels.items() if not i["parameter"]}
        )
    assert states[0] == states[1] == states[2]


def test_a_satellite_does_not_depend_on_its_neighbours_parameters():
    """Changing one satellite's parameters (a fault) leaves every other satellite's
    trajectory bit-identical (uniform parameters are read from a shared copy)."""
    runs = []
    for fault in (False, True):
        tw, f = one_fleet(compute_node(), step=10.0, n=70)
        if fault:
            f.param("thermal.capacity")[5, 0] *= 2.0
            f.param("thermal.face_absorptivity")[6, 2] = 0.9
            f.param("power.battery_capacity")[7] *= 0.5
            f.param("thermal.conductance")[8, 0] = 1.0
        tw.advance(by=3600.0)
        runs.append({c: f.state(c).copy() for c, i in f.channels.items() if not i["parameter"]})
    others = np.r_[0:5, 9:70]
    for name, before in runs[0].items():
        assert before[others].tobytes() == runs[1][name][others].tobytes(), name
    assert not np.array_equal(runs[0]["thermal.temperature"][5], runs[1]["thermal.temperature"][5])
