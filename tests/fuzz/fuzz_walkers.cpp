// Fuzz target: the PRP and SGL walkers on their own (src/controller/prp_walker.h, sgl_walker.h,
// NVMe Base 2.0 4.1.1 and 4.1.2), with host memory (PRP lists, SGL segments) from the input.
// Input: a 48-byte header (PRP1, PRP2, transfer length, SGL Entry 1, page-size and direction
// choices, metadata PSDT and MPTR), then the first 64 KiB of host memory. Invariants: the walk
// ends (bounded chains), a successful walk covers exactly the transfer length with segments
// (data or bit buckets), and a refused walk says why with an NVMe status.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "controller/dma_port.h"
#include "controller/prp_walker.h"
#include "controller/sgl_walker.h"
#include "scnvme/spec/endian.h"
#include "support/host_memory.h"

namespace spec = scnvme::spec;
using scnvme::detail::DmaPort;
using scnvme::detail::DmaSegment;

namespace {

constexpr std::size_t kMemSize = 1 << 20;  // host memory: 1 MiB at bus address 0
constexpr std::size_t kHeader = 48;

class Harness : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Harness> init;
  scnvme::test::HostMemory mem;
  explicit Harness(const sc_core::sc_module_name& n) : sc_module(n), init("init"), mem("mem", kMemSize) { init.bind(mem.socket); }
};

Harness& harness() {
  static Harness* h = new Harness("fuzz");  // SystemC elaborates once per process; never destroyed
  return *h;
}

/// A successful walk: non-empty segments covering `length` bytes exactly (data addresses are the
/// host's business: a DMA to a bad one fails when it happens).
void check_segments(const std::vector<DmaSegment>& out, uint64_t length) {
  uint64_t total = 0;
  for (const DmaSegment& s : out) {
    if (s.length == 0) std::abort();
    total += s.length;
  }
  if (total != length) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeader) return 0;
  Harness& h = harness();
  std::fill(h.mem.bytes.begin(), h.mem.bytes.end(), uint8_t{0});
  std::memcpy(h.mem.bytes.data(), data + kHeader, std::min<std::size_t>(size - kHeader, 64 * 1024));
  const uint64_t prp1 = spec::get_le64(data), prp2 = spec::get_le64(data + 8);
  // Up to 2 MiB: beyond host memory as well as long lists and chains.
  const uint64_t length = spec::get_le32(data + 16) % (2u << 20) + 1;
  uint8_t sgl1[16];
  std::memcpy(sgl1, data + 20, 16);
  const uint64_t page_size = uint64_t{4096} << (data[36] % 5);
  const bool to_host = data[37] & 1;
  const uint8_t psdt = data[38] % 4;
  const uint64_t mptr = spec::get_le64(data + 40);
  bool finished = false;
  sc_core::sc_spawn([&] {
    DmaPort dma([&h](tlm::tlm_generic_payload& t, sc_core::sc_time& d) { h.init->b_transport(t, d); },
                [&h](tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) { return h.init->get_direct_mem_ptr(t, dmi); },
                [] { return true; });
    std::vector<DmaSegment> out;
    if (scnvme::detail::walk_prp(dma, prp1, prp2, length, page_size, out).ok()) check_segments(out, length);
    out.clear();
    scnvme::detail::SglLimits limits;
    if (scnvme::detail::walk_sgl(dma, sgl1, length, to_host, limits, out).ok()) check_segments(out, length);
    out.clear();
    if (scnvme::detail::walk_metadata(dma, psdt, mptr, length % 65536 + 1, to_host, limits, out).ok())
      check_segments(out, length % 65536 + 1);
    finished = true;
  });
  sc_core::sc_start();
  if (!finished) std::abort();  // the walk must end
  return 0;
}
