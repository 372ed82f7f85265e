#include "controller/sgl_walker.h"

#include <algorithm>

#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;

namespace {

/// One SGL walk. Segments are fetched `fetch_descriptors` at a time and every examined descriptor
/// counts against `max_descriptors`, so work and memory stay bounded whatever the host wrote.
class SglWalk {
 public:
  SglWalk(DmaPort& dma, uint64_t length, bool to_host, const SglLimits& limits, spec::Status length_invalid,
          std::vector<DmaSegment>& out, DmaTimeline* timeline)
      : dma_(dma),
        limits_(limits),
        to_host_(to_host),
        length_invalid_(length_invalid),
        remaining_(length),
        out_(out),
        timeline_(timeline) {}
  ~SglWalk() {
    if (timeline_) timeline_->list_entries += examined_;
  }
  SglWalk(const SglWalk&) = delete;
  SglWalk& operator=(const SglWalk&) = delete;

  /// Walks the SGL whose first descriptor is `first` (SGL Entry 1, or the one descriptor of the
  /// metadata segment at MPTR): that descriptor is the only, hence last, one of its segment.
  spec::Status run(const uint8_t* first) {
    spec::Status s = descriptor(first, /*last_in_segment=*/true, /*in_last_segment=*/false);
    if (!s.ok()) return s;
    std::vector<uint8_t> buf;
    while (next_.present && !satisfied()) {
      const Next seg = next_;
      next_ = Next{};
      for (uint64_t i = 0; i < seg.count && !satisfied();) {
        if (examined_ >= limits_.max_descriptors) return st::kInvalidNumberOfSglDescriptors;
        const uint64_t chunk = std::max<uint32_t>(1, limits_.fetch_descriptors);
        const uint64_t n = std::min({seg.count - i, chunk, uint64_t{limits_.max_descriptors} - examined_});
        buf.resize(n * sgl::kDescriptorSize);
        if (!dma_.read(seg.address + i * sgl::kDescriptorSize, buf.data(), buf.size(), timeline_))
          return st::kDataTransferError;
        for (uint64_t j = 0; j < n && !satisfied(); ++j) {
          ++examined_;
          s = descriptor(buf.data() + j * sgl::kDescriptorSize, i + j == seg.count - 1, seg.last);
          if (!s.ok()) return s;
        }
        i += n;
      }
    }
    // An SGL shorter than the transfer (4.1.2: its Data Block and Bit Bucket lengths shall be at
    // least the amount of data transferred).
    return remaining_ > 0 ? length_invalid_ : st::kSuccess;
  }

 private:
  struct Next {
    bool present = false;
    uint64_t address = 0;
    uint64_t count = 0;  // descriptors in the segment
    bool last = false;   // reached through a Last Segment descriptor
  };

  /// With SGLS bit 18 set, descriptors past the transferred data are not examined (the controller
  /// is not required to examine descriptors not used for the transfer); otherwise the whole SGL is
  /// walked so that any excess length is reported.
  bool satisfied() const { return remaining_ == 0 && limits_.longer_than_transfer; }

  spec::Status descriptor(const uint8_t* d, bool last_in_segment, bool in_last_segment) {
    const uint8_t type = d[15] >> 4;
    const uint8_t sub_type = d[15] & 0xF;
    const uint64_t address = spec::get_le64(d);
    const uint32_t length = spec::get_le32(d + 8);
    // Over PCIe only sub type 0h (Address) exists: 1h (Offset) is reserved, Ah-Fh are transport
    // specific and PCIe defines none. Keyed and Transport Data Blocks are Fabrics-only; 6h-Eh are
    // reserved and Fh vendor specific (unsupported here). All give SGL Descriptor Type Invalid.
    if (sub_type != sgl::kSubTypeAddress) return st::kSglDescriptorTypeInvalid;
    switch (type) {
      case sgl::kDataBlock:
        return data(address, length, false);
      case sgl::kBitBucket:
        if (!limits_.bit_bucket) return st::kSglDescriptorTypeInvalid;
        // In a source buffer (host to controller) a Bit Bucket is treated as if its length were 0.
        return to_host_ ? data(0, length, true) : st::kSuccess;
      case sgl::kSegment:
      case sgl::kLastSegment:
        if (in_last_segment) return st::kInvalidSglSegmentDescriptor;  // a last segment chains on
        if (!last_in_segment) return st::kInvalidNumberOfSglDescriptors;
        // A segment is a non-empty, qword-aligned array of 16-byte descriptors.
        if (length == 0 || length % sgl::kDescriptorSize != 0 || (address & 0x7) != 0)
          return st::kInvalidSglSegmentDescriptor;
        if (wraps(address, length)) return length_invalid_;
        next_ = Next{true, address, length / sgl::kDescriptorSize, type == sgl::kLastSegment};
        return st::kSuccess;
      default:
        return st::kSglDescriptorTypeInvalid;
    }
  }

  spec::Status data(uint64_t address, uint64_t length, bool bit_bucket) {
    if (length == 0) return st::kSuccess;  // a zero-length Data Block / Bit Bucket is valid
    if (!bit_bucket) {
      if (wraps(address, length)) return length_invalid_;
      if (limits_.dword_granularity && ((address | length) & 0x3) != 0) return st::kSglDataBlockGranularityInvalid;
    }
    if (length > remaining_ && !limits_.longer_than_transfer) return length_invalid_;
    const uint64_t take = std::min(length, remaining_);
    if (take == 0) return st::kSuccess;
    DmaSegment* prev = out_.empty() ? nullptr : &out_.back();
    if (prev && prev->bit_bucket == bit_bucket && (bit_bucket || prev->address + prev->length == address))
      prev->length += take;
    else
      out_.push_back({address, take, bit_bucket});
    remaining_ -= take;
    return st::kSuccess;
  }

  /// Address + Length beyond 2^64 (processed as a Data/Metadata SGL Length Invalid error).
  static bool wraps(uint64_t address, uint64_t length) { return length != 0 && address > ~0ull - (length - 1); }

  DmaPort& dma_;
  const SglLimits& limits_;
  const bool to_host_;
  const spec::Status length_invalid_;
  uint64_t remaining_;
  std::vector<DmaSegment>& out_;
  DmaTimeline* timeline_;
  uint64_t examined_ = 1;  // SGL Entry 1 (or the MPTR descriptor) is the first
  Next next_;
};

}  // namespace

spec::Status walk_sgl(DmaPort& dma, const uint8_t descriptor[16], uint64_t length, bool to_host,
                      const SglLimits& limits, std::vector<DmaSegment>& out, DmaTimeline* timeline) {
  out.clear();
  if (length == 0) return st::kSuccess;
  return SglWalk(dma, length, to_host, limits, st::kDataSglLengthInvalid, out, timeline).run(descriptor);
}

spec::Status walk_metadata(DmaPort& dma, uint8_t psdt, uint64_t mptr, uint64_t length, bool to_host,
                           const SglLimits& limits, std::vector<DmaSegment>& out, DmaTimeline* timeline) {
  out.clear();
  if (length == 0) return st::kSuccess;
  switch (psdt) {
    case spec::kPsdtPrp:
      // A contiguous buffer, dword aligned; the controller may report Invalid Field in Command.
      if (mptr & 0x3) return st::kInvalidField;
      out.push_back({mptr, length});
      return st::kSuccess;
    case spec::kPsdtSglContiguousMeta:
      // A contiguous buffer; byte aligned only if SGLS bit 17 says so, else dword aligned.
      if (!limits.metadata_byte_aligned && (mptr & 0x3)) return st::kInvalidField;
      out.push_back({mptr, length});
      return st::kSuccess;
    case spec::kPsdtSglSegmentMeta: {
      // MPTR addresses a qword-aligned SGL segment holding exactly one descriptor, the first of
      // the metadata SGL.
      if (!limits.metadata_sgl || (mptr & 0x7)) return st::kInvalidField;
      uint8_t first[sgl::kDescriptorSize];
      if (!dma.read(mptr, first, sizeof first, timeline)) return st::kDataTransferError;
      return SglWalk(dma, length, to_host, limits, st::kMetadataSglLengthInvalid, out, timeline).run(first);
    }
    default:
      return st::kInvalidField;  // PSDT 11b is reserved
  }
}

}  // namespace scnvme::detail
