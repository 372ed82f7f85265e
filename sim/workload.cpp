#include "workload.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <systemc>

#include "hal/hal_device.h"
#include "handover.h"
#include "replay.h"
#include "requeue.h"

namespace scnvme::sim {

bool parse_size(const std::string& text, uint64_t& out) {
  if (text.empty()) return false;
  std::size_t pos = 0;
  uint64_t v = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    const uint64_t d = static_cast<uint64_t>(text[pos] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
    ++pos;
  }
  if (pos == 0) return false;
  std::string suffix = text.substr(pos);
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (suffix.empty() || suffix == "b") shift = 0;
  else if (suffix == "k" || suffix == "kb" || suffix == "kib") shift = 10;
  else if (suffix == "m" || suffix == "mb" || suffix == "mib") shift = 20;
  else if (suffix == "g" || suffix == "gb" || suffix == "gib") shift = 30;
  else if (suffix == "t" || suffix == "tb" || suffix == "tib") shift = 40;
  else return false;
  if (shift && v > (UINT64_MAX >> shift)) return false;
  out = v << shift;
  return true;
}

bool valid_rw(const std::string& rw) {
  return rw == "read" || rw == "write" || rw == "randread" || rw == "randwrite" || rw == "rw" || rw == "readwrite" ||
         rw == "randrw";
}

uint64_t JobOptions::min_bs() const {
  if (bssplit.empty()) return bs;
  uint64_t m = UINT64_MAX;
  for (const auto& b : bssplit) m = std::min(m, b.bytes);
  return m;
}

uint64_t JobOptions::max_bs() const {
  if (bssplit.empty()) return bs;
  uint64_t m = 0;
  for (const auto& b : bssplit) m = std::max(m, b.bytes);
  return m;
}

std::string JobOptions::bs_text() const {
  if (bssplit.empty()) return std::to_string(bs);
  std::string t;
  for (const auto& b : bssplit) t += (t.empty() ? "" : ":") + std::to_string(b.bytes) + "/" + std::to_string(b.percent);
  return t;
}

unsigned WorkloadOptions::instances() const {
  unsigned n = 0;
  for (const auto& j : jobs) n += j.numjobs;
  return n;
}

void StageStats::persist(checkpoint::Archive& a) {
  for (LatencyStats* s : {&fetch, &execute, &complete, &device, &interrupt}) s->persist(a);
}

void Completion::persist(checkpoint::Archive& a) {
  a.io(at_ns);
  a.io(latency_ns);
  a.io(bytes);
  a.io(write);
}

void JobResult::persist(checkpoint::Archive& a) {
  a.expect(name, "job name");
  a.io(nsid);
  a.io(time_s);
  a.io(ramp_ios);
  a.io(ios_by_bs);
  read.persist(a);
  write.persist(a);
  for (Moments* m : {&read_slat, &write_slat, &read_clat, &write_clat}) m->persist(a);
  a.io(completions);
  stages.persist(a);
  for (uint64_t* v : {&bytes_read, &bytes_written, &flushes, &errors, &retries, &verified_reads, &verify_failures}) a.io(*v);
}

namespace {

constexpr uint8_t kOpFlush = 0x00, kOpWrite = 0x01, kOpRead = 0x02;
constexpr uint16_t kUnrecoveredReadError = 0x281;  // SCT 2h, SC 81h (the status field without M and DNR)

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// What a job knows about one unit (its smallest block size) it wrote.
struct ChunkState {
  uint32_t written = 0;  // generation of the newest completed write
  uint32_t durable = 0;  // generation known to be durable (flushed, or written without a cache)
  uint32_t issued = 0;   // generation counter
};

struct InFlight {
  bool busy = false;
  uint8_t opcode = 0;
  uint64_t chunk = 0;                  // first unit
  uint64_t units = 0;                  // units covered
  std::vector<uint32_t> generations;   // per unit: written (write) or expected (read)
  uint64_t submitted_ns = 0;
  uint64_t rung_ns = 0;                // the doorbell covering it was written
  unsigned buffer = 0;
  std::vector<std::pair<uint64_t, uint32_t>> flushed;  // for a Flush: writes it makes durable
  unsigned retries = 0;                // submitted again after the driver's recovery ended it
};

/// One job instance: its region in units of its smallest block size, the units' states and
/// results; shared with the recovery pass after a power loss.
struct Job {
  unsigned index = 0;  // over every instance: its queue pair is index + 1
  unsigned group = 0;  // stonewall group: groups run one after another
  const JobOptions* opt = nullptr;
  const nvme_namespace* ns = nullptr;
  uint64_t unit = 0, unit_blocks = 0, base_unit = 0, units = 0;
  std::unordered_map<uint64_t, ChunkState> state;
  uint64_t begin_byte() const { return base_unit * unit; }
  uint64_t end_byte() const { return (base_unit + units) * unit; }
};

bool writes(const JobOptions& o) { return o.rw != "read" && o.rw != "randread"; }

/// Lays the instances out: those of one stonewall group on one namespace with the same offset
/// follow each other; the ones without a size share what their explicit neighbours leave.
/// Overlapping regions are an error only where verification would read another instance's
/// writes (in one group), or a later group's job would read what an earlier one wrote.
bool place_jobs(std::vector<Job>& jobs, RunResult& run) {
  using Key = std::tuple<unsigned, uint32_t, uint64_t>;  // (group, nsid, offset)
  std::map<Key, std::pair<uint64_t, unsigned>> groups;  // -> explicit bytes, auto count
  for (const Job& j : jobs) {
    auto& g = groups[{j.group, j.ns->nsid, j.opt->offset}];
    if (j.opt->size) g.first += j.opt->size;
    else ++g.second;
  }
  std::map<Key, uint64_t> cursor;
  for (Job& j : jobs) {
    const JobOptions& o = *j.opt;
    const uint64_t ns_bytes = j.ns->blocks * j.ns->block_size;
    const Key key{j.group, j.ns->nsid, o.offset};
    const auto& g = groups[key];
    uint64_t& at = cursor.try_emplace(key, o.offset).first->second;
    at = (at + j.unit - 1) / j.unit * j.unit;
    const uint64_t left = ns_bytes > o.offset + g.first ? ns_bytes - o.offset - g.first : 0;
    const uint64_t bytes = o.size ? o.size : left / g.second;
    j.base_unit = at / j.unit;
    j.units = bytes / j.unit;
    at += bytes;
    if (j.units * j.unit < o.max_bs() || j.end_byte() > ns_bytes) {
      run.ok = false;
      run.error = "job " + std::to_string(j.index) + ": the region (offset/size/bs) does not fit namespace " + std::to_string(j.ns->nsid);
      return false;
    }
  }
  for (std::size_t a = 0; a < jobs.size(); ++a)
    for (std::size_t b = a + 1; b < jobs.size(); ++b) {
      const Job &x = jobs[a], &y = jobs[b];  // x is not in a later group than y
      const bool verified = x.group == y.group ? (writes(*x.opt) && y.opt->verify != VerifyMode::None) ||
                                                     (writes(*y.opt) && x.opt->verify != VerifyMode::None)
                                               : writes(*x.opt) && y.opt->verify != VerifyMode::None;
      if (x.ns == y.ns && verified && x.begin_byte() < y.end_byte() && y.begin_byte() < x.end_byte()) {
        run.ok = false;
        run.error = "jobs " + std::to_string(a) + " and " + std::to_string(b) + " overlap on namespace " +
                    std::to_string(x.ns->nsid) +
                    (x.group == y.group ? " and one writes what the other verifies"
                                        : " and the later one (after stonewall) would verify what the earlier one wrote") +
                    ": give them disjoint offset/size or verify=0";
        return false;
      }
    }
  return true;
}

/// The job's measured span and the run's.
struct Clock {
  uint64_t first = 0, last = 0;
};

/// One job instance's progress: what run_job keeps across its loop, so that a checkpoint (taken
/// while the job is paused with nothing in flight) can save it and a resumed run take it up.
struct JobRun {
  JobRun(const Job& job, const WorkloadOptions& wl)
      : rng(splitmix(wl.seed + 0x1000 * (job.index + 1))),
        picker(job.opt->random_distribution, job.units, splitmix(wl.seed + 0x2000 * (job.index + 1))) {}
  bool started = false, done = false;
  std::mt19937_64 rng;
  BlockPicker picker;
  std::vector<uint64_t> buffer_bus;  // the data buffers' bus addresses (iodepth of them)
  std::vector<unsigned> free_buffers;
  std::vector<std::pair<uint64_t, uint32_t>> since_flush;  // completed writes not yet covered by a Flush
  uint64_t start_ns = 0;
  uint64_t issued = 0, completed = 0, next_seq = 0, writes_since_flush = 0;
  uint64_t data_issued = 0, inflight_bytes = 0, inflight_ios = 0;
  // The measured phase starts at the ramp's end; what it may still issue is bounded by
  // number_ios or one pass, counting the I/Os in flight when it starts (they complete in it).
  bool measuring = false;
  uint64_t used_ios = 0, used_bytes = 0, measure_start_ns = 0, last_counted_ns = 0;
  uint64_t since_think = 0;
  bool think_pending = false, flush_outstanding = false;

  void persist(checkpoint::Archive& a) {
    a.io(started);
    a.io(done);
    a.io(rng);
    picker.persist(a);
    a.io(buffer_bus);
    a.io(free_buffers);
    a.io(since_flush);
    for (uint64_t* v : {&start_ns, &issued, &completed, &next_seq, &writes_since_flush, &data_issued, &inflight_bytes,
                        &inflight_ios, &used_ios, &used_bytes, &measure_start_ns, &last_counted_ns, &since_think})
      a.io(*v);
    a.io(measuring);
    a.io(think_pending);
    a.io(flush_outstanding);
    if (a.loading() && (issued != completed || flush_outstanding || inflight_ios || free_buffers.size() != buffer_bus.size()))
      a.fail("a job with I/O in flight");
  }
};

/// The jobs of a run, shared by the driver thread and --checkpoint_at's thread.
struct WorkloadRun {
  std::vector<Job> jobs;
  std::vector<std::unique_ptr<JobRun>> runs;
  Clock clock;
  unsigned group_first = 0;  // the first instance of the stonewall group running

  /// Section "workload": the jobs' progress, their units' states and every result gathered.
  void persist(checkpoint::Archive& a, RunResult& result, nvme_recovery_stats& driver_recovery) {
    a.begin("workload");
    a.expect(static_cast<uint64_t>(jobs.size()), "job instances");
    a.io(result.ios_done);
    a.expect(static_cast<uint64_t>(sizeof driver_recovery), "driver recovery statistics");
    a.raw(&driver_recovery, sizeof driver_recovery);
    result.stages.persist(a);
    a.io(clock.first);
    a.io(clock.last);
    a.io(group_first);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      Job& job = jobs[i];
      a.begin("job");
      a.expect(static_cast<uint64_t>(job.ns->nsid), "job namespace");
      a.expect(job.base_unit, "job region start");
      a.expect(job.units, "job region size");
      // The unit states in unit order (the map's own order is not reproducible).
      std::vector<std::pair<uint64_t, std::array<uint32_t, 3>>> units;
      if (!a.loading()) {
        units.reserve(job.state.size());
        for (const auto& [u, cs] : job.state) units.push_back({u, {cs.written, cs.durable, cs.issued}});
        std::sort(units.begin(), units.end());
      }
      a.io(units);
      if (a.loading()) {
        job.state.clear();
        for (const auto& [u, g] : units) {
          if (u >= job.units) a.fail("a unit outside the job's region");
          job.state[u] = ChunkState{g[0], g[1], g[2]};
        }
      }
      runs[i]->persist(a);
      result.jobs[i].persist(a);
      a.end();
    }
    if (a.loading() && group_first > jobs.size()) a.fail("stonewall group");
    a.end();
  }
};

void run_job(DriverSlot& slot, Job& job, JobRun& r, const WorkloadOptions& wl, JobResult& out, RunResult& run, Clock& clock,
             const ProgressHook& progress) {
  slot.enter();
  struct Leave {
    DriverSlot& slot;
    JobRun& r;
    ~Leave() {
      r.done = true;
      slot.leave();
    }
  } leave{slot, r};
  scnvme_hal_device* dev = slot.driver().dev;
  const JobOptions& o = *job.opt;
  const unsigned q = job.index + 1;
  const uint32_t nsid = job.ns->nsid;
  out.nsid = nsid;
  const bool random = o.random();
  const bool mixed = o.rw == "rw" || o.rw == "randrw";
  const bool writes_only = o.rw == "write" || o.rw == "randwrite";
  const uint64_t max_bs = o.max_bs();
  std::vector<uint8_t*> buffers(o.iodepth);
  if (!r.started) {  // else resumed from a checkpoint: the buffers are allocated and the state is r's
    r.started = true;
    r.start_ns = scnvme_hal_now_ns(dev);
    r.measuring = o.ramp_time_s <= 0;
    r.measure_start_ns = r.start_ns;
    r.buffer_bus.assign(o.iodepth, 0);
    for (unsigned i = 0; i < o.iodepth; ++i) {
      buffers[i] = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, max_bs, 4096, &r.buffer_bus[i]));
      if (!buffers[i]) {
        run.ok = false;
        run.error = "out of DMA memory for " + std::to_string(o.iodepth) + " buffers of " + std::to_string(max_bs) + " bytes";
        return;
      }
    }
    for (unsigned i = o.iodepth; i > 0; --i) r.free_buffers.push_back(i - 1);
  } else {
    for (unsigned i = 0; i < o.iodepth; ++i) {
      buffers[i] = i < r.buffer_bus.size() ? static_cast<uint8_t*>(scnvme_hal_dma_map(dev, r.buffer_bus[i], max_bs)) : nullptr;
      if (!buffers[i]) {
        run.ok = false;
        run.error = "job " + std::to_string(job.index) + ": the checkpoint's data buffers are not allocated DMA memory";
        return;
      }
    }
  }
  const uint64_t start_ns = r.start_ns;
  const uint64_t ramp_end_ns = start_ns + static_cast<uint64_t>(o.ramp_time_s * 1e9);
  const uint64_t deadline_ns = o.runtime_s > 0 ? ramp_end_ns + static_cast<uint64_t>(o.runtime_s * 1e9) : UINT64_MAX;
  const uint64_t pass_bytes = job.units * job.unit;
  const uint64_t rate_period_ns = o.rate_iops ? std::max<uint64_t>(1, 1000000000ull / o.rate_iops) : 0;

  std::mt19937_64& rng = r.rng;
  BlockPicker& picker = r.picker;
  std::vector<unsigned>& free_buffers = r.free_buffers;
  std::vector<InFlight> inflight(slot.driver().sq[q].size);
  // The unit ranges of the data I/Os in flight, by buffer (at most iodepth: a scan beats a tree).
  std::vector<std::pair<uint64_t, uint64_t>> busy_ranges(o.iodepth, {0, 0});
  auto in_flight = [&](uint64_t first, uint64_t count) {
    for (const auto& [b, n] : busy_ranges)
      if (first < b + n && b < first + count) return true;
    return false;
  };
  auto& since_flush = r.since_flush;
  uint64_t &issued = r.issued, &completed = r.completed, &next_seq = r.next_seq, &writes_since_flush = r.writes_since_flush;
  uint64_t &data_issued = r.data_issued, &inflight_bytes = r.inflight_bytes, &inflight_ios = r.inflight_ios;
  bool& measuring = r.measuring;
  uint64_t &used_ios = r.used_ios, &used_bytes = r.used_bytes, &measure_start_ns = r.measure_start_ns,
           &last_counted_ns = r.last_counted_ns;
  uint64_t& since_think = r.since_think;
  bool &think_pending = r.think_pending, &flush_outstanding = r.flush_outstanding;
  std::vector<nvme_completion> cpl(o.iodepth + 1);
  std::vector<int> batch;  // CIDs prepared since the last doorbell
  batch.reserve(o.iodepth + 1);
  std::vector<InFlight> retry;  // ended by recovery in the batch being reaped: submitted again

  auto start_measuring = [&] {
    measuring = true;
    measure_start_ns = ramp_end_ns;
    used_ios = inflight_ios;
    used_bytes = inflight_bytes;
  };
  auto may_issue = [&](uint64_t now) {
    if (now >= deadline_ns) return false;
    if (!measuring) return true;
    if (o.number_ios) return used_ios < o.number_ios;
    return (o.time_based && o.runtime_s > 0) || used_bytes < pass_bytes;
  };
  auto rate_allows = [&](uint64_t now) { return !rate_period_ns || now >= start_ns + data_issued * rate_period_ns; };
  auto pick_bs = [&] {
    if (o.bssplit.empty()) return o.bs;
    unsigned r = static_cast<unsigned>(rng() % 100);
    for (const auto& b : o.bssplit) {
      if (r < b.percent) return b.bytes;
      r -= b.percent;
    }
    return o.bssplit.back().bytes;
  };
  auto lba_of = [&](uint64_t unit) { return (job.base_unit + unit) * job.unit_blocks; };

  for (;;) {
    // --handover_at: pause here (the driver instance may change meanwhile); a reset hand-over
    // first lets what is in flight complete, submitting nothing new.
    if (slot.requested() && slot.pause_if_requested(completed == issued)) continue;
    nvme_driver& drv = slot.driver();
    if (drv.state != NVME_DRV_LIVE && completed == issued) {
      // Removed, or recovery gave up: the driver takes no more commands and every one it had is back.
      if (run.ok) {
        run.ok = false;
        run.error = "job " + std::to_string(job.index) + ": " +
                    (drv.state == NVME_DRV_REMOVED ? "the device was removed" : "the driver gave up recovering") + ": " + drv.error;
      }
      break;
    }
    uint64_t now = scnvme_hal_now_ns(dev);
    if (!measuring && now >= ramp_end_ns) start_measuring();
    const bool more = !slot.requested() && may_issue(now);
    if (!more && completed == issued && !slot.requested()) break;
    if (think_pending && completed == issued) {
      // fio's thinktime: the I/Os of the batch have completed; think, then go on.
      scnvme_hal_delay_ns(dev, o.thinktime_us * 1000);
      think_pending = false;
      continue;
    }
    unsigned prepared = 0;
    // A Flush every `fsync` completed writes (fio's fsync=N), one at a time.
    if (!slot.requested() && o.fsync && writes_since_flush >= o.fsync && !flush_outstanding && !think_pending) {
      const int cid = nvme_io_prepare(&drv, q, kOpFlush, nsid, 0, 0, 0, 0);
      if (cid >= 0) {
        InFlight& f = inflight[static_cast<unsigned>(cid)];
        f.busy = true;
        f.opcode = kOpFlush;
        f.units = 0;
        f.retries = 0;
        f.submitted_ns = now;
        f.flushed.clear();
        f.flushed.swap(since_flush);
        writes_since_flush = 0;
        flush_outstanding = true;
        ++issued;
        ++prepared;
        batch.push_back(cid);
      }
    }
    while (more && !think_pending && !free_buffers.empty() && may_issue(now) && rate_allows(now)) {
      const bool write = writes_only || (mixed && (rng() % 100) >= o.rwmixread);
      const uint64_t bytes = pick_bs();
      const uint64_t k = bytes / job.unit;
      uint64_t chunk = 0;
      bool found = false;
      for (int attempt = 0; attempt < 16 && !found; ++attempt) {
        if (random) {
          const uint64_t slots = job.units / k;
          chunk = std::min(picker.next(rng) / k, slots - 1) * k;
        } else {
          chunk = next_seq + k > job.units ? 0 : next_seq;
        }
        // Only a write, or a read that will be verified, must not overlap an I/O in flight.
        found = (!write && o.verify == VerifyMode::None) || !in_flight(chunk, k);
        if (!random) break;
      }
      if (!found) break;  // everything nearby is in flight; reap first
      const unsigned b = free_buffers.back();
      const int cid = nvme_io_prepare(&drv, q, write ? kOpWrite : kOpRead, nsid, lba_of(chunk),
                                      static_cast<uint32_t>(k * job.unit_blocks), r.buffer_bus[b], bytes);
      if (cid < 0) break;  // queue full
      if (!random) next_seq = chunk + k;
      InFlight& f = inflight[static_cast<unsigned>(cid)];
      f.busy = true;
      f.opcode = write ? kOpWrite : kOpRead;
      f.chunk = chunk;
      f.units = k;
      f.retries = 0;
      f.generations.clear();
      // Unit state exists for units written in this run (a read of another one expects
      // generation 0: never written). Unverified reads need none of it.
      if (write || o.verify != VerifyMode::None)
        for (uint64_t u = chunk; u < chunk + k; ++u) {
          if (write) {
            ChunkState& cs = job.state[u];
            const uint32_t g = ++cs.issued;
            f.generations.push_back(g);
            fill_block(o.verify, buffers[b] + (u - chunk) * job.unit, job.unit, nsid, lba_of(u), g, wl.seed);
          } else {
            const auto known = job.state.find(u);
            f.generations.push_back(known == job.state.end() ? 0 : known->second.written);
          }
        }
      busy_ranges[b] = {chunk, k};
      free_buffers.pop_back();
      f.submitted_ns = now;
      f.buffer = b;
      if (measuring && data_issued == 0) measure_start_ns = now;
      if (measuring && (clock.first == 0 || now < clock.first)) clock.first = now;
      ++issued;
      ++data_issued;
      ++inflight_ios;
      inflight_bytes += bytes;
      if (measuring) {
        ++used_ios;
        used_bytes += bytes;
      }
      ++prepared;
      batch.push_back(cid);
      if (o.thinktime_us && ++since_think >= o.thinktime_blocks) {
        since_think = 0;
        think_pending = true;
      }
    }
    if (prepared) {
      nvme_io_ring(&drv, q);
      const uint64_t rung = scnvme_hal_now_ns(dev);
      for (const int cid : batch) inflight[static_cast<unsigned>(cid)].rung_ns = rung;
      batch.clear();
    }
    if (completed == issued) {
      // Nothing in flight: held back by the rate cap.
      if (more && !rate_allows(now)) scnvme_hal_delay_ns(dev, start_ns + data_issued * rate_period_ns - now);
      continue;
    }
    // With a rate cap, wake for the next permitted submission as well as for completions.
    uint64_t timeout = drv.opt.command_timeout_ns;
    bool short_wait = false;
    if (more && !think_pending && !free_buffers.empty() && !rate_allows(now)) {
      const uint64_t until = start_ns + data_issued * rate_period_ns - now;
      if (until < timeout) {
        timeout = until;
        short_wait = true;
      }
    }
    const int n = nvme_io_reap(&drv, q, cpl.data(), static_cast<unsigned>(cpl.size()), timeout);
    if (n == 0 && short_wait) continue;
    if (n <= 0) {
      // Nothing within the timeout, or an error (CSTS.CFS, removal): the driver's recovery, as a
      // kernel's timeout handler runs it. Aborted or reset commands come back from the next reap.
      const int recovered = slot.recover();
      if (recovered >= 0) continue;  // recovered, nothing timed out yet, or another job recovered
      run.ok = false;
      run.error = "job " + std::to_string(job.index) + ": " +
                  (recovered == NVME_RECOVER_REMOVED ? std::string("the device was removed (CSTS reads all ones)")
                                                     : "the driver's recovery failed: " + std::string(slot.driver().error)) +
                  " with " + std::to_string(issued - completed) + " I/Os outstanding";
      return;  // buffers stay allocated: the controller may still own them
    }
    const uint64_t t = scnvme_hal_now_ns(dev);
    if (!measuring && t >= ramp_end_ns) start_measuring();
    for (int i = 0; i < n; ++i) {
      InFlight& f = inflight[cpl[i].cid % inflight.size()];
      if (!f.busy) {
        run.ok = false;
        run.error = "job " + std::to_string(job.index) + ": completion for unknown CID " + std::to_string(cpl[i].cid);
        return;
      }
      f.busy = false;
      if (ended_by_recovery(cpl[i].status) && f.retries < kMaxRetries) {
        // Ended by the driver's recovery (aborted after a timeout, or outstanding at a controller
        // reset): submitted again below, as the Linux block layer requeues it (after this batch:
        // a new CID may be one of the batch's); counted once, when it completes, with its latency
        // from the first submission.
        retry.push_back(std::move(f));
        continue;
      }
      ++completed;
      if (f.opcode == kOpFlush) {
        flush_outstanding = false;
        if (cpl[i].status == 0) {
          ++out.flushes;
          for (const auto& [c, g] : f.flushed) job.state[c].durable = std::max(job.state[c].durable, g);
        } else {
          ++out.errors;
        }
        continue;
      }
      const uint64_t bytes = f.units * job.unit;
      busy_ranges[f.buffer] = {0, 0};
      free_buffers.push_back(f.buffer);
      --inflight_ios;
      inflight_bytes -= bytes;
      ++run.ios_done;
      const bool write = f.opcode == kOpWrite;
      if (cpl[i].status != 0) {
        ++out.errors;
        if (!write && o.continue_on_read_error && (cpl[i].status & 0x7FF) == kUnrecoveredReadError) continue;
        if (run.ok) {
          run.ok = false;
          run.error = "job " + std::to_string(job.index) + ": " + (write ? "write" : "read") + " of LBA " +
                      std::to_string(lba_of(f.chunk)) + " failed: " + nvme_status_string(cpl[i].status) +
                      (f.retries ? " (submitted " + std::to_string(f.retries + 1) + " times)" : "");
        }
        continue;
      }
      if (measuring) {
        (write ? out.write : out.read).add(t - f.submitted_ns);
        (write ? out.write_slat : out.read_slat).add(f.rung_ns - f.submitted_ns);
        (write ? out.write_clat : out.read_clat).add(t - f.rung_ns);
        if (wl.keep_completions) out.completions.push_back({t, t - f.submitted_ns, static_cast<uint32_t>(bytes), write});
        (write ? out.bytes_written : out.bytes_read) += bytes;
        ++out.ios_by_bs[bytes];
        last_counted_ns = t;
        clock.last = std::max(clock.last, t);
      } else {
        ++out.ramp_ios;
      }
      for (uint64_t u = f.chunk; u < f.chunk + f.units && (write || o.verify != VerifyMode::None); ++u) {
        const uint32_t g = f.generations[u - f.chunk];
        if (write) {
          ChunkState& cs = job.state[u];
          cs.written = std::max(cs.written, g);
          if (wl.writes_durable) cs.durable = cs.written;
          else since_flush.emplace_back(u, g);
        } else if (o.verify != VerifyMode::None) {
          const std::string why =
              check_block(o.verify, buffers[f.buffer] + (u - f.chunk) * job.unit, job.unit, nsid, lba_of(u), g, wl.seed);
          if (!why.empty()) {
            ++out.verify_failures;
            if (run.ok) {
              run.ok = false;
              run.error = "job " + std::to_string(job.index) + ": verify failed at namespace " + std::to_string(nsid) + " LBA " +
                          std::to_string(lba_of(u)) + ": " + why;
            }
          }
        }
      }
      if (write) ++writes_since_flush;
      else if (o.verify != VerifyMode::None) ++out.verified_reads;
    }
    for (InFlight& f : retry) {
      const bool flush = f.opcode == kOpFlush;
      const int cid = nvme_io_prepare(&drv, q, f.opcode, nsid, flush ? 0 : lba_of(f.chunk),
                                      static_cast<uint32_t>(f.units * job.unit_blocks), flush ? 0 : r.buffer_bus[f.buffer],
                                      f.units * job.unit);
      if (cid < 0) {
        run.ok = false;
        run.error = "job " + std::to_string(job.index) + ": submitting a command again after recovery failed: " + drv.error;
        return;
      }
      InFlight& again = inflight[static_cast<unsigned>(cid)];
      again = std::move(f);
      again.busy = true;
      ++again.retries;
      ++out.retries;
      batch.push_back(cid);
    }
    retry.clear();
    if (!batch.empty()) {  // retries
      nvme_io_ring(&drv, q);
      const uint64_t rung = scnvme_hal_now_ns(dev);
      for (const int cid : batch) inflight[static_cast<unsigned>(cid)].rung_ns = rung;
      batch.clear();
    }
    if (progress) progress(t, run.ios_done);
  }
  if (last_counted_ns) {
    out.time_s = last_counted_ns > measure_start_ns ? (last_counted_ns - measure_start_ns) / 1e9 : 0;
    if (clock.first == 0 || measure_start_ns < clock.first) clock.first = measure_start_ns;
  }
  for (unsigned i = 0; i < o.iodepth; ++i) scnvme_hal_dma_free(dev, buffers[i]);
  r.buffer_bus.clear();
  r.free_buffers.clear();
}

/// What read_back() expects of a unit.
enum class ReadBackCheck {
  PowerLoss,  // every unit written: a generation from its last durable to its newest issued
  Adopt,      // the same for units whose newest write is not known durable; the job then expects it
  Final,      // every unit written: exactly its newest completed write (no power loss since)
};

/// With nothing in flight: reads back on queue pair 1 the units the jobs wrote (as `check` says)
/// and finds the generation each holds. Counts into `checked`, `lost` (the newest completed write
/// did not survive a power loss) and `mismatches` (anything else: `error` names the first). False
/// when a read fails. A read that times out gets the driver's recovery and is submitted again.
bool read_back(nvme_driver& drv, scnvme_hal_device* dev, uint64_t timeout_ns, std::vector<Job>& jobs, const WorkloadOptions& wl,
               ReadBackCheck check, uint64_t& checked, uint64_t& lost, uint64_t& mismatches, std::string& error) {
  uint64_t unit = 0;
  for (const auto& job : jobs) unit = std::max(unit, job.unit);
  uint64_t bus = 0;
  auto* buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, unit, 4096, &bus));
  if (!buf) {
    error = "reading back: no DMA memory";
    return false;
  }
  nvme_completion cpl;
  bool ok = true;
  for (auto& job : jobs) {
    for (auto& [chunk, cs] : job.state) {
      if (cs.issued == 0 || (check == ReadBackCheck::Adopt && cs.durable >= cs.issued)) continue;
      const uint64_t lba = (job.base_unit + chunk) * job.unit_blocks;
      // A read that times out gets the driver's recovery (Abort, reset) and is submitted again.
      for (unsigned attempt = 0; ok; ++attempt) {
        if (nvme_io_prepare(&drv, 1, kOpRead, job.ns->nsid, lba, static_cast<uint32_t>(job.unit_blocks), bus, job.unit) < 0) {
          error = std::string("reading back: ") + drv.error;
          ok = false;
          break;
        }
        nvme_io_ring(&drv, 1);
        while (ok && nvme_io_reap(&drv, 1, &cpl, 1, timeout_ns) <= 0)
          if (nvme_recover(&drv) < 0) {
            error = std::string("reading back: ") + drv.error;
            ok = false;
          }
        if (ok && !(ended_by_recovery(cpl.status) && attempt < kMaxRetries)) break;
      }
      if (!ok) break;
      if (cpl.status != 0) {
        // Under an injected media error the data is gone whatever was written: what the job
        // expects there stays as it was (its reads fail until a durable rewrite).
        if ((cpl.status & 0x7FF) == kUnrecoveredReadError && job.opt->continue_on_read_error) continue;
        error = "reading back LBA " + std::to_string(lba) + " failed: " + nvme_status_string(cpl.status);
        ok = false;
        break;
      }
      ++checked;
      // What survives is some generation between the last one known durable and the newest issued:
      // a Flush commits everything cached when it runs, which may include writes the host had not
      // yet seen complete when it submitted the Flush. Older data, or anything else, is a failure.
      const VerifyMode mode = job.opt->verify == VerifyMode::None ? VerifyMode::Pattern : job.opt->verify;
      const uint32_t lowest = check == ReadBackCheck::Final ? cs.written : cs.durable;
      const uint32_t highest = check == ReadBackCheck::Final ? cs.written : cs.issued;
      uint32_t survived = 0;
      bool found = lowest == 0 && check_block(mode, buf, job.unit, job.ns->nsid, lba, 0, wl.seed).empty();
      for (uint32_t g = std::max<uint32_t>(lowest, 1); !found && g <= highest; ++g)
        if (check_block(mode, buf, job.unit, job.ns->nsid, lba, g, wl.seed).empty()) {
          found = true;
          survived = g;
        }
      if (found && survived < cs.written) ++lost;
      if (found && check == ReadBackCheck::Adopt) cs.written = cs.durable = survived;
      if (!found) {
        ++mismatches;
        if (error.empty())
          error = std::string(check == ReadBackCheck::Final ? "at the end" : "after the power loss") + ", namespace " +
                  std::to_string(job.ns->nsid) + " LBA " + std::to_string(lba) + " does not hold " +
                  (check == ReadBackCheck::Final ? "what was last written" : "its last durable data") + ": expected generation " +
                  std::to_string(lowest) + (highest > lowest ? ".." + std::to_string(highest) : std::string()) + ": " +
                  check_block(mode, buf, job.unit, job.ns->nsid, lba, lowest, wl.seed);
      }
    }
    if (!ok) break;
  }
  scnvme_hal_dma_free(dev, buf);
  return ok;
}

/// After --power_loss_at: bring the controller up again and read back every chunk the jobs wrote.
void recover_and_check(nvme_driver& drv, scnvme_hal_device* dev, const nvme_driver_options& opt, std::vector<Job>& jobs,
                       const WorkloadOptions& wl, RunResult& result) {
  if (nvme_init(&drv, dev, &opt)) {
    result.ok = false;
    result.error = std::string("after the power loss: ") + drv.error;
    return;
  }
  std::string error;
  PowerLossResult& p = result.power_loss;
  if (!read_back(drv, dev, opt.command_timeout_ns, jobs, wl, ReadBackCheck::PowerLoss, p.chunks_checked, p.lost_writes,
                 p.mismatches, error) ||
      !error.empty()) {
    result.ok = false;
    result.error = error;
  }
}

}  // namespace

void start_workload(platform::ReferencePlatform& platform, const nvme_driver_options& driver_opt, const WorkloadOptions& wl,
                    RunResult& result, ProgressHook progress) {
  auto slot = std::make_shared<DriverSlot>(std::make_unique<nvme_driver>());
  platform.controller(0).on_command_complete([&result](const CommandRecord& r) {
    if (r.sqid == 0) return;  // I/O commands only
    static const double ns_per_unit = sc_core::sc_get_time_resolution().to_seconds() * 1e9;
    auto ns = [](const sc_core::sc_time& a, const sc_core::sc_time& b) {
      return b > a ? static_cast<uint64_t>(static_cast<double>((b - a).value()) * ns_per_unit + 0.5) : 0;
    };
    // Job instance i owns I/O queue pair i + 1.
    StageStats& s = r.sqid <= result.jobs.size() ? result.jobs[r.sqid - 1u].stages : result.stages;
    s.fetch.add(ns(r.doorbell, r.fetched));
    s.execute.add(ns(r.fetched, r.executed));
    s.complete.add(ns(r.executed, r.posted));
    s.device.add(ns(r.doorbell, r.posted));
    if (r.interrupt != sc_core::SC_ZERO_TIME) s.interrupt.add(ns(r.posted, r.interrupt));
  });
  if (wl.power_loss_at_s > 0) {
    platform.cpu().run("power", [&platform, &result, at = wl.power_loss_at_s] {
      sc_core::wait(sc_core::sc_time(at, sc_core::SC_SEC));
      if (!result.jobs.empty()) {  // the workload is running
        result.power_loss.happened = true;
        result.power_loss.at_s = at;
        platform.controller(0).power_loss();
      }
    });
  }
  if (wl.handover.at_s > 0) {
    platform.cpu().run("handover", [&platform, slot, &result, opt = wl.handover] {
      sc_core::wait(sc_core::sc_time(opt.at_s, sc_core::SC_SEC));
      if (!slot->wait_for_jobs()) return;  // the workload ended first
      std::string error;
      if (!slot->hand_over(opt, platform.hal(0), result.handover, error)) {
        result.ok = false;
        result.error = error;
        sc_core::sc_stop();
      }
    });
  }
  auto work = std::make_shared<WorkloadRun>();
  if (wl.disrupt.enabled()) {
    platform.cpu().run("disrupt", [&platform, slot, work, &result, wl] {
      const ReadBack after_power_loss = [&](nvme_driver& drv, DisruptResult& r, std::string& error) {
        for (auto& run : work->runs) run->since_flush.clear();  // (a later Flush makes none of those durable)
        uint64_t mismatches = 0;
        return read_back(drv, platform.hal(0), drv.opt.command_timeout_ns, work->jobs, wl, ReadBackCheck::Adopt, r.units_read_back,
                         r.lost_writes,
                         mismatches, error) &&
               mismatches == 0;
      };
      std::string error;
      if (!run_disruptions(platform, *slot, wl.disrupt, wl.seed, after_power_loss, result.disruptions, error)) {
        result.ok = false;
        result.error = error;
        sc_core::sc_stop();
      }
    });
  }
  if (wl.checkpoint.at_s > 0) {
    platform.cpu().run("checkpoint", [&platform, slot, work, &result, opt = wl.checkpoint] {
      const sc_core::sc_time at(opt.at_s, sc_core::SC_SEC);
      if (at > sc_core::sc_time_stamp()) sc_core::wait(at - sc_core::sc_time_stamp());
      if (!slot->wait_for_jobs() || !result.ok) return;  // the workload ended first, or failed
      scnvme_hal_device* dev = platform.hal(0);
      const uint64_t asked_ns = scnvme_hal_now_ns(dev);
      std::string error;
      const bool saved = slot->checkpoint(dev, [&](const nvme_handover_state& state, std::string& why) {
        // The jobs are paused with nothing in flight; wait for the controller to go idle too
        // (interrupts on their way; on the flash backend, background GC and folding), checking
        // every microsecond at first, then less often (up to every millisecond).
        constexpr uint64_t kLimitNs = 60ull * 1000000000;
        uint64_t step_ns = 1000;
        for (uint64_t waited = 0, polls = 0;; waited += step_ns) {
          const std::string blocker = platform.quiescence_blocker();
          if (blocker.empty()) break;
          if (waited >= kLimitNs) {
            why = "checkpoint: no quiescent point within 60 s of simulated time after the jobs drained: " + blocker;
            return false;
          }
          if (++polls % 64 == 0) step_ns = std::min<uint64_t>(step_ns * 2, 1000000);
          sc_core::wait(sc_core::sc_time(static_cast<double>(step_ns), sc_core::SC_NS));
        }
        try {
          checkpoint::Writer w;
          write_options(w, opt.fingerprint);
          platform.save_checkpoint(w);
          nvme_handover_state copy = state;
          persist_driver_state(w, copy);
          work->persist(w, result, slot->retired_recovery());
          result.checkpoint.bytes = write_file(w, opt.path);
        } catch (const CheckpointError& e) {
          why = std::string("checkpoint: ") + e.what();
          return false;
        }
        result.checkpoint.written = true;
        result.checkpoint.taken_s = sc_core::sc_time_stamp().to_seconds();
        result.checkpoint.drain_ns = static_cast<uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 + 0.5) - asked_ns;
        return true;
      }, error);
      if (!saved) {
        result.ok = false;
        result.error = error;
        sc_core::sc_stop();
      }
    });
  }
  platform.cpu().run("driver", [&platform, slot, work, driver_opt, wl, &result, progress] {
    scnvme_hal_device* dev = platform.hal(0);
    nvme_driver* drv = &slot->driver();
    auto fail = [&](const std::string& why, bool bad_input) {
      result.ok = false;
      result.bad_input = bad_input;
      result.error = why;
      sc_core::sc_stop();
    };
    checkpoint::Reader* resume = wl.checkpoint.resume.get();
    if (resume) {
      // --resume: go on where the checkpoint was taken, with the driver instance it saved.
      if (resume->time() > sc_core::sc_time_stamp()) sc_core::wait(resume->time() - sc_core::sc_time_stamp());
      nvme_handover_state state{};
      try {
        platform.restore_checkpoint(*resume);
        persist_driver_state(*resume, state);
      } catch (const CheckpointError& e) {
        return fail(std::string("--resume=") + wl.checkpoint.resume_path + ": " + e.what(), true);
      }
      if (nvme_restore(drv, dev, &state))
        return fail(std::string("--resume=") + wl.checkpoint.resume_path + ": the driver could not take its saved state up: " + drv->error,
                    true);
      dev->cpu->sync();
      result.checkpoint.resumed = true;
      result.checkpoint.resumed_at_s = resume->time().to_seconds();
    } else if (nvme_init(drv, dev, &driver_opt)) {
      return fail(drv->error, false);
    }
    result.controller_model = drv->model;
    result.controller_serial = drv->serial;
    result.io_queues = drv->io_queues;
    static const char* const kModes[] = {"auto", "MSI-X", "MSI", "INTx", "polling"};
    result.interrupt_mode = kModes[drv->irq];
    result.namespaces.assign(drv->ns, drv->ns + drv->namespaces);
    if (!wl.replay.path.empty()) {  // --replay: the trace instead of the jobs (replay.cpp)
      run_replay(*drv, wl, result, progress);
      result.recovery = drv->recovery;
      if (nvme_shutdown(drv) && result.ok) {
        result.ok = false;
        result.error = drv->error;
      }
      sc_core::sc_stop();
      return;
    }
    const unsigned instances = wl.instances();
    std::vector<Job>& jobs = work->jobs;
    jobs.resize(instances);
    std::vector<JobResult> results(instances);
    if (instances > drv->io_queues) {
      result.ok = false;
      result.error = "numjobs " + std::to_string(instances) + " (over every job) needs as many I/O queues; the controller granted " +
                     std::to_string(drv->io_queues);
    }
    // Instance i uses queue pair i + 1; a job's instances on nsid=all go round robin over the
    // active namespaces.
    unsigned group = 0;
    for (unsigned s = 0, i = 0; s < wl.jobs.size() && result.ok; ++s) {
      const JobOptions& o = wl.jobs[s];
      if (s > 0 && o.stonewall) ++group;
      std::vector<const nvme_namespace*> targets;
      for (const nvme_namespace& n : result.namespaces)  // (not the driver's: a hand-over replaces it)
        if (o.nsid == 0 || n.nsid == o.nsid) targets.push_back(&n);
      if (targets.empty()) {
        result.ok = false;
        result.error = o.nsid ? "namespace " + std::to_string(o.nsid) + " is not active on the controller"
                              : std::string("the controller has no active namespace");
        break;
      }
      for (unsigned k = 0; k < o.numjobs && result.ok; ++k, ++i) {
        const nvme_namespace& ns = *targets[k % targets.size()];
        for (const uint64_t bs : {o.min_bs(), o.max_bs()})
          if (bs % ns.block_size != 0 || bs > drv->max_transfer) {
            result.ok = false;
            result.error = "bs " + std::to_string(bs) + " must be a multiple of namespace " + std::to_string(ns.nsid) +
                           "'s block size (" + std::to_string(ns.block_size) +
                           ") and at most the controller's maximum transfer (" + std::to_string(drv->max_transfer) + ")";
          }
        Job& job = jobs[i];
        job.index = i;
        job.group = group;
        job.opt = &o;
        job.ns = &ns;
        job.unit = o.min_bs();
        job.unit_blocks = job.unit / ns.block_size;
        JobResult& r = results[i];
        r.job = s;
        r.instance = k;
        r.name = o.name.empty() ? "job" + std::to_string(i) : o.numjobs > 1 ? o.name + "." + std::to_string(k) : o.name;
      }
    }
    if (result.ok) place_jobs(jobs, result);
    if (result.ok) {
      result.jobs = std::move(results);
      for (const Job& job : jobs) work->runs.push_back(std::make_unique<JobRun>(job, wl));
      if (resume) {
        try {
          work->persist(*resume, result, slot->retired_recovery());
        } catch (const CheckpointError& e) {
          return fail(std::string("--resume=") + wl.checkpoint.resume_path + ": " + e.what(), true);
        }
      }
      slot->jobs_started();
      // Stonewall groups one after another; the instances of a group together (a resumed run
      // goes on with the group the checkpoint was taken in, its finished instances left out).
      for (unsigned& first = work->group_first; first < instances && result.ok;) {
        unsigned end = first;
        while (end < instances && jobs[end].group == jobs[first].group) ++end;
        sc_core::sc_join join;
        for (unsigned j = first; j < end; ++j)
          if (!work->runs[j]->done)
            join.add_process(sc_core::sc_spawn(
                [&, j] { run_job(*slot, jobs[j], *work->runs[j], wl, result.jobs[j], result, work->clock, progress); },
                ("job" + std::to_string(j)).c_str()));
        dev->cpu->sync();  // (a checkpoint taken while the group runs saves the CPU's time with it)
        join.wait();
        first = end;
      }
      slot->jobs_ended();
      drv = &slot->driver();  // a hand-over or checkpoint may have replaced the instance
      result.recovery = slot->recovery();
      const Clock& clock = work->clock;
      result.sim_time_s = clock.last > clock.first ? (clock.last - clock.first) / 1e9 : 0;
      result.measure_start_ns = clock.first;
      if (result.power_loss.happened) {
        // The jobs stopped at the power loss; what counts is what the controller kept.
        result.ok = true;
        result.error.clear();
        recover_and_check(*drv, dev, driver_opt, jobs, wl, result);
      } else if (wl.disrupt.enabled() && result.ok) {
        // The soak's end: every unit the jobs wrote holds what was last written there.
        uint64_t lost = 0, mismatches = 0;
        std::string error;
        if (!read_back(*drv, dev, driver_opt.command_timeout_ns, jobs, wl, ReadBackCheck::Final, result.disruptions.units_verified_at_end,
                       lost, mismatches, error) ||
            mismatches) {
          result.ok = false;
          result.error = error;
        }
      }
    }
    if (nvme_shutdown(drv) && result.ok) {
      result.ok = false;
      result.error = drv->error;
    }
    sc_core::sc_stop();
  });
}

}  // namespace scnvme::sim
