// Asynchronous events waiting to be reported (NVMe Base 2.0, 5.2). An event is reported through
// an outstanding Asynchronous Event Request; events that occur while none is outstanding are kept
// and reported when one arrives. Once an event of a type has been reported, further events of
// that type are masked until the host reads the log page the reported event named with Retain
// Asynchronous Event cleared. Identical events already waiting are not queued twice; the queue is
// bounded (a host that never collects events cannot make it grow).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>

#include "scnvme/checkpoint.h"
#include "scnvme/spec/nvme_async_event.h"

namespace scnvme::detail {

struct AsyncEvent {
  uint8_t type;
  uint8_t info;
  uint8_t log_page;
  void persist(checkpoint::Archive& a) {
    a.io(type);
    a.io(info);
    a.io(log_page);
  }
  bool operator==(const AsyncEvent& o) const { return type == o.type && info == o.info && log_page == o.log_page; }
};

class AsyncEvents {
 public:
  static constexpr std::size_t kQueueLimit = 64;

  /// Queues an event (false: an identical one is already waiting, or the queue is full).
  bool post(const AsyncEvent& e);
  /// The first waiting event whose type is not masked, taken out of the queue; its type is masked
  /// from now on.
  std::optional<AsyncEvent> take_reportable();
  /// The host read `log_page` with RAE cleared: types whose reported event named it are unmasked.
  void log_read(uint8_t log_page);
  bool masked(uint8_t type) const { return masked_[type & 7u]; }
  std::size_t waiting() const { return queue_.size(); }
  void clear();
  void persist(checkpoint::Archive& a) {
    a.io(queue_);
    a.io(masked_);
    a.io(masked_by_log_);
  }

 private:
  std::deque<AsyncEvent> queue_;
  std::array<bool, spec::async_event::kTypes> masked_{};
  std::array<uint8_t, spec::async_event::kTypes> masked_by_log_{};  // the log page that clears the mask
};

}  // namespace scnvme::detail
