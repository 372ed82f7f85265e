// Read retries drawn from a seeded generator: each read attempt fails with the block's retry
// probability (NandTiming::retry_probability) and is retried, up to read_retry_max retries.
// The same seed and the same sequence of draws give the same retries.
#pragma once

#include <cstdint>
#include <random>

#include "backend/nand/nand_timing.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::nand {

class ReadRetry {
 public:
  /// Checkpoints (backend/flash/flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);
  ReadRetry(const NandConfig& cfg, uint64_t seed) : timing_(cfg), max_(cfg.read_retry_max), rng_(seed) {}

  /// The number of retries of one read of a block with `pe_cycles` P/E cycles.
  uint32_t draw(uint32_t pe_cycles) {
    const double p = timing_.retry_probability(pe_cycles);
    if (p <= 0.0) return 0;  // no draw: a retry-free configuration consumes no random numbers
    uint32_t retries = 0;
    while (retries < max_ && uniform() < p) ++retries;
    return retries;
  }

 private:
  /// Uniform in [0, 1) from the top 53 bits (the same on every standard library).
  double uniform() { return double(rng_() >> 11) * (1.0 / 9007199254740992.0); }

  NandTiming timing_;
  uint32_t max_;
  std::mt19937_64 rng_;
};

}  // namespace scnvme::nand
