// The log of host placements not yet on NAND (see unprogrammed_log.h).
#include "backend/ftl/unprogrammed_log.h"

#include <algorithm>

namespace scnvme::detail::ftl {

void UnprogrammedLog::programmed(uint32_t die, bool slc, Ppa first, uint32_t span, uint32_t units) {
  std::deque<Entry>& log = logs_[index(die, slc)];
  const auto in_unit = [&](const Entry& e) { return e.placed >= first && e.placed - first < span; };
  // A stream's programs on a die complete in the order they were issued: the entries are in front.
  uint32_t found = 0;
  while (!log.empty() && in_unit(log.front())) {
    log.pop_front();
    --size_;
    ++found;
  }
  if (found == units) return;
  // A scheduler that reorders programs of one die leaves them further back.
  const auto keep = std::remove_if(log.begin(), log.end(), in_unit);
  size_ -= static_cast<std::size_t>(log.end() - keep);
  log.erase(keep, log.end());
}

std::vector<UnprogrammedLog::Entry> UnprogrammedLog::take_newest_first() {
  std::vector<Entry> all;
  all.reserve(size_);
  for (auto& log : logs_) {
    all.insert(all.end(), log.begin(), log.end());
    log.clear();
  }
  size_ = 0;
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) { return a.seq > b.seq; });
  return all;
}

void UnprogrammedLog::clear() {
  for (auto& log : logs_) log.clear();
  size_ = 0;
}

}  // namespace scnvme::detail::ftl
