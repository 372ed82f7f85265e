// PRP (Physical Region Page) walk: turns PRP1/PRP2 and a transfer length into the list of host
// memory segments, fetching PRP lists over DMA (NVMe Base 2.0, 4.1.1). With a timeline, list
// fetches are timed on it (no waiting) and the entries walked are counted there.
#pragma once

#include <cstdint>
#include <vector>

#include "controller/dma_port.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::detail {

struct DmaSegment {
  uint64_t address;
  uint64_t length;
  bool bit_bucket = false;  // SGL Bit Bucket: the host discards these bytes (no DMA; address unused)
};

/// Fills `out` with the segments of a `length`-byte transfer. Returns the NVMe status: PRP Offset
/// Invalid for a misaligned entry, Data Transfer Error when a list cannot be read.
spec::Status walk_prp(DmaPort& dma, uint64_t prp1, uint64_t prp2, uint64_t length, uint64_t page_size,
                      std::vector<DmaSegment>& out, DmaTimeline* timeline = nullptr);

}  // namespace scnvme::detail
