#include "queue_monitor.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include <systemc>

#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::platform {

namespace {
constexpr const char* kMsgType = "scnvme/protocol";
}

QueueMonitor::QueueMonitor(std::string name, Controller& controller, HostRead read_host)
    : name_(std::move(name)), controller_(controller), read_host_(std::move(read_host)) {
  resync();
  controller_.on_command_fetched([this](const CommandRecord& r) { fetched(r); });
  controller_.on_command_complete([this](const CommandRecord& r) { completed(r); });
}

void QueueMonitor::resync() {
  sqs_.clear();
  cqs_.clear();
  known_serial_ = 0;
  for (const QueueInfo& q : controller_.queues()) known_serial_ = std::max(known_serial_, q.serial);
}

void QueueMonitor::violation(const std::string& what) {
  ++violations_;
  std::ostringstream s;
  s << name_ << ": " << what << " (at " << sc_core::sc_time_stamp() << ")";
  if (findings_.size() < kMaxFindings) findings_.push_back(s.str());
  SC_REPORT_ERROR(kMsgType, s.str().c_str());
}

QueueMonitor::SqShadow& QueueMonitor::sq_shadow(const QueueInfo& q) {
  auto [it, fresh] = sqs_.try_emplace(q.serial);
  if (fresh) it->second.adopted = q.serial <= known_serial_;
  return it->second;
}

QueueMonitor::CqShadow& QueueMonitor::cq_shadow(const QueueInfo& q) {
  auto [it, fresh] = cqs_.try_emplace(q.serial);
  if (fresh) it->second.adopted = q.serial <= known_serial_;
  return it->second;
}

void QueueMonitor::fetched(const CommandRecord& r) {
  ++fetches_;
  const std::optional<QueueInfo> sq = controller_.queue(true, r.sqid);
  const std::string what = "SQ " + std::to_string(r.sqid) + " entry " + std::to_string(r.sq_entry);
  if (!sq) return violation("command fetched from " + what + ", a queue that does not exist");
  if (r.sq_entry >= sq->entries) return violation("command fetched from " + what + ", beyond its " + std::to_string(sq->entries) + " entries");
  // The controller advanced its head past the entry; the host's tail must have covered it.
  const uint32_t pending_before = (sq->tail + sq->entries - r.sq_entry) % sq->entries;
  if (pending_before == 0) violation("command fetched from " + what + ", which the tail doorbell (" + std::to_string(sq->tail) + ") did not make available");
  SqShadow& s = sq_shadow(*sq);
  if (s.adopted) {
    s.adopted = false;
  } else if (r.sq_entry != s.next_entry) {
    violation("command fetched from " + what + " out of order (entry " + std::to_string(s.next_entry) + " was next)");
  }
  s.next_entry = (r.sq_entry + 1) % sq->entries;
  uint8_t sqe[spec::kSqeSize];
  if (read_host_(sq->base + uint64_t{r.sq_entry} * spec::kSqeSize, sqe, sizeof sqe)) {
    const uint16_t cid = spec::get_le16(sqe + 2);
    if (cid != r.cid || sqe[0] != r.opcode)
      violation("command fetched from " + what + " as CID " + std::to_string(r.cid) + " opcode " + std::to_string(r.opcode) +
                "; host memory there holds CID " + std::to_string(cid) + " opcode " + std::to_string(sqe[0]));
  }
  s.outstanding.insert(r.cid);
}

void QueueMonitor::completed(const CommandRecord& r) {
  ++completions_;
  const std::optional<QueueInfo> cq = controller_.queue(false, r.cqid);
  const std::optional<QueueInfo> sq = controller_.queue(true, r.sqid);
  const std::string what = "CQE for SQ " + std::to_string(r.sqid) + " CID " + std::to_string(r.cid) + " in CQ " +
                           std::to_string(r.cqid) + " entry " + std::to_string(r.cq_entry);
  if (!cq) return violation(what + ": the CQ does not exist");
  if (!sq) return violation(what + ": the SQ does not exist");
  if (sq->cqid != r.cqid) return violation(what + ": SQ " + std::to_string(r.sqid) + " posts to CQ " + std::to_string(sq->cqid));
  if (r.cq_entry >= cq->entries) return violation(what + ": beyond the CQ's " + std::to_string(cq->entries) + " entries");

  uint8_t cqe[spec::kCqeSize];
  const bool readable = read_host_(cq->base + uint64_t{r.cq_entry} * spec::kCqeSize, cqe, sizeof cqe);
  CqShadow& c = cq_shadow(*cq);
  if (c.adopted) {  // learn where this CQ is from the entry as written
    c.adopted = false;
    c.next_entry = r.cq_entry;
    c.phase = readable ? (cqe[14] & 1) : true;
  }
  if (r.cq_entry != c.next_entry) violation(what + ": out of order (entry " + std::to_string(c.next_entry) + " was next)");
  if ((r.cq_entry + 1) % cq->entries == cq->head)
    violation(what + ": the CQ was full (head doorbell " + std::to_string(cq->head) + "), an entry the host had not consumed was overwritten");
  if (readable) {
    const uint32_t dw2 = spec::get_le32(cqe + 8), dw3 = spec::get_le32(cqe + 12);
    const bool phase = dw3 & (1u << 16);
    const unsigned sqhd = dw2 & 0xFFFF, sqid = dw2 >> 16, cid = dw3 & 0xFFFF, status = dw3 >> 17;
    if (phase != c.phase) violation(what + ": phase tag " + std::to_string(phase) + " on a pass whose tag is " + std::to_string(c.phase));
    if (sqid != r.sqid || cid != r.cid || status != r.status)
      violation(what + ": host memory holds SQ " + std::to_string(sqid) + " CID " + std::to_string(cid) + " status 0x" +
                [&] { std::ostringstream h; h << std::hex << status << " (expected 0x" << r.status << ")"; return h.str(); }());
    if (sqhd >= sq->entries) violation(what + ": SQ head " + std::to_string(sqhd) + " beyond the SQ's " + std::to_string(sq->entries) + " entries");
  }
  c.next_entry = (r.cq_entry + 1) % cq->entries;
  if (c.next_entry == 0) c.phase = !c.phase;

  SqShadow& s = sq_shadow(*sq);
  const auto it = s.outstanding.find(r.cid);
  if (it != s.outstanding.end()) s.outstanding.erase(it);
  else if (sq->serial > known_serial_) violation(what + ": no command with that CID was fetched from the SQ and left unanswered (answered twice?)");
}

void QueueMonitor::check_pending() {
  const std::vector<QueueInfo> queues = controller_.queues();
  // Queues deleted or reset away are forgotten (their unanswered commands went with them).
  const auto gone = [&](uint64_t serial) {
    return std::none_of(queues.begin(), queues.end(), [&](const QueueInfo& q) { return q.serial == serial; });
  };
  for (auto it = sqs_.begin(); it != sqs_.end();) it = gone(it->first) ? sqs_.erase(it) : std::next(it);
  for (auto it = cqs_.begin(); it != cqs_.end();) it = gone(it->first) ? cqs_.erase(it) : std::next(it);
  for (const QueueInfo& q : queues) {
    if (!q.submission) continue;
    const auto it = sqs_.find(q.serial);
    const uint64_t held = it == sqs_.end() ? 0 : it->second.outstanding.size();
    if (q.serial > known_serial_ && held != q.in_flight)
      violation("SQ " + std::to_string(q.id) + ": " + std::to_string(held) + " commands fetched and not answered, the controller holds " +
                std::to_string(q.in_flight));
  }
}

uint64_t QueueMonitor::outstanding() const {
  uint64_t n = 0;
  for (const QueueInfo& q : controller_.queues())
    if (const auto it = sqs_.find(q.serial); q.submission && it != sqs_.end()) n += it->second.outstanding.size();
  return n;
}

}  // namespace scnvme::platform
