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

constexpr uint8_t kOpWrite = 0x01, kOpRead = 0x02;

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// The bytes a write of `chunk` at `version` carries (version 0: never written, zeroes).
void fill_pattern(uint8_t* p, uint64_t bytes, uint64_t chunk, uint32_t version, uint64_t seed) {
  if (version == 0) {
    std::memset(p, 0, bytes);
    return;
  }
  for (uint64_t i = 0; i < bytes; i += 8) {
    const uint64_t v = splitmix(seed ^ (chunk << 20) ^ (static_cast<uint64_t>(version) << 48) ^ (i >> 3));
    std::memcpy(p + i, &v, std::min<uint64_t>(8, bytes - i));
  }
}

uint64_t now_ns() { return static_cast<uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 + 0.5); }

struct InFlight {
  bool busy = false;
  bool write = false;
  uint64_t chunk = 0;
  uint32_t version = 0;
  uint64_t submitted_ns = 0;
  unsigned buffer = 0;
};

void run_job(nvme_driver& drv, unsigned job, const WorkloadOptions& wl, const nvme_namespace& ns, JobResult& out,
             RunResult& run, uint64_t& first_submit_ns, uint64_t& last_complete_ns) {
  scnvme_hal_device* dev = drv.dev;
  const unsigned q = job + 1;
  const uint64_t chunk_blocks = wl.bs / ns.block_size;
  const uint64_t ns_chunks = ns.blocks / chunk_blocks;
  const uint64_t offset_chunks = wl.offset / wl.bs;
  uint64_t job_chunks = wl.size ? wl.size / wl.bs : (ns_chunks - std::min(ns_chunks, offset_chunks)) / wl.numjobs;
  const uint64_t base_chunk = offset_chunks + job * job_chunks;
  if (job_chunks == 0 || base_chunk + job_chunks > ns_chunks) {
    run.ok = false;
    run.error = "job " + std::to_string(job) + ": the region (offset/size/bs) does not fit namespace " + std::to_string(ns.nsid);
    return;
  }
  const bool random = wl.rw.rfind("rand", 0) == 0;
  const bool mixed = wl.rw == "rw" || wl.rw == "readwrite" || wl.rw == "randrw";
  const bool writes_only = wl.rw == "write" || wl.rw == "randwrite";
  const uint64_t total = wl.number_ios ? wl.number_ios : (wl.runtime_s > 0 ? UINT64_MAX : job_chunks);
  const uint64_t deadline_ns = wl.runtime_s > 0 ? now_ns() + static_cast<uint64_t>(wl.runtime_s * 1e9) : UINT64_MAX;

  std::mt19937_64 rng(splitmix(wl.seed + 0x1000 * (job + 1)));
  std::vector<uint8_t*> buffers(wl.iodepth);
  std::vector<uint64_t> buffer_bus(wl.iodepth);
  std::vector<uint8_t> expected(wl.bs);
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
  std::unordered_map<uint64_t, uint32_t> versions;  // chunk -> last written version
  std::set<uint64_t> busy_chunks;
  uint64_t issued = 0, completed = 0, next_seq = 0;
  std::vector<nvme_completion> cpl(wl.iodepth);

  while (completed < issued || (issued < total && now_ns() < deadline_ns)) {
    unsigned prepared = 0;
    while (!free_buffers.empty() && issued < total && now_ns() < deadline_ns) {
      const bool write = writes_only || (mixed && (rng() % 100) >= wl.rwmixread);
      uint64_t chunk = 0;
      bool found = false;
      for (int attempt = 0; attempt < 16 && !found; ++attempt) {
        chunk = random ? rng() % job_chunks : (next_seq % job_chunks);
        found = !busy_chunks.count(chunk);
        if (!random && found) ++next_seq;
      }
      if (!found) break;  // everything nearby is in flight; reap first
      const unsigned b = free_buffers.back();
      const uint64_t abs_chunk = base_chunk + chunk;
      uint32_t version = 0;
      if (write) {
        version = ++versions[chunk];
        fill_pattern(buffers[b], wl.bs, abs_chunk, version, wl.seed);
      }
      const int cid = nvme_io_prepare(&drv, q, write ? kOpWrite : kOpRead, ns.nsid, abs_chunk * chunk_blocks,
                                      static_cast<uint32_t>(chunk_blocks), buffer_bus[b], wl.bs);
      if (cid < 0) break;  // queue full
      free_buffers.pop_back();
      busy_chunks.insert(chunk);
      InFlight& f = inflight[static_cast<unsigned>(cid)];
      f = InFlight{true, write, chunk, write ? version : (versions.count(chunk) ? versions[chunk] : 0), now_ns(), b};
      if (first_submit_ns == 0 || f.submitted_ns < first_submit_ns) first_submit_ns = f.submitted_ns;
      ++issued;
      ++prepared;
    }
    if (prepared) nvme_io_ring(&drv, q);
    if (completed == issued) continue;
    const int n = nvme_io_reap(&drv, q, cpl.data(), static_cast<unsigned>(cpl.size()), drv.opt.command_timeout_ns);
    if (n < 0 || (n == 0)) {
      run.ok = false;
      run.error = n < 0 ? std::string(drv.error)
                        : "job " + std::to_string(job) + ": I/O timed out after " +
                              std::to_string(drv.opt.command_timeout_ns / 1000000) + " ms (" + std::to_string(issued - completed) +
                              " outstanding)";
      return;
    }
    const uint64_t t = now_ns();
    last_complete_ns = std::max(last_complete_ns, t);
    for (int i = 0; i < n; ++i) {
      InFlight& f = inflight[cpl[i].cid % inflight.size()];
      if (!f.busy) {
        run.ok = false;
        run.error = "job " + std::to_string(job) + ": completion for unknown CID " + std::to_string(cpl[i].cid);
        return;
      }
      f.busy = false;
      ++completed;
      busy_chunks.erase(f.chunk);
      free_buffers.push_back(f.buffer);
      if (cpl[i].status != 0) {
        ++out.errors;
        if (run.ok) {
          run.ok = false;
          run.error = "job " + std::to_string(job) + ": " + (f.write ? "write" : "read") + " of LBA " +
                      std::to_string((base_chunk + f.chunk) * chunk_blocks) + " failed: " + nvme_status_string(cpl[i].status);
        }
        continue;
      }
      (f.write ? out.write : out.read).add(t - f.submitted_ns);
      (f.write ? out.bytes_written : out.bytes_read) += wl.bs;
      if (!f.write && wl.verify) {
        fill_pattern(expected.data(), wl.bs, base_chunk + f.chunk, f.version, wl.seed);
        if (std::memcmp(expected.data(), buffers[f.buffer], wl.bs) != 0) {
          ++out.verify_failures;
          if (run.ok) {
            run.ok = false;
            run.error = "job " + std::to_string(job) + ": data read from LBA " +
                        std::to_string((base_chunk + f.chunk) * chunk_blocks) + " differs from what was written";
          }
        }
      }
    }
  }
  for (unsigned i = 0; i < wl.iodepth; ++i) scnvme_hal_dma_free(dev, buffers[i]);
}

}  // namespace

void start_workload(platform::ReferencePlatform& platform, const nvme_driver_options& driver_opt, const WorkloadOptions& wl,
                    RunResult& result) {
  auto drv = std::make_shared<nvme_driver>();
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
    const nvme_namespace* ns = nullptr;
    for (unsigned i = 0; i < drv->namespaces; ++i)
      if (drv->ns[i].nsid == wl.nsid) ns = &drv->ns[i];
    if (!ns) {
      result.ok = false;
      result.error = "namespace " + std::to_string(wl.nsid) + " is not active on the controller";
    } else if (wl.bs % ns->block_size != 0 || wl.bs > drv->max_transfer) {
      result.ok = false;
      result.error = "bs " + std::to_string(wl.bs) + " must be a multiple of the block size (" + std::to_string(ns->block_size) +
                     ") and at most the controller's maximum transfer (" + std::to_string(drv->max_transfer) + ")";
    } else if (wl.numjobs > drv->io_queues) {
      result.ok = false;
      result.error = "numjobs " + std::to_string(wl.numjobs) + " needs as many I/O queues; the controller granted " +
                     std::to_string(drv->io_queues);
    } else {
      result.jobs.assign(wl.numjobs, JobResult{});
      uint64_t first = 0, last = 0;
      sc_core::sc_join join;
      for (unsigned j = 0; j < wl.numjobs; ++j) {
        join.add_process(sc_core::sc_spawn(
            [&, j] { run_job(*drv, j, wl, *ns, result.jobs[j], result, first, last); },
            ("job" + std::to_string(j)).c_str()));
      }
      join.wait();
      result.sim_time_s = last > first ? (last - first) / 1e9 : 0;
    }
    if (nvme_shutdown(drv.get()) && result.ok) {
      result.ok = false;
      result.error = drv->error;
    }
    sc_core::sc_stop();
  });
}

}  // namespace scnvme::sim
