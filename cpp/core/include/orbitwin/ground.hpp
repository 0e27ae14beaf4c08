// Ground stations and satellite-station visibility.
#pragma once

#include <cstddef>
#include <vector>

namespace orbitwin {

// Ground stations in the Earth-fixed frame, precomputed from geodetic sites.
struct GroundStations {
  std::size_t count = 0;
  std::vector<double> ecef_m;           //!< [m] (S,3) WGS-84 Earth-fixed position
  std::vector<double> up;               //!< [-] (S,3) local vertical (ellipsoid normal)
  std::vector<double> sin_min_elevation;  //!< [-] (S) sine of the elevation mask in use
  std::vector<double> sin_mask_nominal;   //!< [-] (S) sine of the configured mask

  // An out-of-service station sees no satellite (its mask is set above zenith).
  void set_enabled(std::size_t k, bool enabled);

  // Sets the sites: geodetic latitude and longitude [rad], height above the
  // ellipsoid [m] and elevation mask [rad]; throws std::invalid_argument
  // naming the station index, field and value.
  void set(const double* lat_rad, const double* lon_rad, const double* alt_m,
           const double* min_elevation_rad, std::size_t n);
};

}  // namespace orbitwin
