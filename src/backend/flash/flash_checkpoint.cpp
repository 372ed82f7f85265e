// Checkpoints of the flash backend (scnvme/checkpoint.h): the FTL (mapping table, blocks and their
// wear, write-buffer cursors, pending GC erases, scan index, map cache, statistics) and the NAND
// array (per-die and per-channel statistics and depths, the read-retry generator, the power
// budget) as they are at a quiescent point: no NAND work queued or running, no write waiting in
// the write buffer, background work (GC, folding, padding) finished. Scratch space is not saved.
#include <algorithm>
#include <cstring>

#include "backend/flash/flash_backend.h"
#include "scnvme/checkpoint.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "mapping-table chunks are saved as little-endian words");

namespace scnvme::nand {

void persist(checkpoint::Archive& a, DepthStats& d) {
  a.io(d.current);
  a.io(d.max);
  a.io(d.mean);
}

void persist(checkpoint::Archive& a, NandDieStats& s) {
  a.io(s.array_busy);
  a.io(s.held);
  a.io(s.depth);
  a.io(s.reads);
  a.io(s.programs);
  a.io(s.erases);
  a.io(s.suspends);
}

void persist(checkpoint::Archive& a, NandChannelStats& s) {
  a.io(s.busy);
  a.io(s.bytes_in);
  a.io(s.bytes_out);
}

void persist(checkpoint::Archive& a, NandStats& s) {
  a.io(s.dies);
  a.io(s.channels);
  a.io(s.in_flight);
  a.io(s.reads);
  a.io(s.programs);
  a.io(s.erases);
  a.io(s.pages_read);
  a.io(s.pages_programmed);
  a.io(s.blocks_erased);
  a.io(s.retries);
  a.io(s.suspends);
  a.io(s.power_waits);
}

void DepthTracker::persist(checkpoint::Archive& a) {
  a.io(level_);
  a.io(max_);
  a.io(area_);
  a.io(last_);
}

void PowerBudget::persist(checkpoint::Archive& a) {
  if (!reads_.empty() || !others_.empty()) a.fail("NAND operations wait for the power budget");
  a.io(busy_);
}

void ReadRetry::persist(checkpoint::Archive& a) {
  a.io(rng_);
}

bool FlashArray::idle() const {
  if (in_flight_count_ != 0 || !events_.empty()) return false;
  for (const Die& d : dies_)
    if (d.array || d.reg || d.suspended || d.in_array) return false;
  return true;
}

void FlashArray::persist(checkpoint::Archive& a) {
  if (!a.loading() && !idle()) a.fail("NAND operations in flight");
  retry_.persist(a);
  power_.persist(a);
  a.expect(static_cast<uint64_t>(dies_.size()), "NAND dies");
  for (Die& d : dies_) {
    a.io(d.gen);
    a.io(d.suspend_budget);
    a.io(d.array_started);
    a.io(d.array_end_at);
    a.io(d.resume_done_at);
    a.io(d.held_since);
    a.io(d.stats);
    d.depth.persist(a);
  }
  a.expect(static_cast<uint64_t>(channel_stats_.size()), "NAND channels");
  a.io(channel_stats_);
  in_flight_.persist(a);
  a.io(totals_);
}

}  // namespace scnvme::nand

namespace scnvme::detail::ftl {

void persist(checkpoint::Archive& a, FtlStats& s) {
  a.io(s.host_units_written);
  a.io(s.host_units_read);
  a.io(s.host_units_trimmed);
  a.io(s.unmapped_reads);
  a.io(s.buffer_read_hits);
  a.io(s.host_page_reads);
  a.io(s.nand_units_programmed);
  a.io(s.padding_units);
  a.io(s.gc_units_migrated);
  a.io(s.fold_units_migrated);
  a.io(s.gc_page_reads);
  a.io(s.blocks_erased);
  a.io(s.gc_victims_foreground);
  a.io(s.gc_victims_background);
  a.io(s.reverse_scans);
  a.io(s.slc_units_written);
  a.io(s.slc_bypass_units);
  a.io(s.slc_units_read);
  a.io(s.slc_blocks_folded);
  a.io(s.map_hits);
  a.io(s.map_misses);
  a.io(s.map_writebacks);
  a.io(s.power_losses);
  a.io(s.power_loss_units_lost);
  a.io(s.power_loss_units_restored);
}

void persist(checkpoint::Archive& a, PreconditionReport& r) {
  a.io(r.fill_units);
  a.io(r.random_units);
  a.io(r.nand_units_programmed);
  a.io(r.gc_units_migrated);
  a.io(r.blocks_erased);
  a.io(r.padding_units);
  a.io(r.reverse_scans);
  a.io(r.waf);
  a.io(r.steady_waf);
  a.io(r.seconds);
  a.io(r.memory_bytes);
}

void MappingTable::persist(checkpoint::Archive& a) {
  a.expect(units_, "FTL logical units");
  std::vector<uint32_t> words;
  if (!a.loading()) {
    a.count(allocated_);
    for (uint64_t c = 0; c < chunks_.size(); ++c) {
      if (!chunks_[c]) continue;
      a.io(c);
      a.raw(chunks_[c].get(), chunk_size(c) * sizeof(uint32_t));
    }
    return;
  }
  const std::size_t n = a.count(0);
  for (auto& chunk : chunks_) chunk.reset();  // what preconditioning at construction mapped
  std::fill(chunk_mapped_.begin(), chunk_mapped_.end(), 0);
  mapped_ = allocated_ = allocated_entries_ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    uint64_t c = 0;
    a.io(c);
    if (c >= chunks_.size()) a.fail("mapping chunk out of range");
    words.resize(chunk_size(c));
    a.raw(words.data(), words.size() * sizeof(uint32_t));
    for (std::size_t k = 0; k < words.size(); ++k)
      if (words[k] != kUnmapped) set((c << chunk_bits_) + k, words[k]);
  }
}

void BlockManager::persist(checkpoint::Archive& a) {
  a.expect(static_cast<uint64_t>(valid_.size()), "FTL blocks");
  a.io(valid_);
  a.io(erase_count_);
  a.io(state_);
  a.io(oob_);
  a.io(free_native_);
  a.io(free_slc_);
  a.io(closed_slc_);
  if (a.loading() && (erase_count_.size() != valid_.size() || state_.size() != valid_.size() || oob_.size() != valid_.size()))
    a.fail("FTL block tables differ in size");
}

void WriteBuffer::persist(checkpoint::Archive& a) {
  a.expect(static_cast<uint64_t>(cursors_.size()), "write-buffer cursors");
  for (Cursor& c : cursors_) {
    a.io(c.block);
    a.io(c.next);
    a.io(c.issued);
    a.io(c.padding);
    a.io(c.placed_total);
    a.io(c.issued_total);
  }
  a.io(current_die_);
  a.io(open_stream_);
}

void GarbageCollector::persist(checkpoint::Archive& a) {
  a.expect(static_cast<uint64_t>(pending_.size()), "GC dies");
  for (auto& die : pending_) {
    std::size_t n = a.count(die.size());
    if (a.loading()) die.assign(n, Pending{});
    for (Pending& p : die) {
      a.io(p.gblock);
      a.io(p.stream);
      a.io(p.watermark);
      a.io(p.purpose);
    }
  }
  a.io(mark_);
  for (Paced& p : paced_) {
    a.io(p.m.victim);
    a.io(p.m.to);
    a.io(p.m.purpose);
    a.io(p.m.next);
    a.io(p.m.moved);
    a.io(p.m.verify);
    a.io(p.m.lbas);
    a.io(p.ratio);
    a.io(p.debt);
    if (a.loading() && p.m.victim != kNoBlock && p.m.victim >= layout_.total_blocks) a.fail("paced GC victim");
  }
}

void MapCache::persist(checkpoint::Archive& a) {
  a.expect(capacity_, "map cache pages");
  a.io(slot_of_);
  a.io(page_of_);
  a.io(prev_);
  a.io(next_);
  a.io(dirty_);
  a.io(head_);
  a.io(tail_);
  a.io(used_);
}

void ScanIndex::persist(checkpoint::Archive& a) {
  a.io(lbas_);
  a.io(begin_);
  a.io(end_);
  a.io(limit_);
  a.io(cached_);
  a.io(is_candidate_);
}

void UnprogrammedLog::persist(checkpoint::Archive& a) {
  a.expect(static_cast<uint64_t>(logs_.size()), "unprogrammed-log streams");
  std::size_t total = 0;
  for (std::deque<Entry>& log : logs_) {
    const std::size_t n = a.count(log.size());
    if (a.loading()) log.assign(n, Entry{});
    for (Entry& e : log) {
      a.io(e.seq);
      a.io(e.lba);
      a.io(e.placed);
      a.io(e.previous);
      a.io(e.previous_erases);
    }
    total += n;
  }
  a.io(next_seq_);
  size_ = total;
}

void Ftl::persist(checkpoint::Archive& a) {
  a.io(stats_);
  map_.persist(a);
  blocks_.persist(a);
  buffer_.persist(a);
  a.expect(scan_ != nullptr, "FTL scan index");
  if (scan_) scan_->persist(a);
  gc_.persist(a);
  map_cache_.persist(a);
  a.io(fold_die_);
  // At a quiescent point the host units still gathering in partial program units are not on
  // NAND: a power loss after the restore must find them (and their previous copies) as before.
  unprogrammed_.persist(a);
  if (a.loading() && !track_unprogrammed_ && unprogrammed_.size() != 0)
    a.fail("unprogrammed host units in a checkpoint of a drive with power-loss protection");
}

}  // namespace scnvme::detail::ftl

namespace scnvme::detail {

std::string FlashBackend::quiescence_blocker() const {
  if (!array_->idle()) return "NAND operations in flight";
  if (free_slots_.size() != slots_.size() || host_active_) return "flash operations in flight";
  // Units of partial program units stay in the write buffer (their occupancy is saved); nothing
  // may wait for space.
  if (write_buffer_.exhausted()) return "writes wait for flash write-buffer space";
  if (!program_done_.empty() || programs_done_below_ != programs_issued_ + 1) return "programs in flight";
  if (!background_waiting_ || background_work_)
    return "background work (GC, folding, padding) not finished: flash.background_idle_us after the last command";
  return "";
}

void FlashBackend::persist(checkpoint::Archive& a) {
  const std::string why = quiescence_blocker();
  if (!why.empty()) a.fail(std::string(a.loading() ? "the restoring" : "the") + " flash backend is not quiescent: " + why);
  a.io(preconditioned_);
  a.io(precondition_);
  a.io(ns_base_);
  a.io(free_ranges_);
  std::size_t slots = a.count(slots_.size());
  if (a.loading())
    while (slots_.size() < slots) {  // as take_slot() makes them
      auto s = std::make_unique<Slot>();
      s->t.tag = slots_.size();
      s->t.on_done = [this](nand::NandTransaction& t) { completed(t); };
      slots_.push_back(std::move(s));
    }
  a.io(free_slots_);
  for (uint32_t s : free_slots_)
    if (s >= slots_.size()) a.fail("bad flash slot list");
  if (a.loading() && free_slots_.size() != slots_.size()) a.fail("flash slots in use");
  write_buffer_.persist(a);
  a.io(programs_issued_);
  a.io(programs_done_below_);
  a.io(last_host_activity_);
  a.io(read_modify_writes_);
  a.io(power_loss_ops_dropped_);
  a.io(buffer_waits_);
  a.io(buffer_wait_time_);
  ftl_->persist(a);
  array_->persist(a);
}

}  // namespace scnvme::detail
