"""Golden reference: four real Starlink satellites from the 2024-05-12 TLE snapshot.

Satellites 0, 1000, 2000 and 3000 of ``data/starlink-2024-05-12.tle`` propagated
with SGP4 and flown as compute nodes for three hours from 2024-05-13 00:00 UTC,
with the default ground stations. Regenerate with ``orbitwin golden update`` only
after an intended model change.
"""

from pathlib import Path

import orbitwin
import orbitwin.cli

DATA = Path(__file__).resolve().parents[2] / "data" / "starlink-2024-05-12.tle"

scenario = orbitwin.Scenario(
    name="golden-starlink-tle",
    description="Golden reference: 4 Starlink satellites (SGP4) as compute nodes, 3 h.",
    epoch="2024-05-13T00:00:00Z",
    duration="3h",
    step="10s",
    output_every="2min",
    seed=5,
    ground_stations=orbitwin.DEFAULT_STATIONS,
)
scenario.add_fleet(
    "starlink",
    orbitwin.read_tle(DATA).select([0, 1000, 2000, 3000]),
    design=orbitwin.compute_node(),
)

if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
