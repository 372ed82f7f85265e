// The FTL facade: host writes, reads, trims, flush and background work as NAND operations.
#include "backend/ftl/ftl.h"

#include <stdexcept>
#include <string>

namespace scnvme::detail::ftl {

Ftl::Ftl(const FtlConfig& cfg, const FtlGeometry& geometry)
    : Ftl(cfg, geometry, std::make_unique<GreedyVictimPolicy>(), std::make_unique<RoundRobinDieSelector>()) {}

Ftl::Ftl(const FtlConfig& cfg, const FtlGeometry& geometry, std::unique_ptr<VictimPolicy> victims,
         std::unique_ptr<DieSelector> dies)
    : cfg_(cfg),
      layout_(cfg, geometry),
      victims_(std::move(victims)),
      dies_(std::move(dies)),
      map_(layout_.logical_units),
      blocks_(layout_, cfg.reverse_map == ReverseMap::Table),
      buffer_(layout_, blocks_, *dies_, stats_),
      scan_(cfg.reverse_map == ReverseMap::Scan ? std::make_unique<ScanIndex>(layout_) : nullptr),
      gc_(layout_, cfg.gc_foreground_free_blocks, map_, blocks_, buffer_, *victims_, scan_.get(), stats_),
      map_cache_(layout_, cfg.mapping_cache_entries),
      unprogrammed_(layout_.dies) {
  gc_.set_observer(&observer_);
}

void Ftl::check_range(uint64_t first, uint64_t count) const {
  if (first > layout_.logical_units || count > layout_.logical_units - first) {
    throw std::out_of_range("FTL: units [" + std::to_string(first) + ", +" + std::to_string(count) +
                            ") beyond the logical capacity of " + std::to_string(layout_.logical_units));
  }
}

Stream Ftl::host_stream(NandOps* ops) {
  if (layout_.slc_blocks_per_die == 0) return Stream::Host;
  const uint32_t die = buffer_.current_die(Stream::HostSlc);
  if (!buffer_.needs_block(Stream::HostSlc, die) || blocks_.free_blocks(die, true) > 0) return Stream::HostSlc;
  if (cfg_.fold_policy == FoldPolicy::WhenFull) {
    // The cache is full: fold its oldest blocks in the foreground until one is erased.
    while (blocks_.free_blocks(die, true) == 0) {
      if (!gc_.fold_one(die, ops)) {
        gc_.flush(die, ops);
        break;
      }
    }
    if (blocks_.free_blocks(die, true) > 0) return Stream::HostSlc;
  }
  ++stats_.slc_bypass_units;
  return Stream::Host;
}

void Ftl::write_unit(uint32_t lba, NandOps* ops, bool precondition) {
  const Stream s = precondition ? Stream::Host : host_stream(ops);
  uint32_t die = buffer_.current_die(s);
  // Two blocks above the foreground floor, collection keeps pace with the host's native writes,
  // so the floor below is rarely reached: the slack covers a victim's erase, which waits for the
  // GC stream's program unit holding its last unit. (One block is not enough with small blocks;
  // pacing from higher up keeps more blocks empty: less effective over-provisioning, more write
  // amplification, no shorter tail.)
  if (s == Stream::Host) gc_.keep_pace(die, pace_below(), ops);
  if (s == Stream::Host && buffer_.needs_block(s, die)) {
    // Foreground collection; a die full of valid data (possible only when the host keeps
    // rewriting data that lives on other dies) is skipped. Two free blocks: one for this stream,
    // one for the GC stream.
    for (uint32_t tries = 0;; ++tries) {
      gc_.ensure_free(die, cfg_.gc_foreground_free_blocks, ops);
      if (blocks_.free_blocks(die, false) >= 2) break;
      if (tries == layout_.dies) throw std::runtime_error("FTL: every die is full of valid data");
      buffer_.skip_die(s);
      die = buffer_.current_die(s);
    }
  }
  if (!precondition) map_cache_.access(lba, true, ops, stats_);
  const Ppa p = buffer_.append(s, die, lba, OpPurpose::Host, ops);
  const Ppa old = map_.set(lba, p);
  if (old != kUnmapped) blocks_.invalidate(old);
  if (track_unprogrammed_ && !precondition)
    unprogrammed_.add(die, s == Stream::HostSlc, lba, p, old, old == kUnmapped ? 0 : blocks_.erase_count(layout_.gblock_of(old)));
  ++stats_.host_units_written;
  if (s == Stream::HostSlc) ++stats_.slc_units_written;
}

NandOps Ftl::write(uint64_t first, uint64_t count) {
  check_range(first, count);
  NandOps ops;
  for (uint64_t lba = first; lba < first + count; ++lba) write_unit(static_cast<uint32_t>(lba), &ops, false);
  return ops;
}

NandOps Ftl::read(uint64_t first, uint64_t count) {
  NandOps ops;
  read(first, count, ops);
  return ops;
}

void Ftl::read(uint64_t first, uint64_t count, NandOps& ops) {
  check_range(first, count);
  ops.clear();
  for (uint64_t lba = first; lba < first + count; ++lba) {
    map_cache_.access(lba, false, &ops, stats_);
    ++stats_.host_units_read;
    const Ppa p = map_.get(lba);
    if (p == kUnmapped) {
      ++stats_.unmapped_reads;
      continue;
    }
    if (buffer_.buffered(p)) {
      ++stats_.buffer_read_hits;
      continue;
    }
    const uint32_t gb = layout_.gblock_of(p);
    const bool slc = layout_.is_slc(gb);
    if (slc) ++stats_.slc_units_read;
    const uint32_t die = layout_.die_of(gb), block = layout_.block_in_die(gb);
    const uint32_t page = layout_.offset_of(p) / layout_.units_per_page;
    if (!ops.empty()) {
      NandOp& last = ops.back();
      if (last.type == NandOpType::Read && last.purpose == OpPurpose::Host && last.die == die &&
          last.block == block && last.page == page) {
        ++last.units;
        continue;
      }
    }
    NandOp op;
    op.type = NandOpType::Read;
    op.purpose = OpPurpose::Host;
    op.slc = slc;
    op.die = die;
    op.block = block;
    op.page = page;
    op.pages = 1;
    op.units = 1;
    ops.push_back(op);
    ++stats_.host_page_reads;
  }
}

NandOps Ftl::trim(uint64_t first, uint64_t count) {
  check_range(first, count);
  NandOps ops;
  for (uint64_t lba = first; lba < first + count; ++lba) {
    map_cache_.access(lba, true, &ops, stats_);
    const Ppa old = map_.unmap(lba);
    if (old == kUnmapped) continue;
    blocks_.invalidate(old);
    ++stats_.host_units_trimmed;
  }
  return ops;
}

NandOps Ftl::flush() {
  NandOps ops;
  for (uint32_t die = 0; die < layout_.dies; ++die) {
    buffer_.flush(Stream::Host, die, OpPurpose::Host, &ops);
    buffer_.flush(Stream::HostSlc, die, OpPurpose::Host, &ops);
  }
  return ops;
}

void Ftl::programmed(const NandOp& op) {
  if (!track_unprogrammed_ || op.type != NandOpType::Program || op.purpose != OpPurpose::Host || op.block == kMapBlock) return;
  const uint32_t gb = layout_.gblock(op.die, op.block);
  unprogrammed_.programmed(op.die, op.slc, layout_.ppa(gb, op.page * layout_.units_per_page), op.units + op.padding_units,
                           op.units);
}

void Ftl::power_loss(bool protected_buffer, NandOps* recovery) {
  ++stats_.power_losses;
  map_cache_.clear();
  if (protected_buffer) {
    for (uint32_t die = 0; die < layout_.dies; ++die) {  // on the hold-up energy: not timed
      buffer_.flush(Stream::Host, die, OpPurpose::Host, nullptr);
      buffer_.flush(Stream::HostSlc, die, OpPurpose::Host, nullptr);
    }
    unprogrammed_.clear();
  } else {
    for (const UnprogrammedLog::Entry& e : unprogrammed_.take_newest_first()) {
      if (map_.get(e.lba) != e.placed) continue;  // overwritten, trimmed or migrated since
      blocks_.invalidate(e.placed);
      ++stats_.power_loss_units_lost;
      const uint32_t gb = e.previous == kUnmapped ? kNoBlock : layout_.gblock_of(e.previous);
      const bool intact = gb != kNoBlock && blocks_.erase_count(gb) == e.previous_erases &&
                          (blocks_.state(gb) == BlockState::Open || blocks_.state(gb) == BlockState::Closed);
      if (intact) {
        map_.remap(e.lba, e.previous);
        blocks_.revalidate(e.previous);
        if (scan_) scan_->drop(gb);  // its cached list of units no longer matches the mapping
        ++stats_.power_loss_units_restored;
      } else {
        map_.unmap(e.lba);
      }
    }
    buffer_.close_host_streams();
  }
  for (uint32_t die = 0; die < layout_.dies; ++die) gc_.flush(die, recovery);
}

uint32_t Ftl::neediest_die() const {
  uint32_t die = 0;
  for (uint32_t d = 1; d < layout_.dies; ++d) {
    if (blocks_.free_blocks(d, false) < blocks_.free_blocks(die, false)) die = d;
  }
  return die;
}

bool Ftl::gc_wanted() const { return blocks_.free_blocks(neediest_die(), false) < cfg_.gc_background_free_blocks; }

NandOps Ftl::gc_step() {
  NandOps ops;
  const uint32_t die = neediest_die();
  if (blocks_.free_blocks(die, false) < cfg_.gc_background_free_blocks) gc_.collect_one(die, true, &ops);
  return ops;
}

NandOps Ftl::background_step() {
  NandOps ops;
  const uint32_t die = neediest_die();
  if (blocks_.free_blocks(die, false) < cfg_.gc_background_free_blocks && gc_.collect_one(die, true, &ops)) return ops;
  if (layout_.slc_blocks_per_die > 0 && cfg_.fold_policy == FoldPolicy::Idle) {
    for (uint32_t i = 0; i < layout_.dies; ++i) {
      const uint32_t d = (fold_die_ + i) % layout_.dies;
      if (blocks_.closed_slc(d).empty() && !buffer_.close_early(Stream::HostSlc, d)) continue;
      gc_.fold_one(d, &ops);
      fold_die_ = (d + 1) % layout_.dies;
      return ops;
    }
  }
  for (uint32_t d = 0; d < layout_.dies; ++d) {
    if (!gc_.pending_erases(d)) continue;
    gc_.flush(d, &ops);
    return ops;
  }
  return ops;
}

uint64_t Ftl::slc_units_held() const {
  uint64_t n = 0;
  for (uint32_t gb = 0; gb < layout_.total_blocks; ++gb) {
    if (layout_.is_slc(gb)) n += blocks_.valid(gb);
  }
  return n;
}

uint64_t Ftl::memory_bytes() const {
  return sizeof(*this) + map_.memory_bytes() + blocks_.memory_bytes() + (scan_ ? scan_->memory_bytes() : 0) +
         map_cache_.memory_bytes() + unprogrammed_.memory_bytes() + uint64_t{layout_.total_blocks} /* write buffer stream tags */ +
         uint64_t{layout_.units_per_block} * 3 * sizeof(uint32_t) /* GC scratch */;
}

uint64_t Ftl::checksum() const {
  uint64_t h = map_.checksum();
  for (uint32_t gb = 0; gb < layout_.total_blocks; ++gb) {
    h = (h ^ blocks_.valid(gb)) * 1099511628211ull;
    h = (h ^ blocks_.erase_count(gb)) * 1099511628211ull;
    h = (h ^ static_cast<uint64_t>(blocks_.state(gb))) * 1099511628211ull;
  }
  return h;
}

}  // namespace scnvme::detail::ftl
