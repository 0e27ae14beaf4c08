"""Looking at runs: 3D inspection (``orbitwin view``) and plot reports (``orbitwin report``).

- :mod:`~orbitwin.viz.runfile`: reading a run file generically (every channel by its
  ``units`` and ``long_name``), colour fields, time lookup, picking logic; no rendering.
- :mod:`~orbitwin.viz.geometry`: WGS-84 positions and the Sun in the Earth-fixed frame.
- :mod:`~orbitwin.viz.scene`: the PyVista scene (needs the ``viz`` extra).
- :mod:`~orbitwin.viz.view` and :mod:`~orbitwin.viz.report`: the subcommands.

Nothing here imports PyVista or matplotlib at import time, so ``orbitwin run``
never needs them.
"""
