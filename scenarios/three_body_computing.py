"""A computing constellation in the style of the Three-Body Computing Constellation.

Assumptions, stated:
- The first batch of 12 computing satellites launched in May 2025 (2,800 are
  planned); here one sun-synchronous plane at 535 km, evenly phased (the real
  orbits are not public in this repository; a TLE file can replace the
  element set).
- Each satellite carries up to 744 TOPS: one accelerator module of 744 TOPS at
  full clock, 25 W idle and 140 W peak, throttling from 80 C and clock-gated at
  95 C junction, on the payload node of the small-satellite design
  (``orbitwin.design.relay_sat``: body-mounted arrays, 1.2 kWh battery).
- Workload: imaging-style data processing, 400 Mbit/s of raw data while over
  land in the mid latitudes (a coarse geographic box list), reduced 100 to 1
  by processing in orbit; 2 Tbit storage; 600 Mbit/s downlink to the default
  ground stations above 10 deg elevation.
- Radiation: AE8/AP8 at solar maximum behind 2 mm of aluminium.
- Epoch 2025-06-01 00:00 UTC; nadir pointing; one day at a 10 s step.

Run: ``orbitwin run scenarios/three_body_computing.py``.
"""

import dataclasses

import orbitwin
import orbitwin.cli
from orbitwin import compute, design

payload = compute.ComputePayload(
    accelerators=1,
    idle_power_w=25.0,
    peak_power_w=140.0,
    peak_tops=744.0,
    throttle_start_k=353.15,
    junction_limit_k=368.15,
    junction_offset_k_per_w=0.05,
    data_rate_mbps=400.0,
    tera_ops_per_mbit=1.5,
    reduction_ratio=100.0,
    storage_gbit=2000.0,
    downlink_mbps=600.0,
    data_driven=True,
)
small_sat = dataclasses.replace(design.relay_sat(), name="three_body_node", compute=payload)

scenario = orbitwin.Scenario(
    name="three-body-computing",
    description="12 computing satellites, 744 TOPS each, in a 535 km sun-synchronous plane.",
    epoch="2025-06-01T00:00:00Z",
    duration="1d",
    step="10s",
    output_every="60s",
    seed=2025,
    ground_stations=orbitwin.DEFAULT_STATIONS,
    channels=(
        *orbitwin.DEFAULT_CHANNELS,
        "compute.utilisation",
        "data.raw_stored",
        "data.results_stored",
        "data.downlink",
    ),
)
scenario.add_fleet(
    "three-body",
    orbitwin.walker(
        12,
        1,
        0,
        altitude_m=535e3,
        inclination_deg=orbitwin.sun_synchronous_inclination(535e3),
        prefix="TBC",
    ),
    design=small_sat,
    radiation=orbitwin.RadiationConfig(solar="max", shield_mm=2.0),
)

# Raw data only over land-like mid-latitude boxes (North America, Europe-Asia, Australia).
LAND_BOXES = [(15.0, 60.0, -125.0, -60.0), (10.0, 60.0, -10.0, 140.0), (-40.0, -12.0, 113.0, 153.0)]


@scenario.process
def imaging_over_land(sim):
    """Data generation follows the geographic boxes: the demand grid gates processing
    and the raw data rate is switched with the sub-satellite point every 5 minutes."""
    import numpy as np

    fleet = sim.fleet("three-body")
    grid = compute.demand_grid_from_boxes(LAND_BOXES)
    fleet._core.set_demand_grid(grid)
    rate = fleet.param("data.generation_rate")
    while True:
        lat = np.degrees(fleet.state("orbit.latitude"))
        lon = np.degrees(fleet.state("orbit.longitude"))
        over = np.zeros(fleet.size, dtype=bool)
        for la0, la1, lo0, lo1 in LAND_BOXES:
            over |= (lat >= la0) & (lat < la1) & (lon >= lo0) & (lon < lo1)
        rate[:] = np.where(over, payload.data_rate_mbps * 1e6, 0.0)
        yield sim.timeout("5min")


if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
