"""A small Walker-delta shell whose design is a set of parameters, for sweeps.

Parameters (``orbitwin.params.parameters``; a sweep overrides them, a plain
run uses the defaults):
- ``altitude_km`` [km] mean altitude above the equatorial radius (550);
- ``inclination_deg`` [deg] (53.0);
- ``planes`` and ``per_plane``: planes and satellites per plane (6 x 10);
- ``phasing``: Walker phasing factor (1).

Assumptions, stated:
- Walker delta, circular orbits; J2 secular precession of node and perigee,
  no drag. Epoch 2024-05-13 00:00 UTC; nadir-pointing attitude; conical shadow.

Run: ``orbitwin run scenarios/walker_design.py`` or sweep it with
``orbitwin sweep scenarios/sweeps/walker_altitude.toml``.
"""

import orbitwin
import orbitwin.cli
from orbitwin.params import parameters

p = parameters(altitude_km=550.0, inclination_deg=53.0, planes=6, per_plane=10, phasing=1)

scenario = orbitwin.Scenario(
    name="walker-design",
    description=(
        f"A Walker-delta shell {p.inclination_deg:g} deg: {p.planes * p.per_plane}/{p.planes}/"
        f"{p.phasing} at {p.altitude_km:g} km, for six hours."
    ),
    epoch="2024-05-13T00:00:00Z",
    duration="6h",
    step="10s",
    output_every="60s",
    seed=1,
)
scenario.add_fleet(
    "shell",
    orbitwin.walker(
        p.planes * p.per_plane,
        p.planes,
        p.phasing,
        altitude_m=p.altitude_km * 1e3,
        inclination_deg=p.inclination_deg,
    ),
)

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
