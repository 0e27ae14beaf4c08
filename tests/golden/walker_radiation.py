"""Golden reference: a small compute fleet with the radiation model on.

Four compute nodes (Walker 4/2/1 at 550 km, 53 deg) with AE8/AP8 (solar maximum,
a coarse 10 deg x 10 deg x 150 km grid), galactic cosmic rays and a solar particle
event (S3) from 1 h to 2 h; three hours from 2025-01-01 00:00 UTC. Regenerate with
``orbitwin golden update`` only after an intended model change.
"""

import orbitwin
import orbitwin.cli

scenario = orbitwin.Scenario(
    name="golden-walker-radiation",
    description="Golden reference: 4 compute nodes with radiation through an S3 event, 3 h.",
    epoch="2025-01-01T00:00:00Z",
    duration="3h",
    step="10s",
    output_every="2min",
    seed=11,
    channels=(
        *orbitwin.DEFAULT_CHANNELS,
        "radiation.dose_rate",
        "radiation.cutoff_rigidity",
        "radiation.upsets",
    ),
)
scenario.add_fleet(
    "compute",
    orbitwin.walker(4, 2, 1, altitude_m=550e3, inclination_deg=53.0),
    design=orbitwin.compute_node(),
    radiation=orbitwin.RadiationConfig(
        solar="max", shield_mm=3.0, dlat_deg=10.0, dlon_deg=10.0, dalt_km=150.0
    ),
)
scenario.process(orbitwin.solar_particle_event(at="1h", duration="1h", scale="S3"))

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
