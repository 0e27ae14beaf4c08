"""Golden reference: a small Walker compute-node fleet (thermal, power, compute).

Six built-in compute nodes (``orbitwin.compute_node``) in a Walker delta 6/3/1
at 550 km, 53 deg, for three hours from 2024-05-13 00:00 UTC; one satellite's
radiator degrades at 1 h (a fault event) and a watch fires at the first eclipse
entry (a watch event). Regenerate with ``orbitwin golden update`` only after an
intended model change.
"""

import orbitwin
import orbitwin.cli
from orbitwin import faults
from orbitwin.faults import Target

scenario = orbitwin.Scenario(
    name="golden-walker-compute",
    description="Golden reference: 6 compute nodes, Walker 6/3/1 at 550 km, 53 deg, 3 h.",
    epoch="2024-05-13T00:00:00Z",
    duration="3h",
    step="10s",
    output_every="2min",
    seed=7,
)
scenario.add_fleet(
    "compute",
    orbitwin.walker(6, 3, 1, altitude_m=550e3, inclination_deg=53.0),
    design=orbitwin.compute_node(),
)
scenario.process(
    faults.radiator_degradation(at="1h", target=Target("compute", index=2), factor=0.7)
)


@scenario.process
def first_eclipse(sim):
    hit = yield sim.when("compute", "sun.illumination", "<", 0.5)
    sim.log("operation", "compute", hit.satellites, "first eclipse entry")


if __name__ == "__main__":
    orbitwin.cli.main_for(scenario)
