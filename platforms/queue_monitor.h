// An NVMe queue-protocol monitor: watches one controller's command fetches and completions
// (Controller::on_command_fetched / on_command_complete, with Controller::queue()) and the host
// memory they touch, and checks the controller's side of the queue protocol (NVMe Base 2.0, 3.3.1 and 4.6):
//   - SQEs are fetched in order from entries the host's tail doorbell made available, and the
//     command the controller took is the one in host memory there (CID, opcode);
//   - every CQE lands in the CQ's next entry, in order, with the phase tag of the current pass,
//     never on an entry the host has not consumed (a full queue), with the SQ ID, CID and status
//     of a command fetched from that SQ and not answered before, and an SQ head inside the SQ;
//   - check_pending(): every command fetched from a queue that still exists has been answered or
//     is still held by the controller (its in-flight count).
// A violation is reported with SC_REPORT_ERROR under "scnvme/protocol" (as ProtocolChecker does)
// and counted. Queues that existed before the monitor was attached, or after resync() (a
// checkpoint restore), are adopted at their first completion.
//
//   QueueMonitor mon("mon", nvme, [&](uint64_t a, void* p, std::size_t n) { return mem.read(a, p, n); });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "scnvme/controller.h"

namespace scnvme::platform {

class QueueMonitor {
 public:
  /// Reads `len` bytes of host memory at bus address `addr` side-effect free; false if unmapped.
  using HostRead = std::function<bool(uint64_t addr, void* dst, std::size_t len)>;

  QueueMonitor(std::string name, Controller& controller, HostRead read_host);
  QueueMonitor(const QueueMonitor&) = delete;
  QueueMonitor& operator=(const QueueMonitor&) = delete;

  /// Every command fetched from an SQ that exists now is answered or in flight in the controller.
  /// Call when the host and controller are at rest (no completion between the two views), and not
  /// while CSTS.CFS is set (NVMe 2.0 9.5: the commands in flight then never complete).
  void check_pending();
  /// Forgets what it knew of the queues (after a checkpoint restore): they are adopted again.
  void resync();

  uint64_t fetches() const { return fetches_; }
  uint64_t completions() const { return completions_; }
  uint64_t violations() const { return violations_; }
  /// Commands fetched and not answered, over the queues that exist.
  uint64_t outstanding() const;
  const std::vector<std::string>& findings() const { return findings_; }
  static constexpr std::size_t kMaxFindings = 32;

 private:
  struct SqShadow {
    bool adopted = false;     // created before the monitor knew it: entry order learnt at first fetch
    uint32_t next_entry = 0;  // the entry the next fetch must come from
    std::unordered_multiset<uint16_t> outstanding;  // CIDs fetched and not answered
  };
  struct CqShadow {
    bool adopted = false;     // slot and phase learnt from the first CQE seen
    uint32_t next_entry = 0;
    bool phase = true;
  };

  void fetched(const CommandRecord& r);
  void completed(const CommandRecord& r);
  SqShadow& sq_shadow(const QueueInfo& q);
  CqShadow& cq_shadow(const QueueInfo& q);
  void violation(const std::string& what);

  std::string name_;
  Controller& controller_;
  HostRead read_host_;
  uint64_t known_serial_ = 0;  // queues with a serial up to this one existed before (adopted)
  std::map<uint64_t, SqShadow> sqs_;  // by serial
  std::map<uint64_t, CqShadow> cqs_;
  uint64_t fetches_ = 0, completions_ = 0, violations_ = 0;
  std::vector<std::string> findings_;
};

}  // namespace scnvme::platform
