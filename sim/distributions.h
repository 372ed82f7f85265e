// Where a random job's next I/O lands: fio's random_distribution over the job's block range
// (uniform, zipf:θ, pareto:h, normal:σ), drawn from the job's seeded generator.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "scnvme/checkpoint.h"

namespace scnvme::sim {

struct Distribution {
  enum class Kind { Random, Zipf, Pareto, Normal };
  Kind kind = Kind::Random;
  double param = 0;  // zipf: θ > 0; pareto: h in (0, 1); normal: σ in percent of the range (0, 100]
};

/// Parses "random", "zipf:1.2", "pareto:0.3", "normal:10". False with `why` (the accepted forms).
bool parse_distribution(const std::string& text, Distribution& out, std::string& why);
std::string distribution_name(const Distribution& d);

/// Draws block indices in [0, blocks). Zipf and pareto ranks are scattered over the range by a
/// fixed permutation (as fio hashes them), so the hot blocks are not all at its start; normal is
/// centred on the middle of the range.
class BlockPicker {
 public:
  BlockPicker(const Distribution& d, uint64_t blocks, uint64_t seed);
  uint64_t next(std::mt19937_64& rng);
  /// The block a zipf/pareto rank (0 = hottest) maps to; identity for the other kinds.
  uint64_t block_of_rank(uint64_t rank) const;
  /// Checkpoints: the normal distribution's saved value (the rest follows the constructor's arguments).
  void persist(checkpoint::Archive& a);

 private:
  double uniform(std::mt19937_64& rng) const { return (rng() >> 11) * 0x1.0p-53; }
  uint64_t zipf_rank(std::mt19937_64& rng) const;

  Distribution d_;
  uint64_t n_;
  uint64_t mult_ = 1, off_ = 0;                           // rank -> block permutation
  double h_x1_ = 0, h_n_ = 0, s_ = 0, sv_ = 0;              // zipf rejection-inversion constants
  double pareto_pow_ = 1;
  std::normal_distribution<double> normal_{0.0, 1.0};
};

}  // namespace scnvme::sim
