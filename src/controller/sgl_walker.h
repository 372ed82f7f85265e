// SGL (Scatter Gather List) walk: turns SGL Entry 1 (SQE bytes 39:24) or the Metadata Pointer and a
// transfer length into the list of host memory segments, fetching SGL segments over DMA
// (NVMe Base 2.0, 4.1.2 "Scatter Gather List (SGL)"; 4.2 Common Command Format for PSDT/MPTR;
// 4.6.1 for the status codes). The walk is bounded: a host cannot make it loop or allocate without
// limit. With a timeline, segment fetches are timed on it (no waiting) and the descriptors
// examined are counted there.
#pragma once

#include <cstdint>
#include <vector>

#include "controller/dma_port.h"
#include "controller/prp_walker.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::detail {

/// SGL descriptor types (SGL Identifier bits 7:4) and the one sub type NVMe over PCIe defines.
namespace sgl {
constexpr uint32_t kDescriptorSize = 16;
constexpr uint8_t kDataBlock = 0x0;
constexpr uint8_t kBitBucket = 0x1;
constexpr uint8_t kSegment = 0x2;
constexpr uint8_t kLastSegment = 0x3;
constexpr uint8_t kKeyedDataBlock = 0x4;
constexpr uint8_t kTransportDataBlock = 0x5;
constexpr uint8_t kSubTypeAddress = 0x0;
constexpr uint8_t identifier(uint8_t type, uint8_t sub_type = kSubTypeAddress) {
  return static_cast<uint8_t>((type << 4) | (sub_type & 0xF));
}
}  // namespace sgl

/// What the controller supports (the Identify Controller SGLS field) and how far it walks.
struct SglLimits {
  /// Descriptors examined per SGL, SGL Entry 1 and every fetched descriptor included. Bounds the
  /// walk (a segment that points to itself ends here) and the size of the segment list.
  uint32_t max_descriptors = 4096;
  /// Descriptors fetched per DMA read of a segment: the walker's buffer is this many x 16 bytes,
  /// whatever length a Segment descriptor claims.
  uint32_t fetch_descriptors = 256;
  bool bit_bucket = true;             // SGLS bit 16: SGL Bit Bucket descriptor supported
  bool metadata_byte_aligned = true;  // SGLS bit 17: byte aligned MPTR buffer for PSDT 01b
  bool longer_than_transfer = true;   // SGLS bit 18: an SGL may describe more than is transferred
  bool metadata_sgl = true;           // SGLS bit 19: PSDT 10b (MPTR addresses an SGL segment)
  bool dword_granularity = false;     // SGLS bits 1:0 = 10b instead of 01b

  /// The SGLS field (Identify Controller bytes 539:536) that matches these settings.
  uint32_t sgls() const {
    return (dword_granularity ? 2u : 1u) | (bit_bucket ? 1u << 16 : 0u) | (metadata_byte_aligned ? 1u << 17 : 0u) |
           (longer_than_transfer ? 1u << 18 : 0u) | (metadata_sgl ? 1u << 19 : 0u);
  }
};

/// Fills `out` with the segments of a `length`-byte data transfer described by the SGL whose first
/// descriptor is `descriptor` (SQE bytes 39:24). `to_host` is the direction (a read): only then do
/// Bit Bucket descriptors count, as segments with bit_bucket set. Returns the NVMe status.
spec::Status walk_sgl(DmaPort& dma, const uint8_t descriptor[16], uint64_t length, bool to_host,
                      const SglLimits& limits, std::vector<DmaSegment>& out, DmaTimeline* timeline = nullptr);

/// Fills `out` with the segments of a `length`-byte separate metadata transfer addressed by MPTR,
/// interpreted according to PSDT: 00b/01b a contiguous buffer at MPTR, 10b an SGL segment holding
/// exactly one SGL descriptor. Returns the NVMe status.
spec::Status walk_metadata(DmaPort& dma, uint8_t psdt, uint64_t mptr, uint64_t length, bool to_host,
                           const SglLimits& limits, std::vector<DmaSegment>& out, DmaTimeline* timeline = nullptr);

}  // namespace scnvme::detail
