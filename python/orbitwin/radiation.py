"""Radiation: trapped belts (AE8/AP8), cosmic rays, solar particle events, dose and
single-event effects.

Enable it per fleet before the twin starts::

    twin.enable_radiation("compute", ow.RadiationConfig(solar="max", shield_mm=3.0))

Setup (here, once per fleet) builds everything that needs physics; the core only
interpolates, takes dot products and draws (``cpp/core/src/radiation.cpp``).

**Trapped environment.** Omnidirectional integral fluxes of AP8 (protons above
0.1..300 MeV) and AE8 (electrons above 0.05..7 MeV) from the ``aep8`` package
(IRBEM), solar minimum or maximum, are tabulated on a geodetic grid (default 5 deg
x 5 deg, altitude shells every 50 km spanning the fleet) and cached as ``.npz`` in
``$ORBITWIN_CACHE`` (default ``~/.cache/orbitwin``), keyed by model, grid, energies
and the epoch's date (the McIlwain L, B/B0 coordinates depend on the field model and
epoch). The core interpolates trilinearly in log10(flux + 1e-3 cm-2 s-1). The South
Atlantic Anomaly and the horns of the outer belt come from AE8/AP8 themselves.
Validation: nodes exact, held-out points within the tolerance stated in
``tests/test_radiation.py`` (``test_interpolation_*``), the >10 MeV peak lies in
the South Atlantic (``test_saa_*``).

**Cosmic rays.** Vertical Stormer cutoff of a centred dipole (IGRF-13 2020 pole,
80.65 N 72.68 W): ``R_c = 14.9 cos^4(lambda_m) / (r / R_E)^2`` GV. GCR integral flux
above the cutoff ``F0 / (1 + R_c / 3 GV)^2`` times the unshadowed sky fraction, with
F0 = 4 cm-2 s-1 (solar minimum) or 2.4 (maximum). GCR dose uses an LET-averaged
stopping power of 7 MeV cm2/g (about 0.15 Gy/yr in free space); GCR is not
attenuated by the shield. Validation: ``test_cutoff_*``.

**Solar particle events.** ``radiation.spe_flux`` (per satellite parameter; the
fault :func:`solar_particle_event` sets it on every radiation fleet) is the >10 MeV
intensity outside the magnetosphere (NOAA S1..S5 = 10..1e5 pfu); the spectrum is an
integral power law of index 2 (from 1 MeV), admitted above the cutoff energy of
the local cutoff rigidity, over the unshadowed sky, and then treated like trapped
protons (same shielding and cross-sections).

**Dose.** Silicon at the centre of a spherical aluminium shell of thickness t
(``radiation.shield_thickness``): every particle reaching the centre crossed t
radially (straight-ahead, continuous slowing down), so the dose rate is
``sum over the spectrum of flux * S_Si(E_out) / rho``. Protons: Bethe-Bloch mass
stopping power (I = 166 eV Al, 173 eV Si; held constant below 0.5 MeV) and its CSDA
range. Electrons: Katz-Penfold range-energy relation (g/cm2, nearly material-
independent) and its derivative as stopping power; bremsstrahlung is neglected (it
matters only behind thick shields). Responses are averaged over each energy bin
(log-uniform) and tabulated for 40 log-spaced thicknesses (0.05 to 50 mm), as
weights on the integral fluxes, so the core's dose is a dot product. Validation:
ranges against NIST PSTAR, dose grows with altitude and falls with thickness, yearly
dose at 550 km in the published LEO range (``test_dose_*``).

**Single-event effects.** Protons (trapped, SPE, GCR): Bendel two-parameter form,
``sigma(E) = sigma_sat [1 - exp(-0.18 sqrt(Y))]^4``, ``Y = sqrt(18/A) (E - A)``,
applied to the energy behind the shield. GCR heavy ions: Weibull cross-section in
LET reduced to Petersen's figure of merit, ``rate = 200 sigma_sat / L_0.25^2``
upsets per day in free space (solar minimum), scaled by the GCR transmission above.
Events (upsets, of which a fraction is uncorrectable; functional interrupts;
latch-ups) are Poisson counts drawn every step from rate x dt with a counter-based
generator keyed by (seed, fleet, satellite, step time): splitmix64's finaliser
chained over the key (see ``radiation.hpp``). Interrupts and latch-ups start an
outage (``radiation.outage_remaining``, status bit ``STATUS_SEE_OUTAGE``). Dose
raises ``radiation.leakage_factor`` linearly and past the device's tolerance sets
``STATUS_TID_FAILED``. Validation: ``test_see_*``, ``test_poisson_*``,
``test_determinism_*``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from .timeutil import NS_PER_S, duration_ns

if TYPE_CHECKING:
    from .master import Simulation
    from .twin import Fleet, Twin

#: Integral thresholds of the tables [MeV].
PROTON_ENERGIES_MEV = np.array(
    [0.1, 0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 70, 100, 150, 200, 300], dtype=np.float64
)
ELECTRON_ENERGIES_MEV = np.array(
    [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5]
    + [4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0],
    dtype=np.float64,
)
#: Floor added before the logarithm [m-2 s-1] (1e-3 cm-2 s-1).
TINY_FLUX = 10.0
#: Shield thickness grid of the response tables [m].
THICKNESS_M = np.geomspace(0.05e-3, 50e-3, 40)
#: NOAA solar radiation storm scales: >10 MeV intensity [pfu = cm-2 s-1 sr-1].
SPE_SCALES_PFU = {"S1": 10.0, "S2": 1e2, "S3": 1e3, "S4": 1e4, "S5": 1e5}

MEV_PER_G_TO_GY = 1.602176634e-10  #: 1 MeV/g in Gy
ALUMINIUM_DENSITY = 2.699  #: [g cm-3]
_ME = 0.51099895  #: [MeV] electron rest energy
_MP = 938.272088  #: [MeV] proton rest energy
_K = 0.307075  #: [MeV cm2 mol-1] Bethe constant
_AL = (13.0 / 26.9815, 166e-6)  #: (Z/A, I [MeV])
_SI = (14.0 / 28.0855, 173e-6)
GCR_FREE_FLUX_CM2_S = {"min": 4.0, "max": 2.4}  #: omnidirectional, free space
GCR_RIGIDITY_SCALE_GV = 3.0
GCR_STOPPING_MEV_CM2_G = 7.0  #: LET-averaged over the GCR composition, in Si
PETERSEN_GEO_COEFFICIENT = 200.0  #: upsets/bit-day per (cm2 / (MeV cm2/mg)^2), solar min
DIPOLE_POLE_DEG = (80.65, -72.68)  #: IGRF-13 2020 geomagnetic north pole (lat, lon)
EARTH_RADIUS_M = 6371.2e3


# ---- physics ------------------------------------------------------------------------
def bethe_proton_stopping(energy_mev: Any, material: tuple[float, float] = _AL) -> np.ndarray:
    """Mass stopping power of protons [MeV cm2 g-1] (Bethe-Bloch without shell and
    density corrections; constant below 0.5 MeV where the formula fails)."""
    za, ion = material
    e = np.maximum(np.asarray(energy_mev, dtype=np.float64), 0.5)
    gamma = 1.0 + e / _MP
    beta2 = 1.0 - 1.0 / gamma**2
    ratio = _ME / _MP
    wmax = 2 * _ME * beta2 * gamma**2 / (1 + 2 * gamma * ratio + ratio**2)
    log_term = 0.5 * np.log(2 * _ME * beta2 * gamma**2 * wmax / ion**2) - beta2
    return _K * za / beta2 * log_term


_RANGE_GRID = np.geomspace(1e-3, 1e4, 4000)  #: [MeV]


def _range_table(stopping: np.ndarray) -> np.ndarray:
    inv = 1.0 / stopping
    out = np.empty_like(_RANGE_GRID)
    out[0] = _RANGE_GRID[0] * inv[0]
    out[1:] = out[0] + np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(_RANGE_GRID))
    return out


_P_RANGE_AL = _range_table(bethe_proton_stopping(_RANGE_GRID, _AL))


def proton_range_al(energy_mev: Any) -> np.ndarray:
    """CSDA range of protons in aluminium [g cm-2] (integrated Bethe-Bloch)."""
    return np.interp(np.log(energy_mev), np.log(_RANGE_GRID), _P_RANGE_AL)


def electron_range(energy_mev: Any) -> np.ndarray:
    """Katz-Penfold (1952) range-energy relation for electrons [g cm-2], E in MeV."""
    e = np.asarray(energy_mev, dtype=np.float64)
    low = 0.412 * e ** (1.265 - 0.0954 * np.log(np.maximum(e, 1e-6)))
    high = 0.530 * e - 0.106
    return np.where(e <= 2.5, low, high)


def electron_stopping(energy_mev: Any) -> np.ndarray:
    """Electron stopping power [MeV cm2 g-1] as dE/dR of the Katz-Penfold relation."""
    e = np.asarray(energy_mev, dtype=np.float64)
    h = 1e-4 * e
    return 2 * h / (electron_range(e + h) - electron_range(e - h))


def _residual_energy(energy_mev: np.ndarray, thickness_g_cm2: float, grid_range: np.ndarray):
    """Energy left after ``thickness`` [g cm-2] (straight ahead); 0 when stopped."""
    r_in = np.interp(np.log(energy_mev), np.log(_RANGE_GRID), grid_range)
    left = r_in - thickness_g_cm2
    e_out = np.exp(np.interp(np.maximum(left, grid_range[0]), grid_range, np.log(_RANGE_GRID)))
    return np.where(left > 0, e_out, 0.0)


_E_RANGE = electron_range(_RANGE_GRID)


def _bin_samples(energies: np.ndarray, per_bin: int = 24) -> np.ndarray:
    """(n_bins, per_bin) log-uniform sample energies inside each integral bin
    [E_k, E_k+1) (the last bin spans [E_last, 2 E_last))."""
    edges = np.append(energies, 2 * energies[-1])
    u = (np.arange(per_bin) + 0.5) / per_bin
    lo, hi = np.log(edges[:-1]), np.log(edges[1:])
    return np.exp(lo[:, None] + (hi - lo)[:, None] * u[None, :])


def _integral_weights(bin_response: np.ndarray) -> np.ndarray:
    """Weights on integral fluxes from responses per bin (Abel summation)."""
    w = bin_response.copy()
    w[..., 1:] -= bin_response[..., :-1]
    return w


def proton_residual_energy(energy_mev: Any, thickness_m: float) -> np.ndarray:
    t = thickness_m * 100.0 * ALUMINIUM_DENSITY
    return _residual_energy(np.asarray(energy_mev, dtype=np.float64), t, _P_RANGE_AL)


def electron_residual_energy(energy_mev: Any, thickness_m: float) -> np.ndarray:
    t = thickness_m * 100.0 * ALUMINIUM_DENSITY
    return _residual_energy(np.asarray(energy_mev, dtype=np.float64), t, _E_RANGE)


def dose_per_fluence(energy_mev: Any, thickness_m: float, particle: str) -> np.ndarray:
    """Dose in Si at the centre of an Al shell per unit omnidirectional fluence of
    particles of ``energy_mev`` [Gy m2]."""
    e = np.asarray(energy_mev, dtype=np.float64)
    if particle == "p":
        e_out = proton_residual_energy(e, thickness_m)
        s = bethe_proton_stopping(np.maximum(e_out, 1e-3), _SI)
    else:
        e_out = electron_residual_energy(e, thickness_m)
        s = electron_stopping(np.maximum(e_out, 1e-3))
    return np.where(e_out > 0, s * MEV_PER_G_TO_GY * 1e-4, 0.0)


def bendel_cross_section(energy_mev: Any, threshold_mev: float, saturation_m2: float):
    """Bendel two-parameter proton cross-section [m2] (energies in MeV)."""
    e = np.asarray(energy_mev, dtype=np.float64)
    y = np.sqrt(18.0 / threshold_mev) * np.maximum(e - threshold_mev, 0.0)
    return saturation_m2 * (1.0 - np.exp(-0.18 * np.sqrt(y))) ** 4


def cutoff_rigidity_gv(magnetic_latitude_rad: Any, radius_m: Any) -> np.ndarray:
    """Vertical Stormer cutoff of a centred dipole [GV]: 14.9 cos^4(lambda) / (r/R_E)^2."""
    c = np.cos(np.asarray(magnetic_latitude_rad, dtype=np.float64))
    return 14.9 * c**4 / (np.asarray(radius_m, dtype=np.float64) / EARTH_RADIUS_M) ** 2


# ---- configuration -----------------------------------------------------------------
@dataclass(frozen=True)
class SeeResponse:
    """Cross-sections of one single-event effect: Bendel (protons) and Weibull (heavy
    ions, LET in MeV cm2/mg). ``per_bit`` multiplies by the device's SRAM bits."""

    proton_threshold_mev: float  #: Bendel A
    proton_saturation_cm2: float  #: Bendel saturated cross-section
    weibull_onset: float  #: L0 [MeV cm2/mg]
    weibull_width: float  #: W [MeV cm2/mg]
    weibull_shape: float  #: s
    ion_saturation_cm2: float  #: heavy-ion saturated cross-section
    per_bit: bool = False
    downtime_s: float = 0.0  #: outage per event

    def __post_init__(self) -> None:
        checks = (
            ("proton_threshold_mev", self.proton_threshold_mev > 0, "> 0 MeV"),
            ("proton_saturation_cm2", self.proton_saturation_cm2 >= 0, ">= 0"),
            ("weibull_onset", self.weibull_onset >= 0, ">= 0"),
            ("weibull_width", self.weibull_width > 0, "> 0"),
            ("weibull_shape", self.weibull_shape > 0, "> 0"),
            ("ion_saturation_cm2", self.ion_saturation_cm2 >= 0, ">= 0"),
            ("downtime_s", self.downtime_s >= 0, ">= 0 s"),
        )
        for name, ok, allowed in checks:
            if not (ok and math.isfinite(getattr(self, name))):
                raise ValueError(
                    f"SEE response {name} is {getattr(self, name)!r}; allowed: {allowed}"
                )

    @property
    def l25(self) -> float:
        """LET at a quarter of the saturated cross-section [MeV cm2/mg] (Weibull)."""
        return self.weibull_onset + self.weibull_width * (-math.log(0.75)) ** (
            1 / self.weibull_shape
        )


@dataclass(frozen=True)
class Device:
    """An accelerator's single-event and total-dose behaviour (defaults: a commercial
    deep-submicron part with ECC-protected SRAM; values are representative, not of one
    tested device)."""

    sram_bits: float = 4e8
    upset: SeeResponse = SeeResponse(3.0, 5e-14, 0.5, 8.0, 1.5, 3e-8, per_bit=True)
    functional_interrupt: SeeResponse = SeeResponse(10.0, 1e-9, 1.0, 15.0, 1.5, 1e-4, False, 60.0)
    latchup: SeeResponse = SeeResponse(30.0, 1e-11, 15.0, 30.0, 2.0, 1e-6, False, 600.0)
    uncorrectable_fraction: float = 1e-3  #: share of upsets ECC cannot correct (MBUs)
    tid_tolerance_gy: float = 300.0  #: [Gy(Si)] functional failure (30 krad)
    leakage_at_tolerance: float = 1.5  #: leakage power factor reached at the tolerance

    def __post_init__(self) -> None:
        checks = (
            ("sram_bits", self.sram_bits >= 0, ">= 0"),
            ("uncorrectable_fraction", 0 <= self.uncorrectable_fraction <= 1, "0 to 1"),
            ("tid_tolerance_gy", self.tid_tolerance_gy > 0, "> 0 Gy"),
            ("leakage_at_tolerance", self.leakage_at_tolerance >= 1, ">= 1"),
        )
        for name, ok, allowed in checks:
            if not (ok and math.isfinite(getattr(self, name))):
                raise ValueError(f"device {name} is {getattr(self, name)!r}; allowed: {allowed}")


@dataclass(frozen=True)
class RadiationConfig:
    """How a fleet sees radiation. ``shield_mm``: aluminium spherical-shell thickness
    (0.05..50 mm); ``accelerators``: devices per satellite; grid spacing in degrees
    and km; ``altitude_km`` (lo, hi) overrides the range derived from the orbits."""

    solar: str = "min"
    shield_mm: float = 3.0
    device: Device = field(default_factory=Device)
    accelerators: int = 1
    dlat_deg: float = 5.0
    dlon_deg: float = 5.0
    dalt_km: float = 50.0
    altitude_km: tuple[float, float] | None = None
    seed: int | None = None  #: None: the scenario's seed (0 outside scenarios)
    cache_dir: str | None = None

    def __post_init__(self) -> None:
        if self.solar not in ("min", "max"):
            raise ValueError(f"radiation solar is {self.solar!r}; allowed: 'min' or 'max'")
        lo, hi = THICKNESS_M[0] * 1e3, THICKNESS_M[-1] * 1e3
        if not lo <= self.shield_mm <= hi:
            raise ValueError(f"radiation shield_mm is {self.shield_mm}; allowed: {lo} to {hi}")
        if self.accelerators < 1:
            raise ValueError(f"radiation accelerators is {self.accelerators}; allowed: >= 1")
        for name in ("dlat_deg", "dlon_deg"):
            v = getattr(self, name)
            if not (0 < v <= 30 and abs(round(180 / v) * v - 180) < 1e-9):
                raise ValueError(f"radiation {name} is {v}; allowed: a divisor of 180 up to 30")
        if not 1 <= self.dalt_km <= 1000:
            raise ValueError(f"radiation dalt_km is {self.dalt_km}; allowed: 1 to 1000")


def cache_dir(config: RadiationConfig | None = None) -> Path:
    if config is not None and config.cache_dir:
        return Path(config.cache_dir)
    env = os.environ.get("ORBITWIN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "orbitwin"


# ---- trapped tables -----------------------------------------------------------------
def grid_axes(config: RadiationConfig, alt_lo_km: float, alt_hi_km: float):
    """(lat_deg, lon_deg, alt_m) node axes covering the altitudes [km]."""
    lat = np.linspace(-90.0, 90.0, round(180 / config.dlat_deg) + 1)
    lon = np.linspace(-180.0, 180.0, round(360 / config.dlon_deg) + 1)
    d = config.dalt_km
    lo = max(100.0, math.floor(alt_lo_km / d) * d)
    hi = max(lo + d, math.ceil(alt_hi_km / d) * d)
    alt = np.arange(lo, hi + 0.5 * d, d) * 1e3
    return lat, lon, alt


def trapped_flux(
    solar: str, epoch_iso: str, lat_deg: np.ndarray, lon_deg: np.ndarray, alt_m: np.ndarray
) -> np.ndarray:
    """AE8/AP8 integral fluxes [m-2 s-1] at points (..., n_proton + n_electron), straight
    from ``aep8`` (NaN or outside the model -> 0)."""
    import aep8
    from astropy import units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    loc = EarthLocation.from_geodetic(lon_deg * u.deg, lat_deg * u.deg, alt_m * u.m)
    time = Time(epoch_iso.replace("Z", ""), scale="utc")
    out = []
    coords: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
    for particle, energies in (("p", PROTON_ENERGIES_MEV), ("e", ELECTRON_ENERGIES_MEV)):
        model = aep8.model(particle, solar)
        # AE8 and AP8 share one field model at solar minimum: compute (L, B/B0) once.
        field_model = getattr(model, "_geomag", particle)
        if field_model not in coords:
            lshell, bb0 = model.geomagnetic_coordinates(loc, time)
            coords[field_model] = np.asarray(lshell)[..., None], np.asarray(bb0)[..., None]
        lshell, bb0 = coords[field_model]
        with np.errstate(invalid="ignore"):
            f = model.integral_flux_for_geomagnetic_coordinates(
                lshell, bb0, energies * u.MeV
            ).to_value(u.m**-2 * u.s**-1)
        out.append(np.where(np.isfinite(f) & (f > 0), f, 0.0))
    return np.concatenate(out, axis=-1)


def trapped_tables(solar: str, epoch_iso: str, lat, lon, alt, directory: Path) -> np.ndarray:
    """log10(flux + TINY_FLUX) on the grid (nalt, nlat, nlon, n_energy), cached on disk."""
    import aep8

    key = {
        "model": f"AE8/AP8 {solar}",
        "aep8": getattr(aep8, "__version__", "?"),
        "date": epoch_iso[:10],
        "lat": lat.tolist(),
        "lon": lon.tolist(),
        "alt": alt.tolist(),
        "ep": PROTON_ENERGIES_MEV.tolist(),
        "ee": ELECTRON_ENERGIES_MEV.tolist(),
        "tiny": TINY_FLUX,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = directory / f"aep8-{solar}-{epoch_iso[:10]}-{digest}.npz"
    if path.exists():
        with np.load(path) as data:
            return data["log_flux"]
    aa, la, lo = np.meshgrid(alt, lat, lon, indexing="ij")
    flux = trapped_flux(solar, epoch_iso, la, lo, aa)
    table = np.log10(flux + TINY_FLUX)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(tmp, log_flux=table, key=json.dumps(key))
    os.replace(tmp, path)
    return table


# ---- responses ----------------------------------------------------------------------
def dose_weights(energies: np.ndarray, particle: str) -> np.ndarray:
    """(n_thickness, n_energy) [Gy m2] weights on integral fluxes."""
    samples = _bin_samples(energies)
    out = np.empty((THICKNESS_M.size, energies.size))
    for j, t in enumerate(THICKNESS_M):
        out[j] = dose_per_fluence(samples, t, particle).mean(axis=1)
    return _integral_weights(out)


def see_weights(device: Device, accelerators: int) -> np.ndarray:
    """(3, n_thickness, n_proton) [m2] proton event weights on integral fluxes."""
    samples = _bin_samples(PROTON_ENERGIES_MEV)
    out = np.empty((3, THICKNESS_M.size, PROTON_ENERGIES_MEV.size))
    for k, eff in enumerate(_effects(device)):
        scale = accelerators * (device.sram_bits if eff.per_bit else 1.0)
        for j, t in enumerate(THICKNESS_M):
            e_out = proton_residual_energy(samples, t)
            sig = bendel_cross_section(e_out, eff.proton_threshold_mev, eff.proton_saturation_cm2)
            out[k, j] = scale * 1e-4 * sig.mean(axis=1)
    return _integral_weights(out)


def _effects(device: Device) -> tuple[SeeResponse, SeeResponse, SeeResponse]:
    return device.upset, device.functional_interrupt, device.latchup


def gcr_see_per_flux(device: Device, accelerators: int, solar: str) -> np.ndarray:
    """[m2] event rate per unit GCR flux: Petersen heavy-ion rate in free space divided
    by the free-space flux, plus GCR protons (90 %) at Bendel saturation."""
    f0 = GCR_FREE_FLUX_CM2_S[solar]
    coeff = PETERSEN_GEO_COEFFICIENT * f0 / GCR_FREE_FLUX_CM2_S["min"]
    out = []
    for eff in _effects(device):
        scale = accelerators * (device.sram_bits if eff.per_bit else 1.0)
        ion_rate_s = coeff * eff.ion_saturation_cm2 / eff.l25**2 / 86400.0  # per unit
        per_flux_cm2 = ion_rate_s / f0 + 0.9 * eff.proton_saturation_cm2
        out.append(scale * per_flux_cm2 * 1e-4)
    return np.array(out)


def altitude_range_km(orbits: Any) -> tuple[float, float]:
    """Geodetic altitude range [km] of element sets (perigee over the equator to apogee
    over the poles) or TLE sets."""
    from .constellations import ElementSet

    if isinstance(orbits, ElementSet):
        a, e = orbits.semi_major_axis_m, orbits.eccentricity
        lo = float(np.min(a * (1 - e))) - 6378137.0
        hi = float(np.max(a * (1 + e))) - 6356752.3
        return lo / 1e3, hi / 1e3
    altp = [s.altp for s in orbits.satrecs]
    alta = [s.alta for s in orbits.satrecs]
    return min(altp) * 6378.135 - 30.0, max(alta) * 6378.135 + 40.0


def build_core_config(
    config: RadiationConfig, epoch_iso: str, alt_lo_km: float, alt_hi_km: float
) -> _core.RadiationConfig:
    """Everything the core needs (tables cached on disk)."""
    lat, lon, alt = grid_axes(config, alt_lo_km, alt_hi_km)
    table = trapped_tables(config.solar, epoch_iso, lat, lon, alt, cache_dir(config))
    c = _core.RadiationConfig()
    c.lat0_deg, c.dlat_deg, c.nlat = float(lat[0]), float(config.dlat_deg), lat.size
    c.lon0_deg, c.dlon_deg, c.nlon = float(lon[0]), float(config.dlon_deg), lon.size
    c.alt0_m, c.dalt_m, c.nalt = float(alt[0]), float(config.dalt_km * 1e3), alt.size
    c.n_proton, c.n_electron = PROTON_ENERGIES_MEV.size, ELECTRON_ENERGIES_MEV.size
    c.log_flux = np.ascontiguousarray(table, dtype=np.float64).ravel()
    c.tiny_flux = TINY_FLUX
    c.proton_energy_mev = PROTON_ENERGIES_MEV.copy()
    logt = np.log(THICKNESS_M)
    c.log_thickness0, c.dlog_thickness, c.n_thickness = (
        float(logt[0]),
        float(logt[1] - logt[0]),
        THICKNESS_M.size,
    )
    c.proton_dose_weight = dose_weights(PROTON_ENERGIES_MEV, "p").ravel()
    c.electron_dose_weight = dose_weights(ELECTRON_ENERGIES_MEV, "e").ravel()
    dev = config.device
    c.proton_see_weight = see_weights(dev, config.accelerators).ravel()
    c.gcr_flux_free = GCR_FREE_FLUX_CM2_S[config.solar] * 1e4
    c.gcr_rigidity_scale_gv = GCR_RIGIDITY_SCALE_GV
    c.gcr_dose_per_flux = GCR_STOPPING_MEV_CM2_G * MEV_PER_G_TO_GY * 1e-4
    c.gcr_see_per_flux = gcr_see_per_flux(dev, config.accelerators, config.solar)
    plat, plon = np.radians(DIPOLE_POLE_DEG)
    c.dipole_axis = np.array(
        [np.cos(plat) * np.cos(plon), np.cos(plat) * np.sin(plon), np.sin(plat)]
    )
    c.see_downtime_s = np.array([e.downtime_s for e in _effects(dev)], dtype=np.float64)
    c.uncorrectable_fraction = dev.uncorrectable_fraction
    c.tid_tolerance_gy = dev.tid_tolerance_gy
    c.leakage_per_gy = (dev.leakage_at_tolerance - 1.0) / dev.tid_tolerance_gy
    c.seed = int(config.seed or 0) & 0xFFFFFFFFFFFFFFFF
    c.validate()
    return c


def enable(twin: Twin, fleet: str | Fleet, config: RadiationConfig | None = None) -> Fleet:
    """Adds the radiation model to ``fleet`` (before the twin starts, before ``record``
    and before any watch: it adds channels); sets ``radiation.shield_thickness`` to
    ``config.shield_mm``. Altitudes outside the tabulated shells take the nearest
    shell's flux (the shells span the fleet's perigee to apogee)."""
    from .twin import Fleet

    config = config or RadiationConfig()
    f = fleet if isinstance(fleet, Fleet) else twin.fleet(fleet)
    if twin._core.started or twin._recording is not None or twin._core.watch_count:
        raise ValueError(
            f"radiation on fleet {f.name!r} enabled after the twin started, began "
            "recording or armed a watch; enable it first"
        )
    if config.altitude_km is not None:
        lo, hi = config.altitude_km
    elif f.orbits is not None:
        lo, hi = altitude_range_km(f.orbits)
    else:
        raise ValueError(f"fleet {f.name!r}: give RadiationConfig(altitude_km=(lo, hi))")
    core_cfg = build_core_config(config, twin.epoch.iso, lo, hi)
    _core.enable_radiation(f._core, core_cfg)
    f._channels = {c["name"]: c for c in f._core.channels()}
    f.param("radiation.shield_thickness")[:] = config.shield_mm * 1e-3
    f.radiation = config
    f.radiation_core = core_cfg
    return f


# ---- faults ------------------------------------------------------------------------
def solar_particle_event(
    at: float | str,
    duration: float | str,
    scale: str | float = "S4",
    fleets: Sequence[str] | None = None,
) -> Any:
    """A solar particle event from ``at`` for ``duration``: the >10 MeV intensity outside
    the magnetosphere (``scale`` "S1".."S5" or pfu) on every radiation fleet (or
    ``fleets``), a top-hat profile; logged as ``solar_particle_event``."""
    if isinstance(scale, str):
        if scale not in SPE_SCALES_PFU:
            raise ValueError(f"SPE scale is {scale!r}; allowed: {', '.join(SPE_SCALES_PFU)}")
        pfu = SPE_SCALES_PFU[scale]
    else:
        pfu = float(scale)
        if not (math.isfinite(pfu) and pfu > 0):
            raise ValueError(f"SPE scale is {scale!r}; allowed: S1..S5 or a positive pfu")
    at_ns = duration_ns(at, "SPE time", allow_zero=True)
    dur_ns = duration_ns(duration, "SPE duration")

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        yield sim.at(at_ns / NS_PER_S)
        targets = [
            f
            for f in sim.twin.fleets
            if "radiation.spe_flux" in f.channels and (fleets is None or f.name in fleets)
        ]
        for f in targets:
            f.param("radiation.spe_flux")[:] += pfu * 1e4
            sim.log("solar_particle_event", f.name, (), f"pfu={pfu:g} duration_s={dur_ns / 1e9:g}")
        yield sim.timeout(dur_ns / NS_PER_S)
        for f in targets:
            view = f.param("radiation.spe_flux")
            view[:] = np.maximum(view - pfu * 1e4, 0.0)
            sim.log("solar_particle_event_end", f.name, (), f"pfu={pfu:g}")

    return process


__all__ = [
    "Device",
    "RadiationConfig",
    "SeeResponse",
    "enable",
    "solar_particle_event",
]
