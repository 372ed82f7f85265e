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

void GarbageCollector::migrate(uint32_t victim, Stream to, OpPurpose purpose, NandOps* ops) {
  const uint32_t die = layout_.die_of(victim);
  const bool slc = layout_.is_slc(victim);
  const bool check = blocks_.has_oob(victim);  // a reverse map also lists overwritten units
  const uint32_t expected = blocks_.valid(victim);
  const uint32_t* lbas = expected ? unit_lbas(victim) : nullptr;
  blocks_.mark_victim(victim);
  const uint32_t n = layout_.block_units(slc);
  const uint32_t upp = layout_.units_per_page;
  const Ppa base = layout_.ppa(victim, 0);
  constexpr uint32_t kAhead = 64;  // mapping entries in flight
  uint32_t moved = 0;
  // Page by page: one read brings the page's valid units, then they join the destination stream.
  // Checking and remapping a unit touch its mapping entry once.
  for (uint32_t first = 0; lbas && first < n; first += upp) {
    uint32_t k = 0;
    for (uint32_t off = first; off < first + upp; ++off) {
      if (check && off + kAhead < n && lbas[off + kAhead] != kUnmapped) map_.prefetch(lbas[off + kAhead]);
      const uint32_t lba = lbas[off];
      if (lba == kUnmapped || (check && map_.get(lba) != base + off)) continue;
      page_lbas_[k] = lba;
      page_offsets_[k++] = off;
      if (!check) mark_[off] = kUnmapped;
    }
    if (k == 0) continue;
    ++stats_.gc_page_reads;
    if (ops) {
      NandOp op;
      op.type = NandOpType::Read;
      op.purpose = purpose;
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
      if (buffer_.needs_block(to, die)) release_erases(die, ops);
      const Ppa to_ppa = buffer_.append(to, die, page_lbas_[i], purpose, ops);
      map_.remap(page_lbas_[i], to_ppa);
      if (observer_ && *observer_) (*observer_)(page_lbas_[i], base + page_offsets_[i], to_ppa, purpose);
    }
    moved += k;
  }
  if (moved != expected) throw std::logic_error("FTL: a victim's valid count differs from the mapping table");
  (purpose == OpPurpose::Fold ? stats_.fold_units_migrated : stats_.gc_units_migrated) += moved;
  if (moved == 0) {
    erase(victim, purpose, ops);
  } else {
    pending_[die].push_back(Pending{victim, to, buffer_.placed_total(to, die), purpose});
  }
  release_erases(die, ops);
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
