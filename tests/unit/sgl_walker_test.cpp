// Unit tests of the SGL walker (src/controller/sgl_walker.*): SGL Entry 1 and segment chains,
// descriptor types and sub types, Bit Buckets in both directions, length rules, bounded walks of
// malicious chains, DMA failures, and the Metadata Pointer for PSDT 00b/01b/10b (NVMe Base 2.0,
// 4.1.2 and 4.2). The walker runs in a thread spawned into the simulation; SGL segments live in a
// test host memory reached over a TLM socket.
#include <array>
#include <functional>
#include <initializer_list>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "controller/dma_port.h"
#include "controller/prp_walker.h"
#include "controller/sgl_walker.h"
#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_command.h"
#include "scnvme/spec/nvme_status.h"
#include "support/host_memory.h"

namespace spec = scnvme::spec;
namespace st = scnvme::spec::status;
namespace sgl = scnvme::detail::sgl;
using scnvme::detail::DmaPort;
using scnvme::detail::DmaSegment;
using scnvme::detail::SglLimits;

namespace {

using Descriptor = std::array<uint8_t, 16>;

Descriptor desc(uint8_t type, uint64_t address, uint32_t length, uint8_t sub_type = 0) {
  Descriptor d{};
  spec::put_le64(d.data(), address);
  spec::put_le32(d.data() + 8, length);
  d[15] = sgl::identifier(type, sub_type);
  return d;
}
Descriptor data_block(uint64_t address, uint32_t length) { return desc(sgl::kDataBlock, address, length); }
Descriptor bit_bucket(uint32_t length) { return desc(sgl::kBitBucket, 0, length); }
Descriptor segment(uint64_t address, uint32_t count) { return desc(sgl::kSegment, address, count * 16); }
Descriptor last_segment(uint64_t address, uint32_t count) { return desc(sgl::kLastSegment, address, count * 16); }

/// Host memory behind an initiator socket. One per process, shared by the tests run in it (a
/// simulation elaborates once); each test spawns its own thread and resumes the simulation.
class Harness : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Harness> init;
  scnvme::test::HostMemory mem;

  explicit Harness(const sc_core::sc_module_name& n) : sc_module(n), init("init"), mem("mem", kMemSize) {
    init.bind(mem.socket);
  }
  static constexpr std::size_t kMemSize = 1 << 20;
};

Harness& harness() {
  // Deliberately never destroyed: SystemC objects must not outlive the kernel's teardown order.
  static Harness* h = new Harness("sgl");
  return *h;
}

class SglWalker : public ::testing::Test {
 protected:
  void SetUp() override {
    Harness& h = harness();
    std::fill(h.mem.bytes.begin(), h.mem.bytes.end(), uint8_t{0});
    fail(1, 0);
    h.mem.accesses.clear();
  }

  /// Makes host memory answer accesses to [begin, end) with an error. (HostMemory::fail_range
  /// would also invalidate DMI through the socket, which is unusable before elaboration ends.)
  void fail(uint64_t begin, uint64_t end) {
    mem().fail_begin = begin;
    mem().fail_end = end;
  }

  scnvme::test::HostMemory& mem() { return harness().mem; }

  void put(uint64_t at, std::initializer_list<Descriptor> list) {
    for (const auto& d : list) {
      mem().write(at, d.data(), d.size());
      at += d.size();
    }
  }

  /// Runs `walk` with a fresh DmaPort in a simulation thread and returns its status.
  spec::Status run(const std::function<spec::Status(DmaPort&)>& walk) {
    Harness& h = harness();
    spec::Status result{0x7, 0xFF, false, false};
    bool finished = false;
    sc_core::sc_spawn([&] {
      DmaPort dma([&h](tlm::tlm_generic_payload& t, sc_core::sc_time& d) { h.init->b_transport(t, d); },
                  [&h](tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) { return h.init->get_direct_mem_ptr(t, dmi); },
                  [] { return true; });
      result = walk(dma);
      finished = true;
    });
    sc_core::sc_start();
    EXPECT_TRUE(finished);
    return result;
  }

  spec::Status sgl(const Descriptor& first, uint64_t length, bool to_host = true) {
    return run([&](DmaPort& dma) { return walk_sgl(dma, first.data(), length, to_host, limits, out); });
  }

  spec::Status metadata(uint8_t psdt, uint64_t mptr, uint64_t length, bool to_host = true) {
    return run([&](DmaPort& dma) { return walk_metadata(dma, psdt, mptr, length, to_host, limits, out); });
  }

  SglLimits limits;
  std::vector<DmaSegment> out;
};

#define EXPECT_STATUS(expected, actual) EXPECT_PRED_FORMAT2(StatusEq, expected, actual)
::testing::AssertionResult StatusEq(const char*, const char*, spec::Status expected, spec::Status actual) {
  if (expected.is(actual)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected \"" << st::name(expected) << "\", got \"" << st::name(actual)
                                       << "\" (SCT " << int(actual.sct) << " SC 0x" << std::hex << int(actual.sc) << ")";
}

void expect_segments(const std::vector<DmaSegment>& out, std::initializer_list<DmaSegment> expected) {
  ASSERT_EQ(out.size(), expected.size());
  std::size_t i = 0;
  for (const auto& e : expected) {
    EXPECT_EQ(out[i].bit_bucket, e.bit_bucket) << "segment " << i;
    if (!e.bit_bucket) {
      EXPECT_EQ(out[i].address, e.address) << "segment " << i;
    }
    EXPECT_EQ(out[i].length, e.length) << "segment " << i;
    ++i;
  }
}

DmaSegment discard(uint64_t length) { return {0, length, true}; }

// --- SGL Entry 1 alone --------------------------------------------------------------------------

TEST_F(SglWalker, SingleDataBlockDescribesTheWholeTransfer) {
  EXPECT_STATUS(st::kSuccess, sgl(data_block(0x10000, 4096), 4096));
  expect_segments(out, {{0x10000, 4096}});
  EXPECT_TRUE(mem().accesses.empty());  // nothing to fetch
}

TEST_F(SglWalker, ZeroLengthTransferExaminesNothing) {
  EXPECT_STATUS(st::kSuccess, sgl(desc(0xF, 0, 0), 0));  // not even an invalid SGL Entry 1
  EXPECT_TRUE(out.empty());
}

TEST_F(SglWalker, LongerDataBlockIsCutToTheTransferLength) {
  EXPECT_STATUS(st::kSuccess, sgl(data_block(0x10000, 8192), 4096));
  expect_segments(out, {{0x10000, 4096}});
}

TEST_F(SglWalker, LongerDataBlockWithoutSglsBit18IsDataSglLengthInvalid) {
  limits.longer_than_transfer = false;
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(data_block(0x10000, 8192), 4096));
}

TEST_F(SglWalker, ShorterDataBlockIsDataSglLengthInvalid) {
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(data_block(0x10000, 2048), 4096));
}

TEST_F(SglWalker, DataBlockWrappingTheAddressSpaceIsDataSglLengthInvalid) {
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(data_block(~0ull - 100, 4096), 4096));
}

TEST_F(SglWalker, DataBlockEndingExactlyAtTheTopOfTheAddressSpaceIsValid) {
  EXPECT_STATUS(st::kSuccess, sgl(data_block(~0ull - 4095, 4096), 4096));
  expect_segments(out, {{~0ull - 4095, 4096}});
}

TEST_F(SglWalker, DwordGranularityRejectsUnalignedDataBlocks) {
  limits.dword_granularity = true;
  EXPECT_STATUS(st::kSglDataBlockGranularityInvalid, sgl(data_block(0x10002, 4096), 4096));
  EXPECT_STATUS(st::kSglDataBlockGranularityInvalid, sgl(data_block(0x10000, 4097), 4096));
  EXPECT_STATUS(st::kSuccess, sgl(data_block(0x10000, 4096), 4096));
}

TEST_F(SglWalker, ByteGranularityAcceptsUnalignedDataBlocks) {
  EXPECT_STATUS(st::kSuccess, sgl(data_block(0x10003, 101), 101));
  expect_segments(out, {{0x10003, 101}});
}

// --- descriptor types and sub types -------------------------------------------------------------

TEST_F(SglWalker, UnsupportedDescriptorTypesAreSglDescriptorTypeInvalid) {
  // Keyed (4h) and Transport (5h) Data Blocks are Fabrics-only; 6h-Eh reserved; Fh vendor specific.
  for (uint8_t type : {0x4, 0x5, 0x6, 0x9, 0xE, 0xF}) {
    EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(desc(type, 0x10000, 4096), 4096)) << "type " << int(type);
  }
}

TEST_F(SglWalker, NonZeroSubTypeIsSglDescriptorTypeInvalid) {
  // Sub type 1h (Offset) is reserved over PCIe; Ah-Fh are transport specific (none for PCIe).
  for (uint8_t sub : {0x1, 0x2, 0xA, 0xF}) {
    EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(desc(sgl::kDataBlock, 0x10000, 4096, sub), 4096));
    EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(desc(sgl::kSegment, 0x2000, 32, sub), 4096));
    EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(desc(sgl::kBitBucket, 0, 4096, sub), 4096));
  }
}

TEST_F(SglWalker, KeyedDataBlockInsideASegmentIsSglDescriptorTypeInvalid) {
  put(0x2000, {data_block(0x10000, 512), desc(sgl::kKeyedDataBlock, 0x20000, 512)});
  EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(last_segment(0x2000, 2), 1024));
}

// --- segment chains -----------------------------------------------------------------------------

TEST_F(SglWalker, SegmentChainsToLastSegment) {
  put(0x2000, {data_block(0x10000, 512), data_block(0x10200, 512), data_block(0x30000, 0),
               last_segment(0x3000, 2)});
  put(0x3000, {data_block(0x40000, 1024), data_block(0x50000, 1024)});
  EXPECT_STATUS(st::kSuccess, sgl(segment(0x2000, 4), 3072));
  // Adjacent blocks merge; the zero-length Data Block is valid and transfers nothing.
  expect_segments(out, {{0x10000, 1024}, {0x40000, 1024}, {0x50000, 1024}});
}

TEST_F(SglWalker, SegmentChainsThroughSeveralSegments) {
  put(0x2000, {data_block(0x10000, 100), segment(0x3000, 2)});
  put(0x3000, {data_block(0x20000, 100), segment(0x4000, 2)});
  put(0x4000, {data_block(0x30000, 100), last_segment(0x5000, 1)});
  put(0x5000, {data_block(0x40000, 100)});
  EXPECT_STATUS(st::kSuccess, sgl(segment(0x2000, 2), 400));
  expect_segments(out, {{0x10000, 100}, {0x20000, 100}, {0x30000, 100}, {0x40000, 100}});
}

TEST_F(SglWalker, SglEndingBeforeTheTransferIsDataSglLengthInvalid) {
  put(0x2000, {data_block(0x10000, 512), data_block(0x20000, 512)});
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(last_segment(0x2000, 2), 2048));
}

TEST_F(SglWalker, DescriptorsPastTheTransferAreNotFetched) {
  // The transfer ends in the first segment; its chain pointer goes nowhere valid.
  put(0x2000, {data_block(0x10000, 4096), segment(0xFFFF0000, 4)});
  EXPECT_STATUS(st::kSuccess, sgl(segment(0x2000, 2), 4096));
  expect_segments(out, {{0x10000, 4096}});
  EXPECT_EQ(mem().accesses.size(), 1u);
}

TEST_F(SglWalker, ExcessLengthInALaterSegmentWithoutSglsBit18IsDataSglLengthInvalid) {
  limits.longer_than_transfer = false;
  put(0x2000, {data_block(0x10000, 4096), last_segment(0x3000, 2)});
  put(0x3000, {data_block(0x20000, 0), data_block(0x20000, 16)});
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(segment(0x2000, 2), 4096));
  put(0x3000, {data_block(0x20000, 0), data_block(0x20000, 0)});  // zero lengths add nothing
  EXPECT_STATUS(st::kSuccess, sgl(segment(0x2000, 2), 4096));
}

TEST_F(SglWalker, SegmentLengthNotAMultipleOf16IsInvalidSglSegmentDescriptor) {
  put(0x2000, {data_block(0x10000, 4096), data_block(0x20000, 4096)});
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(desc(sgl::kSegment, 0x2000, 24), 4096));
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(desc(sgl::kLastSegment, 0x2000, 17), 4096));
}

TEST_F(SglWalker, ZeroLengthSegmentIsInvalidSglSegmentDescriptor) {
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(desc(sgl::kSegment, 0x2000, 0), 4096));
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(desc(sgl::kLastSegment, 0x2000, 0), 4096));
}

TEST_F(SglWalker, UnalignedSegmentAddressIsInvalidSglSegmentDescriptor) {
  put(0x2004, {data_block(0x10000, 4096)});
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(last_segment(0x2004, 1), 4096));
}

TEST_F(SglWalker, SegmentWrappingTheAddressSpaceIsDataSglLengthInvalid) {
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(last_segment(~0ull - 15 - 8, 2), 4096));
}

TEST_F(SglWalker, LastSegmentContainingASegmentDescriptorIsInvalidSglSegmentDescriptor) {
  put(0x2000, {data_block(0x10000, 512), segment(0x3000, 1)});
  put(0x3000, {data_block(0x20000, 512)});
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(last_segment(0x2000, 2), 1024));
  put(0x2000, {data_block(0x10000, 512), last_segment(0x3000, 1)});
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, sgl(last_segment(0x2000, 2), 1024));
}

TEST_F(SglWalker, SegmentDescriptorBeforeTheEndOfASegmentIsInvalidNumberOfSglDescriptors) {
  put(0x2000, {data_block(0x10000, 512), last_segment(0x3000, 1), data_block(0x20000, 512)});
  put(0x3000, {data_block(0x30000, 512)});
  EXPECT_STATUS(st::kInvalidNumberOfSglDescriptors, sgl(segment(0x2000, 3), 1536));
}

TEST_F(SglWalker, DmaFailureReadingASegmentIsDataTransferError) {
  put(0x2000, {data_block(0x10000, 512), last_segment(0x3000, 1)});
  put(0x3000, {data_block(0x20000, 512)});
  fail(0x3000, 0x3010);
  EXPECT_STATUS(st::kDataTransferError, sgl(segment(0x2000, 2), 1024));
}

TEST_F(SglWalker, SegmentOutsideHostMemoryIsDataTransferError) {
  EXPECT_STATUS(st::kDataTransferError, sgl(last_segment(Harness::kMemSize + 0x1000, 4), 4096));
}

// --- malicious chains stay bounded -------------------------------------------------------------

TEST_F(SglWalker, SegmentPointingToItselfStopsAtTheDescriptorLimit) {
  put(0x2000, {data_block(0x10000, 0), segment(0x2000, 2)});
  EXPECT_STATUS(st::kInvalidNumberOfSglDescriptors, sgl(segment(0x2000, 2), 4096));
  std::size_t fetched = 0;
  for (const auto& a : mem().accesses) fetched += a.length / 16;
  EXPECT_LE(fetched, limits.max_descriptors);
  EXPECT_TRUE(out.empty());
}

TEST_F(SglWalker, OneDescriptorSelfLoopStopsAtASmallLimit) {
  limits.max_descriptors = 16;
  put(0x2000, {segment(0x2000, 1)});
  EXPECT_STATUS(st::kInvalidNumberOfSglDescriptors, sgl(segment(0x2000, 1), 4096));
  EXPECT_EQ(mem().accesses.size(), 15u);  // SGL Entry 1 counts as the first of the 16
}

TEST_F(SglWalker, HugeSegmentIsFetchedInBoundedChunks) {
  // A segment claiming 0xFFFFFFF0 bytes (268 M descriptors) of zero-length Data Blocks.
  EXPECT_STATUS(st::kInvalidNumberOfSglDescriptors, sgl(desc(sgl::kSegment, 0x2000, 0xFFFFFFF0u), 4096));
  for (const auto& a : mem().accesses) EXPECT_LE(a.length, limits.fetch_descriptors * 16u);
  EXPECT_LE(mem().accesses.size(), limits.max_descriptors / limits.fetch_descriptors + 1);
}

TEST_F(SglWalker, ChainWithinTheLimitSucceeds) {
  limits.max_descriptors = 8;
  put(0x2000, {data_block(0x10000, 100), segment(0x3000, 2)});
  put(0x3000, {data_block(0x20000, 100), segment(0x4000, 2)});
  put(0x4000, {data_block(0x30000, 100), last_segment(0x5000, 1)});
  put(0x5000, {data_block(0x40000, 100)});
  EXPECT_STATUS(st::kSuccess, sgl(segment(0x2000, 2), 400));  // 1 + 2 + 2 + 2 + 1 = 8 descriptors
  limits.max_descriptors = 7;
  EXPECT_STATUS(st::kInvalidNumberOfSglDescriptors, sgl(segment(0x2000, 2), 400));
}

// --- Bit Buckets --------------------------------------------------------------------------------

TEST_F(SglWalker, BitBucketInAReadIsADiscardedSegment) {
  put(0x2000, {data_block(0x10000, 512), bit_bucket(256), bit_bucket(256), data_block(0x20000, 512)});
  EXPECT_STATUS(st::kSuccess, sgl(last_segment(0x2000, 4), 1536, /*to_host=*/true));
  expect_segments(out, {{0x10000, 512}, discard(512), {0x20000, 512}});
}

TEST_F(SglWalker, BitBucketAsSglEntry1DiscardsTheWholeRead) {
  EXPECT_STATUS(st::kSuccess, sgl(bit_bucket(4096), 4096, /*to_host=*/true));
  expect_segments(out, {discard(4096)});
}

TEST_F(SglWalker, BitBucketInAWriteHasNoEffect) {
  // In a source buffer a Bit Bucket is treated as if its Length were 0: not counted, no status.
  put(0x2000, {data_block(0x10000, 512), bit_bucket(512), data_block(0x20000, 512)});
  EXPECT_STATUS(st::kSuccess, sgl(last_segment(0x2000, 3), 1024, /*to_host=*/false));
  expect_segments(out, {{0x10000, 512}, {0x20000, 512}});
  EXPECT_STATUS(st::kDataSglLengthInvalid, sgl(last_segment(0x2000, 3), 1536, /*to_host=*/false));
}

TEST_F(SglWalker, UnsupportedBitBucketIsSglDescriptorTypeInvalid) {
  limits.bit_bucket = false;
  put(0x2000, {data_block(0x10000, 512), bit_bucket(512)});
  EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(last_segment(0x2000, 2), 1024, true));
  EXPECT_STATUS(st::kSglDescriptorTypeInvalid, sgl(last_segment(0x2000, 2), 512 + 1, false));
}

// --- metadata (MPTR) ----------------------------------------------------------------------------

TEST_F(SglWalker, MetadataPsdt00IsADwordAlignedContiguousBuffer) {
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtPrp, 0x8000, 64));
  expect_segments(out, {{0x8000, 64}});
  EXPECT_STATUS(st::kInvalidField, metadata(spec::kPsdtPrp, 0x8002, 64));
}

TEST_F(SglWalker, MetadataPsdt01IsAContiguousBufferAtMptr) {
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtSglContiguousMeta, 0x8001, 64));  // SGLS bit 17 set
  expect_segments(out, {{0x8001, 64}});
  EXPECT_TRUE(mem().accesses.empty());
  limits.metadata_byte_aligned = false;
  EXPECT_STATUS(st::kInvalidField, metadata(spec::kPsdtSglContiguousMeta, 0x8001, 64));
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtSglContiguousMeta, 0x8004, 64));
}

TEST_F(SglWalker, MetadataPsdt10PointsToOneDataBlockDescriptor) {
  put(0x6000, {data_block(0x9000, 64)});
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
  expect_segments(out, {{0x9000, 64}});
  ASSERT_EQ(mem().accesses.size(), 1u);
  EXPECT_EQ(mem().accesses[0].address, 0x6000u);
  EXPECT_EQ(mem().accesses[0].length, 16u);
}

TEST_F(SglWalker, MetadataPsdt10DescriptorMayChainToALastSegment) {
  put(0x6000, {last_segment(0x7000, 2)});
  put(0x7000, {data_block(0x9000, 32), data_block(0xA000, 32)});
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
  expect_segments(out, {{0x9000, 32}, {0xA000, 32}});
}

TEST_F(SglWalker, MetadataSglShorterThanTheMetadataIsMetadataSglLengthInvalid) {
  put(0x6000, {data_block(0x9000, 32)});
  EXPECT_STATUS(st::kMetadataSglLengthInvalid, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
  limits.longer_than_transfer = false;
  put(0x6000, {data_block(0x9000, 128)});
  EXPECT_STATUS(st::kMetadataSglLengthInvalid, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
}

TEST_F(SglWalker, MetadataPsdt10StatusesFollowTheSglRules) {
  put(0x6000, {desc(sgl::kKeyedDataBlock, 0x9000, 64)});
  EXPECT_STATUS(st::kSglDescriptorTypeInvalid, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
  put(0x6000, {desc(sgl::kLastSegment, 0x7000, 20)});
  EXPECT_STATUS(st::kInvalidSglSegmentDescriptor, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
  put(0x6000, {data_block(~0ull - 10, 64)});
  EXPECT_STATUS(st::kMetadataSglLengthInvalid, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
}

TEST_F(SglWalker, MetadataPsdt10RequiresAQwordAlignedMptr) {
  put(0x6000, {data_block(0x9000, 64)});
  EXPECT_STATUS(st::kInvalidField, metadata(spec::kPsdtSglSegmentMeta, 0x6004, 64));
}

TEST_F(SglWalker, MetadataPsdt10UnsupportedOrReservedPsdtIsInvalidField) {
  limits.metadata_sgl = false;
  put(0x6000, {data_block(0x9000, 64)});
  EXPECT_STATUS(st::kInvalidField, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
  EXPECT_STATUS(st::kInvalidField, metadata(3, 0x6000, 64));
}

TEST_F(SglWalker, MetadataPsdt10DmaFailureIsDataTransferError) {
  fail(0x6000, 0x6010);
  EXPECT_STATUS(st::kDataTransferError, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64));
}

TEST_F(SglWalker, MetadataBitBucketDependsOnDirection) {
  put(0x6000, {last_segment(0x7000, 2)});
  put(0x7000, {bit_bucket(32), data_block(0xA000, 32)});
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64, /*to_host=*/true));
  expect_segments(out, {discard(32), {0xA000, 32}});
  EXPECT_STATUS(st::kMetadataSglLengthInvalid, metadata(spec::kPsdtSglSegmentMeta, 0x6000, 64, false));
}

TEST_F(SglWalker, ZeroLengthMetadataReadsNothing) {
  EXPECT_STATUS(st::kSuccess, metadata(spec::kPsdtSglSegmentMeta, 0x6003, 0));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(mem().accesses.empty());
}

// --- the Identify Controller SGLS field the limits stand for ---------------------------------------

TEST(SglLimits, SglsFieldMatchesTheSettings) {
  SglLimits l;
  EXPECT_EQ(l.sgls(), 0x000F0001u);  // byte granularity, bit bucket, MBA, LLDTS, MSDS
  l.dword_granularity = true;
  l.bit_bucket = l.metadata_byte_aligned = l.longer_than_transfer = l.metadata_sgl = false;
  EXPECT_EQ(l.sgls(), 0x00000002u);
}

}  // namespace

// ---- PRP lists (prp_walker.h) ----

TEST_F(SglWalker, PrpListChainsThroughAZeroOffsetPointer) {
  // 4 KiB pages, 5 data pages after PRP1: a list at 0x1FF0 holds two entries (one data page,
  // then the pointer to the next list page at 0x3000, which holds the remaining four).
  const uint64_t l1[] = {0x10000, 0x3000};
  const uint64_t l2[] = {0x11000, 0x12000, 0x13000, 0x14000};
  mem().write(0x1FF0, l1, sizeof l1);
  mem().write(0x3000, l2, sizeof l2);
  EXPECT_STATUS(st::kSuccess, run([&](DmaPort& dma) { return scnvme::detail::walk_prp(dma, 0x8000, 0x1FF0, 6 * 4096, 4096, out); }));
  expect_segments(out, {{0x8000, 4096}, {0x10000, 5 * 4096}});
}

// Found by fuzz_walkers: a list starting in the last dword of its page has no whole entry there
// (the walker read a zero-length page and then ran past it).
TEST_F(SglWalker, PrpListInThePagesLastDwordIsRefused) {
  EXPECT_STATUS(st::kPrpOffsetInvalid,
                run([&](DmaPort& dma) { return scnvme::detail::walk_prp(dma, 0x8000, 0x1FFC, 4 * 4096, 4096, out); }));
}

// A PRP List pointer inside a list must have a zero offset; one pointing back into its own page
// (a loop that never covers the data) is refused instead of walked forever.
TEST_F(SglWalker, ChainedPrpListPointerWithAnOffsetIsRefused) {
  const uint64_t self = 0x1FF8;
  mem().write(0x1FF8, &self, sizeof self);
  EXPECT_STATUS(st::kPrpOffsetInvalid,
                run([&](DmaPort& dma) { return scnvme::detail::walk_prp(dma, 0x8000, 0x1FF8, 4 * 4096, 4096, out); }));
}
