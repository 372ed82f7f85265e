#include "workload.h"

#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <unordered_map>

#include <systemc>

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

namespace {

constexpr uint8_t kOpFlush = 0x00, kOpWrite = 0x01, kOpRead = 0x02;

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}


/// What a job knows about one bs-sized chunk it wrote.
struct ChunkState {
  uint32_t written = 0;  // generation of the newest completed write
  uint32_t durable = 0;  // generation known to be durable (flushed, or written without a cache)
  uint32_t issued = 0;   // generation counter
};

struct InFlight {
  bool busy = false;
  uint8_t opcode = 0;
  uint64_t chunk = 0;
  uint32_t generation = 0;
  uint64_t submitted_ns = 0;
  unsigned buffer = 0;
  std::vector<std::pair<uint64_t, uint32_t>> flushed;  // for a Flush: writes it makes durable
};

/// One job: region, chunk states and results; shared with the recovery pass after a power loss.
struct Job {
  unsigned index = 0;
  const nvme_namespace* ns = nullptr;
  uint64_t base_chunk = 0, chunks = 0, chunk_blocks = 0;
  std::unordered_map<uint64_t, ChunkState> state;
};

bool setup_job(Job& job, unsigned j, const WorkloadOptions& wl, const nvme_namespace& ns, unsigned jobs_on_ns,
               unsigned index_on_ns, RunResult& run) {
  job.index = j;
  job.ns = &ns;
  job.chunk_blocks = wl.bs / ns.block_size;
  const uint64_t ns_chunks = ns.blocks / job.chunk_blocks;
  const uint64_t offset_chunks = wl.offset / wl.bs;
  job.chunks = wl.size ? wl.size / wl.bs : (ns_chunks - std::min(ns_chunks, offset_chunks)) / jobs_on_ns;
  job.base_chunk = offset_chunks + index_on_ns * job.chunks;
  if (job.chunks == 0 || job.base_chunk + job.chunks > ns_chunks) {
    run.ok = false;
    run.error = "job " + std::to_string(j) + ": the region (offset/size/bs) does not fit namespace " + std::to_string(ns.nsid);
    return false;
  }
  return true;
}

void run_job(nvme_driver& drv, Job& job, const WorkloadOptions& wl, JobResult& out, RunResult& run,
             uint64_t& first_submit_ns, uint64_t& last_complete_ns) {
  scnvme_hal_device* dev = drv.dev;
  const unsigned q = job.index + 1;
  const uint32_t nsid = job.ns->nsid;
  out.nsid = nsid;
  const bool random = wl.rw.rfind("rand", 0) == 0;
  const bool mixed = wl.rw == "rw" || wl.rw == "readwrite" || wl.rw == "randrw";
  const bool writes_only = wl.rw == "write" || wl.rw == "randwrite";
  const uint64_t total = wl.number_ios ? wl.number_ios : (wl.runtime_s > 0 ? UINT64_MAX : job.chunks);
  const uint64_t deadline_ns = wl.runtime_s > 0 ? scnvme_hal_now_ns(dev) + static_cast<uint64_t>(wl.runtime_s * 1e9) : UINT64_MAX;

  std::mt19937_64 rng(splitmix(wl.seed + 0x1000 * (job.index + 1)));
  std::vector<uint8_t*> buffers(wl.iodepth);
  std::vector<uint64_t> buffer_bus(wl.iodepth);
  for (unsigned i = 0; i < wl.iodepth; ++i) {
    buffers[i] = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, wl.bs, 4096, &buffer_bus[i]));
    if (!buffers[i]) {
      run.ok = false;
      run.error = "out of DMA memory for " + std::to_string(wl.iodepth) + " buffers of " + std::to_string(wl.bs) + " bytes";
      return;
    }
  }
  std::vector<unsigned> free_buffers;
  for (unsigned i = wl.iodepth; i > 0; --i) free_buffers.push_back(i - 1);
  std::vector<InFlight> inflight(drv.sq[q].size);
  std::set<uint64_t> busy_chunks;
  std::vector<std::pair<uint64_t, uint32_t>> since_flush;  // completed writes not yet covered by a Flush
  uint64_t issued = 0, completed = 0, next_seq = 0, writes_since_flush = 0;
  std::vector<nvme_completion> cpl(wl.iodepth + 1);
  bool flush_outstanding = false;

  auto finish = [&] {
    for (unsigned i = 0; i < wl.iodepth; ++i) scnvme_hal_dma_free(dev, buffers[i]);
  };
  while (completed < issued || (issued < total && scnvme_hal_now_ns(dev) < deadline_ns)) {
    unsigned prepared = 0;
    // A Flush every `fsync` completed writes (fio's fsync=N), one at a time.
    if (wl.fsync && writes_since_flush >= wl.fsync && !flush_outstanding) {
      const int cid = nvme_io_prepare(&drv, q, kOpFlush, nsid, 0, 0, 0, 0);
      if (cid >= 0) {
        InFlight& f = inflight[static_cast<unsigned>(cid)];
        f = InFlight{};
        f.busy = true;
        f.opcode = kOpFlush;
        f.submitted_ns = scnvme_hal_now_ns(dev);
        f.flushed.swap(since_flush);
        writes_since_flush = 0;
        flush_outstanding = true;
        ++issued;
        ++prepared;
      }
    }
    while (!free_buffers.empty() && issued < total && scnvme_hal_now_ns(dev) < deadline_ns) {
      const bool write = writes_only || (mixed && (rng() % 100) >= wl.rwmixread);
      uint64_t chunk = 0;
      bool found = false;
      for (int attempt = 0; attempt < 16 && !found; ++attempt) {
        chunk = random ? rng() % job.chunks : (next_seq % job.chunks);
        found = !busy_chunks.count(chunk);
        if (!random && found) ++next_seq;
      }
      if (!found) break;  // everything nearby is in flight; reap first
      const unsigned b = free_buffers.back();
      const uint64_t lba = (job.base_chunk + chunk) * job.chunk_blocks;
      // Chunk state exists for chunks written in this run (a read of another one expects
      // generation 0: never written).
      const auto known = job.state.find(chunk);
      uint32_t generation = known == job.state.end() ? 0 : known->second.written;
      if (write) {
        generation = (known == job.state.end() ? 0 : known->second.issued) + 1;
        fill_block(wl.verify, buffers[b], wl.bs, nsid, lba, generation, wl.seed);
      }
      const int cid = nvme_io_prepare(&drv, q, write ? kOpWrite : kOpRead, nsid, lba, static_cast<uint32_t>(job.chunk_blocks),
                                      buffer_bus[b], wl.bs);
      if (cid < 0) break;  // queue full
      if (write) job.state[chunk].issued = generation;
      free_buffers.pop_back();
      busy_chunks.insert(chunk);
      InFlight& f = inflight[static_cast<unsigned>(cid)];
      f = InFlight{};
      f.busy = true;
      f.opcode = write ? kOpWrite : kOpRead;
      f.chunk = chunk;
      f.generation = generation;
      f.submitted_ns = scnvme_hal_now_ns(dev);
      f.buffer = b;
      if (first_submit_ns == 0 || f.submitted_ns < first_submit_ns) first_submit_ns = f.submitted_ns;
      ++issued;
      ++prepared;
    }
    if (prepared) nvme_io_ring(&drv, q);
    if (completed == issued) continue;
    const int n = nvme_io_reap(&drv, q, cpl.data(), static_cast<unsigned>(cpl.size()), drv.opt.command_timeout_ns);
    if (n <= 0) {
      run.ok = false;
      run.error = n < 0 ? std::string(drv.error)
                        : "job " + std::to_string(job.index) + ": I/O timed out after " +
                              std::to_string(drv.opt.command_timeout_ns / 1000000) + " ms (" + std::to_string(issued - completed) +
                              " outstanding)";
      return;  // buffers stay allocated: the controller may still own them
    }
    const uint64_t t = scnvme_hal_now_ns(dev);
    last_complete_ns = std::max(last_complete_ns, t);
    for (int i = 0; i < n; ++i) {
      InFlight& f = inflight[cpl[i].cid % inflight.size()];
      if (!f.busy) {
        run.ok = false;
        run.error = "job " + std::to_string(job.index) + ": completion for unknown CID " + std::to_string(cpl[i].cid);
        return;
      }
      f.busy = false;
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
      busy_chunks.erase(f.chunk);
      free_buffers.push_back(f.buffer);
      const uint64_t lba = (job.base_chunk + f.chunk) * job.chunk_blocks;
      const bool write = f.opcode == kOpWrite;
      if (cpl[i].status != 0) {
        ++out.errors;
        if (run.ok) {
          run.ok = false;
          run.error = "job " + std::to_string(job.index) + ": " + (write ? "write" : "read") + " of LBA " + std::to_string(lba) +
                      " failed: " + nvme_status_string(cpl[i].status);
        }
        continue;
      }
      (write ? out.write : out.read).add(t - f.submitted_ns);
      (write ? out.bytes_written : out.bytes_read) += wl.bs;
      if (write) {
        ChunkState& cs = job.state[f.chunk];
        cs.written = f.generation;
        if (wl.writes_durable) cs.durable = f.generation;
        else since_flush.emplace_back(f.chunk, f.generation);
        ++writes_since_flush;
      } else if (wl.verify != VerifyMode::None) {
        ++out.verified_reads;
        const std::string why = check_block(wl.verify, buffers[f.buffer], wl.bs, nsid, lba, f.generation, wl.seed);
        if (!why.empty()) {
          ++out.verify_failures;
          if (run.ok) {
            run.ok = false;
            run.error = "job " + std::to_string(job.index) + ": verify failed at namespace " + std::to_string(nsid) + " LBA " +
                        std::to_string(lba) + ": " + why;
          }
        }
      }
    }
  }
  finish();
}

/// After a power loss: bring the controller up again and read back every chunk the jobs wrote;
/// each must hold exactly its last durable generation.
void recover_and_check(nvme_driver& drv, scnvme_hal_device* dev, const nvme_driver_options& opt, std::vector<Job>& jobs,
                       const WorkloadOptions& wl, RunResult& result) {
  if (nvme_init(&drv, dev, &opt)) {
    result.ok = false;
    result.error = std::string("after the power loss: ") + drv.error;
    return;
  }
  uint64_t bus = 0;
  auto* buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, wl.bs, 4096, &bus));
  nvme_completion cpl;
  for (auto& job : jobs) {
    for (const auto& [chunk, cs] : job.state) {
      if (cs.issued == 0) continue;
      const uint64_t lba = (job.base_chunk + chunk) * job.chunk_blocks;
      if (nvme_io_prepare(&drv, 1, kOpRead, job.ns->nsid, lba, static_cast<uint32_t>(job.chunk_blocks), bus, wl.bs) < 0) continue;
      nvme_io_ring(&drv, 1);
      if (nvme_io_reap(&drv, 1, &cpl, 1, opt.command_timeout_ns) != 1 || cpl.status != 0) {
        result.ok = false;
        result.error = "after the power loss: reading LBA " + std::to_string(lba) + " failed";
        return;
      }
      ++result.power_loss.chunks_checked;
      // What survives is some generation between the last one known durable and the newest issued:
      // a Flush commits everything cached when it runs, which may include writes the host had not
      // yet seen complete when it submitted the Flush. Older data, or anything else, is a failure.
      const VerifyMode mode = wl.verify == VerifyMode::None ? VerifyMode::Pattern : wl.verify;
      uint32_t survived = 0;
      bool found = cs.durable == 0 && check_block(mode, buf, wl.bs, job.ns->nsid, lba, 0, wl.seed).empty();
      for (uint32_t g = std::max<uint32_t>(cs.durable, 1); !found && g <= cs.issued; ++g)
        if (check_block(mode, buf, wl.bs, job.ns->nsid, lba, g, wl.seed).empty()) {
          found = true;
          survived = g;
        }
      if (found && survived < cs.written) ++result.power_loss.lost_writes;
      const std::string why = found ? std::string()
                                    : "expected generation " + std::to_string(cs.durable) + ".." + std::to_string(cs.issued) +
                                          ": " + check_block(mode, buf, wl.bs, job.ns->nsid, lba, cs.durable, wl.seed);
      if (!why.empty()) {
        ++result.power_loss.mismatches;
        if (result.ok) {
          result.ok = false;
          result.error = "after the power loss, namespace " + std::to_string(job.ns->nsid) + " LBA " + std::to_string(lba) +
                         " does not hold its last durable data: " + why;
        }
      }
    }
  }
  scnvme_hal_dma_free(dev, buf);
}

}  // namespace

void start_workload(platform::ReferencePlatform& platform, const nvme_driver_options& driver_opt, const WorkloadOptions& wl,
                    RunResult& result) {
  auto drv = std::make_shared<nvme_driver>();
  platform.controller(0).on_command_complete([&result](const CommandRecord& r) {
    if (r.sqid == 0) return;  // I/O commands only
    auto ns = [](const sc_core::sc_time& a, const sc_core::sc_time& b) {
      return b > a ? static_cast<uint64_t>((b - a).to_seconds() * 1e9 + 0.5) : 0;
    };
    result.stages.fetch.add(ns(r.doorbell, r.fetched));
    result.stages.execute.add(ns(r.fetched, r.executed));
    result.stages.complete.add(ns(r.executed, r.posted));
    result.stages.device.add(ns(r.doorbell, r.posted));
    if (r.interrupt != sc_core::SC_ZERO_TIME) result.stages.interrupt.add(ns(r.posted, r.interrupt));
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
  platform.cpu().run("driver", [&platform, drv, driver_opt, wl, &result] {
    scnvme_hal_device* dev = platform.hal(0);
    if (nvme_init(drv.get(), dev, &driver_opt)) {
      result.ok = false;
      result.error = drv->error;
      sc_core::sc_stop();
      return;
    }
    result.controller_model = drv->model;
    result.controller_serial = drv->serial;
    result.io_queues = drv->io_queues;
    static const char* const kModes[] = {"auto", "MSI-X", "MSI", "INTx", "polling"};
    result.interrupt_mode = kModes[drv->irq];
    result.namespaces.assign(drv->ns, drv->ns + drv->namespaces);
    // The namespaces the jobs use: one, or all of them round robin.
    std::vector<const nvme_namespace*> targets;
    for (unsigned i = 0; i < drv->namespaces; ++i)
      if (wl.nsid == 0 || drv->ns[i].nsid == wl.nsid) targets.push_back(&drv->ns[i]);
    std::vector<Job> jobs(wl.numjobs);
    if (targets.empty()) {
      result.ok = false;
      result.error = wl.nsid ? "namespace " + std::to_string(wl.nsid) + " is not active on the controller"
                             : std::string("the controller has no active namespace");
    } else if (wl.numjobs > drv->io_queues) {
      result.ok = false;
      result.error = "numjobs " + std::to_string(wl.numjobs) + " needs as many I/O queues; the controller granted " +
                     std::to_string(drv->io_queues);
    } else {
      for (unsigned j = 0; j < wl.numjobs && result.ok; ++j) {
        const nvme_namespace& ns = *targets[j % targets.size()];
        if (wl.bs % ns.block_size != 0 || wl.bs > drv->max_transfer) {
          result.ok = false;
          result.error = "bs " + std::to_string(wl.bs) + " must be a multiple of namespace " + std::to_string(ns.nsid) +
                         "'s block size (" + std::to_string(ns.block_size) + ") and at most the controller's maximum transfer (" +
                         std::to_string(drv->max_transfer) + ")";
          break;
        }
        // Jobs sharing a namespace split it: job j is number j / T of the jobs on namespace j % T.
        const std::size_t t = targets.size();
        const unsigned jobs_on_ns = static_cast<unsigned>((wl.numjobs - j % t + t - 1) / t);
        setup_job(jobs[j], j, wl, ns, jobs_on_ns, static_cast<unsigned>(j / t), result);
      }
    }
    if (result.ok) {
      result.jobs.assign(wl.numjobs, JobResult{});
      uint64_t first = 0, last = 0;
      sc_core::sc_join join;
      for (unsigned j = 0; j < wl.numjobs; ++j)
        join.add_process(sc_core::sc_spawn([&, j] { run_job(*drv, jobs[j], wl, result.jobs[j], result, first, last); },
                                           ("job" + std::to_string(j)).c_str()));
      join.wait();
      result.sim_time_s = last > first ? (last - first) / 1e9 : 0;
      if (result.power_loss.happened) {
        // The jobs stopped at the power loss; what counts is what the controller kept.
        result.ok = true;
        result.error.clear();
        recover_and_check(*drv, dev, driver_opt, jobs, wl, result);
      }
    }
    if (nvme_shutdown(drv.get()) && result.ok) {
      result.ok = false;
      result.error = drv->error;
    }
    sc_core::sc_stop();
  });
}

}  // namespace scnvme::sim
