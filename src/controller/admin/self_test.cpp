// Device Self-test (NVMe Base 2.0, 5.9 and 8.11) and the Device Self-test log (5.16.1.7).
//
// A short or extended operation runs in the background for its configured time
// (self_test_short_ms / self_test_extended_ms): the command completes at once, the end is a timed
// action. One operation at a time; a second start gets Device Self-test in Progress; STC Fh aborts.
// A Controller Level Reset aborts a short operation; an extended one persists across resets and
// power cycles and goes on to its end. The modelled media has no defects a test could find: an
// operation that is not aborted completes without error.
#include <algorithm>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace dst = spec::log::self_test;

namespace {
constexpr uint32_t kStcMask = 0xF;  // CDW10 bits 3:0; bits 31:4 reserved
}

void ControllerImpl::admin_device_self_test(Command& cmd) {
  if (!cfg.device_self_test) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  const uint32_t cdw10 = cmd.sqe.cdw10();
  const uint8_t stc = static_cast<uint8_t>(cdw10 & kStcMask);
  if (cdw10 & ~kStcMask) return cmd.fail(st::kInvalidField, 40, 4);
  if (stc == dst::kAbort) {  // whatever the NSID; nothing running: nothing to do
    if (self_test.current) self_test_record(dst::kAbortedByCommand);
    return;
  }
  if (stc != dst::kShort && stc != dst::kExtended) return cmd.fail(st::kInvalidField, 40);  // (no vendor tests)
  // NSID 0: no namespace is tested; FFFFFFFFh: every active namespace; else that active namespace.
  const uint32_t nsid = cmd.sqe.nsid();
  if (nsid != 0 && nsid != spec::kBroadcastNsid && !namespace_active(nsid)) return cmd.fail(st::kInvalidNamespaceOrFormat, 4);
  if (self_test.current) return cmd.fail(st::kDeviceSelfTestInProgress);

  self_test.current = stc;
  self_test.nsid = nsid;
  self_test.started = sim_now();
  self_test.duration = sc_core::sc_time(stc == dst::kShort ? cfg.self_test_short_ms : cfg.self_test_extended_ms, sc_core::SC_MS);
  const uint64_t generation = ++self_test.generation;
  actions.at(self_test.duration, [this, generation] { self_test_finished(generation); }, Timer{kTimerSelfTest, generation, 0});
}

void ControllerImpl::self_test_finished(uint64_t generation) {
  if (generation != self_test.generation || !self_test.current) return;  // aborted or rescheduled
  self_test_record(dst::kCompleted);
}

void ControllerImpl::self_test_record(uint8_t result) {
  SelfTestState::Result r;
  r.status = dst::status(self_test.current, result);
  r.power_on_hours = static_cast<uint64_t>(sim_now().to_seconds() / 3600.0);
  self_test.results.push_front(r);
  if (self_test.results.size() > dst::kMaxResults) self_test.results.pop_back();
  self_test.current = 0;
  ++self_test.generation;
}

void ControllerImpl::self_test_reset() {
  if (self_test.current == dst::kShort) return self_test_record(dst::kAbortedByReset);
  if (self_test.current != dst::kExtended) return;
  // The extended operation goes on; its end is scheduled again (a power loss drops every pending
  // timed action).
  const sc_core::sc_time end = self_test.started + self_test.duration, now = sim_now();
  const uint64_t generation = ++self_test.generation;
  actions.at(end > now ? end - now : sc_core::SC_ZERO_TIME, [this, generation] { self_test_finished(generation); },
             Timer{kTimerSelfTest, generation, 0});
}

std::vector<uint8_t> ControllerImpl::self_test_log() const {
  std::vector<uint8_t> page(dst::kSize, 0);
  page[dst::kCurrentOperation] = self_test.current;
  if (self_test.current) {
    const double done = (sim_now() - self_test.started) / self_test.duration;
    page[dst::kCurrentCompletion] = static_cast<uint8_t>(std::min(99.0, std::max(0.0, done * 100.0)));
  }
  for (unsigned i = 0; i < dst::kMaxResults; ++i) {
    uint8_t* e = page.data() + dst::result(i);
    if (i >= self_test.results.size()) {
      e[dst::kStatus] = dst::kUnused;  // no valid result in this entry
      continue;
    }
    const SelfTestState::Result& r = self_test.results[i];
    e[dst::kStatus] = r.status;
    spec::put_le64(e + dst::kPowerOnHours, r.power_on_hours);
    // No failure is ever found: segment, NSID, failing LBA and status code stay invalid (0).
  }
  return page;
}

}  // namespace scnvme::detail
