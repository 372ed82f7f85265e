// The flash backend: NAND media (nand_config.h) under an FTL (ftl_config.h) deciding how long
// reads, writes, flushes and deallocations take. Off (the component's default), the media answer
// at memory speed and only the controller's own timing counts; scnvme-sim turns it on with the
// client TLC profile.
#pragma once

#include <cstdint>

#include "scnvme/config_error.h"
#include "scnvme/ftl_config.h"
#include "scnvme/nand_config.h"

namespace scnvme {

/// How the drive is brought to a known state before the host starts.
enum class Precondition : uint8_t {
  None,        // fresh out of the box: nothing mapped, every block erased
  Namespaces,  // one sequential write of the span the namespaces occupy (what a host's prefill of
               // its namespaces does; the rest of the drive stays empty)
  Fill,        // one sequential write of the whole logical capacity
  Steady,      // the fill, then uniform random mapping-unit overwrites (random_capacities x capacity)
};

/// "none", "namespaces", "fill" or "steady" (the CLI value and the report's name).
inline const char* to_string(Precondition p) {
  switch (p) {
    case Precondition::None: return "none";
    case Precondition::Namespaces: return "namespaces";
    case Precondition::Fill: return "fill";
    case Precondition::Steady: return "steady";
  }
  return "none";
}

struct FlashConfig {
  bool enabled = false;
  NandConfig nand;
  FtlConfig ftl;
  /// Power-loss protection (enterprise drives): the write buffer is saved on power loss, so it is
  /// not a volatile write cache: requires ControllerConfig::volatile_write_cache = false, and
  /// writes complete once their data is in the buffer. Without it and without a volatile write
  /// cache (absent or disabled), a write completes once its data is programmed.
  bool power_loss_protection = false;
  Precondition precondition = Precondition::None;
  double precondition_random_capacities = 2.0;  // Steady: overwrites in logical capacities, (0, 100]
  /// Idle time (no host command in the backend) before background garbage collection and pSLC
  /// folding start, 0..10^9 us.
  uint32_t background_idle_us = 200;

  /// Throws ConfigError naming the field ("flash.<key>", "nand.<key>", "ftl.<key>") and its range.
  /// The namespaces' capacity against the FTL's is checked by ControllerConfig::validate().
  void validate() const;
};

}  // namespace scnvme
