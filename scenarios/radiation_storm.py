"""A 1,000-satellite 53-degree compute shell at 550 km through a severe (S4) solar radiation storm.

Assumptions, stated:
- Walker delta 53 deg: 1000/40/1, circular, 550 km; J2 secular precession, no drag.
- Each satellite is the built-in compute node (``orbitwin.design.compute_node``).
- Epoch 2025-01-01 00:00 UTC; nadir-pointing attitude; conical shadow.
- Radiation (``orbitwin.radiation``): AE8/AP8 solar-maximum trapped belts from
  ``aep8`` on a 5 deg x 5 deg x 50 km grid (cached in ``~/.cache/orbitwin`` or
  ``$ORBITWIN_CACHE``), dipole geomagnetic cutoff, galactic cosmic rays; one
  accelerator per satellite (the default commercial device) behind 3 mm of
  aluminium.
- An S4 solar particle event (1e4 pfu above 10 MeV, index-2 integral power law)
  from 6 h to 18 h, a top-hat profile; it reaches the satellites only where the
  cutoff is low (high magnetic latitudes).

Run: ``orbitwin run scenarios/radiation_storm.py``.
"""

import orbitwin
import orbitwin.cli

scenario = orbitwin.Scenario(
    name="radiation-storm",
    description="1,000 compute satellites at 550 km, 53 deg, through an S4 solar particle event.",
    epoch="2025-01-01T00:00:00Z",
    duration="1d",
    step="10s",
    output_every="60s",
    seed=1,
    channels=(
        *orbitwin.DEFAULT_CHANNELS,
        "radiation.dose_rate",
        "radiation.dose",
        "radiation.cutoff_rigidity",
        "radiation.upsets",
        "radiation.functional_interrupts",
        "radiation.latchups",
        "radiation.outage_remaining",
    ),
)
scenario.add_fleet(
    "compute",
    orbitwin.walker(1000, 40, 1, altitude_m=550e3, inclination_deg=53.0),
    design=orbitwin.compute_node(),
    radiation=orbitwin.RadiationConfig(solar="max", shield_mm=3.0),
)
scenario.process(orbitwin.solar_particle_event(at="6h", duration="12h", scale="S4"))

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
