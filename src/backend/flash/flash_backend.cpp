// FlashBackend: FTL operations turned into timed NAND transactions, write-buffer space,
// durability barriers and background work.
#include "backend/flash/flash_backend.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "sim_now.h"

namespace scnvme::detail {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

ftl::FtlGeometry ftl_geometry(const NandConfig& nand) {
  ftl::FtlGeometry g;
  g.dies = nand.dies();
  g.planes_per_die = nand.planes_per_die;
  g.blocks_per_plane = nand.blocks_per_plane;
  g.pages_per_block = nand.pages_per_block;
  g.page_bytes = nand.page_bytes;
  g.bits_per_cell = nand.bits_per_cell();
  g.multi_plane = nand.multi_plane;
  return g;
}

namespace {

const FlashConfig& validated(const FlashConfig& cfg) {
  cfg.validate();
  return cfg;
}

/// Write-buffer capacity in units: the programs the FTL configuration allows in flight, plus the
/// partial program units the host streams (native and pSLC) gather.
uint64_t buffer_units(const ftl::Layout& layout, const FtlConfig& cfg) {
  return uint64_t{cfg.write_buffer_program_units} * layout.program_unit_units(false) + layout.program_unit_units(false) +
         (layout.slc_blocks_per_die ? layout.program_unit_units(true) : 0);
}


}  // namespace

FlashBackend::FlashBackend(sc_core::sc_module_name name, const FlashConfig& cfg, bool volatile_cache, uint64_t seed)
    : sc_core::sc_module(name),
      cfg_(validated(cfg)),
      volatile_cache_(volatile_cache),
      ftl_(std::make_unique<ftl::Ftl>(cfg_.ftl, ftl_geometry(cfg_.nand))),
      array_(std::make_unique<nand::FlashArray>("nand", cfg_.nand, seed)),
      seed_(seed),
      write_buffer_(buffer_units(ftl_->layout(), cfg_.ftl)) {
  ftl_->track_unprogrammed(!cfg_.power_loss_protection);
  SC_HAS_PROCESS(FlashBackend);
  SC_THREAD(background_thread);
}

void FlashBackend::place_namespaces(const std::vector<uint64_t>& sizes) {
  ns_base_.clear();
  uint64_t next = 0;
  const auto gib = [](uint64_t bytes) { return std::to_string(static_cast<double>(bytes) / double(1ull << 30)) + " GiB"; };
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const uint64_t units = (sizes[i] + unit_bytes() - 1) / unit_bytes();
    if (units > ftl_->logical_units() - next) {
      throw ConfigError("namespaces[" + std::to_string(i) + "].size_bytes",
                        "the flash backend's logical capacity is " + std::to_string(logical_bytes()) + " bytes (" +
                            gib(logical_bytes()) + ", from the nand geometry and ftl.over_provisioning_permille); " +
                            std::to_string((ftl_->logical_units() - next) * unit_bytes()) +
                            " bytes are left for this namespace; got " + std::to_string(sizes[i]));
    }
    ns_base_.push_back(next);
    next += units;
  }
  free_ranges_.clear();
  if (next < ftl_->logical_units()) free_ranges_[next] = ftl_->logical_units();
  if (cfg_.precondition == Precondition::None || preconditioned_) return;
  ftl::PreconditionSpec spec;
  spec.sequential_fill = true;
  spec.random_capacities = cfg_.precondition == Precondition::Steady ? cfg_.precondition_random_capacities : 0.0;
  spec.seed = seed_;
  spec.units = cfg_.precondition == Precondition::Namespaces ? std::max<uint64_t>(next, 1) : 0;
  precondition_ = ftl_->precondition(spec);
  preconditioned_ = true;
}

FlashBackend::Units FlashBackend::units_at(uint64_t base, uint64_t offset, uint64_t bytes) const {
  const uint64_t ub = unit_bytes();
  Units u;
  u.first = base + offset / ub;
  u.end = base + (offset + bytes + ub - 1) / ub;
  u.partial_head = bytes > 0 && offset % ub != 0;
  u.partial_tail = bytes > 0 && (offset + bytes) % ub != 0;
  return u;
}

// --- Logical units of namespaces created at run time ------------------------------------------------

bool FlashBackend::allocate_units(uint64_t count, uint64_t& first) {
  if (count == 0) return false;
  for (auto it = free_ranges_.begin(); it != free_ranges_.end(); ++it) {
    const uint64_t begin = it->first, end = it->second;
    if (end - begin < count) continue;
    free_ranges_.erase(it);
    if (end - begin > count) free_ranges_[begin + count] = end;
    first = begin;
    return true;
  }
  return false;
}

void FlashBackend::release_units(uint64_t first, uint64_t count) {
  if (count == 0) return;
  trim(first, count);
  uint64_t begin = first, end = first + count;
  // Merge with the free neighbours on either side.
  auto next = free_ranges_.lower_bound(begin);
  if (next != free_ranges_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == begin) {
      begin = prev->first;
      free_ranges_.erase(prev);
    }
  }
  if (next != free_ranges_.end() && next->first == end) {
    end = next->second;
    free_ranges_.erase(next);
  }
  free_ranges_[begin] = end;
}

uint64_t FlashBackend::free_units() const {
  uint64_t n = 0;
  for (const auto& [begin, end] : free_ranges_) n += end - begin;
  return n;
}

// --- Host operations -------------------------------------------------------------------------------

void FlashBackend::begin_host() { ++host_active_; }

void FlashBackend::end_host() {
  last_host_activity_ = sim_now();
  if (--host_active_ == 0 && background_waiting_ && background_work_) background_kick_.notify(SC_ZERO_TIME);
}

void FlashBackend::note_write_work() {
  background_work_ = true;
  if (background_waiting_ && ftl_->gc_wanted()) background_kick_.notify(SC_ZERO_TIME);
}

void FlashBackend::read(FlashWait& w, uint64_t first, uint64_t count, const sc_time& delay) {
  ftl::NandOps& ops = ops_;
  ftl_->read(first, count, ops);
  if (ops.empty()) return;
  const auto is_map = [](const ftl::NandOp& op) { return op.purpose == ftl::OpPurpose::Map; };
  if (!is_map(ops.front())) return submit(ops, &w, delay, false);
  // Map pages come first (a miss evicting a dirty page writes it back): read them, then the data.
  const auto data = std::find_if_not(ops.begin(), ops.end(), is_map);
  w.deferred.assign(data, ops.end());
  ops.erase(data, ops.end());
  submit(ops, &w, delay, false);
}

void FlashBackend::submit_deferred(FlashWait& w) {
  ftl::NandOps ops;
  ops.swap(w.deferred);
  const sc_time now = sim_now();
  submit(ops, &w, w.ready_at > now ? w.ready_at - now : SC_ZERO_TIME, false);  // once the map pages are decoded
}

void FlashBackend::read_for_partial_write(FlashWait& w, const Units& u) {
  // A write covering part of a mapping unit merges with the unit's old data: read it first when
  // it is on NAND (unmapped units are zeroes, buffered ones are in DRAM).
  auto old_on_nand = [&](uint64_t unit) {
    const ftl::Ppa p = ftl_->lookup(unit);
    return p != ftl::kUnmapped && !ftl_->buffered(p);
  };
  ftl::NandOps ops;
  if (u.partial_head && old_on_nand(u.first)) ops = ftl_->read(u.first, 1);
  if (u.partial_tail && (u.end - 1 != u.first || !u.partial_head) && old_on_nand(u.end - 1)) {
    ftl::NandOps tail = ftl_->read(u.end - 1, 1);
    ops.insert(ops.end(), tail.begin(), tail.end());
  }
  if (ops.empty()) return;
  ++read_modify_writes_;
  submit(ops, &w, SC_ZERO_TIME, false);
}

void FlashBackend::write(uint64_t first, uint64_t count, bool durable) {
  ftl::NandOps ops = ftl_->write(first, count);
  if (needs_program_wait(durable) && ftl_->buffered_units() > 0) {
    ftl::NandOps pad = ftl_->flush();  // this data must reach NAND now: pad its program unit
    ops.insert(ops.end(), pad.begin(), pad.end());
  }
  note_write_work();
  // The write waits for buffer space or a program barrier, not for these operations.
  submit(ops, nullptr, SC_ZERO_TIME, false);
}

bool FlashBackend::flush() {
  if (cfg_.power_loss_protection || !volatile_cache_) return false;  // nothing volatile to flush
  submit(ftl_->flush(), nullptr, SC_ZERO_TIME, false);
  return true;
}

void FlashBackend::trim(uint64_t first, uint64_t count) {
  submit(ftl_->trim(first, count), nullptr, SC_ZERO_TIME, false);
  note_write_work();
}

// --- NAND transactions -----------------------------------------------------------------------------

FlashBackend::Slot& FlashBackend::take_slot() {
  if (free_slots_.empty()) {
    auto s = std::make_unique<Slot>();
    s->t.tag = slots_.size();
    s->t.on_done = [this](nand::NandTransaction& t) { completed(t); };
    free_slots_.push_back(static_cast<uint32_t>(slots_.size()));
    slots_.push_back(std::move(s));
  }
  Slot& s = *slots_[free_slots_.back()];
  free_slots_.pop_back();
  s.wait = nullptr;
  s.generation = 0;
  s.release_units = 0;
  s.program_seq = 0;
  s.merge_key = ~0ull;
  nand::NandTransaction& t = s.t;
  t.plane_mask = 0;
  t.bytes = 0;
  t.slc = false;
  t.pe_cycles = 0;
  t.background = false;
  return s;
}

void FlashBackend::submit(const ftl::NandOps& ops, FlashWait* w, const sc_time& delay, bool background) {
  if (ops.empty()) return;
  const ftl::Layout& layout = ftl_->layout();
  const nand::NandGeometry& geo = array_->geometry();
  const uint32_t planes = cfg_.nand.planes_per_die;
  const uint32_t all_planes = planes == 32 ? 0xFFFFFFFFu : (1u << planes) - 1;
  std::vector<Slot*>& batch = batch_;
  batch.clear();
  // Reads of one page index on several planes of a die (one submission) share a multi-plane read:
  // found by a scan of the batch when it is small, through a map when it is large (GC).
  constexpr std::size_t kScan = 32;
  const bool use_map = ops.size() > kScan;
  if (use_map) merge_.clear();
  auto partner = [&](uint64_t key) -> Slot* {
    if (use_map) {
      const auto it = merge_.find(key);
      return it == merge_.end() ? nullptr : it->second;
    }
    for (Slot* s : batch)
      if (s->t.op == nand::NandOp::Read && s->merge_key == key) return s;
    return nullptr;
  };
  auto add = [&](const ftl::NandOp& op, nand::NandOp kind, const nand::NandAddress& a) -> Slot& {
    Slot& s = take_slot();
    s.t.op = kind;
    s.t.addr = a;
    s.t.slc = op.slc;
    s.t.background = background;
    s.t.retry_limit = UINT32_MAX;
    if (w) {
      s.wait = w;
      s.generation = w->generation;
      ++w->pending;
    }
    batch.push_back(&s);
    return s;
  };
  for (const ftl::NandOp& op : ops) {
    nand::NandAddress a = geo.die_address(op.die);
    if (op.type == ftl::NandOpType::Read && op.block == ftl::kMapBlock) {
      // Map pages live in pSLC blocks outside the data blocks; their place only sets the timing.
      const uint32_t wl = geo.word_lines_per_block();
      a.block = (op.page / wl) % geo.blocks_per_plane();
      a.page = op.page % wl;
      Slot& s = add(op, nand::NandOp::Read, a);
      s.t.slc = true;
      s.t.bytes = cfg_.nand.page_bytes;
      continue;
    }
    if (op.block == ftl::kMapBlock) {  // a dirty map page written back
      const uint32_t wl = geo.word_lines_per_block();
      a.block = (op.page / wl) % geo.blocks_per_plane();
      a.page = op.page % wl;
      Slot& s = add(op, nand::NandOp::Program, a);
      s.t.slc = true;
      continue;
    }
    a.block = op.block;
    const uint32_t pe = ftl_->blocks().erase_count(layout.gblock(op.die, op.block));
    switch (op.type) {
      case ftl::NandOpType::Read: {
        const ftl::PlanePage pp = layout.plane_page(op.page, op.slc);
        const uint32_t bytes = std::min<uint64_t>(uint64_t{op.units} * unit_bytes(), cfg_.nand.page_bytes);
        const uint64_t key = ((uint64_t{op.die} << 32 | op.block) * 65537u + pp.page) * 2 + (op.slc ? 1 : 0);
        if (cfg_.nand.multi_plane) {
          Slot* p = partner(key);
          if (p && !(p->t.plane_mask & (1u << pp.plane))) {
            p->t.plane_mask |= 1u << pp.plane;
            p->t.bytes = std::max(p->t.bytes, bytes);
            continue;
          }
        }
        a.plane = pp.plane;
        a.page = pp.page;
        Slot& s = add(op, nand::NandOp::Read, a);
        s.t.bytes = bytes;
        s.t.pe_cycles = pe;
        if (w && op.purpose == ftl::OpPurpose::Host) s.t.retry_limit = w->retry_limit;
        if (cfg_.nand.multi_plane) {
          s.t.plane_mask = 1u << pp.plane;
          s.merge_key = key;
          if (use_map) merge_[key] = &s;
        }
        break;
      }
      case ftl::NandOpType::Program: {
        const ftl::PlanePage pp = layout.plane_page(op.page, op.slc);
        a.plane = pp.plane;
        a.page = pp.page;
        Slot& s = add(op, nand::NandOp::Program, a);
        if (cfg_.nand.multi_plane) s.t.plane_mask = all_planes;
        s.t.pe_cycles = pe;
        if (op.purpose == ftl::OpPurpose::Host) {
          s.release_units = op.units;
          s.program_seq = ++programs_issued_;
          s.program = op;
          program_done_.push_back(false);
        }
        break;
      }
      case ftl::NandOpType::Erase:
        if (cfg_.nand.multi_plane) {
          Slot& s = add(op, nand::NandOp::Erase, a);
          s.t.plane_mask = all_planes;
        } else {
          for (uint32_t p = 0; p < planes; ++p) {
            a.plane = p;
            add(op, nand::NandOp::Erase, a);
          }
        }
        break;
    }
  }
  for (Slot* s : batch) {
    if (s->t.plane_mask && (s->t.plane_mask & (s->t.plane_mask - 1)) == 0) {
      s->t.plane_mask = 0;  // a single plane: addr.plane names it
    }
    array_->submit(s->t, delay);
  }
}

void FlashBackend::completed(nand::NandTransaction& t) {
  Slot& s = *slots_[static_cast<std::size_t>(t.tag)];
  if (s.release_units) write_buffer_.release(s.release_units);
  if (s.program_seq) {
    ftl_->programmed(s.program);
    program_done_[static_cast<std::size_t>(s.program_seq - programs_done_below_)] = true;
    if (s.program_seq == programs_done_below_) {
      while (!program_done_.empty() && program_done_.front()) {
        program_done_.pop_front();
        ++programs_done_below_;
      }
      programs_progress_.notify(SC_ZERO_TIME);
    }
  }
  if (s.wait && s.wait->generation == s.generation) {
    FlashWait& w = *s.wait;
    w.ready_at = std::max(w.ready_at, t.time.done);  // a read's data is decoded by then
    if (t.uncorrectable) w.uncorrectable = true;
    // The waiting command resumes in this evaluation phase and carries ready_at on its timeline
    // (its data transfer starts then): no timed event for the decode.
    if (--w.pending == 0) w.done.notify();
  }
  s.wait = nullptr;
  free_slots_.push_back(static_cast<uint32_t>(t.tag));
}

// --- Power loss ------------------------------------------------------------------------------------

void FlashBackend::power_loss() {
  power_loss_ops_dropped_ += array_->power_loss();
  // Every transaction was dropped: all slots are free again.
  free_slots_.clear();
  for (uint32_t i = static_cast<uint32_t>(slots_.size()); i-- > 0;) {
    slots_[i]->wait = nullptr;
    free_slots_.push_back(i);
  }
  write_buffer_.release(write_buffer_.in_use());
  // Barriers: nothing issued is still to come (the commands waiting for them are reset).
  programs_done_below_ = programs_issued_ + 1;
  program_done_.clear();
  programs_progress_.notify(SC_ZERO_TIME);
  if (background_wait_.pending) {  // the background thread waits for dropped operations
    background_wait_.pending = 0;
    background_wait_.deferred.clear();
    background_wait_.done.notify(SC_ZERO_TIME);
  }
  ftl::NandOps recovery;
  ftl_->power_loss(cfg_.power_loss_protection, &recovery);
  submit(recovery, nullptr, SC_ZERO_TIME, true);
  note_write_work();
}

// --- Background work -------------------------------------------------------------------------------

void FlashBackend::background_thread() {
  const sc_time idle_delay(static_cast<double>(cfg_.background_idle_us), sc_core::SC_US);
  for (;;) {
    if (!background_work_) {
      background_waiting_ = true;
      sc_core::wait(background_kick_);
      background_waiting_ = false;
      continue;
    }
    // Busy host: collection only, when a die runs short of free blocks. Quiet host (for the idle
    // delay): everything (collection, folding, padding).
    const sc_time idle_at = last_host_activity_ + idle_delay;
    const bool idle = host_active_ == 0 && sim_now() >= idle_at;
    const ftl::NandOps ops = idle ? ftl_->background_step() : ftl_->gc_step();
    if (!ops.empty()) {
      background_wait_.start();
      submit(ops, &background_wait_, SC_ZERO_TIME, true);
      while (background_wait_.pending) sc_core::wait(background_wait_.done);
      continue;
    }
    if (idle) {
      background_work_ = false;  // nothing left until more writes
      continue;
    }
    background_waiting_ = true;
    if (host_active_ == 0) sc_core::wait(idle_at - sim_now(), background_kick_);
    else sc_core::wait(background_kick_);
    background_waiting_ = false;
  }
}

// --- Statistics ----------------------------------------------------------------------------------

FlashStats FlashBackend::stats() const {
  FlashStats s;
  s.enabled = true;
  s.elapsed = sim_now();
  const nand::NandStats n = array_->stats();
  for (const auto& d : n.dies) {
    s.die_array_busy.push_back(d.array_busy);
    s.die_held.push_back(d.held);
    s.die_mean_queue_depth.push_back(d.depth.mean);
    s.die_max_queue_depth.push_back(d.depth.max);
  }
  for (const auto& c : n.channels) s.channel_busy.push_back(c.busy);
  s.mean_in_flight = n.in_flight.mean;
  s.max_in_flight = n.in_flight.max;
  s.nand_reads = n.reads;
  s.nand_programs = n.programs;
  s.nand_erases = n.erases;
  s.pages_read = n.pages_read;
  s.pages_programmed = n.pages_programmed;
  s.blocks_erased = n.blocks_erased;
  s.read_retries = n.retries;
  s.suspends = n.suspends;
  s.power_waits = n.power_waits;

  const ftl::FtlStats& f = ftl_->stats();
  s.mapping_unit_bytes = unit_bytes();
  s.logical_units = ftl_->logical_units();
  s.host_units_written = f.host_units_written;
  s.host_units_read = f.host_units_read;
  s.host_units_trimmed = f.host_units_trimmed;
  s.unmapped_reads = f.unmapped_reads;
  s.buffer_read_hits = f.buffer_read_hits;
  s.nand_units_programmed = f.nand_units_programmed;
  s.padding_units = f.padding_units;
  s.gc_units_migrated = f.gc_units_migrated;
  s.gc_page_reads = f.gc_page_reads;
  s.gc_victims_foreground = f.gc_victims_foreground;
  s.gc_victims_background = f.gc_victims_background;
  s.ftl_blocks_erased = f.blocks_erased;
  s.slc_units_written = f.slc_units_written;
  s.slc_bypass_units = f.slc_bypass_units;
  s.slc_units_read = f.slc_units_read;
  s.slc_blocks_folded = f.slc_blocks_folded;
  s.fold_units_migrated = f.fold_units_migrated;
  s.map_hits = f.map_hits;
  s.map_misses = f.map_misses;
  s.map_writebacks = f.map_writebacks;
  s.waf = f.waf();
  const ftl::WearStats wear = ftl_->wear(false);
  s.wear_min = wear.min;
  s.wear_max = wear.max;
  s.wear_mean = wear.mean;

  s.buffer_waits = buffer_waits_;
  s.buffer_wait_time = buffer_wait_time_;
  s.write_buffer_units = write_buffer_.capacity();
  s.write_buffer_peak_units = write_buffer_.peak();
  s.read_modify_writes = read_modify_writes_;
  s.power_losses = f.power_losses;
  s.power_loss_units_lost = f.power_loss_units_lost;
  s.power_loss_units_restored = f.power_loss_units_restored;
  s.power_loss_nand_ops_dropped = power_loss_ops_dropped_;

  s.precondition = to_string(cfg_.precondition);
  s.precondition_units_written = precondition_.fill_units + precondition_.random_units;
  s.precondition_waf = precondition_.waf;
  s.precondition_steady_waf = precondition_.steady_waf;
  s.precondition_seconds = precondition_.seconds;
  s.ftl_memory_bytes = ftl_->memory_bytes();
  return s;
}

}  // namespace scnvme::detail
