// The TLM-2.0 integration conventions of the register sockets (ARCHITECTURE.md, "The component's
// contract"): b_transport never waits and annotates its cost, transport_dbg has no side effects,
// no DMI on registers, and nb_transport_fw works through the base protocol.
#include <memory>
#include <vector>

#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace reg = scnvme::spec::reg;
namespace p = scnvme::spec::pci;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::SC_MS;

namespace {

/// Fills `t` for a raw socket call (the caller keeps `data` alive).
void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace


TEST(RegistersTransport, DebugReadsHaveNoSideEffects) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    const ControllerStats before = h.nvme.stats();
    std::vector<uint8_t> buf(0x80, 0xCC);
    tlm::tlm_generic_payload t;
    prepare(t, tlm::TLM_READ_COMMAND, 0, buf.data(), 0x80);
    const sc_time now = sc_core::sc_time_stamp();
    EXPECT_EQ(h.bar0_init->transport_dbg(t), 0x80u);
    EXPECT_EQ(sc_core::sc_time_stamp(), now);
    EXPECT_EQ(spec::get_le64(&buf[reg::kCap]), h.rd64(reg::kCap));
    EXPECT_EQ(spec::get_le32(&buf[reg::kVs]), 0x00020000u);
    EXPECT_EQ(spec::get_le32(&buf[reg::kCc]), h.rd32(reg::kCc));
    EXPECT_EQ(spec::get_le32(&buf[reg::kCsts]), reg::csts::kRdy);
    EXPECT_EQ(spec::get_le32(&buf[reg::kAqa]), 0x001F001Fu);
    EXPECT_EQ(spec::get_le32(&buf[reg::kCrto]), 20u);
    EXPECT_EQ(spec::get_le32(&buf[0x18]), 0u);
    // Doorbells read 0; a read crossing the end of BAR0 is truncated; beyond it nothing is read.
    prepare(t, tlm::TLM_READ_COMMAND, 0x1000, buf.data(), 8);
    EXPECT_EQ(h.bar0_init->transport_dbg(t), 8u);
    EXPECT_EQ(spec::get_le64(buf.data()), 0u);
    prepare(t, tlm::TLM_READ_COMMAND, 0x3FFC, buf.data(), 8);
    EXPECT_EQ(h.bar0_init->transport_dbg(t), 4u);
    prepare(t, tlm::TLM_READ_COMMAND, 0x4000, buf.data(), 8);
    EXPECT_EQ(h.bar0_init->transport_dbg(t), 0u);
    // A debug write does not reset the controller.
    spec::put_le32(buf.data(), 0);
    prepare(t, tlm::TLM_WRITE_COMMAND, reg::kCc, buf.data(), 4);
    h.bar0_init->transport_dbg(t);
    sc_core::wait(100, SC_US);
    EXPECT_EQ(h.rd32(reg::kCsts), reg::csts::kRdy);
    const ControllerStats after = h.nvme.stats();
    EXPECT_EQ(after.guest_errors, before.guest_errors);
    EXPECT_EQ(after.controller_resets, before.controller_resets);
    EXPECT_EQ(after.commands_fetched, before.commands_fetched);
  });
}

namespace {
/// What an SC_METHOD saw when it called b_transport on bar0 and pci_cfg.
struct MethodProbe {
  bool ran = false;
  std::vector<tlm::tlm_response_status> responses;
  uint8_t cap[8] = {}, vid[2] = {};
  sc_time bar0_delay{5, SC_NS}, cfg_delay{5, SC_NS};
};

void call(MethodProbe& probe, tlm_utils::simple_initiator_socket<Bench>& s, tlm::tlm_command cmd, uint64_t addr,
          uint8_t* data, unsigned len, sc_time& delay) {
  tlm::tlm_generic_payload t;
  prepare(t, cmd, addr, data, len);
  s->b_transport(t, delay);
  probe.responses.push_back(t.get_response_status());
}
}  // namespace

TEST(RegistersTransport, BTransportNeverWaitsAndAnnotatesDelay) {
  ControllerConfig cfg;
  cfg.pcie.enabled = false;  // only the register access cost; the link's MMIO latency is tested with the link
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup(false);
    auto probe = std::make_shared<MethodProbe>();
    sc_core::sc_spawn_options opts;
    opts.spawn_method();  // an SC_METHOD: a wait() inside b_transport would be a SystemC error
    sc_core::sc_spawn(
        [&h, probe] {
          MethodProbe& m = *probe;
          uint8_t aqa[4], cmd[2];
          spec::put_le32(aqa, 0x00070003);
          spec::put_le16(cmd, p::command::kMemorySpace | p::command::kBusMaster);
          call(m, h.bar0_init, tlm::TLM_READ_COMMAND, reg::kCap, m.cap, 8, m.bar0_delay);
          call(m, h.bar0_init, tlm::TLM_WRITE_COMMAND, reg::kAqa, aqa, 4, m.bar0_delay);
          call(m, h.cfg_init, tlm::TLM_READ_COMMAND, p::kVendorId, m.vid, 2, m.cfg_delay);
          call(m, h.cfg_init, tlm::TLM_WRITE_COMMAND, p::kCommand, cmd, 2, m.cfg_delay);
          m.ran = true;
        },
        "bar0_probe", &opts);
    sc_core::wait(1, SC_US);
    ASSERT_TRUE(probe->ran);
    EXPECT_EQ(probe->responses, std::vector<tlm::tlm_response_status>(4, tlm::TLM_OK_RESPONSE));
    EXPECT_EQ(spec::get_le64(probe->cap), h.rd64(reg::kCap));
    EXPECT_EQ(spec::get_le16(probe->vid), h.nvme.config().pci.vendor_id);
    // Each access added register_access_cycles controller clocks (20 x 1 ns at 1 GHz).
    const sc_time access = sc_time(1, SC_NS) * h.nvme.config().timing.register_access_cycles;
    EXPECT_EQ(probe->bar0_delay, sc_time(5, SC_NS) + 2 * access);
    EXPECT_EQ(probe->cfg_delay, sc_time(5, SC_NS) + 2 * access);
    EXPECT_EQ(h.rd32(reg::kAqa), 0x00070003u);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kMemorySpace | p::command::kBusMaster);
  });
}

TEST(RegistersTransport, NoDirectMemoryInterface) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    uint8_t d[4];
    tlm::tlm_generic_payload t;
    for (uint64_t addr : {0x0ull, 0x1000ull, 0x2000ull}) {
      prepare(t, tlm::TLM_READ_COMMAND, addr, d, 4);
      tlm::tlm_dmi dmi;
      EXPECT_FALSE(h.bar0_init->get_direct_mem_ptr(t, dmi)) << addr;
      EXPECT_FALSE(t.is_dmi_allowed());
    }
    // b_transport never hints DMI either.
    prepare(t, tlm::TLM_READ_COMMAND, reg::kVs, d, 4);
    t.set_dmi_allowed(true);
    sc_time delay = sc_core::SC_ZERO_TIME;
    h.bar0_init->b_transport(t, delay);
    EXPECT_TRUE(t.is_response_ok());
    EXPECT_FALSE(t.is_dmi_allowed());
  });
}

namespace {
/// A bench whose bar0 initiator also takes the backward path of the non-blocking protocol.
class NbBench : public Bench {
 public:
  NbBench(const sc_core::sc_module_name& n, const ControllerConfig& cfg) : Bench(n, cfg) {
    // The socket is typed on Bench; a member of a derived class converts with static_cast.
    using BwHandler = tlm::tlm_sync_enum (Bench::*)(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&);
    bar0_init.register_nb_transport_bw(this, static_cast<BwHandler>(&NbBench::nb_transport_bw));
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& phase, sc_time& delay) {
    ++bw_calls;
    bw_phase = phase;
    bw_event.notify(delay);
    return phase == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;  // COMPLETED: END_RESP implied
  }

  tlm::tlm_phase bw_phase = tlm::UNINITIALIZED_PHASE;
  int bw_calls = 0;
  sc_core::sc_event bw_event;
};
}  // namespace

TEST(RegistersTransport, NbTransportFollowsTheBaseProtocol) {
  NbBench b("bench", ControllerConfig{});
  b.run([&b](Bench& h) {
    h.pci_setup(false);
    uint8_t data[4] = {};
    tlm::tlm_generic_payload t;
    prepare(t, tlm::TLM_READ_COMMAND, reg::kVs, data, 4);
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum sync = h.bar0_init->nb_transport_fw(t, phase, delay);
    if (sync == tlm::TLM_ACCEPTED || (sync == tlm::TLM_UPDATED && phase == tlm::END_REQ)) {
      if (b.bw_calls == 0) sc_core::wait(sc_time(1, SC_MS), b.bw_event);  // response on the backward path
      EXPECT_EQ(b.bw_calls, 1);
      EXPECT_EQ(b.bw_phase, tlm::BEGIN_RESP);
    } else {
      ASSERT_TRUE(sync == tlm::TLM_COMPLETED || (sync == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP))
          << "sync " << sync << " phase " << phase;
    }
    EXPECT_EQ(t.get_response_status(), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(spec::get_le32(data), 0x00020000u);
  });
}
