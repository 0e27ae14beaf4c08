"""A year of aging: radiator degradation, battery fade and accelerator failures.

Assumptions, stated:
- 24 compute nodes (``orbitwin.design.compute_node``) in a Walker delta
  24/6/1 shell at 550 km, 53 deg; one year from 2026-01-01 at a 60 s step,
  telemetry every hour.
- Radiator coatings darken: infrared emissivity falls 10 % a year (compounded
  daily); battery capacity fades 8 % a year (compounded daily); the arrays lose
  2 % a year (the design's own degradation rate).
- Accelerator modules fail at random, 0.3 failures per satellite-year (seeded),
  each taking one of four modules out for good.
- One radiator is damaged outright on day 120 (emissivity x 0.5 on one
  satellite), and a ground station (Svalbard) is out for two days in March.

Run: ``orbitwin run scenarios/aging_year.py``.
"""

import orbitwin
import orbitwin.cli
from orbitwin import compute, design, faults
from orbitwin.faults import Target

scenario = orbitwin.Scenario(
    name="aging-year",
    description="24 compute nodes aging for a year: radiators, batteries, accelerators.",
    epoch="2026-01-01T00:00:00Z",
    duration="365d",
    step="60s",
    output_every="1h",
    seed=7,
    ground_stations=orbitwin.DEFAULT_STATIONS,
)
scenario.add_fleet(
    "nodes",
    orbitwin.walker(24, 6, 1, altitude_m=550e3, inclination_deg=53.0),
    design=design.compute_node(),
)
scenario.process(faults.gradual("radiator_aging", "nodes", "radiator.emissivity", 0.10))
scenario.process(faults.gradual("battery_fade", "nodes", "power.battery_capacity", 0.08))
scenario.process(
    faults.random_failures(
        "nodes",
        rate_per_year=0.3,
        fault=lambda at, target: compute.accelerator_failure(at=at, target=target),
        key="accelerators",
    )
)
scenario.process(
    faults.radiator_degradation(at="120d", target=Target("nodes", index=5), factor=0.5)
)
scenario.process(faults.ground_station_outage(at="70d", duration="2d", station="Svalbard"))

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
