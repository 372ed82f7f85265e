// installed_consumer: the smallest platform around an installed scnvme::Controller.
//
// It defines its own host memory (1 MiB at bus address 0), an MSI sink and an INTx signal, and a
// host thread that enables the controller and runs one Identify Controller command the way a
// driver would: PCI config space, CAP/VS, admin queues, CC.EN, CSTS.RDY, SQE, doorbell, CQE.
// Exit code 0 when every step behaves as the NVMe and PCI specifications say, 1 otherwise.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "scnvme/controller.h"

namespace {

using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::sc_time;

// --- little-endian helpers for data structures in host memory --------------------------------
void put_le(std::vector<uint8_t>& mem, uint64_t addr, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) mem[addr + i] = static_cast<uint8_t>(value >> (8 * i));
}
uint64_t get_le(const std::vector<uint8_t>& mem, uint64_t addr, unsigned bytes) {
  uint64_t value = 0;
  for (unsigned i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(mem[addr + i]) << (8 * i);
  return value;
}

// --- host memory: a TLM target over a byte vector, b_transport only --------------------------
class HostMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostMemory> socket;
  std::vector<uint8_t> bytes;

  HostMemory(const sc_core::sc_module_name& name, std::size_t size)
      : sc_core::sc_module(name), socket("socket"), bytes(size, 0) {
    socket.register_b_transport(this, &HostMemory::b_transport);
    socket.register_transport_dbg(this, &HostMemory::transport_dbg);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    access(trans);
    delay += sc_time(60, SC_NS);  // a DRAM access, roughly
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& trans) {
    return access(trans) ? trans.get_data_length() : 0;
  }
  bool access(tlm::tlm_generic_payload& trans) {
    const uint64_t addr = trans.get_address();
    const unsigned len = trans.get_data_length();
    unsigned char* data = trans.get_data_ptr();
    const unsigned char* be = trans.get_byte_enable_ptr();
    const unsigned be_len = trans.get_byte_enable_length();
    if (trans.get_streaming_width() < len) {
      trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
      return false;
    }
    if (addr >= bytes.size() || len > bytes.size() - addr) {
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    for (unsigned i = 0; i < len; ++i) {
      if (be && be_len && be[i % be_len] != TLM_BYTE_ENABLED) continue;
      if (trans.is_read()) data[i] = bytes[addr + i];
      else if (trans.is_write()) bytes[addr + i] = data[i];
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }
};

// --- MSI sink: counts the 4-byte message writes the controller sends --------------------------
class MsiSink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MsiSink> socket;
  unsigned messages = 0;

  explicit MsiSink(const sc_core::sc_module_name& name) : sc_core::sc_module(name), socket("socket") {
    socket.register_b_transport(this, &MsiSink::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_time&) {
    if (trans.is_write() && trans.get_data_length() == 4) ++messages;
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// --- the host: drives BAR0 and PCI config space, owns the memory layout -----------------------
class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> bar0;
  tlm_utils::simple_initiator_socket<Host> cfg;

  Host(const sc_core::sc_module_name& name, HostMemory& memory)
      : sc_core::sc_module(name), bar0("bar0"), cfg("cfg"), mem_(memory) {
    SC_THREAD(run);
  }
  SC_HAS_PROCESS(Host);

  bool passed() const { return passed_; }

 private:
  // Page-aligned host memory layout.
  static constexpr uint64_t kAsq = 0x10000;       // admin SQ: 32 x 64 B
  static constexpr uint64_t kAcq = 0x20000;       // admin CQ: 32 x 16 B
  static constexpr uint64_t kIdentify = 0x30000;  // 4 KiB Identify Controller data
  static constexpr uint16_t kCid = 0x0042;

  void run() {
    passed_ = bring_up_and_identify();
    std::printf("installed_consumer: %s\n", passed_ ? "PASS" : "FAIL");
    sc_core::sc_stop();
  }

  bool fail(const std::string& what) {
    std::printf("installed_consumer: error: %s\n", what.c_str());
    return false;
  }

  // One loosely-timed access: b_transport, then wait for the annotated delay.
  bool transport(tlm_utils::simple_initiator_socket<Host>& socket, tlm::tlm_command command,
                 uint64_t address, void* data, unsigned length) {
    tlm::tlm_generic_payload trans;
    sc_time delay = sc_core::SC_ZERO_TIME;
    trans.set_command(command);
    trans.set_address(address);
    trans.set_data_ptr(static_cast<unsigned char*>(data));
    trans.set_data_length(length);
    trans.set_streaming_width(length);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(trans, delay);
    wait(delay);
    if (!trans.is_response_ok()) {
      char where[64];
      std::snprintf(where, sizeof where, "%s 0x%llx (%u bytes)", socket.basename(),
                    static_cast<unsigned long long>(address), length);
      return fail(std::string(trans.is_read() ? "read " : "write ") + where + ": " +
                  trans.get_response_string());
    }
    return true;
  }
  template <typename T>
  bool read(tlm_utils::simple_initiator_socket<Host>& socket, uint64_t address, T& value) {
    return transport(socket, tlm::TLM_READ_COMMAND, address, &value, sizeof value);
  }
  template <typename T>
  bool write(tlm_utils::simple_initiator_socket<Host>& socket, uint64_t address, T value) {
    return transport(socket, tlm::TLM_WRITE_COMMAND, address, &value, sizeof value);
  }

  bool bring_up_and_identify() {
    std::vector<uint8_t>& m = mem_.bytes;

    // PCI configuration space: identity and class code 01 08 02 (mass storage, NVM, NVMe).
    uint32_t id = 0;
    uint8_t rev_class[4] = {};
    if (!read(cfg, 0x00, id) || !transport(cfg, tlm::TLM_READ_COMMAND, 0x08, rev_class, 4)) return false;
    std::printf("pci: vendor %04x device %04x class %02x%02x%02x\n", id & 0xffffu, id >> 16,
                rev_class[3], rev_class[2], rev_class[1]);
    if (rev_class[1] != 0x02 || rev_class[2] != 0x08 || rev_class[3] != 0x01)
      return fail("class code is not 01 08 02 (NVM Express)");
    // Command register: Memory Space Enable | Bus Master Enable.
    if (!write<uint16_t>(cfg, 0x04, 0x0006)) return false;

    // Controller registers.
    uint64_t cap = 0;
    uint32_t vs = 0;
    if (!read(bar0, 0x00, cap) || !read(bar0, 0x08, vs)) return false;
    const unsigned mqes = static_cast<unsigned>(cap & 0xffff);
    const unsigned to_500ms = static_cast<unsigned>((cap >> 24) & 0xff);
    const unsigned dstrd = static_cast<unsigned>((cap >> 32) & 0xf);
    std::printf("nvme: CAP %016llx (MQES %u, TO %u x 500 ms, DSTRD %u) VS %08x\n",
                static_cast<unsigned long long>(cap), mqes, to_500ms, dstrd, vs);
    if (vs != 0x00020000) return fail("VS is not 2.0.0");
    if (mqes < 31) return fail("CAP.MQES too small for a 32-entry admin queue");

    // Admin queues: 32 entries each, then enable (IOSQES 6, IOCQES 4, MPS 0, CSS NVM).
    if (!write<uint32_t>(bar0, 0x24, 0x001f001f) || !write<uint64_t>(bar0, 0x28, kAsq) ||
        !write<uint64_t>(bar0, 0x30, kAcq) || !write<uint32_t>(bar0, 0x14, 0x00460001))
      return false;

    // CSTS.RDY within CAP.TO (capped at 100 ms of simulated time to keep a failure quick).
    const sc_time ready_limit = std::min(sc_time(500.0 * (to_500ms ? to_500ms : 1), sc_core::SC_MS),
                                         sc_time(100, sc_core::SC_MS));
    const sc_time ready_deadline = sc_core::sc_time_stamp() + ready_limit;
    uint32_t csts = 0;
    for (;;) {
      if (!read(bar0, 0x1c, csts)) return false;
      if (csts & 0x2) return fail("CSTS.CFS set during enable");
      if (csts & 0x1) break;
      if (sc_core::sc_time_stamp() >= ready_deadline) return fail("CSTS.RDY did not become 1");
      wait(sc_time(1, SC_US));
    }
    std::printf("nvme: ready at %s\n", sc_core::sc_time_stamp().to_string().c_str());

    // Identify Controller (CNS 01h) into a page-aligned buffer.
    std::fill(m.begin() + kIdentify, m.begin() + kIdentify + 4096, uint8_t{0xa5});
    std::fill(m.begin() + kAsq, m.begin() + kAsq + 64, uint8_t{0});
    std::fill(m.begin() + kAcq, m.begin() + kAcq + 32 * 16, uint8_t{0});
    put_le(m, kAsq + 0, 0x06, 1);         // opcode: Identify
    put_le(m, kAsq + 2, kCid, 2);         // command identifier
    put_le(m, kAsq + 24, kIdentify, 8);   // PRP1
    put_le(m, kAsq + 40, 1, 4);           // CDW10: CNS = 01h
    if (!write<uint32_t>(bar0, 0x1000, 1)) return false;  // admin SQ tail doorbell

    const sc_time cqe_deadline = sc_core::sc_time_stamp() + sc_time(10, sc_core::SC_MS);
    while ((m[kAcq + 14] & 0x1) == 0) {
      if (sc_core::sc_time_stamp() >= cqe_deadline) return fail("no completion for Identify");
      wait(sc_time(1, SC_US));
    }
    const unsigned sq_head = static_cast<unsigned>(get_le(m, kAcq + 8, 2));
    const unsigned sq_id = static_cast<unsigned>(get_le(m, kAcq + 10, 2));
    const unsigned cid = static_cast<unsigned>(get_le(m, kAcq + 12, 2));
    const unsigned status = static_cast<unsigned>(get_le(m, kAcq + 14, 2) >> 1);
    std::printf("nvme: CQE at %s: SQID %u SQHD %u CID %04x status %04x\n",
                sc_core::sc_time_stamp().to_string().c_str(), sq_id, sq_head, cid, status);
    if (status != 0) return fail("Identify Controller completed with a non-zero status");
    if (cid != kCid || sq_id != 0) return fail("CQE does not match the submitted command");

    std::string model(reinterpret_cast<const char*>(&m[kIdentify + 24]), 40);
    model.erase(model.find_last_not_of(' ') + 1);
    std::printf("nvme: model number \"%s\"\n", model.c_str());

    // Admin CQ head doorbell: the one entry is consumed. Give its side effects (an INTx level
    // drops once no completion is pending) a moment before the simulation stops.
    if (!write<uint32_t>(bar0, 0x1000 + (4u << dstrd), 1)) return false;
    wait(sc_time(1, SC_US));
    return true;
  }

  HostMemory& mem_;
  bool passed_ = false;
};

}  // namespace

int sc_main(int, char*[]) {
  try {
    HostMemory memory("host_memory", 1u << 20);
    MsiSink msi_sink("msi_sink");
    sc_core::sc_signal<bool> intx("intx");
    scnvme::Controller nvme("nvme0", scnvme::ControllerConfig{});
    Host host("host", memory);

    host.bar0.bind(nvme.bar0);
    host.cfg.bind(nvme.pci_cfg);
    nvme.dma.bind(memory.socket);
    nvme.msi.bind(msi_sink.socket);
    nvme.intx.bind(intx);

    sc_core::sc_start();
    std::printf("installed_consumer: %u MSI message(s), INTx %s\n", msi_sink.messages,
                intx.read() ? "asserted" : "deasserted");
    return host.passed() ? 0 : 1;
  } catch (const std::exception& e) {
    std::printf("installed_consumer: error: %s\n", e.what());
    return 1;
  }
}
