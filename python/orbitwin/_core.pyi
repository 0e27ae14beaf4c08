"""Type stubs for orbitwin._core, the compiled core (checked against the build by
tests/test_stubs.py)."""

import enum
from typing import Any

import numpy as np
import numpy.typing as npt

openmp: bool

class OrbitSource(enum.Enum):
    MEAN_ELEMENTS = 0
    EPHEMERIS = 1
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class StopReason(enum.Enum):
    REACHED = 0
    RECORDER_FULL = 1
    EPHEMERIS_NEEDED = 2
    WATCH = 3
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class WatchOp(enum.Enum):
    LT = 0
    LE = 1
    GT = 2
    GE = 3
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class AdvanceResult:
    @property
    def time_ns(self) -> int: ...
    @property
    def reason(self) -> StopReason: ...
    @property
    def steps(self) -> int: ...

class Fleet:
    @property
    def name(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def orbit_source(self) -> OrbitSource: ...
    @property
    def max_eccentricity(self) -> float: ...
    @property
    def ephemeris_capacity(self) -> int: ...
    @property
    def ephemeris_count(self) -> int: ...
    def channels(self) -> list[dict[str, Any]]: ...
    def view(self, name: str) -> npt.NDArray[Any]: ...
    def set_mean_elements(
        self,
        semi_major_axis_m: npt.NDArray[np.float64],
        eccentricity: npt.NDArray[np.float64],
        inclination_rad: npt.NDArray[np.float64],
        raan_rad: npt.NDArray[np.float64],
        arg_perigee_rad: npt.NDArray[np.float64],
        mean_anomaly_rad: npt.NDArray[np.float64],
    ) -> None: ...
    def set_ephemeris_count(self, count: int) -> None: ...
    def attach_thermal_power(self, design: ThermalPowerDesign) -> None: ...
    @property
    def has_thermal_power(self) -> bool: ...
    def attach_compute(self, fields: dict[str, float | int]) -> None: ...
    @property
    def has_compute(self) -> bool: ...
    def set_demand_grid(self, grid: npt.NDArray[np.float64]) -> None: ...
    def ephemeris_buffers(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

class ThermalPowerDesign:
    """A fleet's thermal network and power system as the core takes it (SI units)."""
    def __init__(self) -> None: ...
    array_age_years: float
    array_area_m2: float
    array_axis_body: tuple[float, float, float]
    array_degradation_per_year: float
    array_efficiency: float
    array_node: int
    array_normal_body: tuple[float, float, float]
    array_reference_temperature_k: float
    array_temperature_coefficient: float
    array_tracking: int
    battery_capacity_j: float
    battery_charge_efficiency: float
    battery_discharge_efficiency: float
    battery_initial_soc: float
    battery_max_charge_w: float
    battery_max_discharge_w: float
    battery_node: int
    battery_soc_floor: float
    bus_node: int
    bus_power_w: float
    face_absorptivity: list[float]
    face_area_m2: list[float]
    face_emissivity: list[float]
    face_mount: list[int]
    face_node: list[int]
    face_normal_body: list[float]
    face_radiator: list[int]
    heater_node: list[int]
    heater_off_above_k: list[float]
    heater_on_below_k: list[float]
    heater_power_w: list[float]
    heater_priority: int
    heater_restore_soc: float
    heater_shed_soc: float
    link_conductance_w_k: list[float]
    link_node_a: list[int]
    link_node_b: list[int]
    node_capacity_j_k: list[float]
    node_initial_temperature_k: list[float]
    payload_node: int
    payload_power_w: float
    payload_priority: int
    payload_restore_soc: float
    payload_shed_soc: float
    radiator_emissivity: float
    def validate(self) -> None: ...

class Twin:
    def __init__(self, epoch_jd_whole: float, epoch_jd_fraction: float, step_ns: int) -> None: ...
    def add_fleet(
        self, name: str, n_sat: int, source: OrbitSource, ephemeris_capacity: int = 0
    ) -> Fleet: ...
    @property
    def fleet_count(self) -> int: ...
    def fleet(self, index: int) -> Fleet: ...
    @property
    def time_ns(self) -> int: ...
    @property
    def step_ns(self) -> int: ...
    @property
    def started(self) -> bool: ...
    threads: int
    def plan_steps(self, until_ns: int, max_steps: int) -> npt.NDArray[np.int64]: ...
    def start(self) -> bool: ...
    def advance(self, until_ns: int) -> AdvanceResult: ...
    def attach_recorder(
        self,
        cadence_ns: int,
        frame_times: npt.NDArray[np.int64],
        sinks: list[tuple[int, str, npt.NDArray[Any]] | tuple[int, str, npt.NDArray[Any], bool]],
    ) -> None: ...
    def detach_recorder(self) -> None: ...
    def set_ground_stations(
        self,
        latitude_rad: npt.NDArray[np.float64],
        longitude_rad: npt.NDArray[np.float64],
        altitude_m: npt.NDArray[np.float64],
        min_elevation_rad: npt.NDArray[np.float64],
    ) -> None: ...
    def set_station_enabled(self, index: int, enabled: bool) -> None: ...
    @property
    def station_count(self) -> int: ...
    def add_watch(self, fleet: int, channel: str, op: WatchOp, threshold: float) -> int: ...
    def remove_watch(self, id: int) -> None: ...
    @property
    def watch_count(self) -> int: ...
    def watch_hits(self) -> list[tuple[int, npt.NDArray[np.int64]]]: ...
    @property
    def recorded_frames(self) -> int: ...
    def clear_recorded(self) -> None: ...
    def sun_direction(self, time_ns: int) -> tuple[float, float, float]: ...

environment: dict[str, float]

def plate_view_factor(
    cos_nadir: npt.NDArray[np.float64], h: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]: ...
def gmst(jd_whole: npt.ArrayLike, jd_fraction: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
def solve_kepler(
    mean_anomaly_rad: npt.ArrayLike, eccentricity: npt.ArrayLike
) -> npt.NDArray[np.float64]: ...
def j2_secular_rates(
    semi_major_axis_m: float, eccentricity: float, inclination_rad: float
) -> tuple[float, float, float]: ...
def sun_ephemeris(jd_whole: float, jd_fraction: float = 0.0) -> dict[str, Any]: ...
def illuminated_fraction(
    position_m: npt.NDArray[np.float64], sun_m: npt.ArrayLike
) -> npt.NDArray[np.float64]: ...

class fastmath:  # a submodule at run time
    @staticmethod
    def sincos(
        x: npt.ArrayLike,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    @staticmethod
    def atan2(y: npt.ArrayLike, x: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    @staticmethod
    def asin(x: npt.ArrayLike) -> npt.NDArray[np.float64]: ...

# ---- radiation (bind_radiation.cpp) ----
STATUS_SEE_OUTAGE: int
STATUS_TID_FAILED: int

class RadiationConfig:
    def __init__(self) -> None: ...
    lat0_deg: float
    dlat_deg: float
    nlat: int
    lon0_deg: float
    dlon_deg: float
    nlon: int
    alt0_m: float
    dalt_m: float
    nalt: int
    n_proton: int
    n_electron: int
    tiny_flux: float
    log_thickness0: float
    dlog_thickness: float
    n_thickness: int
    gcr_flux_free: float
    gcr_rigidity_scale_gv: float
    gcr_dose_per_flux: float
    uncorrectable_fraction: float
    tid_tolerance_gy: float
    leakage_per_gy: float
    seed: int
    log_flux: npt.NDArray[np.float64]
    proton_energy_mev: npt.NDArray[np.float64]
    proton_dose_weight: npt.NDArray[np.float64]
    electron_dose_weight: npt.NDArray[np.float64]
    proton_see_weight: npt.NDArray[np.float64]
    gcr_see_per_flux: npt.NDArray[np.float64]
    dipole_axis: npt.NDArray[np.float64]
    see_downtime_s: npt.NDArray[np.float64]
    def validate(self) -> None: ...

def enable_radiation(fleet: Fleet, config: RadiationConfig) -> None: ...
def radiation_interpolate(
    config: RadiationConfig,
    lat_deg: npt.NDArray[np.float64],
    lon_deg: npt.NDArray[np.float64],
    alt_m: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]: ...
def radiation_uniform(
    seed: int,
    fleet: str,
    satellite: npt.NDArray[np.int64],
    t_s: npt.NDArray[np.float64],
    stream: int,
) -> npt.NDArray[np.float64]: ...
def radiation_exp10(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
