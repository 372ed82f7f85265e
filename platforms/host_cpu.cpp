#include "host_cpu.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

namespace scnvme::platform {

HostCpu::HostCpu(const sc_core::sc_module_name& name, unsigned vectors, sc_core::sc_time op_cost)
    : sc_module(name), bus("bus"), op_cost_(op_cost), counts_(vectors, 0), pending_(vectors, 0) {
  for (unsigned i = 0; i < vectors; ++i) events_.push_back(std::make_unique<sc_core::sc_event>());
  // SystemC's resolution is a power of ten seconds from 1 fs up: either divides 1 ns or a multiple of it.
  const auto resolution_fs = static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e15));
  if (resolution_fs <= 1000000) ticks_per_ns_ = 1000000 / resolution_fs;
  else ns_per_tick_ = resolution_fs / 1000000;
  sc_core::sc_spawn_options opts;
  opts.spawn_method();
  opts.set_sensitivity(&arrival_);
  opts.dont_initialize();
  sc_core::sc_spawn([this] { dispatch(); }, "interrupt_dispatch", &opts);
}

void HostCpu::run(const char* thread_name, std::function<void()> body) { sc_core::sc_spawn(std::move(body), thread_name); }

HostCpu::ThreadTime& HostCpu::thread() {
  // The running process (sc_get_current_process_b is SystemC's inline accessor; the handle-based
  // sc_get_current_process_handle() is an out-of-line call, on every store and load).
  const sc_core::sc_object* self = sc_core::sc_get_current_process_b();
  for (auto& t : threads_)
    if (t.thread == self) return t;
  threads_.emplace_back();
  threads_.back().thread = self;
  return threads_.back();
}

namespace {
const sc_core::sc_time kMaxAhead(1, sc_core::SC_US);
}

void HostCpu::advance(const sc_core::sc_time& t) {
  ThreadTime& me = thread();
  me.ahead += t;
  if (me.ahead >= kMaxAhead) sync();
}

void HostCpu::sync() {
  ThreadTime& me = thread();
  const sc_core::sc_time ahead = me.ahead;
  me.ahead = sc_core::SC_ZERO_TIME;
  if (ahead > sc_core::SC_ZERO_TIME) sc_core::wait(ahead);
}

bool HostCpu::transact(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
  ThreadTime& me = thread();
  const bool is_read = cmd == tlm::TLM_READ_COMMAND;
  if (is_read) {
    // A load does not pass the thread's posted stores: it leaves once they have landed.
    const sc_core::sc_time now = simcontext()->time_stamp();
    if (me.stores_at > now + me.ahead) me.ahead = me.stores_at - now;
    sync();
  }
  // One payload object serves the CPU's accesses (constructing one allocates); a thread whose
  // access overlaps another's (a target waiting inside b_transport) uses its own.
  std::optional<tlm::tlm_generic_payload> local;
  const bool shared = !payload_busy_;
  tlm::tlm_generic_payload& t = shared ? payload_ : local.emplace();
  if (shared) payload_busy_ = true;
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const sc_core::sc_time before = simcontext()->time_stamp();
  sc_core::sc_time delay = thread().ahead + op_cost_;
  bus->b_transport(t, delay);
  const bool ok = t.is_response_ok();
  if (shared) payload_busy_ = false;
  ThreadTime& after = thread();  // (a target that waited inside b_transport moved time on)
  if (is_read) {
    sc_core::wait(delay);
  } else {
    // Posted: the thread has spent its issue cost; the store lands at now + delay.
    after.stores_at = std::max(after.stores_at, simcontext()->time_stamp() + delay);
    const sc_core::sc_time waited = simcontext()->time_stamp() - before;
    after.ahead = after.ahead + op_cost_ > waited ? after.ahead + op_cost_ - waited : sc_core::SC_ZERO_TIME;
    if (after.ahead >= kMaxAhead) sync();
  }
  return ok;
}

bool HostCpu::read(uint64_t addr, void* data, unsigned len) {
  return transact(tlm::TLM_READ_COMMAND, addr, static_cast<uint8_t*>(data), len);
}
bool HostCpu::write(uint64_t addr, const void* data, unsigned len) {
  return transact(tlm::TLM_WRITE_COMMAND, addr, static_cast<uint8_t*>(const_cast<void*>(data)), len);
}

void HostCpu::raise(unsigned vector, const sc_core::sc_time& delay) {
  if (vector >= events_.size()) return;
  const sc_core::sc_time when = simcontext()->time_stamp() + delay;
  const bool earliest = arriving_.empty() || when < arriving_.front().when;
  arriving_.push_back({when, arrival_seq_++, vector});
  std::push_heap(arriving_.begin(), arriving_.end(), std::greater<Arrival>{});
  if (earliest) arrival_.notify(delay);  // otherwise an earlier notification is pending
}

void HostCpu::dispatch() {
  while (!arriving_.empty() && arriving_.front().when <= simcontext()->time_stamp()) {
    std::pop_heap(arriving_.begin(), arriving_.end(), std::greater<Arrival>{});
    const unsigned v = arriving_.back().vector;
    arriving_.pop_back();
    ++counts_[v];
    ++pending_[v];
    events_[v]->notify(sc_core::SC_ZERO_TIME);
    if (auto h = handlers_.find(v); h != handlers_.end()) h->second(v);
  }
  if (!arriving_.empty()) arrival_.notify(arriving_.front().when - simcontext()->time_stamp());
}

bool HostCpu::wait_interrupt(unsigned vector, const sc_core::sc_time& timeout) {
  if (vector >= events_.size()) {
    sync();
    return false;
  }
  // The thread is busy with its own CPU time first, then waits: one wait covers both unless the
  // interrupt comes while it is still busy.
  ThreadTime& me = thread();
  const sc_core::sc_time busy_until = simcontext()->time_stamp() + me.ahead;
  me.ahead = sc_core::SC_ZERO_TIME;
  const sc_core::sc_time end = busy_until + timeout;
  bool fired = true;
  while (pending_[vector] == 0) {
    const sc_core::sc_time now = simcontext()->time_stamp();
    if (now >= end) {
      fired = false;
      break;
    }
    if (me.deadline_at <= now || me.deadline_at > end) {  // nothing pending ends the wait in time
      me.deadline->notify(end - now);
      me.deadline_at = end;
    }
    if (me.waits.size() <= vector) me.waits.resize(vector + 1);
    if (!me.waits[vector]) {
      me.waits[vector] = std::make_unique<sc_core::sc_event_or_list>();
      *me.waits[vector] |= *events_[vector];
      *me.waits[vector] |= *me.deadline;
    }
    sc_core::wait(*me.waits[vector]);
  }
  if (busy_until > simcontext()->time_stamp()) sc_core::wait(busy_until - simcontext()->time_stamp());
  if (fired) --pending_[vector];
  return fired;
}

void HostCpu::set_handler(unsigned vector, std::function<void(unsigned)> handler) { handlers_[vector] = std::move(handler); }

}  // namespace scnvme::platform
