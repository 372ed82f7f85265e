#include "replay.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <vector>

#include <boost/program_options.hpp>

#include "option_table.h"
#include "requeue.h"
#include "trace_replay.h"

namespace po = boost::program_options;

namespace scnvme::sim {

// ---- Options ----

po::options_description replay_options() {
  po::options_description d("Trace replay (instead of the jobs; iodepth and nsid apply)");
  d.add_options()("replay", po::value<std::string>(),
                  "replay this block trace: blkparse text, MSR Cambridge CSV or time_us,op,offset,bytes CSV")(
      "replay_format", po::value<std::string>()->default_value("auto"), "auto (detected from the content), blkparse, msr or csv")(
      "replay_timing", po::value<std::string>()->default_value("faithful"),
      "faithful (each record at its trace time) or afap (as fast as iodepth allows)")(
      "replay_speed", po::value<std::string>()->default_value("1"), "faithful timing: trace times divided by this (0.001..1000000)")(
      "replay_lba", po::value<std::string>()->default_value("scale"),
      "scale (a trace larger than the namespace is scaled onto it) or wrap (offset modulo the namespace size)")(
      "replay_action", po::value<std::string>()->default_value("Q"), "blkparse: the action replayed, Q (queued) or D (issued)")(
      "replay_loops", po::value<std::string>()->default_value("1"), "passes over the trace (1..1000000)");
  return d;
}

bool apply_replay_options(const po::variables_map& vm, const std::map<std::string, std::string>& cli, SimOptions& opt,
                          std::ostream& err) {
  static const char* const kKeys[] = {"replay_format", "replay_timing", "replay_speed", "replay_lba", "replay_action", "replay_loops"};
  if (!vm.count("replay")) {
    for (const char* k : kKeys)
      if (vm.count(k) && !vm[k].defaulted()) {
        err << "scnvme-sim: --" << k << ": only with --replay FILE\n";
        return false;
      }
    return true;
  }
  const std::string path = vm["replay"].as<std::string>();
  if (vm.count("jobfile")) {
    err << "scnvme-sim: --replay " << path << ": a trace replaces the jobs; give either --replay or a job file ("
        << vm["jobfile"].as<std::string>() << "), not both\n";
    return false;
  }
  ReplayOptions& r = opt.workload.replay;
  std::string format, timing, lba, action;
  unsigned loops = 1;
  TraceParseOptions parse;
  try {
    choice("replay_format", format, {"auto", "blkparse", "msr", "csv"})(vm["replay_format"].as<std::string>());
    choice("replay_timing", timing, {"faithful", "afap"})(vm["replay_timing"].as<std::string>());
    real("replay_speed", r.speed, 0.001, 1e6)(vm["replay_speed"].as<std::string>());
    choice("replay_lba", lba, {"scale", "wrap"})(vm["replay_lba"].as<std::string>());
    choice("replay_action", action, {"Q", "D"})(vm["replay_action"].as<std::string>());
    number("replay_loops", loops, 1, 1000000)(vm["replay_loops"].as<std::string>());
  } catch (const BadValue& b) {
    err << "scnvme-sim: " << b.message << "\n";
    return false;
  }
  JobOptions& job = opt.workload.jobs.front();
  if (cli.count("power_loss_at")) {
    err << "scnvme-sim: --power_loss_at: not supported with --replay (the replay does not recover and verify)\n";
    return false;
  }
  if (cli.count("handover_at")) {
    err << "scnvme-sim: --handover_at: not supported with --replay (the replay's loop does not pause for a hand-over)\n";
    return false;
  }
  if (opt.workload.disrupt.enabled()) {
    err << "scnvme-sim: --disrupt: not supported with --replay (the replay's loop does not pause for disruptions)\n";
    return false;
  }
  if (job.nsid == 0) {
    err << "scnvme-sim: --nsid=all: --replay replays onto one namespace; give its NSID\n";
    return false;
  }
  parse_trace_format(format, parse.format);
  parse.blkparse_action = action[0];
  auto trace = std::make_shared<Trace>();
  std::string error;
  if (!read_trace(path, parse, *trace, error)) {
    err << "scnvme-sim: " << error << "\n";
    return false;
  }
  r.path = path;
  r.trace = trace;
  r.faithful = timing == "faithful";
  r.wrap = lba == "wrap";
  r.loops = loops;

  // The trace gives every I/O's operation, offset and size: the other workload keys do nothing.
  std::string ignored;
  for (const auto& [key, value] : cli)
    if (key != "iodepth" && key != "nsid") ignored += (ignored.empty() ? "--" : ", --") + key;
  if (!ignored.empty()) err << "scnvme-sim: warning: " << ignored << " ignored with --replay (only --iodepth and --nsid apply)\n";
  job.name = "replay";
  job.rw = "replay";
  job.numjobs = 1;
  job.verify = VerifyMode::None;  // no data checks in a replay
  job.effective = {{"iodepth", std::to_string(job.iodepth)}, {"nsid", std::to_string(job.nsid)}};
  const std::vector<std::pair<std::string, std::string>> used = {
      {"replay", path},   {"replay_format", trace_format_name(trace->format)}, {"replay_timing", timing},
      {"replay_speed", vm["replay_speed"].as<std::string>()}, {"replay_lba", lba}, {"replay_action", action},
      {"replay_loops", std::to_string(loops)}};
  for (const auto& [k, v] : used) {
    job.effective.emplace_back(k, v);
    opt.effective[k] = v;
  }
  opt.effective["verify"] = "0";
  opt.effective["rw"] = "replay";
  return true;
}

// ---- The replay ----

namespace {

constexpr uint8_t kOpFlush = 0x00, kOpWrite = 0x01, kOpRead = 0x02, kOpDatasetManagement = 0x09;
constexpr uint32_t kDsmDeallocate = 1u << 2;  // CDW11.AD
constexpr uint8_t kFuaByte = 1u << 6;         // CDW12 bit 30, in SQE byte 51
constexpr unsigned kQueue = 1;

/// One NVMe command of a record.
struct Piece {
  TraceOp op = TraceOp::Read;
  uint64_t slba = 0, blocks = 0;
  bool fua = false;
  bool barrier = false;  // a preflush: the record's other commands wait for it
};

/// A command in flight, by the replay's own slot (which also indexes its DSM range).
struct Slot {
  TraceOp op = TraceOp::Read;
  uint64_t bytes = 0, slba = 0, submitted_ns = 0, rung_ns = 0;
  Piece piece;           // what it is (submitted again when the driver's recovery ends it)
  unsigned retries = 0;  // times submitted again
};

constexpr int kNoBarrier = -1, kBarrierRequeued = -2;  // else: the slot of the preflush in flight

const char* op_name(TraceOp op) {
  switch (op) {
    case TraceOp::Read: return "read";
    case TraceOp::Write: return "write";
    case TraceOp::Deallocate: return "deallocate";
    default: return "flush";
  }
}

/// nvme_io_prepare has no flags argument: set FUA in the SQE it just placed (the controller reads
/// it only after the doorbell).
void set_fua_on_last_sqe(nvme_driver& drv, unsigned q) {
  nvme_queue& sq = drv.sq[q];
  uint8_t* sqe = sq.entries + 64u * ((sq.index + sq.size - 1) % sq.size);
  sqe[51] = static_cast<uint8_t>(sqe[51] | kFuaByte);
}

void put_le(uint8_t* p, uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

void run_replay(nvme_driver& drv, const WorkloadOptions& wl, RunResult& run, const ProgressHook& progress) {
  scnvme_hal_device* dev = drv.dev;
  const Trace& trace = *wl.replay.trace;
  const JobOptions& o = wl.jobs.front();
  ReplayResult& rr = run.replay;
  rr.path = trace.path;
  rr.format = trace_format_name(trace.format);
  rr.detected = trace.detected;
  rr.records = trace.records.size();
  rr.skipped = trace.skipped;
  auto fail = [&run](const std::string& why) {
    run.ok = false;
    run.error = "replay: " + why;
  };
  const nvme_namespace* ns = nullptr;
  for (unsigned n = 0; n < drv.namespaces; ++n)
    if (drv.ns[n].nsid == o.nsid) ns = &drv.ns[n];
  if (!ns) return fail("namespace " + std::to_string(o.nsid) + " is not active on the controller");
  if (drv.io_queues < kQueue) return fail("the controller granted no I/O queue");
  const uint64_t bs = ns->block_size;
  if (drv.max_transfer < bs) return fail("the maximum transfer is smaller than a block");
  const unsigned depth = std::max(1u, std::min<unsigned>(o.iodepth, drv.sq[kQueue].size - 1));

  JobResult job;
  job.name = "replay";
  job.nsid = ns->nsid;
  run.jobs.assign(1, job);
  JobResult& out = run.jobs.front();

  // Data is not checked: every read lands in one buffer, every write comes from another.
  const uint64_t max_blocks = drv.max_transfer / bs;
  const uint64_t buffer_bytes = std::min(max_blocks * bs, (trace.max_bytes + bs - 1) / bs * bs + bs);
  uint64_t read_bus = 0, write_bus = 0, ranges_bus = 0;
  auto* read_buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, buffer_bytes, 4096, &read_bus));
  auto* write_buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, buffer_bytes, 4096, &write_bus));
  auto* ranges = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, 16ull * depth, 4096, &ranges_bus));
  if (!read_buf || !write_buf || !ranges) return fail("out of DMA memory for two buffers of " + std::to_string(buffer_bytes) + " bytes");
  for (uint64_t i = 0; i < buffer_bytes; ++i) write_buf[i] = static_cast<uint8_t>(i * 131 + 7);

  LbaMap rw_map{wl.replay.wrap ? LbaMapping::Wrap : LbaMapping::Scale, trace.end_bytes, ns->blocks, ns->block_size, max_blocks};
  LbaMap dsm_map = rw_map;
  dsm_map.max_blocks = UINT32_MAX;  // a range's length is 32 bits

  // Faithful timing: record i of loop k is due at start + (k x span + its time) / speed; a loop
  // follows the previous one after the trace's mean interval between records.
  const uint64_t n_records = trace.records.size();
  const long double gap = n_records > 1 ? static_cast<long double>(trace.last_time_ns) / (n_records - 1) : 0;
  const long double span = trace.last_time_ns + gap;
  const bool faithful = wl.replay.faithful;
  const uint64_t start_ns = scnvme_hal_now_ns(dev);

  std::vector<Slot> slots(depth);
  std::vector<unsigned> free_slots;
  for (unsigned i = depth; i > 0; --i) free_slots.push_back(i - 1);
  std::vector<int> slot_of_cid(drv.sq[kQueue].size, -1);
  std::vector<nvme_completion> cpl(depth + 1);
  std::vector<Piece> pieces;
  std::vector<Extent> extents;
  std::vector<unsigned> batch;  // slots placed since the last doorbell
  std::size_t next_record = 0, next_piece = 0;
  unsigned loop = 0;
  bool have_record = false, record_started = false, done = false, behind = false;
  int barrier = kNoBarrier;  // slot of a preflush the current record waits for
  uint64_t due = 0, inflight = 0, first_ns = 0, last_ns = 0;
  long double lateness_sum = 0;

  auto load_record = [&]() {
    if (next_record == n_records) {
      next_record = 0;
      ++loop;
    }
    if (loop == wl.replay.loops) return false;
    const TraceRecord& r = trace.records[next_record++];
    const long double at = loop * span + std::max<int64_t>(r.time_ns, 0);
    due = start_ns + static_cast<uint64_t>(std::llround(at / wl.replay.speed));
    pieces.clear();
    next_piece = 0;
    record_started = false;
    if (r.flags & TraceRecord::kPreflush) pieces.push_back({TraceOp::Flush, 0, 0, false, true});
    if (r.op == TraceOp::Flush) {
      pieces.push_back({TraceOp::Flush, 0, 0, false, false});
    } else {
      extents.clear();
      map_extents(r.op == TraceOp::Deallocate ? dsm_map : rw_map, r.offset, r.bytes, extents);
      for (const Extent& e : extents) pieces.push_back({r.op, e.slba, e.blocks, (r.flags & TraceRecord::kFua) != 0, false});
    }
    return true;
  };

  // Places one command (`again`: one the driver's recovery ended, submitted again); false when
  // the driver's queue is full.
  auto place = [&](const Piece& p, uint64_t now, const Slot* again) {
    const unsigned s = free_slots.back();
    int cid = -1;
    switch (p.op) {
      case TraceOp::Flush: cid = nvme_io_prepare(&drv, kQueue, kOpFlush, ns->nsid, 0, 0, 0, 0); break;
      case TraceOp::Deallocate: {
        uint8_t* range = ranges + 16u * s;  // context attributes, length in blocks, starting LBA
        put_le(range, 0, 4);
        put_le(range + 4, p.blocks, 4);
        put_le(range + 8, p.slba, 8);
        // The driver writes `slba` into CDW10-11 and nlb - 1 into CDW12: CDW10 = NR (0: one range),
        // CDW11 = AD, CDW12 = 0.
        cid = nvme_io_prepare(&drv, kQueue, kOpDatasetManagement, ns->nsid, static_cast<uint64_t>(kDsmDeallocate) << 32, 1,
                              ranges_bus + 16u * s, 16);
        break;
      }
      default: {
        const bool write = p.op == TraceOp::Write;
        cid = nvme_io_prepare(&drv, kQueue, write ? kOpWrite : kOpRead, ns->nsid, p.slba, static_cast<uint32_t>(p.blocks),
                              write ? write_bus : read_bus, p.blocks * bs);
        if (cid >= 0 && p.fua) set_fua_on_last_sqe(drv, kQueue);
      }
    }
    if (cid < 0) return false;
    free_slots.pop_back();
    slot_of_cid[static_cast<unsigned>(cid) % slot_of_cid.size()] = static_cast<int>(s);
    // A command submitted again keeps its first submission time (its latency counts from there).
    slots[s] = again ? Slot{p.op, p.blocks * bs, p.slba, again->submitted_ns, now, p, again->retries + 1}
                     : Slot{p.op, p.blocks * bs, p.slba, now, now, p, 0};
    batch.push_back(s);
    if (p.barrier) barrier = static_cast<int>(s);
    if (first_ns == 0) first_ns = now;
    ++inflight;
    if (again) ++out.retries;
    else ++rr.commands;
    return true;
  };
  std::vector<Slot> requeued;  // ended by the driver's recovery: submitted again before anything new

  for (;;) {
    // Issue what the driver's recovery ended, then everything due, as far as iodepth and
    // preflushes allow.
    unsigned placed = 0;
    while (!requeued.empty() && !free_slots.empty()) {
      if (!place(requeued.front().piece, scnvme_hal_now_ns(dev), &requeued.front())) break;
      requeued.erase(requeued.begin());
      ++placed;
    }
    while (!done) {
      if (!have_record && !(have_record = load_record())) {
        done = true;
        break;
      }
      if (pieces.empty()) {  // (nothing of it lands on the namespace)
        have_record = false;
        continue;
      }
      const uint64_t now = scnvme_hal_now_ns(dev);
      if (faithful && now < due) {
        behind = false;  // caught up with the trace
        break;
      }
      if (barrier != kNoBarrier || !requeued.empty() || free_slots.empty()) {
        behind = true;
        break;
      }
      if (!record_started) {
        record_started = true;
        ++rr.replayed;
        if (faithful && behind && now > due) {
          ++rr.late;
          lateness_sum += now - due;
          rr.max_lateness_ns = std::max(rr.max_lateness_ns, now - due);
        }
      }
      if (!place(pieces[next_piece], now, nullptr)) {
        behind = true;
        break;
      }
      ++placed;
      if (++next_piece == pieces.size()) have_record = false;
    }
    if (placed) {
      nvme_io_ring(&drv, kQueue);
      const uint64_t rung = scnvme_hal_now_ns(dev);
      for (const unsigned s : batch) slots[s].rung_ns = rung;
      batch.clear();
    }
    if (done && inflight == 0 && requeued.empty()) break;
    const uint64_t now = scnvme_hal_now_ns(dev);
    if (inflight == 0) {
      if (!(faithful && have_record && now < due)) return fail("stalled with nothing in flight");
      scnvme_hal_delay_ns(dev, due - now);  // idle until the next record
      continue;
    }
    // Wait for completions, or until the next record is due when it could be issued.
    uint64_t timeout = drv.opt.command_timeout_ns;
    bool short_wait = false;
    if (faithful && have_record && !record_started && barrier == kNoBarrier && requeued.empty() && !free_slots.empty() && now < due &&
        due - now < timeout) {
      timeout = due - now;
      short_wait = true;
    }
    const int n = nvme_io_reap(&drv, kQueue, cpl.data(), static_cast<unsigned>(cpl.size()), timeout);
    if (n == 0 && short_wait) continue;
    if (n <= 0) {
      // Nothing within the timeout, or an error (CSTS.CFS, removal): the driver's recovery, as a
      // kernel's timeout handler runs it. Commands it ends come back from the next reap.
      const int recovered = nvme_recover(&drv);
      if (recovered >= 0) continue;  // recovered, or nothing timed out yet
      return fail((recovered == NVME_RECOVER_REMOVED ? std::string("the device was removed (CSTS reads all ones)")
                                                     : "the driver's recovery failed: " + std::string(drv.error)) +
                  " with " + std::to_string(inflight) + " I/Os outstanding");  // buffers stay: the controller may own them
    }
    const uint64_t t = scnvme_hal_now_ns(dev);
    for (int i = 0; i < n; ++i) {
      const unsigned cid = cpl[i].cid % slot_of_cid.size();
      const int s = slot_of_cid[cid];
      if (s < 0) return fail("completion for unknown CID " + std::to_string(cpl[i].cid));
      slot_of_cid[cid] = -1;
      free_slots.push_back(static_cast<unsigned>(s));
      --inflight;
      const Slot& c = slots[static_cast<unsigned>(s)];
      if (ended_by_recovery(cpl[i].status) && c.retries < kMaxRetries) {
        requeued.push_back(c);  // counted once, when it completes
        if (barrier == s) barrier = kBarrierRequeued;
        continue;
      }
      ++run.ios_done;
      if (barrier == s) barrier = kNoBarrier;
      last_ns = std::max(last_ns, t);
      if (cpl[i].status != 0) {
        ++out.errors;
        if (run.ok)
          fail(std::string(op_name(c.op)) + (c.op == TraceOp::Flush ? "" : " of LBA " + std::to_string(c.slba)) +
               " failed: " + nvme_status_string(cpl[i].status));
        continue;
      }
      switch (c.op) {
        case TraceOp::Read:
        case TraceOp::Write: {
          const bool write = c.op == TraceOp::Write;
          (write ? out.write : out.read).add(t - c.submitted_ns);
          (write ? out.write_slat : out.read_slat).add(c.rung_ns - c.submitted_ns);
          (write ? out.write_clat : out.read_clat).add(t - c.rung_ns);
          if (wl.keep_completions) out.completions.push_back({t, t - c.submitted_ns, static_cast<uint32_t>(c.bytes), write});
          (write ? out.bytes_written : out.bytes_read) += c.bytes;
          ++out.ios_by_bs[c.bytes];
          break;
        }
        case TraceOp::Flush: ++out.flushes; break;
        case TraceOp::Deallocate:
          ++rr.deallocates;
          rr.deallocated_bytes += c.bytes;
          break;
      }
    }
    if (progress) progress(t, run.ios_done);
  }
  rr.mean_lateness_ns = rr.late ? static_cast<double>(lateness_sum / rr.late) : 0;
  out.time_s = last_ns > first_ns ? (last_ns - first_ns) / 1e9 : 0;
  run.sim_time_s = out.time_s;
  run.measure_start_ns = first_ns;
  scnvme_hal_dma_free(dev, read_buf);
  scnvme_hal_dma_free(dev, write_buf);
  scnvme_hal_dma_free(dev, ranges);
}

}  // namespace scnvme::sim
