// Preconditioning fast path: the FTL's own write path and garbage collection with no operations
// recorded, the next mapping entries prefetched while the current unit is placed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "backend/ftl/ftl.h"

namespace scnvme::detail::ftl {

PreconditionReport Ftl::precondition(const PreconditionSpec& spec) {
  const auto t0 = std::chrono::steady_clock::now();
  const FtlStats before = stats_;
  PreconditionReport r;
  // The whole logical capacity, or its first `spec.units` (the span the namespaces occupy).
  const uint64_t units = spec.units ? std::min(spec.units, layout_.logical_units) : layout_.logical_units;

  if (spec.sequential_fill) {
    for (uint64_t lba = 0; lba < units; ++lba) write_unit(static_cast<uint32_t>(lba), nullptr, true);
    r.fill_units = units;
  }

  const double want = spec.random_capacities > 0 ? spec.random_capacities * static_cast<double>(units) : 0.0;
  const uint64_t n = static_cast<uint64_t>(std::llround(want));
  std::mt19937_64 rng(spec.seed);
  __extension__ using u128 = unsigned __int128;
  auto draw = [&] { return static_cast<uint32_t>((static_cast<u128>(rng()) * units) >> 64); };
  constexpr uint32_t kAhead = 64;  // mapping entries in flight
  uint32_t ring[kAhead];
  for (uint32_t& x : ring) {
    x = draw();
    map_.prefetch(x);
  }
  FtlStats half = stats_;
  for (uint64_t i = 0; i < n; ++i) {
    if (i == n / 2) half = stats_;
    const uint32_t lba = ring[i % kAhead];
    const uint32_t next = draw();
    ring[i % kAhead] = next;
    map_.prefetch(next);
    write_unit(lba, nullptr, true);
  }
  r.random_units = n;
  for (uint32_t die = 0; die < layout_.dies; ++die) buffer_.flush(Stream::Host, die, OpPurpose::Host, nullptr);

  r.nand_units_programmed = stats_.nand_units_programmed - before.nand_units_programmed;
  r.gc_units_migrated = stats_.gc_units_migrated - before.gc_units_migrated;
  r.blocks_erased = stats_.blocks_erased - before.blocks_erased;
  r.padding_units = stats_.padding_units - before.padding_units;
  r.reverse_scans = stats_.reverse_scans - before.reverse_scans;
  const uint64_t host = stats_.host_units_written - before.host_units_written;
  r.waf = host ? static_cast<double>(r.nand_units_programmed) / static_cast<double>(host) : 0.0;
  const uint64_t steady_host = stats_.host_units_written - half.host_units_written;
  r.steady_waf = steady_host ? static_cast<double>(stats_.nand_units_programmed - half.nand_units_programmed) /
                                   static_cast<double>(steady_host)
                             : 0.0;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.memory_bytes = memory_bytes();
  stats_ = FtlStats{};
  return r;
}

}  // namespace scnvme::detail::ftl
