// ControllerImpl's diagnostics: the host mistakes found in register accesses, CC writes, queue
// creation and commands, and the text of the trace points (scnvme/diagnostics.h). Call sites
// elsewhere are one line each, behind a Diagnostics::on() check where they are on the I/O path.
#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace r = spec::reg;

void ControllerImpl::guest_error(GuestError kind, const std::string& subject, uint64_t value, const std::string& what) {
  ++stats.guest_errors;
  diag.guest_error(kind, subject, value, what);
}

void ControllerImpl::trace_at(TracePoint p, const sc_core::sc_time& delay, std::string text) {
  if (delay == sc_core::SC_ZERO_TIME) return diag.trace(p, text);
  actions.at(delay, [this, p, text = std::move(text)] { diag.trace(p, text); });
}

// ---------------------------------------------------------------------------------------------
// Names

std::string ControllerImpl::doorbell_subject(uint32_t offset) const {
  const uint32_t stride = 4u << cfg.doorbell_stride;
  const uint32_t rel = offset - r::kDoorbellBase;
  if (rel % stride) return "BAR0";
  const uint32_t index = rel / stride;
  return queue_subject(index & 1, index / 2);
}

std::string ControllerImpl::bar0_name(uint32_t offset) const {
  if (offset < r::kDoorbellBase) {
    const RegisterSpec* reg = regs.spec_at(offset);
    if (!reg) return "reserved " + hex(offset);
    return offset == reg->offset ? reg->name : reg->name + "+" + std::to_string(offset - reg->offset);
  }
  if (offset < cfg.doorbell_area_end()) {
    const uint32_t stride = 4u << cfg.doorbell_stride;
    const uint32_t rel = offset - r::kDoorbellBase;
    if (rel % stride) return "reserved " + hex(offset);
    const uint32_t index = rel / stride;
    return ((index & 1) ? "CQ" : "SQ") + std::to_string(index / 2) + ((index & 1) ? "HDBL" : "TDBL");
  }
  const uint64_t table = cfg.pci.msix_table_offset, pba = cfg.pci.msix_pba_offset;
  if (cfg.pci.msix && offset >= table && offset < table + msix.table_bytes()) {
    const uint64_t rel = offset - table;
    return "MSI-X entry " + std::to_string(rel / 16) + (rel % 16 ? "+" + std::to_string(rel % 16) : "");
  }
  if (cfg.pci.msix && offset >= pba && offset < pba + msix.pba_bytes()) return "MSI-X PBA+" + std::to_string(offset - pba);
  return "reserved " + hex(offset);
}

// ---------------------------------------------------------------------------------------------
// Register accesses

void ControllerImpl::check_register_access(uint32_t offset, unsigned len, const uint8_t* be, unsigned be_len, bool is_write) {
  const RegisterSpec* reg = regs.spec_at(offset);
  if (!reg) return;  // a reserved offset: reads 0, a write is a reserved write
  bool bytes_left_out = false;
  for (unsigned i = 0; be && be_len && i < len; ++i) bytes_left_out = bytes_left_out || !be[i % be_len];
  if ((len == 4 || (len == 8 && reg->width == 8)) && !bytes_left_out) return;
  guest_error(GuestError::RegisterAccessWidth, reg->name, offset,
              std::to_string(len) + "-byte " + (is_write ? "write" : "read") + " at " + hex(offset) + " (" + bar0_name(offset) +
                  ", a " + std::to_string(reg->width * 8) + "-bit register" + (bytes_left_out ? ", bytes left out by byte enables" : "") +
                  "); carried out");
}

void ControllerImpl::register_write_ignored(const RegisterSpec* reg, uint32_t offset, uint64_t written, uint64_t ignored) {
  if (!reg) {
    guest_error(GuestError::RegisterReservedWrite, "BAR0", offset,
                "write of " + hex(written) + " to " + hex(offset) + ", where no register is implemented; ignored");
  } else if (reg->rw_mask == 0) {
    const bool whole = (reg->w1c_mask | reg->w1s_mask) == 0;
    guest_error(GuestError::RegisterReadOnlyWrite, reg->name, written,
                "write of " + hex(written) + " to " + (whole ? "read-only register " + reg->name
                                                             : reg->name + " sets read-only or reserved bits " + hex(ignored)) +
                    "; ignored");
  } else {
    guest_error(GuestError::RegisterReservedBits, reg->name, written,
                "write of " + hex(written) + " to " + reg->name + " sets reserved bits " + hex(ignored) + "; they stay 0");
  }
}

void ControllerImpl::check_cc_write(uint32_t old_v, uint32_t new_v) {
  const uint32_t status = csts();
  if (status & r::csts::kCfs) return;  // recovering from a fatal status: any transition is expected
  const bool en_old = old_v & r::cc::kEn, en_new = new_v & r::cc::kEn;
  if (static_cast<bool>(status & r::csts::kRdy) == en_old) return;  // the last transition has finished
  constexpr uint32_t kConfigFields = 0x00FF3FF0u;                    // CSS, MPS, AMS, IOSQES, IOCQES
  const std::string change = " (CC " + hex(old_v) + " -> " + hex(new_v) + ")";
  if (en_old != en_new) {
    guest_error(GuestError::CcChangedWhileNotReady, "CC", new_v,
                std::string(en_new ? "CC.EN set while CSTS.RDY is still 1 (the reset has not finished)"
                                   : "CC.EN cleared while CSTS.RDY is still 0 (the enable has not finished)") +
                    change);
  } else if (!en_new && ((old_v ^ new_v) & kConfigFields)) {
    guest_error(GuestError::CcChangedWhileNotReady, "CC", new_v,
                "CC.CSS/MPS/AMS/IOSQES/IOCQES changed while CSTS.RDY is still 1 (the reset has not finished)" + change);
  }
}

// ---------------------------------------------------------------------------------------------
// Queues and commands

void ControllerImpl::queue_created(bool is_cq, uint16_t qid) {
  const uint64_t base = is_cq ? cqs[qid].base : sqs[qid].base;
  const uint32_t entries = is_cq ? cqs[qid].size : sqs[qid].size;
  const uint64_t end = base + uint64_t{entries} * (is_cq ? spec::kCqeSize : spec::kSqeSize);
  const std::string self = queue_subject(is_cq, qid);
  if (diag.on(TracePoint::QueueCreated))
    diag.trace(TracePoint::QueueCreated, self + " at " + hex(base) + ", " + std::to_string(entries) + " entries" +
                                             (is_cq ? ", vector " + std::to_string(cqs[qid].vector) + (cqs[qid].interrupts_enabled ? "" : " (interrupts off)")
                                                    : " -> CQ" + std::to_string(sqs[qid].cqid)));
  auto check = [&](bool other_cq, std::size_t id, uint64_t other_base, uint32_t other_entries) {
    if (other_cq == is_cq && id == qid) return false;
    const uint64_t other_end = other_base + uint64_t{other_entries} * (other_cq ? spec::kCqeSize : spec::kSqeSize);
    if (!(base < other_end && other_base < end)) return false;
    guest_error(GuestError::QueueMemoryOverlap, self, base,
                "I/O " + self + " at " + hex(base) + ".." + hex(end - 1) + " overlaps " + queue_subject(other_cq, static_cast<uint32_t>(id)) +
                    " at " + hex(other_base) + ".." + hex(other_end - 1) + "; created");
    return true;
  };
  for (std::size_t q = 0; q < sqs.size(); ++q)
    if (sqs[q].valid && check(false, q, sqs[q].base, sqs[q].size)) return;
  for (std::size_t q = 0; q < cqs.size(); ++q)
    if (cqs[q].valid && check(true, q, cqs[q].base, cqs[q].size)) return;
}

void ControllerImpl::queue_deleted(bool is_cq, uint16_t qid) {
  if (diag.on(TracePoint::QueueDeleted)) diag.trace(TracePoint::QueueDeleted, queue_subject(is_cq, qid) + " deleted");
}

void ControllerImpl::prp_offset_invalid(const Command& cmd) {
  namespace op = spec::admin_opcode;
  const uint64_t prp1 = cmd.sqe.prp1(), prp2 = cmd.sqe.prp2();
  const uint8_t opcode = cmd.sqe.opcode();
  const bool queue_base = cmd.sqid == 0 && (opcode == op::kCreateIoSq || opcode == op::kCreateIoCq);
  uint64_t value = prp1;
  std::string where;
  if (queue_base) where = "PRP1 " + hex(prp1) + " (the queue's base) is not aligned to the memory page size";
  else if (prp1 & 3) where = "PRP1 " + hex(prp1) + " is not dword aligned";
  else {
    value = prp2;
    where = "PRP2 " + hex(prp2) + ", or an entry of the PRP list it points to, has a non-zero offset (PRP1 " + hex(prp1) + ")";
  }
  guest_error(GuestError::PrpMisaligned, queue_subject(false, cmd.sqid), value,
              "SQ" + std::to_string(cmd.sqid) + " CID " + std::to_string(cmd.sqe.cid()) + " (" + spec::opcode_name(cmd.sqid == 0, opcode) +
                  "): PRP Offset Invalid: " + where + " (memory page size " + std::to_string(page_size()) + ")");
}

// ---------------------------------------------------------------------------------------------
// Trace point texts (called only when the point is enabled)

namespace {
uint64_t little_endian(const uint8_t* data, unsigned len) {
  uint64_t v = 0;
  for (unsigned i = 0; i < len && i < 8; ++i) v |= static_cast<uint64_t>(data[i]) << (8 * i);
  return v;
}
}  // namespace

void ControllerImpl::trace_register(uint32_t offset, const uint8_t* data, unsigned len, bool is_write, const sc_core::sc_time& delay) {
  if (is_write && offset >= r::kDoorbellBase && offset < cfg.doorbell_area_end()) return;  // reg.doorbell, when applied
  trace_at(is_write ? TracePoint::RegWrite : TracePoint::RegRead, delay,
           std::string(is_write ? "write " : "read ") + bar0_name(offset) + " (" + hex(offset) + ", " + std::to_string(len) +
               " bytes) = " + hex(little_endian(data, len)));
}

void ControllerImpl::trace_config(uint32_t offset, const uint8_t* data, unsigned len, bool is_write, const sc_core::sc_time& delay) {
  trace_at(is_write ? TracePoint::CfgWrite : TracePoint::CfgRead, delay,
           std::string(is_write ? "write " : "read ") + hex(offset) + " (" + std::to_string(len) + " bytes) = " +
               hex(little_endian(data, len)));
}

void ControllerImpl::trace_fetched(const Command& cmd) {
  const sc_core::sc_time now = sim_now();
  trace_at(TracePoint::CmdFetched, cmd.fetched_at > now ? cmd.fetched_at - now : sc_core::SC_ZERO_TIME,
           "SQ" + std::to_string(cmd.sqid) + " CID " + std::to_string(cmd.sqe.cid()) + " " +
               spec::opcode_name(cmd.sqid == 0, cmd.sqe.opcode()) + " (opcode " + hex(cmd.sqe.opcode()) + ") NSID " +
               std::to_string(cmd.sqe.nsid()) + " from entry " + std::to_string(cmd.sq_entry));
}

void ControllerImpl::trace_completed(const Command& cmd) {
  const sc_core::sc_time now = sim_now();
  diag.trace(TracePoint::CmdCompleted, "SQ" + std::to_string(cmd.sqid) + " CID " + std::to_string(cmd.sqe.cid()) + " " +
                                           spec::opcode_name(cmd.sqid == 0, cmd.sqe.opcode()) + " -> " + spec::status::name(cmd.status) +
                                           " (status " + hex(cmd.status.field()) + ") on CQ" + std::to_string(sqs[cmd.sqid].cqid) +
                                           ", " + us_text(now - std::min(now, cmd.rung_at)) + " after the doorbell");
}

void ControllerImpl::trace_message(uint64_t address, uint32_t data, uint16_t vector, const sc_core::sc_time& send_at) {
  const sc_core::sc_time now = sim_now();
  trace_at(pci.msix_enabled() ? TracePoint::IrqMsix : TracePoint::IrqMsi, send_at > now ? send_at - now : sc_core::SC_ZERO_TIME,
           "vector " + std::to_string(vector) + ": " + hex(data) + " to " + hex(address));
}

// ---------------------------------------------------------------------------------------------
// The controller's view of its queues

std::optional<QueueInfo> ControllerImpl::queue_info(bool submission, uint16_t id) const {
  QueueInfo q;
  q.submission = submission;
  q.id = id;
  if (submission) {
    if (id >= sqs.size() || !sqs[id].valid) return std::nullopt;
    const SubmissionQueue& sq = sqs[id];
    q.serial = sq.serial;
    q.base = sq.base;
    q.entries = sq.size;
    q.head = sq.head;
    q.tail = sq.tail;
    q.cqid = sq.cqid;
    q.in_flight = sq.in_flight;
    if (id == 0) q.in_flight += static_cast<uint32_t>(parked_aers.size()) + aers_completing;  // (in no slot)
    q.deleting = sq.deleting;
  } else {
    if (id >= cqs.size() || !cqs[id].valid) return std::nullopt;
    const CompletionQueue& cq = cqs[id];
    q.serial = cq.serial;
    q.base = cq.base;
    q.entries = cq.size;
    q.head = cq.head;
    q.tail = cq.tail;
    q.phase = cq.phase;
    q.vector = cq.vector;
    q.interrupts_enabled = cq.interrupts_enabled;
  }
  return q;
}

std::vector<QueueInfo> ControllerImpl::queue_infos() const {
  std::vector<QueueInfo> out;
  for (std::size_t id = 0; id < cqs.size(); ++id)
    for (bool submission : {false, true})
      if (std::optional<QueueInfo> q = queue_info(submission, static_cast<uint16_t>(id))) out.push_back(*q);
  return out;
}

}  // namespace scnvme::detail
