#include "support/bench.h"

#include <sstream>

#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::test {

namespace reg = spec::reg;
namespace p = spec::pci;

Bench::Bench(const sc_core::sc_module_name& n, const ControllerConfig& cfg, bool bind_msi, bool bind_intx)
    : sc_module(n), bar0_init("bar0_init"), cfg_init("cfg_init"), nvme("nvme", cfg), mem("mem", 16 << 20), msi("msi"),
      intx("intx") {
  using platform::ProtocolChecker;
  bar0_check = std::make_unique<ProtocolChecker>("bar0_check", ProtocolChecker::Target::Registers, ProtocolChecker::Sides::TargetOnly);
  cfg_check = std::make_unique<ProtocolChecker>("cfg_check", ProtocolChecker::Target::Registers, ProtocolChecker::Sides::TargetOnly);
  dma_check = std::make_unique<ProtocolChecker>("dma_check", ProtocolChecker::Target::Memory);
  bar0_init.bind(bar0_check->from_initiator);
  bar0_check->to_target.bind(nvme.bar0);
  cfg_init.bind(cfg_check->from_initiator);
  cfg_check->to_target.bind(nvme.pci_cfg);
  nvme.dma.bind(dma_check->from_initiator);
  dma_check->to_target.bind(mem.socket);
  dma_check->add_rule(platform::bus_master_enable_rule(*cfg_check));
  if (bind_msi) {
    msi_check = std::make_unique<ProtocolChecker>("msi_check", ProtocolChecker::Target::Memory);
    nvme.msi.bind(msi_check->from_initiator);
    msi_check->to_target.bind(msi.socket);
    msi_check->add_rule(platform::bus_master_enable_rule(*cfg_check));
  } else {
    msi_unused = std::make_unique<tlm_utils::simple_initiator_socket<Bench>>("msi_unused");
    msi_unused->bind(msi.socket);
  }
  if (bind_intx) nvme.intx.bind(intx);
  queue_monitor = std::make_unique<platform::QueueMonitor>(std::string(name()) + ".queue_monitor", nvme,
                                                           [this](uint64_t a, void* p, std::size_t len) {
                                                             if (a >= mem.bytes.size() || len > mem.bytes.size() - a) return false;
                                                             mem.read(a, p, len);
                                                             return true;
                                                           });
  sc_core::sc_spawn([this] { thread(); }, "host");
}

void Bench::run(std::function<void(Bench&)> body, sc_core::sc_time limit) {
  body_ = std::move(body);
  sc_core::sc_start(limit);
}

void Bench::thread() {
  if (body_) body_(*this);
  sc_core::sc_stop();
}

tlm::tlm_response_status Bench::access(tlm_utils::simple_initiator_socket<Bench>& s, tlm::tlm_command cmd, uint64_t addr,
                                       uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) {
  tlm::tlm_generic_payload t;
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(const_cast<uint8_t*>(be));
  t.set_byte_enable_length(be_len);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  s->b_transport(t, delay);
  sc_core::wait(delay);
  return t.get_response_status();
}

uint32_t Bench::cfg_read(uint32_t off, unsigned len) {
  uint8_t d[4] = {};
  EXPECT_EQ(access(cfg_init, tlm::TLM_READ_COMMAND, off, d, len), tlm::TLM_OK_RESPONSE) << "config read at " << off;
  return spec::get_le32(d);
}

void Bench::cfg_write(uint32_t off, unsigned len, uint32_t value) {
  uint8_t d[4];
  spec::put_le32(d, value);
  EXPECT_EQ(access(cfg_init, tlm::TLM_WRITE_COMMAND, off, d, len), tlm::TLM_OK_RESPONSE) << "config write at " << off;
}

uint32_t Bench::rd32(uint32_t off) {
  uint8_t d[4] = {};
  EXPECT_EQ(access(bar0_init, tlm::TLM_READ_COMMAND, off, d, 4), tlm::TLM_OK_RESPONSE) << "BAR0 read at " << off;
  return spec::get_le32(d);
}
uint64_t Bench::rd64(uint32_t off) {
  uint8_t d[8] = {};
  EXPECT_EQ(access(bar0_init, tlm::TLM_READ_COMMAND, off, d, 8), tlm::TLM_OK_RESPONSE) << "BAR0 read at " << off;
  return spec::get_le64(d);
}
void Bench::wr32(uint32_t off, uint32_t value) {
  uint8_t d[4];
  spec::put_le32(d, value);
  EXPECT_EQ(access(bar0_init, tlm::TLM_WRITE_COMMAND, off, d, 4), tlm::TLM_OK_RESPONSE) << "BAR0 write at " << off;
}
void Bench::wr64(uint32_t off, uint64_t value) {
  uint8_t d[8];
  spec::put_le64(d, value);
  EXPECT_EQ(access(bar0_init, tlm::TLM_WRITE_COMMAND, off, d, 8), tlm::TLM_OK_RESPONSE) << "BAR0 write at " << off;
}

uint64_t Bench::alloc(uint64_t size, uint64_t align) {
  next_free_ = (next_free_ + align - 1) & ~(align - 1);
  const uint64_t a = next_free_;
  next_free_ += size;
  if (next_free_ > mem.bytes.size()) ADD_FAILURE() << "test host memory exhausted";
  return a;
}

void Bench::pci_setup(bool msix) {
  cfg_write(p::kCommand, 2, p::command::kMemorySpace | p::command::kBusMaster);
  if (!msix || !nvme.config().pci.msix) return;
  // Find the MSI-X capability by walking the list.
  uint32_t ptr = cfg_read(p::kCapabilitiesPtr, 1);
  while (ptr && cfg_read(ptr, 1) != p::cap_id::kMsix) ptr = cfg_read(ptr + 1, 1);
  if (!ptr) {
    ADD_FAILURE() << "no MSI-X capability";
    return;
  }
  const uint32_t table = cfg_read(ptr + p::msix::kTable, 4) & ~p::msix::kBirMask;
  const unsigned n = (cfg_read(ptr + p::msix::kControl, 2) & p::msix::kTableSizeMask) + 1;
  for (unsigned v = 0; v < n; ++v) {
    wr32(table + 16 * v + 0, static_cast<uint32_t>(kMsiBase + 4 * v));
    wr32(table + 16 * v + 4, 0);
    wr32(table + 16 * v + 8, v);
    wr32(table + 16 * v + 12, 0);  // unmask
  }
  cfg_write(ptr + p::msix::kControl, 2, p::msix::kEnable);
}

bool Bench::wait_ready(bool value, sc_core::sc_time timeout) {
  const sc_core::sc_time end = sc_core::sc_time_stamp() + timeout;
  while (sc_core::sc_time_stamp() < end) {
    const uint32_t csts = rd32(reg::kCsts);
    if (csts & reg::csts::kCfs) return false;
    if (((csts & reg::csts::kRdy) != 0) == value) return true;
    sc_core::wait(1, sc_core::SC_US);
  }
  return false;
}

bool Bench::enable(uint32_t asq_entries, uint32_t acq_entries, uint32_t cc_extra) {
  HostQueue sq{0, alloc(asq_entries * 64), asq_entries, 0, true};
  HostQueue cq{0, alloc(acq_entries * 16), acq_entries, 0, true};
  sqs[0] = sq;
  cqs[0] = cq;
  wr32(reg::kAqa, (acq_entries - 1) << 16 | (asq_entries - 1));
  wr64(reg::kAsq, sq.base);
  wr64(reg::kAcq, cq.base);
  wr32(reg::kCc, reg::cc::kEn | (6u << 16) | (4u << 20) | cc_extra);
  return wait_ready(true);
}

uint16_t Bench::submit(uint16_t sqid, spec::Sqe sqe, int cid, bool ring) {
  HostQueue& q = sqs.at(sqid);
  const uint16_t id = cid < 0 ? next_cid_++ : static_cast<uint16_t>(cid);
  sqe.set_cid(id);
  mem.write(q.base + 64ull * q.index, sqe.raw.data(), 64);
  q.index = (q.index + 1) % q.size;
  if (ring) ring_sq(sqid);
  return id;
}

void Bench::ring_sq(uint16_t sqid) {
  const unsigned dstrd = nvme.config().doorbell_stride;
  wr32(reg::sq_tail_doorbell(sqid, dstrd), sqs.at(sqid).index);
}

bool Bench::cqe_available(uint16_t cqid) {
  HostQueue& q = cqs.at(cqid);
  spec::Cqe c;
  mem.read(q.base + 16ull * q.index, c.raw.data(), 16);
  return c.phase() == q.phase;
}

spec::Cqe Bench::wait_cqe(uint16_t cqid, sc_core::sc_time timeout, bool ring) {
  HostQueue& q = cqs.at(cqid);
  const sc_core::sc_time end = sc_core::sc_time_stamp() + timeout;
  spec::Cqe c;
  while (sc_core::sc_time_stamp() < end) {
    mem.read(q.base + 16ull * q.index, c.raw.data(), 16);
    if (c.phase() == q.phase) {
      q.index = (q.index + 1) % q.size;
      if (q.index == 0) q.phase = !q.phase;
      if (ring) wr32(reg::cq_head_doorbell(cqid, nvme.config().doorbell_stride), q.index);
      return c;
    }
    sc_core::wait(100, sc_core::SC_NS);
  }
  ADD_FAILURE() << "no completion on CQ " << cqid << " within " << timeout;
  spec::Cqe none;
  none.set_status_and_phase(spec::status::make(7, 0xFF), false);
  return none;
}

spec::Cqe Bench::admin(spec::Sqe sqe) {
  const uint16_t cid = submit(0, sqe);
  spec::Cqe c = wait_cqe(0);
  EXPECT_EQ(c.cid(), cid);
  EXPECT_EQ(c.sq_id(), 0);
  return c;
}

spec::Cqe Bench::identify(uint8_t cns, uint32_t nsid, std::vector<uint8_t>& out) {
  const uint64_t buf = alloc(4096);
  std::memset(mem.at(buf), 0xA5, 4096);
  spec::Sqe s = make_sqe(spec::admin_opcode::kIdentify, cns, 0, nsid);
  s.set_prp1(buf);
  spec::Cqe c = admin(s);
  out.assign(mem.at(buf), mem.at(buf) + 4096);
  return c;
}

spec::Cqe Bench::create_cq(uint16_t qid, uint32_t entries, uint16_t vector, bool ien) {
  const uint64_t base = alloc(entries * 16ull);
  spec::Sqe s = make_sqe(spec::admin_opcode::kCreateIoCq, (entries - 1) << 16 | qid,
                         static_cast<uint32_t>(vector) << 16 | (ien ? 2u : 0u) | 1u);
  s.set_prp1(base);
  spec::Cqe c = admin(s);
  if (c.status().ok()) cqs[qid] = HostQueue{qid, base, entries, 0, true};
  return c;
}

spec::Cqe Bench::create_sq(uint16_t qid, uint32_t entries, uint16_t cqid) {
  const uint64_t base = alloc(entries * 64ull);
  spec::Sqe s = make_sqe(spec::admin_opcode::kCreateIoSq, (entries - 1) << 16 | qid, static_cast<uint32_t>(cqid) << 16 | 1u);
  s.set_prp1(base);
  spec::Cqe c = admin(s);
  if (c.status().ok()) sqs[qid] = HostQueue{qid, base, entries, 0, true};
  return c;
}

spec::Cqe Bench::set_features(uint8_t fid, uint32_t cdw11, uint32_t nsid) {
  return admin(make_sqe(spec::admin_opcode::kSetFeatures, fid, cdw11, nsid));
}

spec::Cqe Bench::get_features(uint8_t fid, uint8_t sel, uint32_t cdw11, uint32_t nsid) {
  return admin(make_sqe(spec::admin_opcode::kGetFeatures, static_cast<uint32_t>(sel) << 8 | fid, cdw11, nsid));
}

spec::Sqe make_sqe(uint8_t opcode, uint32_t cdw10, uint32_t cdw11, uint32_t nsid) {
  spec::Sqe s;
  s.set_opcode(opcode);
  s.set_nsid(nsid);
  s.set_dw(10, cdw10);
  s.set_dw(11, cdw11);
  return s;
}

std::string describe(spec::Status s) {
  std::ostringstream os;
  os << "SCT " << int(s.sct) << " SC 0x" << std::hex << int(s.sc) << " (" << spec::status::name(s) << ")";
  return os.str();
}

}  // namespace scnvme::test
