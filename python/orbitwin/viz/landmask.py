"""A coarse global land mask for drawing the Earth offline.

``data/land_fraction_0p25deg.npz`` holds the land fraction of every
0.25 deg x 0.25 deg cell (uint8, 0 = ocean .. 255 = land), 720 rows from north
(row 0, centre latitude 89.875 deg) to south and 1440 columns from west
(column 0, centre longitude -179.875 deg) to east. It is the block mean of the
1 km GLOBE-based mask (NOAA NGDC Global Land One-km Base Elevation) that the
``global-land-mask`` package ships (MIT licence); :func:`generate` rebuilds it
(``pip install global-land-mask`` first; it needs about 1 GB of memory).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

#: The committed mask file.
MASK_PATH = Path(__file__).resolve().parent / "data" / "land_fraction_0p25deg.npz"
#: [deg] cell size of the committed mask.
CELL_DEG = 0.25


@lru_cache(maxsize=1)
def land_fraction() -> np.ndarray:
    """Land fraction (720, 1440) float32 in [0, 1], rows north to south, columns west to east."""
    with np.load(MASK_PATH) as data:
        return data["land"].astype(np.float32) / 255.0


def is_land(latitude_deg: np.ndarray, longitude_deg: np.ndarray) -> np.ndarray:
    """Whether the cells holding the given points are mostly land (fraction > 0.5)."""
    lat = np.clip(np.asarray(latitude_deg, dtype=np.float64), -90.0, 90.0)
    lon = (np.asarray(longitude_deg, dtype=np.float64) + 180.0) % 360.0
    frac = land_fraction()
    rows = np.clip(((90.0 - lat) / CELL_DEG).astype(int), 0, frac.shape[0] - 1)
    cols = np.clip((lon / CELL_DEG).astype(int), 0, frac.shape[1] - 1)
    return frac[rows, cols] > 0.5


def generate(path: Path = MASK_PATH, cell_deg: float = CELL_DEG) -> Path:  # pragma: no cover
    """Rebuilds the committed mask from the ``global-land-mask`` package's 1 km mask."""
    import global_land_mask.globe as globe

    mask = globe._mask  # (21600, 43200) bool, rows from 90 deg N, columns from 180 deg W
    block = int(round(cell_deg / (180.0 / mask.shape[0])))
    rows, cols = mask.shape[0] // block, mask.shape[1] // block
    frac = mask[: rows * block, : cols * block].reshape(rows, block, cols, block).mean(axis=(1, 3))
    land = np.round(frac * 255.0).astype(np.uint8)
    np.savez_compressed(path, land=land)
    return path


if __name__ == "__main__":  # pragma: no cover
    print(generate())
