"""An 81-satellite dawn-dusk sun-synchronous compute cluster in the style of
Google's Suncatcher design.

Assumptions, stated:
- 81 satellites flying in a tight cluster (within about 1 km of each other) in a
  dawn-dusk sun-synchronous orbit at 650 km: ascending node at 18:00 local time
  (RAAN = the Sun's right ascension + 90 deg at the epoch), spread over a 9 x 9
  lattice of small mean-anomaly and node offsets (+-0.004 deg, about +-500 m).
  Free-flying formation keeping (the design's close-range station keeping) is
  not modelled: J2 acts on all of them alike, so the cluster stays together.
- Sun-pointing attitude (the solar wings face the Sun, radiators edge-on): in a
  dawn-dusk orbit the arrays see the Sun almost all the time.
- Each satellite is the built-in compute node (``orbitwin.design.compute_node``:
  four 500-TOPS accelerator modules, 1.5 kW at full load, deployable radiators,
  5 kWh battery); radiation at solar minimum behind 3 mm of aluminium.
- Epoch 2025-09-01 00:00 UTC; one day at a 10 s step.

Run: ``orbitwin run scenarios/suncatcher_cluster.py``.
"""

import math

import numpy as np

import orbitwin
import orbitwin.cli
from orbitwin import _core, design
from orbitwin.timeutil import parse_epoch

EPOCH = "2025-09-01T00:00:00Z"
ALTITUDE_M = 650e3

epoch = parse_epoch(EPOCH)
sun = _core.sun_ephemeris(epoch.jd_whole, epoch.jd_fraction)["direction"]
sun_ra_deg = math.degrees(math.atan2(sun[1], sun[0]))
offsets = np.linspace(-0.004, 0.004, 9)  # [deg]
d_node, d_anomaly = np.meshgrid(offsets, offsets)
cluster = orbitwin.elements(
    altitude_m=ALTITUDE_M,
    inclination_deg=orbitwin.sun_synchronous_inclination(ALTITUDE_M),
    raan_deg=(sun_ra_deg + 90.0) + d_node.ravel(),
    mean_anomaly_deg=d_anomaly.ravel(),
    prefix="SC",
)

scenario = orbitwin.Scenario(
    name="suncatcher-cluster",
    description="81 compute satellites in a 650 km dawn-dusk sun-synchronous cluster.",
    epoch=EPOCH,
    duration="1d",
    step="10s",
    output_every="60s",
    seed=81,
    ground_stations=orbitwin.DEFAULT_STATIONS,
)
scenario.add_fleet(
    "cluster",
    cluster,
    design=design.compute_node(),
    radiation=orbitwin.RadiationConfig(solar="min", shield_mm=3.0),
)


@scenario.process
def point_at_the_sun(sim):
    """Sun-pointing from the start (mode 1)."""
    sim.fleet("cluster").param("attitude.mode")[:] = 1
    sim.log("operation", "cluster", range(81), "attitude=sun")
    yield sim.timeout(0)


if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
