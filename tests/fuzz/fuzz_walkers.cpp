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

/// One input's walk parameters.
struct Walk {
  uint64_t prp1 = 0, prp2 = 0, length = 0, page_size = 4096, mptr = 0;
  uint8_t sgl1[16] = {};
  bool to_host = false;
  uint8_t psdt = 0;
};

void walk(scnvme::detail::DmaPort& dma, const Walk& w);

/// Host memory and one thread that walks each input in turn (a thread per input would cost a
/// stack each time: the process's memory grew with every input).
class Harness : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Harness> init;
  scnvme::test::HostMemory mem;
  Walk next;
  bool pending = false, finished = false;
  sc_core::sc_event go;

  explicit Harness(const sc_core::sc_module_name& n) : sc_module(n), init("init"), mem("mem", kMemSize) {
    init.bind(mem.socket);
    SC_HAS_PROCESS(Harness);
    SC_THREAD(run);
  }

 private:
  void run() {
    DmaPort dma([this](tlm::tlm_generic_payload& t, sc_core::sc_time& d) { init->b_transport(t, d); },
                [this](tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) { return init->get_direct_mem_ptr(t, dmi); },
                [] { return true; });
    for (;;) {
      if (!pending) {
        sc_core::wait(go);
        continue;
      }
      pending = false;
      walk(dma, next);
      finished = true;
    }
  }
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

void walk(DmaPort& dma, const Walk& w) {
  std::vector<DmaSegment> out;
  if (scnvme::detail::walk_prp(dma, w.prp1, w.prp2, w.length, w.page_size, out).ok()) check_segments(out, w.length);
  out.clear();
  scnvme::detail::SglLimits limits;
  if (scnvme::detail::walk_sgl(dma, w.sgl1, w.length, w.to_host, limits, out).ok()) check_segments(out, w.length);
  out.clear();
  if (scnvme::detail::walk_metadata(dma, w.psdt, w.mptr, w.length % 65536 + 1, w.to_host, limits, out).ok())
    check_segments(out, w.length % 65536 + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeader) return 0;
  Harness& h = harness();
  std::fill(h.mem.bytes.begin(), h.mem.bytes.end(), uint8_t{0});
  h.mem.accesses.clear();  // the memory's access log would grow with every input
  std::memcpy(h.mem.bytes.data(), data + kHeader, std::min<std::size_t>(size - kHeader, 64 * 1024));
  Walk& w = h.next;
  w.prp1 = spec::get_le64(data);
  w.prp2 = spec::get_le64(data + 8);
  // Up to 2 MiB: beyond host memory as well as long lists and chains.
  w.length = spec::get_le32(data + 16) % (2u << 20) + 1;
  std::memcpy(w.sgl1, data + 20, 16);
  w.page_size = uint64_t{4096} << (data[36] % 5);
  w.to_host = data[37] & 1;
  w.psdt = data[38] % 4;
  w.mptr = spec::get_le64(data + 40);
  h.pending = true;
  h.finished = false;
  h.go.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();  // until the thread waits for the next input
  if (!h.finished) std::abort();  // the walk must end
  return 0;
}
