// End-to-end bring-up as a bare-metal driver does it, and the integration conventions.
#include <cstring>
#include <functional>
#include <memory>

#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace st = scnvme::spec::status;

TEST(Integration, BringUpIdentifyAndIoQueues) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    spec::Cqe c = h.identify(spec::cns::kController, 0, id);
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&id[spec::id_ctrl::kMn]), 30), "scnvme SystemC NVMe controller");
    EXPECT_EQ(id[spec::id_ctrl::kMn + 39], ' ');
    EXPECT_EQ(id[spec::id_ctrl::kSqes], 0x66);
    EXPECT_EQ(id[spec::id_ctrl::kCqes], 0x44);
    EXPECT_EQ(spec::get_le32(&id[spec::id_ctrl::kVer]), 0x00020000u);
    EXPECT_STATUS(h.create_cq(1, 64, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 64, 1), st::kSuccess);
    // Each of the three admin completions raised vector 0, after its CQE was written.
    sc_core::wait(10, sc_core::SC_US);
    EXPECT_EQ(h.msi.count(0), 3u);
    EXPECT_EQ(h.msi.messages.at(0).address, kMsiBase);
  });
}

// ---------------------------------------------------------------------------------------------
// Several instances, determinism, DMI and debug access.

namespace {

/// Runs two benches' bodies in one simulation; it stops once both bodies have returned.
void run_pair(Bench& a, Bench& b, std::function<void(Bench&)> body_a, std::function<void(Bench&)> body_b) {
  auto finished = std::make_shared<int>(0);
  auto joined = [finished](std::function<void(Bench&)> body) {
    return [finished, body](Bench& h) {
      body(h);
      ++*finished;
      while (*finished < 2) sc_core::wait(1, sc_core::SC_US);
    };
  };
  b.set_body(joined(std::move(body_b)));
  a.run(joined(std::move(body_a)));
}

std::string subnqn_of(const std::vector<uint8_t>& id) {
  return std::string(reinterpret_cast<const char*>(&id[spec::id_ctrl::kSubnqn]));
}

/// A fixed host session whose every observation (CQE bytes, their arrival time, Identify data)
/// goes into a transcript.
struct Transcript {
  std::vector<std::vector<uint8_t>> records;
  std::vector<sc_core::sc_time> times;
  void add(const uint8_t* p, std::size_t n) {
    records.emplace_back(p, p + n);
    times.push_back(sc_core::sc_time_stamp());
  }
};

void scripted_session(Bench& h, Transcript& t) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
  for (auto [cns, nsid] : {std::pair<uint8_t, uint32_t>{spec::cns::kController, 0}, {spec::cns::kNamespace, 1},
                           {spec::cns::kNamespaceDescriptorList, 1}, {spec::cns::kActiveNamespaceList, 0}}) {
    std::vector<uint8_t> id;
    const spec::Cqe c = h.identify(cns, nsid, id);
    t.add(c.raw.data(), 16);
    t.add(id.data(), id.size());
  }
  for (const spec::Cqe& c : {h.create_cq(1, 4, 1), h.create_sq(1, 8, 1)}) t.add(c.raw.data(), 16);
  for (int i = 0; i < 6; ++i) {
    h.submit(1, make_sqe(0x7F, 0, 0, 1));
    const spec::Cqe c = h.wait_cqe(1);
    t.add(c.raw.data(), 16);
  }
  sc_core::wait(5, sc_core::SC_US);
  for (const auto& m : h.msi.messages) t.add(reinterpret_cast<const uint8_t*>(&m.data), 4);
}

}  // namespace

TEST(Integration, TwoControllersInOneSimulation) {
  Bench a("host_a", ControllerConfig{});
  Bench b("host_b", ControllerConfig{});
  std::string nqn_a, nqn_b;
  auto session = [](std::string& nqn) {
    return [&nqn](Bench& h) {
      h.pci_setup();
      ASSERT_TRUE(h.enable());
      std::vector<uint8_t> id;
      EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
      nqn = subnqn_of(id);
      EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
      EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
      h.submit(1, make_sqe(0x7F, 0, 0, 1), 0x42);
      EXPECT_EQ(h.wait_cqe(1).cid(), 0x42);
      sc_core::wait(5, sc_core::SC_US);
    };
  };
  run_pair(a, b, session(nqn_a), session(nqn_b));
  EXPECT_NE(nqn_a, nqn_b) << "SUBNQN is unique per instance";
  EXPECT_NE(nqn_a.find("host_a.nvme"), std::string::npos) << nqn_a;
  EXPECT_NE(nqn_b.find("host_b.nvme"), std::string::npos) << nqn_b;
  for (Bench* h : {&a, &b}) {
    SCOPED_TRACE(h->name());
    EXPECT_EQ(h->nvme.stats().commands_completed, 4u);
    EXPECT_EQ(h->msi.messages.size(), 4u) << "each controller interrupts its own platform";
    EXPECT_EQ(h->nvme.stats().interrupts_sent, 4u);
  }
}

TEST(Integration, SeedDoesNotChangeDeterministicResults) {
  ControllerConfig cfg_a, cfg_b;
  cfg_a.seed = 1;
  cfg_b.seed = 0xDEADBEEFCAFEull;
  cfg_a.subnqn = cfg_b.subnqn = "nqn.2026-11.io.scnvme:seed-test";  // names differ; identities must not
  Bench a("host_a", cfg_a);
  Bench b("host_b", cfg_b);
  Transcript ta, tb;
  run_pair(a, b, [&](Bench& h) { scripted_session(h, ta); }, [&](Bench& h) { scripted_session(h, tb); });
  ASSERT_EQ(ta.records.size(), tb.records.size());
  ASSERT_GT(ta.records.size(), 20u);
  for (std::size_t i = 0; i < ta.records.size(); ++i) {
    EXPECT_EQ(ta.records[i], tb.records[i]) << "observation " << i;
    EXPECT_EQ(ta.times[i], tb.times[i]) << "observation " << i;
  }
}

TEST(Integration, DmaUsesDmiWhenGrantedAndFallsBackAfterInvalidation) {
  Bench b("bench", ControllerConfig{});
  b.mem.grant_dmi = true;
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> reference, id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, reference), st::kSuccess);
    for (int i = 0; i < 3; ++i) EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_LE(h.mem.accesses.size(), 1u) << "after the first access everything goes through DMI";

    // Invalidation (the memory now fails a far-away range and withholds DMI): b_transport again.
    h.mem.fail_range(0xF00000, 0xF01000);
    std::size_t before = h.mem.accesses.size();
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_EQ(id, reference);
    EXPECT_GE(h.mem.accesses.size() - before, 3u) << "SQE fetch, data and CQE through b_transport";

    // DMI granted again after the next invalidation.
    h.mem.fail_range(1, 0);
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    before = h.mem.accesses.size();
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_EQ(id, reference);
    EXPECT_EQ(h.mem.accesses.size(), before);

    // Bus Master Enable clear: not even DMI may touch host memory.
    h.cfg_write(spec::pci::kCommand, 2, spec::pci::command::kMemorySpace);
    const std::vector<uint8_t> snapshot(h.mem.bytes);
    spec::Sqe s = make_sqe(spec::admin_opcode::kIdentify, spec::cns::kController);
    s.set_prp1(h.alloc(4096));
    h.submit(0, s);
    sc_core::wait(50, sc_core::SC_US);
    const auto& cq = h.cqs.at(0);
    EXPECT_TRUE(std::equal(snapshot.begin() + cq.base, snapshot.begin() + cq.base + 16 * cq.size, h.mem.at(cq.base)));
    EXPECT_FALSE(h.cqe_available(0));
  });
}

TEST(Integration, DebugTransportHasNoSideEffects) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    const uint64_t guest_errors = h.nvme.stats().guest_errors;
    auto debug = [&](tlm_utils::simple_initiator_socket<Bench>& s, tlm::tlm_command cmd, uint64_t addr,
                     std::vector<uint8_t>& data) {
      tlm::tlm_generic_payload t;
      t.set_command(cmd);
      t.set_address(addr);
      t.set_data_ptr(data.data());
      t.set_data_length(static_cast<unsigned>(data.size()));
      return s->transport_dbg(t);
    };
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    std::vector<uint8_t> cfg(256), again(256);
    EXPECT_EQ(debug(h.cfg_init, tlm::TLM_READ_COMMAND, 0, cfg), 256u);
    EXPECT_EQ(debug(h.cfg_init, tlm::TLM_READ_COMMAND, 0, again), 256u);
    EXPECT_EQ(sc_core::sc_time_stamp(), t0) << "debug accesses take no simulated time";
    EXPECT_EQ(cfg, again);
    for (uint32_t off = 0; off < 256; off += 4)
      EXPECT_EQ(spec::get_le32(&cfg[off]), h.cfg_read(off, 4)) << "config offset " << off;

    std::vector<uint8_t> command = {0, 0};  // a debug write must not disable the function
    EXPECT_EQ(debug(h.cfg_init, tlm::TLM_WRITE_COMMAND, spec::pci::kCommand, command), 0u);
    EXPECT_EQ(h.cfg_read(spec::pci::kCommand, 2) & 0x6u, 0x6u);

    std::vector<uint8_t> regs(0x40);
    EXPECT_EQ(debug(h.bar0_init, tlm::TLM_READ_COMMAND, 0, regs), 0x40u);
    EXPECT_EQ(spec::get_le64(&regs[spec::reg::kCap]), h.rd64(spec::reg::kCap));
    EXPECT_EQ(spec::get_le32(&regs[spec::reg::kCsts]), h.rd32(spec::reg::kCsts));
    EXPECT_EQ(h.nvme.stats().guest_errors, guest_errors);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
  });
}
