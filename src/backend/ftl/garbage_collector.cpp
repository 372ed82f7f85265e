// Victim choice, valid-unit gathering (reverse map or batched scan), migration and deferred erase.
#include "backend/ftl/garbage_collector.h"

#include <stdexcept>

namespace scnvme::detail::ftl {

GarbageCollector::GarbageCollector(const Layout& layout, uint32_t foreground_free, MappingTable& map,
                                   BlockManager& blocks, WriteBuffer& buffer, const VictimPolicy& policy,
                                   ScanIndex* scan, FtlStats& stats)
    : layout_(layout),
      foreground_free_(foreground_free),
      map_(map),
      blocks_(blocks),
      buffer_(buffer),
      policy_(policy),
      scan_(scan),
      stats_(stats),
      pending_(layout.dies),
      paced_(layout.dies),
      mark_(layout.units_per_block, kUnmapped),
      page_lbas_(layout.units_per_page),
      page_offsets_(layout.units_per_page) {}

uint32_t GarbageCollector::pick_victim(uint32_t die, bool background) {
  uint32_t v = policy_.select(blocks_, die);
  if (v == kNoBlock) return kNoBlock;
  const uint32_t units = layout_.units_per_block;
  if (background ? blocks_.valid(v) + layout_.program_unit_units(false) > units : blocks_.valid(v) >= units) {
    return kNoBlock;
  }
  if (!scan_ || blocks_.has_oob(v) || blocks_.valid(v) == 0 || scan_->cached(v)) return v;
  // Near-greedy with a batched reverse lookup: a prepared candidate within 1/128 of a block of
  // the best one saves a scan of the mapping table.
  const uint32_t b = scan_->best_cached(blocks_, die);
  if (b != kNoBlock && blocks_.valid(b) <= blocks_.valid(v) + units / 128) return b;
  candidates_.clear();
  for (uint32_t d = 0; d < layout_.dies; ++d) policy_.candidates(blocks_, d, scan_->batch_per_die(), candidates_);
  scan_->rebuild(map_, blocks_, candidates_);
  ++stats_.reverse_scans;
  return v;
}

const uint32_t* GarbageCollector::unit_lbas(uint32_t victim) {
  if (blocks_.has_oob(victim)) return blocks_.oob(victim);
  // Scan mode: the cached list is in LBA order; mark_ puts its valid units in offset order.
  constexpr uint32_t kAhead = 64;
  const uint32_t* list = scan_->begin(victim);
  const size_t n = static_cast<size_t>(scan_->end(victim) - list);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) map_.prefetch(list[i + kAhead]);
    const Ppa p = map_.get(list[i]);
    if (layout_.gblock_of(p) == victim) mark_[layout_.offset_of(p)] = list[i];
  }
  return mark_.data();
}

void GarbageCollector::begin(Migration& m, uint32_t victim, Stream to, OpPurpose purpose, bool paced) {
  m.victim = victim;
  m.to = to;
  m.purpose = purpose;
  m.next = 0;
  m.moved = 0;
  m.lbas.clear();
  // A reverse map also lists overwritten units: each is checked against the mapping table. A
  // scan's list is exact when it is made, but a paced victim is migrated over many host writes
  // that may overwrite or deallocate its units: it keeps its own copy and checks too.
  m.verify = blocks_.has_oob(victim) || paced;
  if (!blocks_.has_oob(victim) && blocks_.valid(victim)) {
    unit_lbas(victim);  // into mark_
    if (paced) {
      m.lbas.assign(mark_.begin(), mark_.begin() + layout_.block_units(layout_.is_slc(victim)));
      std::fill(mark_.begin(), mark_.end(), kUnmapped);
    }
  }
  blocks_.mark_victim(victim);
}

bool GarbageCollector::advance(Migration& m, uint64_t budget, NandOps* ops) {
  const uint32_t victim = m.victim;
  const uint32_t die = layout_.die_of(victim);
  const bool slc = layout_.is_slc(victim);
  const bool oob = blocks_.has_oob(victim);
  const uint32_t* lbas = oob ? blocks_.oob(victim) : !m.lbas.empty() ? m.lbas.data() : mark_.data();
  const bool own_marks = !oob && m.lbas.empty();  // mark_ holds this victim's list: reset as used
  const uint32_t n = layout_.block_units(slc);
  const uint32_t upp = layout_.units_per_page;
  const Ppa base = layout_.ppa(victim, 0);
  constexpr uint32_t kAhead = 64;  // mapping entries in flight
  uint64_t spent = 0;
  // Page by page: one read brings the page's valid units, then they join the destination stream.
  // Checking and remapping a unit touch its mapping entry once.
  for (; m.next < n && spent < budget && blocks_.valid(victim) > 0; m.next += upp) {
    const uint32_t first = m.next;
    uint32_t k = 0;
    for (uint32_t off = first; off < first + upp; ++off) {
      if (m.verify && off + kAhead < n && lbas[off + kAhead] != kUnmapped) map_.prefetch(lbas[off + kAhead]);
      const uint32_t lba = lbas[off];
      if (lba == kUnmapped || (m.verify && map_.get(lba) != base + off)) continue;
      page_lbas_[k] = lba;
      page_offsets_[k++] = off;
      if (own_marks) mark_[off] = kUnmapped;
    }
    if (k == 0) continue;
    ++stats_.gc_page_reads;
    if (ops) {
      NandOp op;
      op.type = NandOpType::Read;
      op.purpose = m.purpose;
      op.slc = slc;
      op.die = die;
      op.block = layout_.block_in_die(victim);
      op.page = first / upp;
      op.pages = 1;
      op.units = k;
      ops->push_back(op);
    }
    for (uint32_t i = 0; i < k; ++i) {
      // Erase the earlier victims whose data is out before taking another block.
      if (buffer_.needs_block(m.to, die)) release_erases(die, ops);
      const Ppa to_ppa = buffer_.append(m.to, die, page_lbas_[i], m.purpose, ops);
      map_.remap(page_lbas_[i], to_ppa);
      blocks_.invalidate(base + page_offsets_[i]);
      if (observer_ && *observer_) (*observer_)(page_lbas_[i], base + page_offsets_[i], to_ppa, m.purpose);
    }
    m.moved += k;
    spent += k;
    (m.purpose == OpPurpose::Fold ? stats_.fold_units_migrated : stats_.gc_units_migrated) += k;
  }
  // Done once no valid unit is left (a moved unit leaves the count, as does one the host
  // overwrites or deallocates meanwhile).
  if (blocks_.valid(victim) > 0) {
    if (m.next >= n) throw std::logic_error("FTL: a victim's valid count differs from the mapping table");
    return false;
  }
  if (own_marks) {
    for (uint32_t off = m.next; off < n; ++off) mark_[off] = kUnmapped;  // the rest held nothing valid
  }
  if (m.moved == 0) {
    erase(victim, m.purpose, ops);
  } else {
    pending_[die].push_back(Pending{victim, m.to, buffer_.placed_total(m.to, die), m.purpose});
  }
  release_erases(die, ops);
  m.victim = kNoBlock;
  m.lbas.clear();
  return true;
}

void GarbageCollector::migrate(uint32_t victim, Stream to, OpPurpose purpose, NandOps* ops) {
  Migration m;
  begin(m, victim, to, purpose, false);
  if (!advance(m, ~0ull, ops)) throw std::logic_error("FTL: a victim's valid units were not all found");
}

bool GarbageCollector::begin_paced(uint32_t die) {
  const uint32_t v = pick_victim(die, false);
  if (v == kNoBlock) return false;
  ++stats_.gc_victims_foreground;
  Paced& p = paced_[die];
  const uint32_t valid = blocks_.valid(v), units = layout_.block_units(layout_.is_slc(v));
  p.ratio = static_cast<double>(valid) / static_cast<double>(units - valid);  // pick_victim: valid < units
  begin(p.m, v, Stream::Gc, OpPurpose::Gc, true);
  return true;
}

void GarbageCollector::keep_pace(uint32_t die, uint32_t target, NandOps* ops) {
  Paced& p = paced_[die];
  if (p.m.victim == kNoBlock) {
    p.debt = 0;
    if (blocks_.free_blocks(die, false) >= target || !begin_paced(die)) return;
  }
  p.debt += p.ratio;
  for (;;) {
    const bool nothing_left = blocks_.valid(p.m.victim) == 0;  // finishes at once
    if (!nothing_left && p.debt <= 0) return;
    const uint32_t before = p.m.moved;
    const bool done = advance(p.m, 1, ops);  // one page with valid units
    p.debt -= static_cast<double>(p.m.moved - before);
    if (!done) continue;
    if (blocks_.free_blocks(die, false) >= target || !begin_paced(die)) {
      p.debt = 0;
      return;
    }
  }
}

void GarbageCollector::release_erases(uint32_t die, NandOps* ops) {
  auto& pend = pending_[die];
  size_t keep = 0;
  for (size_t i = 0; i < pend.size(); ++i) {
    if (buffer_.issued_total(pend[i].stream, die) >= pend[i].watermark) {
      erase(pend[i].gblock, pend[i].purpose, ops);
    } else {
      pend[keep++] = pend[i];
    }
  }
  pend.resize(keep);
}

void GarbageCollector::erase(uint32_t gblock, OpPurpose purpose, NandOps* ops) {
  if (ops) {
    NandOp op;
    op.type = NandOpType::Erase;
    op.purpose = purpose;
    op.slc = layout_.is_slc(gblock);
    op.die = layout_.die_of(gblock);
    op.block = layout_.block_in_die(gblock);
    ops->push_back(op);
  }
  blocks_.erase(gblock);
  ++stats_.blocks_erased;
  if (scan_) scan_->drop(gblock);
}

bool GarbageCollector::collect_one(uint32_t die, bool background, NandOps* ops) {
  Paced& p = paced_[die];
  if (p.m.victim != kNoBlock) {  // the die's paced victim first: all of it now
    advance(p.m, ~0ull, ops);
    p.debt = 0;
    return true;
  }
  const uint32_t v = pick_victim(die, background);
  if (v == kNoBlock) return false;
  ++(background ? stats_.gc_victims_background : stats_.gc_victims_foreground);
  migrate(v, Stream::Gc, OpPurpose::Gc, ops);
  return true;
}

void GarbageCollector::ensure_free(uint32_t die, uint32_t target, NandOps* ops) {
  while (blocks_.free_blocks(die, false) < target) {
    if (collect_one(die, false, ops)) continue;
    if (!pending_erases(die)) break;
    flush(die, ops);  // nothing left to collect: pad so the waiting victims are erased
  }
}

bool GarbageCollector::fold_one(uint32_t die, NandOps* ops) {
  if (blocks_.closed_slc(die).empty()) return false;
  ensure_free(die, foreground_free_, ops);
  const uint32_t victim = blocks_.closed_slc(die).front();
  ++stats_.slc_blocks_folded;
  migrate(victim, Stream::Fold, OpPurpose::Fold, ops);
  return true;
}

void GarbageCollector::flush(uint32_t die, NandOps* ops) {
  buffer_.flush(Stream::Gc, die, OpPurpose::Gc, ops);
  buffer_.flush(Stream::Fold, die, OpPurpose::Fold, ops);
  release_erases(die, ops);
}

}  // namespace scnvme::detail::ftl
