// Create/Delete I/O Completion and Submission Queues (NVMe Base 2.0, 5.3-5.6).
#include <algorithm>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace qc = spec::queue_cmd;

namespace {
constexpr const char* kMsgQueues = "scnvme/queues";
}

void ControllerImpl::admin_create_cq(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10(), cdw11 = cmd.sqe.cdw11();
  const uint16_t qid = qc::qid(cdw10);
  const uint32_t cc = static_cast<uint32_t>(regs.value(spec::reg::kCc));
  if (spec::reg::cc::iocqes(cc) != spec::kCqesLog2) return cmd.fail(st::kInvalidQueueSize, 42);
  if (qid == 0 || qid > features.ncqa + 1u || cqs[qid].valid) return cmd.fail(st::kInvalidQueueIdentifier, 40);
  if (qc::qsize(cdw10) == 0 || qc::qsize(cdw10) > cfg.max_queue_entries - 1) return cmd.fail(st::kInvalidQueueSize, 42);
  if (!qc::pc(cdw11)) return cmd.fail(st::kInvalidField, 44);  // CAP.CQR = 1: queues must be contiguous
  const uint16_t iv = qc::iv(cdw11);
  if (qc::ien(cdw11) || iv != 0) {
    if (iv >= interrupt_vectors()) return cmd.fail(st::kInvalidInterruptVector, 46);
  }
  if (cmd.sqe.prp1() & (page_size() - 1)) return cmd.fail(st::kPrpOffsetInvalid, 24);
  if (cdw11 & 0x0000FFFC) return cmd.fail(st::kInvalidField, 44);  // reserved bits 15:2

  CompletionQueue& cq = cqs[qid];
  cq = CompletionQueue{};
  cq.valid = true;
  cq.id = qid;
  cq.serial = ++queue_serial;
  cq.base = cmd.sqe.prp1();
  cq.size = qc::qsize(cdw10) + 1u;
  cq.interrupts_enabled = qc::ien(cdw11);
  cq.vector = iv;
  io_queues_exist = true;
  SC_REPORT_INFO_VERB(kMsgQueues, (name + ": created CQ " + std::to_string(qid) + " (" + std::to_string(cq.size) +
                                   " entries, vector " + std::to_string(iv) + ")").c_str(), sc_core::SC_HIGH);
  queue_created(true, qid);
}

void ControllerImpl::admin_create_sq(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10(), cdw11 = cmd.sqe.cdw11();
  const uint16_t qid = qc::qid(cdw10);
  const uint16_t cqid = qc::cqid(cdw11);
  const uint32_t cc = static_cast<uint32_t>(regs.value(spec::reg::kCc));
  if (spec::reg::cc::iosqes(cc) != spec::kSqesLog2) return cmd.fail(st::kInvalidQueueSize, 42);
  if (qid == 0 || qid > features.nsqa + 1u || sqs[qid].valid) return cmd.fail(st::kInvalidQueueIdentifier, 40);
  if (qc::qsize(cdw10) == 0 || qc::qsize(cdw10) > cfg.max_queue_entries - 1) return cmd.fail(st::kInvalidQueueSize, 42);
  if (!qc::pc(cdw11)) return cmd.fail(st::kInvalidField, 44);
  if (cqid == 0 || cqid >= cqs.size() || !cqs[cqid].valid) return cmd.fail(st::kCompletionQueueInvalid, 46);
  if (cmd.sqe.prp1() & (page_size() - 1)) return cmd.fail(st::kPrpOffsetInvalid, 24);
  if (cdw11 & 0x0000FFF8) return cmd.fail(st::kInvalidField, 44);  // reserved bits 15:3

  SubmissionQueue& sq = sqs[qid];
  sq = SubmissionQueue{};
  sq.valid = true;
  sq.id = qid;
  sq.serial = ++queue_serial;
  sq_id_limit = std::max<std::size_t>(sq_id_limit, qid + 1u);
  sq.cqid = cqid;
  sq.base = cmd.sqe.prp1();
  sq.size = qc::qsize(cdw10) + 1u;
  sq.priority = qc::qprio(cdw11);
  ++cqs[cqid].sq_count;
  io_queues_exist = true;
  SC_REPORT_INFO_VERB(kMsgQueues, (name + ": created SQ " + std::to_string(qid) + " -> CQ " + std::to_string(cqid)).c_str(),
                      sc_core::SC_HIGH);
  queue_created(false, qid);
}

void ControllerImpl::admin_delete_cq(Command& cmd) {
  const uint16_t qid = qc::qid(cmd.sqe.cdw10());
  if (qid == 0 || qid >= cqs.size() || !cqs[qid].valid) return cmd.fail(st::kInvalidQueueIdentifier, 40);
  if (cqs[qid].sq_count > 0) return cmd.fail(st::kInvalidQueueDeletion, 40);
  queue_deleted(true, qid);
  cqs[qid] = CompletionQueue{};
  trace.cq_entries(qid, 0);
  update_intx();
}

void ControllerImpl::admin_delete_sq(Command& cmd) {
  const uint16_t qid = qc::qid(cmd.sqe.cdw10());
  if (qid == 0 || qid >= sqs.size() || !sqs[qid].valid || sqs[qid].deleting) return cmd.fail(st::kInvalidQueueIdentifier, 40);
  SubmissionQueue& sq = sqs[qid];
  sq.deleting = true;  // no more fetches; commands not yet executing complete as aborted
  while (!stale(cmd) && sq.in_flight > 0) sc_core::wait(slot_done_event | reset_event);
  if (stale(cmd)) return;
  CompletionQueue& cq = cqs[sq.cqid];
  if (cq.valid && cq.sq_count > 0) --cq.sq_count;
  trace.sq_dropped(qid, sq.pending());
  queue_deleted(false, qid);
  sq = SubmissionQueue{};
}

}  // namespace scnvme::detail
