// Fuzz targets fuzz_registers and fuzz_registers_flash (the same, with the controller on the flash
// backend): BAR0 and PCI configuration-space access sequences against a live controller, with
// host memory contents (queues, SQEs, PRP lists, SGL segments, data) also from the input
// (issue 10, targets a and b). Findings, besides a crash, hang or sanitizer report:
//   - base protocol: checkers on every socket of the controller (platforms/protocol_checker.h:
//     TLM-2.0 base protocol, and no DMA or MSI while Bus Master Enable is clear);
//   - queue protocol: the Bench's QueueMonitor (platforms/queue_monitor.h) checks every SQE fetch
//     and every CQE (entry, phase tag, SQ ID and head, CID of a command fetched and not answered
//     before, no overwrite of an unconsumed entry), and after each input that every command
//     fetched from a queue that still exists is answered or held by the controller;
//   - every CQE counted in the controller's statistics;
//   - no DMA outside the host memory the bench mapped (16 MiB) except at an address the host gave
//     the controller: a queue's entries, or within 16 MiB above a pointer the controller read from
//     host memory (an SQE's, a PRP list's or an SGL segment's).
//
// Input: byte 0 chooses a start: bit 0 brings the controller up first (Memory Space, Bus Master,
// MSI-X vectors, admin queues of 64 entries at 0x10000/0x20000, CC.EN, CSTS.RDY), so that doorbell
// writes make it fetch SQEs from fuzzed memory. Then operations of 12 bytes: kind, width and byte
// enables, a 16-bit offset, a 64-bit value:
//   kind % 6 = 0 BAR0 read, 1 BAR0 write, 2 config read, 3 config write, 4 wait (value % 200 us),
//              5 host memory: 8 bytes of value at ((offset << 3) % 1 MiB) (queues and buffers live there).
// The controller returns to its power-on state (power_loss) and host memory to zeroes between
// inputs; each input is bounded in simulated time (the operations, then 1 ms for what they set off).
// SCNVME_FUZZ_LOG=patterns shows the controller's trace points (Controller::set_log_filter) while
// a finding is replayed; SCNVME_FUZZ_VERBOSE=1 prints what each input reached.
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <systemc>

#include "scnvme/diagnostics.h"
#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/pci.h"
#include "support/bench.h"
#include "support/small_flash.h"

using namespace scnvme;
using scnvme::test::Bench;

namespace {

constexpr std::size_t kOp = 12;
constexpr uint64_t kAsq = 0x10000, kAcq = 0x20000, kHostWindow = 1 << 20;
constexpr uint64_t kPointerSpan = 16 << 20;  // a transfer's reach above a pointer (see the header)

void run_ops(Bench& b, const uint8_t* data, size_t size);

/// The current input, handed to the bench's host thread, which runs one input per `go`.
struct Input {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool pending = false, finished = false;
  sc_core::sc_event go;
};
Input& input() {
  static Input in;
  return in;
}

/// Host-memory pages (4 KiB) written during the current input (by the input or by DMA): zeroed
/// before the next one, so that every input starts from the same memory. A flag per page and the
/// list of those set (walking 4096 flags per input cost several percent of the run).
struct DirtyPages {
  std::vector<bool> flag;
  std::vector<uint32_t> list;
};
DirtyPages& dirty_pages() {
  static DirtyPages pages;
  return pages;
}
void mark_dirty(uint64_t addr, uint64_t len, uint64_t mapped) {
  DirtyPages& pages = dirty_pages();
  if (pages.flag.empty()) pages.flag.resize(mapped >> 12);
  if (len == 0 || addr >= mapped) return;
  const uint64_t end = std::min(mapped, addr + len < addr ? mapped : addr + len);
  for (uint64_t p = addr >> 12; p <= (end - 1) >> 12; ++p)
    if (!pages.flag[p]) {
      pages.flag[p] = true;
      pages.list.push_back(static_cast<uint32_t>(p));
    }
}

/// Bus addresses outside mapped host memory that the controller read from host memory (64-bit
/// values at dword-aligned addresses) during the current input.
std::set<uint64_t>& named_addresses() {
  static std::set<uint64_t> s;
  return s;
}

/// The rule on the bench's DMA checker: records what reads deliver; refuses accesses outside
/// mapped memory that no queue and no pointer the controller read explains.
std::string dma_provenance(Bench& b, const tlm::tlm_generic_payload& t) {
  const uint64_t a = t.get_address(), len = t.get_data_length(), mapped = b.mem.bytes.size();
  if (t.is_write()) mark_dirty(a, len, mapped);
  if (a < mapped && len <= mapped - a) {
    if (t.is_read()) {  // the target copies these bytes as they are now
      // Pointers sit at dword-aligned addresses: SQEs and SGL segments are qword aligned, a PRP
      // list may start at any dword (a PRP2 offset is only dword aligned).
      for (uint64_t at = (a + 3) & ~uint64_t{3}; at + 8 <= a + len; at += 4)
        if (const uint64_t v = spec::get_le64(b.mem.at(at)); v >= mapped) named_addresses().insert(v);
    }
    return "";
  }
  for (const QueueInfo& q : b.nvme.queues())
    if (a >= q.base && a - q.base < uint64_t{q.entries} * (q.submission ? 64 : 16)) return "";
  const auto above = named_addresses().upper_bound(a);
  if (above != named_addresses().begin() && a - *std::prev(above) < kPointerSpan) return "";
  return "DMA outside mapped host memory at an address the host did not give the controller";
}

Bench& bench() {
  // SystemC elaborates once per process: one bench, reused (never destroyed). Its own thread
  // must not end the simulation: it waits forever; each input runs in a process of its own.
  static Bench* b = [] {
    // Host mistakes are the input's point: their warnings would only slow fuzzing down. Errors
    // (a protocol checker's or monitor's, the model's own) still stop the run: a finding.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    ControllerConfig cfg;
#ifdef SCNVME_FUZZ_FLASH
    // fuzz_registers_flash: the same inputs against a controller on the flash backend (NAND
    // timing, FTL, write buffer, GC) with two namespaces, written once: every read the inputs
    // make goes to NAND (on a fresh drive only flushed writes would, and an input's 1 ms rarely
    // sees a program through).
    cfg.namespaces = {NamespaceConfig{1, 8 << 20, 512}, NamespaceConfig{2, 8 << 20, 4096}};
    cfg.flash = scnvme::test::small_flash(1, 2, Precondition::Namespaces);
#endif
    auto* made = new Bench("fuzz", cfg);
    if (const char* log = std::getenv("SCNVME_FUZZ_LOG")) {  // diagnosing a finding: e.g. "cmd.*,ctrl.*"
      sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DISPLAY);
      std::vector<std::string> patterns;
      for (std::string rest = log; !rest.empty();) {
        const std::size_t comma = rest.find(',');
        patterns.push_back(rest.substr(0, comma));
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
      }
      made->nvme.set_log_filter(patterns);
    }
    made->dma_check->add_rule([made](const tlm::tlm_generic_payload& t) { return dma_provenance(*made, t); });
    // The host thread runs the inputs one after another (one thread for the whole process: a
    // thread per input would cost a stack each time).
    made->set_body([](Bench& b) {
      for (Input& in = input();;) {
        if (!in.pending) {
          sc_core::wait(in.go);
          continue;
        }
        in.pending = false;
        run_ops(b, in.data, in.size);
        in.finished = true;
      }
    });
    return made;
  }();
  return *b;
}

void write_reg(Bench& b, tlm_utils::simple_initiator_socket<Bench>& s, uint64_t off, uint64_t value, unsigned len) {
  uint8_t d[8];
  spec::put_le64(d, value);
  b.access(s, tlm::TLM_WRITE_COMMAND, off, d, len);
}

/// What a driver does before it uses the controller (no checks: the fuzz input may undo any of it).
void bring_up(Bench& b) {
  write_reg(b, b.cfg_init, spec::pci::kCommand, spec::pci::command::kMemorySpace | spec::pci::command::kBusMaster, 2);
  write_reg(b, b.bar0_init, spec::reg::kAqa, (63u << 16) | 63u, 4);
  write_reg(b, b.bar0_init, spec::reg::kAsq, kAsq, 8);
  write_reg(b, b.bar0_init, spec::reg::kAcq, kAcq, 8);
  write_reg(b, b.bar0_init, spec::reg::kCc, spec::reg::cc::kEn | (6u << 16) | (4u << 20), 4);
  for (int i = 0; i < 100; ++i) {  // CSTS.RDY within 100 us
    uint8_t d[4] = {};
    b.access(b.bar0_init, tlm::TLM_READ_COMMAND, spec::reg::kCsts, d, 4);
    if (spec::get_le32(d) & spec::reg::csts::kRdy) break;
    sc_core::wait(1, sc_core::SC_US);
  }
}

void run_ops(Bench& b, const uint8_t* data, size_t size) {
  b.nvme.power_loss();  // power-on state, whatever the previous input left; then host memory zeroed
  DirtyPages& pages = dirty_pages();
  for (const uint32_t p : pages.list) {
    std::fill_n(b.mem.bytes.begin() + (std::size_t{p} << 12), 4096, uint8_t{0});
    pages.flag[p] = false;
  }
  pages.list.clear();
  b.mem.accesses.clear();  // (the bench records every access; nothing here reads them)
  b.msi.messages.clear();
  named_addresses().clear();
  sc_core::wait(1, sc_core::SC_US);
  if (data[0] & 1) bring_up(b);
  for (size_t at = 1; at + kOp <= size; at += kOp) {
    const uint8_t* op = data + at;
    const uint8_t kind = op[0] % 6;
    static const unsigned kWidths[] = {1, 2, 4, 8, 3, 16, 0, 4};
    const unsigned len = kWidths[op[1] & 7];
    const uint16_t offset = static_cast<uint16_t>(op[2] | op[3] << 8);
    uint8_t value[16];
    std::memcpy(value, op + 4, 8);
    std::memcpy(value + 8, op + 4, 8);
    // Byte enables from bits 3..7 of the width byte: none, or a pattern over the access.
    uint8_t be[16];
    for (unsigned i = 0; i < 16; ++i) be[i] = ((op[1] >> (3 + i % 5)) & 1) ? 0xFF : 0x00;
    const bool use_be = op[1] & 0x80;
    switch (kind) {
      case 0:
      case 1:
        b.access(b.bar0_init, kind == 0 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND, offset, value, len, use_be ? be : nullptr,
                 use_be ? len : 0);
        break;
      case 2:
      case 3:
        b.access(b.cfg_init, kind == 2 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND, offset & 0xFFF, value, len,
                 use_be ? be : nullptr, use_be ? len : 0);
        break;
      case 4:
        sc_core::wait(static_cast<double>(spec::get_le64(value) % 200), sc_core::SC_US);
        break;
      default: {
        const uint64_t addr = (uint64_t{offset} << 3) % kHostWindow;
        b.mem.write(addr, value, 8);
        mark_dirty(addr, 8, b.mem.bytes.size());
        break;
      }
    }
  }
  sc_core::wait(1, sc_core::SC_MS);  // what the accesses set off (fetches, commands, interrupts)
  // Every command answered or held, unless the controller is in fatal status (NVMe 2.0 9.5: the
  // commands in flight then never complete) or was removed (CSTS reads all ones).
  uint8_t csts[4] = {};
  tlm::tlm_generic_payload peek;
  peek.set_command(tlm::TLM_READ_COMMAND);
  peek.set_address(spec::reg::kCsts);
  peek.set_data_ptr(csts);
  peek.set_data_length(4);
  b.bar0_init->transport_dbg(peek);
  if (!(spec::get_le32(csts) & spec::reg::csts::kCfs)) b.queue_monitor->check_pending();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Bench& b = bench();
  Input& in = input();
  in.data = data;
  in.size = size;
  in.pending = true;
  in.finished = false;
  in.go.notify(sc_core::SC_ZERO_TIME);
  const bool& finished = in.finished;
  // Bounded in simulated time: every operation waits at most 200 us, plus the final 1 ms.
  const sc_core::sc_time bound(2 + 0.2 * static_cast<double>(size / kOp + 120), sc_core::SC_MS);
  const sc_core::sc_time end = sc_core::sc_time_stamp() + bound;
  while (!finished && sc_core::sc_time_stamp() < end) sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  if (!finished) std::abort();  // a register access that never returned: a hang
  if (b.nvme.stats().commands_completed != b.queue_monitor->completions()) {
    std::fprintf(stderr, "fuzz_registers: %llu CQEs posted, the statistics count %llu\n",
                 static_cast<unsigned long long>(b.queue_monitor->completions()),
                 static_cast<unsigned long long>(b.nvme.stats().commands_completed));
    std::abort();
  }
  if (std::getenv("SCNVME_FUZZ_VERBOSE")) {  // what an input reached (for writing seeds)
    const ControllerStats st = b.nvme.stats();
    std::fprintf(stderr, "fuzz_registers: %zu bytes: %llu commands fetched, %llu completed, %llu guest errors\n", size,
                 static_cast<unsigned long long>(st.commands_fetched), static_cast<unsigned long long>(st.commands_completed),
                 static_cast<unsigned long long>(st.guest_errors));
  }
  return 0;
}
