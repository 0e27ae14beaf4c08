"""The real Starlink constellation of 12 May 2024, flown as a compute fleet for a day.

Assumptions, stated:
- Orbits: the 5,236 TLEs of the snapshot in ``data/starlink-2024-05-12.tle``,
  propagated with SGP4 (the ``sgp4`` package, WGS-72, TEME frame). TLE accuracy
  degrades by about a kilometre a day away from each element set's epoch.
- Epoch 2024-05-13 00:00 UTC (every TLE epoch lies within a few days of it);
  UT1 = UTC.
- Sun from the Astronomical Almanac's low-precision formulae; conical
  umbra/penumbra over a spherical Earth of equatorial radius.
- Attitude: nadir-pointing for every satellite.
- Every satellite is flown as the built-in compute node
  (``orbitwin.design.compute_node``: four 500-TOPS accelerator modules, 1.5 kW at
  full load, deployable radiators, sun-tracking wings, 5 kWh battery): the
  question is what this constellation would deliver as a data centre.
- Radiation: AE8/AP8 at solar maximum (2024 is near the maximum of cycle 25)
  behind 3 mm of aluminium; ground contacts with the default stations.
- One satellite in the snapshot (STARLINK-2601) is re-entering: SGP4 reports
  it as decayed part way through the day; the twin flags it and carries on.

Run: ``orbitwin run scenarios/starlink_snapshot.py`` or
``python scenarios/starlink_snapshot.py --duration 6h``.
"""

from pathlib import Path

import orbitwin
import orbitwin.cli

DATA = Path(__file__).resolve().parents[1] / "data" / "starlink-2024-05-12.tle"

scenario = orbitwin.Scenario(
    name="starlink-snapshot",
    description="The 5,236-satellite Starlink snapshot of 2024-05-12 flown for one day.",
    epoch="2024-05-13T00:00:00Z",
    duration="1d",
    step="10s",
    output_every="5min",
    seed=1,
    ground_stations=orbitwin.DEFAULT_STATIONS,
)
scenario.add_fleet(
    "starlink",
    DATA,
    design=orbitwin.compute_node(),
    radiation=orbitwin.RadiationConfig(solar="max", shield_mm=3.0),
)

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
