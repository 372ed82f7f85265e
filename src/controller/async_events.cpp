#include "controller/async_events.h"

#include <algorithm>

namespace scnvme::detail {

bool AsyncEvents::post(const AsyncEvent& e) {
  if (queue_.size() >= kQueueLimit || std::find(queue_.begin(), queue_.end(), e) != queue_.end()) return false;
  queue_.push_back(e);
  return true;
}

std::optional<AsyncEvent> AsyncEvents::take_reportable() {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (masked_[it->type & 7u]) continue;
    const AsyncEvent e = *it;
    queue_.erase(it);
    masked_[e.type & 7u] = true;
    masked_by_log_[e.type & 7u] = e.log_page;
    return e;
  }
  return std::nullopt;
}

void AsyncEvents::log_read(uint8_t log_page) {
  for (unsigned t = 0; t < masked_.size(); ++t)
    if (masked_[t] && masked_by_log_[t] == log_page) masked_[t] = false;
}

void AsyncEvents::clear() {
  queue_.clear();
  masked_.fill(false);
}

}  // namespace scnvme::detail
