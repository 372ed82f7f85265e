// The composite temperature as a first-order thermal model driven by host data movement, evaluated
// lazily: nothing runs per I/O (the controller's SMART data-unit counters are the only input) and
// no periodic process is needed.
//
//   target(t) = ambient + heat x rate,  rate = data read + written by the host (GB/s), averaged
//               over the interval since the previous evaluation
//   T(t1)     = target + (T(t0) - target) x exp(-(t1 - t0) / tau)
//
// An idle controller therefore relaxes back to ambient with time constant tau. The accuracy of the
// piecewise-constant rate depends on how often the temperature is read (each Get Log Page /
// Get Features, and the controller's coarse watch while the temperature moves).
#pragma once

#include <cstdint>

#include <systemc>

#include "scnvme/checkpoint.h"

namespace scnvme::detail {

class ThermalModel {
 public:
  ThermalModel(uint16_t ambient_k, uint32_t heat_k_per_gbps, uint32_t time_constant_ms);

  /// Advances the model to `now`; `host_bytes` is the running total of host data moved (only its
  /// increase since the previous call matters). Returns the temperature in kelvin.
  double update(const sc_core::sc_time& now, uint64_t host_bytes);
  /// The last evaluated temperature, rounded to whole kelvin.
  uint16_t kelvin() const;
  /// True when the last evaluation found the temperature at ambient (within 0.5 K) with no data
  /// moved: nothing will change until I/O resumes.
  bool settled() const { return settled_; }
  /// Power cycle: the device starts cold (at ambient).
  void restart(const sc_core::sc_time& now, uint64_t host_bytes);
  sc_core::sc_time time_constant() const { return tau_; }
  void persist(checkpoint::Archive& a) {
    a.io(temperature_);
    a.io(last_);
    a.io(last_bytes_);
    a.io(settled_);
  }

 private:
  double ambient_, heat_;
  sc_core::sc_time tau_;
  double temperature_;
  sc_core::sc_time last_;
  uint64_t last_bytes_ = 0;
  bool settled_ = true;
};

}  // namespace scnvme::detail
