"""A designed Walker-delta shell of 10,000 satellites at 550 km, 53 degrees.

Assumptions, stated:
- Walker delta 53 deg: 10000/100/1, circular, mean altitude 550 km above the
  equatorial radius; J2 secular precession of node and perigee, no drag.
- Epoch 2024-05-13 00:00 UTC; nadir-pointing attitude; conical shadow.

Run: ``orbitwin run scenarios/walker_shell.py``.
"""

import orbitwin
import orbitwin.cli

scenario = orbitwin.Scenario(
    name="walker-shell",
    description="A 10,000-satellite Walker-delta shell at 550 km, 53 deg, for one day.",
    epoch="2024-05-13T00:00:00Z",
    duration="1d",
    step="10s",
    output_every="60s",
    seed=1,
)
scenario.add_fleet("shell", orbitwin.walker(10000, 100, 1, altitude_m=550e3, inclination_deg=53.0))

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
