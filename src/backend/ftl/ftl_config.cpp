// FtlConfig::validate(): each field against its accepted range, named "ftl.<key>".
#include "scnvme/ftl_config.h"

#include <string>

namespace scnvme {
namespace {

void check_range(const char* field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value < lo || value > hi) {
    throw ConfigError(field, "value " + std::to_string(value) + " is out of range [" + std::to_string(lo) +
                                 ", " + std::to_string(hi) + "]");
  }
}

bool is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

void FtlConfig::validate() const {
  if (!is_pow2(mapping_unit_bytes) || mapping_unit_bytes < 512 || mapping_unit_bytes > 65536) {
    throw ConfigError("ftl.mapping_unit_bytes",
                      "must be a power of two in [512, 65536]; got " + std::to_string(mapping_unit_bytes));
  }
  check_range("ftl.over_provisioning_permille", over_provisioning_permille, 1, 1000);
  check_range("ftl.gc_foreground_free_blocks", gc_foreground_free_blocks, 2, 1024);
  if (gc_background_free_blocks < gc_foreground_free_blocks || gc_background_free_blocks > 4096) {
    throw ConfigError("ftl.gc_background_free_blocks",
                      "value " + std::to_string(gc_background_free_blocks) + " is out of range [" +
                          std::to_string(gc_foreground_free_blocks) + " (gc_foreground_free_blocks), 4096]");
  }
  check_range("ftl.write_buffer_program_units", write_buffer_program_units, 1, 65536);
  check_range("ftl.slc_cache_permille", slc_cache_permille, 0, 1000);
  if (fold_policy != FoldPolicy::Idle && fold_policy != FoldPolicy::WhenFull) {
    throw ConfigError("ftl.fold_policy", "must be Idle or WhenFull");
  }
  if (mapping_cache_entries != 0) check_range("ftl.mapping_cache_entries", mapping_cache_entries, 1, 1ull << 40);
  if (reverse_map != ReverseMap::Table && reverse_map != ReverseMap::Scan) {
    throw ConfigError("ftl.reverse_map", "must be Table or Scan");
  }
}

}  // namespace scnvme
