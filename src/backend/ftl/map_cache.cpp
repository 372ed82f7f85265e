// LRU cache of map pages with dirty write-back (DRAM-less drives).
#include "backend/ftl/map_cache.h"

#include <algorithm>

namespace scnvme::detail::ftl {

MapCache::MapCache(const Layout& layout, uint64_t cache_entries)
    : layout_(layout), entries_per_page_(layout.geo.page_bytes / 4), capacity_(0) {
  if (cache_entries == 0) return;
  const uint64_t pages = (layout.logical_units + entries_per_page_ - 1) / entries_per_page_;
  capacity_ = static_cast<uint32_t>(std::min<uint64_t>(pages, std::max<uint64_t>(1, cache_entries / entries_per_page_)));
  slot_of_.assign(pages, kNone);
  page_of_.assign(capacity_, 0);
  prev_.assign(capacity_, kNone);
  next_.assign(capacity_, kNone);
  dirty_.assign(capacity_, 0);
}

void MapCache::clear() {
  for (uint32_t s = head_; s != kNone; s = next_[s]) slot_of_[page_of_[s]] = kNone;
  std::fill(dirty_.begin(), dirty_.end(), 0);
  head_ = tail_ = kNone;
  used_ = 0;
}

void MapCache::unlink(uint32_t s) {
  (prev_[s] == kNone ? head_ : next_[prev_[s]]) = next_[s];
  (next_[s] == kNone ? tail_ : prev_[next_[s]]) = prev_[s];
}

void MapCache::push_front(uint32_t s) {
  prev_[s] = kNone;
  next_[s] = head_;
  (head_ == kNone ? tail_ : prev_[head_]) = s;
  head_ = s;
}

NandOp MapCache::map_op(NandOpType type, uint64_t page) const {
  NandOp op;
  op.type = type;
  op.purpose = OpPurpose::Map;
  op.slc = true;
  op.die = static_cast<uint32_t>(page % layout_.dies);
  op.block = kMapBlock;
  op.page = static_cast<uint32_t>(page / layout_.dies);
  op.pages = 1;
  op.units = layout_.units_per_page;
  return op;
}

void MapCache::access(uint64_t lba, bool dirty, NandOps* ops, FtlStats& stats) {
  if (!enabled()) return;
  const uint64_t page = lba / entries_per_page_;
  uint32_t s = slot_of_[page];
  if (s != kNone) {
    ++stats.map_hits;
    if (s != head_) {
      unlink(s);
      push_front(s);
    }
  } else {
    ++stats.map_misses;
    if (used_ < capacity_) {
      s = used_++;
    } else {
      s = tail_;
      unlink(s);
      slot_of_[page_of_[s]] = kNone;
      if (dirty_[s]) {
        ++stats.map_writebacks;
        if (ops) ops->push_back(map_op(NandOpType::Program, page_of_[s]));
      }
    }
    if (ops) ops->push_back(map_op(NandOpType::Read, page));
    page_of_[s] = page;
    slot_of_[page] = s;
    dirty_[s] = 0;
    push_front(s);
  }
  if (dirty) dirty_[s] = 1;
}

uint64_t MapCache::memory_bytes() const {
  return slot_of_.size() * sizeof(uint32_t) + page_of_.size() * sizeof(uint64_t) +
         (prev_.size() + next_.size()) * sizeof(uint32_t) + dirty_.size();
}

}  // namespace scnvme::detail::ftl
