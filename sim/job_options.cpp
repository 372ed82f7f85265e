#include "job_options.h"

#include <cmath>
#include <set>

namespace scnvme::sim {

bool parse_time(const std::string& text, double unit_s, double& seconds) {
  std::size_t pos = 0;
  double v = 0;
  try {
    if (text.empty() || text[0] == '-' || text[0] == '+') return false;
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    return false;
  }
  const std::string unit = text.substr(pos);
  double scale = unit_s;
  if (unit.empty()) scale = unit_s;
  else if (unit == "us" || unit == "usec") scale = 1e-6;
  else if (unit == "ms" || unit == "msec") scale = 1e-3;
  else if (unit == "s" || unit == "sec") scale = 1;
  else if (unit == "m" || unit == "min") scale = 60;
  else if (unit == "h") scale = 3600;
  else return false;
  if (!std::isfinite(v) || v < 0) return false;
  seconds = v * scale;
  return true;
}

bool parse_bssplit(const std::string& text, std::vector<BlockSizeShare>& out, std::string& why) {
  why = "expected SIZE/PERCENT entries separated by ':' (e.g. 4k/50:64k/40:1m/10), sizes multiples of 512 and of the "
        "smallest, percentages adding up to 100";
  if (text.find(',') != std::string::npos) {
    why = "separate read and write splits (',') are not supported: give one split for both";
    return false;
  }
  std::vector<BlockSizeShare> v;
  std::vector<bool> blank;
  unsigned sum = 0;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find(':', start), text.size());
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    const std::size_t slash = item.find('/');
    BlockSizeShare s;
    if (!parse_size(item.substr(0, slash), s.bytes) || s.bytes < 512 || s.bytes % 512 || s.bytes > (1ull << 30)) return false;
    const std::string pct = slash == std::string::npos ? "" : item.substr(slash + 1);
    if (!pct.empty()) {
      uint64_t p = 0;
      if (!parse_size(pct, p) || pct.find_first_not_of("0123456789") != std::string::npos || p > 100) return false;
      s.percent = static_cast<unsigned>(p);
      sum += s.percent;
    }
    v.push_back(s);
    blank.push_back(pct.empty());
    if (end == text.size()) break;
  }
  unsigned blanks = 0;
  for (bool b : blank) blanks += b;
  if (sum > 100 || (blanks == 0 && sum != 100)) return false;
  // What is left is shared by the entries without a percentage (the first ones take the rest).
  unsigned left = 100 - sum, given = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (blank[i]) {
      v[i].percent = left / blanks + (given++ < left % blanks ? 1 : 0);
    }
  uint64_t smallest = UINT64_MAX;
  for (const auto& s : v) smallest = std::min(smallest, s.bytes);
  out.clear();
  for (const auto& s : v) {
    if (s.bytes % smallest) return false;
    if (s.percent) out.push_back(s);
  }
  return !out.empty();
}

namespace {

using Apply = std::function<void(JobOptions&, WorkloadOptions&, const std::string&)>;

template <typename T>
Apply job_number(const std::string& name, T JobOptions::*field, uint64_t lo, uint64_t hi) {
  return [name, field, lo, hi](JobOptions& j, WorkloadOptions&, const std::string& v) { number(name, j.*field, lo, hi)(v); };
}

Apply job_time(const std::string& name, double JobOptions::*field, double unit_s, const char* example) {
  return [=](JobOptions& j, WorkloadOptions&, const std::string& v) {
    double s = 0;
    if (!parse_time(v, unit_s, s)) throw BadValue{"--" + name + "=" + v + ": expected a time >= 0 (" + example + ")"};
    j.*field = s;
  };
}

std::vector<JobKey> make_keys() {
  const JobOptions d;
  return {
      {"rw", "read, write, randread, randwrite, rw (readwrite), randrw", d.rw, false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         choice("rw", j.rw, {"read", "write", "randread", "randwrite", "rw", "readwrite", "randrw"})(v);
         if (j.rw == "readwrite") j.rw = "rw";
       }},
      {"bs", "block size of each I/O (a multiple of 512)", "4k", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         size("bs", j.bs, 512, 1ull << 30)(v);
         if (j.bs % 512) throw BadValue{"--bs=" + v + ": expected a multiple of 512 bytes"};
       }},
      {"bssplit", "block sizes and their shares, e.g. 4k/50:64k/40:1m/10 (overrides bs)", "", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         std::string why;
         if (!parse_bssplit(v, j.bssplit, why)) throw BadValue{"--bssplit=" + v + ": " + why};
       }},
      {"iodepth", "I/Os in flight per job", str(d.iodepth), false, false, job_number("iodepth", &JobOptions::iodepth, 1, 4095)},
      {"numjobs", "instances of the job, each with its own queue pair and vector", str(d.numjobs), false, false,
       job_number("numjobs", &JobOptions::numjobs, 1, 64)},
      {"number_ios", "I/Os per job instance after the ramp (0: one pass over size, or until runtime with time_based)",
       str(d.number_ios), false, false, job_number("number_ios", &JobOptions::number_ios, 0, UINT64_MAX)},
      {"runtime", "simulated run time limit after the ramp (seconds, or 10ms, 500us; 0: none)", "0", false, false,
       job_time("runtime", &JobOptions::runtime_s, 1, "e.g. 0.01, 2s, 10ms")},
      {"time_based", "run until runtime even after a pass over size", "false", true, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) { boolean("time_based", j.time_based)(v); }},
      {"ramp_time", "simulated time run before counting (I/Os completed in it are not counted)", "0", false, false,
       job_time("ramp_time", &JobOptions::ramp_time_s, 1, "e.g. 0.001, 1ms")},
      {"rwmixread", "percentage of reads in rw/randrw", str(d.rwmixread), false, false,
       job_number("rwmixread", &JobOptions::rwmixread, 0, 100)},
      {"rwmixwrite", "percentage of writes in rw/randrw (100 - rwmixread)", str(100 - d.rwmixread), false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         unsigned w = 0;
         number("rwmixwrite", w, 0, 100)(v);
         j.rwmixread = 100 - w;
       }},
      {"size", "bytes each job instance covers (0: what is left of the namespace, shared)", "0", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) { size("size", j.size)(v); }},
      {"offset", "byte offset where the job's region starts", "0", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) { size("offset", j.offset)(v); }},
      {"nsid", "namespace the job uses (all: every active namespace, instances spread over them)", str(d.nsid), false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         if (v == "all") j.nsid = 0;
         else number("nsid", j.nsid, 1, 0xFFFFFFFE)(v);
       }},
      {"random_distribution", "where random I/Os land: random, zipf:THETA, pareto:H, normal:SIGMA (percent)", "random", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         std::string why;
         if (!parse_distribution(v, j.random_distribution, why)) throw BadValue{"--random_distribution=" + v + ": " + why};
       }},
      {"thinktime", "after every thinktime_blocks I/Os, wait for them and then this long (us, or 1ms)", "0", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         double s = 0;
         if (!parse_time(v, 1e-6, s)) throw BadValue{"--thinktime=" + v + ": expected a time >= 0 (microseconds, or e.g. 1ms)"};
         j.thinktime_us = static_cast<uint64_t>(std::llround(s * 1e6));
       }},
      {"thinktime_blocks", "I/Os issued between think times", str(d.thinktime_blocks), false, false,
       job_number("thinktime_blocks", &JobOptions::thinktime_blocks, 1, 65536)},
      {"rate_iops", "IOPS cap per job instance (0: none)", "0", false, false,
       job_number("rate_iops", &JobOptions::rate_iops, 0, 1000000000)},
      {"verify", "check reads against what this run wrote: crc32c, meta, pattern or 0", "crc32c", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         if (!parse_verify(v, j.verify)) throw BadValue{"--verify=" + v + ": expected one of crc32c, meta, pattern, 0"};
       }},
      {"fsync", "issue a Flush after this many writes (0: never)", "0", false, false,
       job_number("fsync", &JobOptions::fsync, 0, UINT32_MAX)},
      {"continue_on_error",
       "none: any failed I/O fails the run; read: a read that fails with Unrecovered Read Error (a media error) is "
       "counted in errors and the job goes on",
       "none", false, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) {
         if (v != "none" && v != "read") throw BadValue{"--continue_on_error=" + v + ": expected none or read"};
         j.continue_on_read_error = v == "read";
       }},
      {"stonewall", "start this job when every job before it in the job file has finished (also wait_for_previous)",
       "false", true, false,
       [](JobOptions& j, WorkloadOptions&, const std::string& v) { boolean("stonewall", j.stonewall)(v); }},
      {"power_loss_at", "power loss at this simulated time (seconds; 0: none), then recover and verify", "0", false, true,
       [](JobOptions&, WorkloadOptions& w, const std::string& v) {
         if (!parse_time(v, 1, w.power_loss_at_s))
           throw BadValue{"--power_loss_at=" + v + ": expected seconds >= 0 (e.g. 0.0002)"};
       }},
      {"handover_at",
       "replace the host driver at this simulated time (seconds; 0: never), the way --handover says; the jobs pause and go on",
       "0", false, true,
       [](JobOptions&, WorkloadOptions& w, const std::string& v) {
         if (!parse_time(v, 1, w.handover.at_s))
           throw BadValue{"--handover_at=" + v + ": expected seconds >= 0 (e.g. 0.0005)"};
       }},
      {"handover",
       "how --handover_at replaces the driver: keepalive (state handed over, controller stays enabled, commands in flight "
       "complete on the new instance) or reset (drain, shutdown, FLR, re-initialisation)",
       "keepalive", false, true,
       [](JobOptions&, WorkloadOptions& w, const std::string& v) {
         if (v != "keepalive" && v != "reset") throw BadValue{"--handover=" + v + ": expected keepalive or reset"};
         w.handover.keepalive = v == "keepalive";
       }},
      {"handover_gap", "time with no driver during --handover_at (seconds, or with a unit: 100us)", "100us", false, true,
       [](JobOptions&, WorkloadOptions& w, const std::string& v) {
         double s = 0;
         if (!parse_time(v, 1, s) || s > 10) throw BadValue{"--handover_gap=" + v + ": expected a time from 0 to 10 s (e.g. 100us)"};
         w.handover.gap_s = s;
       }},
      {"disrupt",
       "soak: disrupt the controller while the jobs run, at random times, with one of these each time (comma-separated): "
       "reset (commands in flight), nssr, flr, power_loss (after a drain); none: never",
       "none", false, true,
       [](JobOptions&, WorkloadOptions& w, const std::string& v) {
         if (!parse_disrupt_kinds(v, w.disrupt.kinds))
           throw BadValue{"--disrupt=" + v + ": expected none or a comma-separated list of " + disrupt_kind_list()};
       }},
      {"disrupt_every", "mean time between --disrupt disruptions (exponentially distributed; seconds, or with a unit: 2ms)",
       "1ms", false, true,
       [](JobOptions&, WorkloadOptions& w, const std::string& v) {
         double s = 0;
         if (!parse_time(v, 1, s) || s < 1e-6 || s > 1e3)
           throw BadValue{"--disrupt_every=" + v + ": expected a time from 1 us to 1000 s (e.g. 2ms)"};
         w.disrupt.every_s = s;
       }},
  };
}

}  // namespace

const std::vector<JobKey>& job_keys() {
  static const std::vector<JobKey> keys = make_keys();
  return keys;
}

const JobKey* find_job_key(const std::string& name) {
  for (const auto& k : job_keys())
    if (k.name == name) return &k;
  return nullptr;
}

std::string canonical_job_key(const std::string& name) {
  if (name == "readwrite") return "rw";
  if (name == "blocksize") return "bs";
  if (name == "wait_for_previous") return "stonewall";
  return name;
}

bool host_only_job_key(const std::string& name) {
  static const std::set<std::string> keys{"description", "ioengine", "direct", "filename", "group_reporting",
                                          "thread", "randrepeat", "norandommap"};
  return keys.count(name) > 0;
}

std::string job_key_list() {
  std::string list;
  for (const auto& k : job_keys()) list += (list.empty() ? "" : ", ") + k.name;
  return list + ", name";
}

}  // namespace scnvme::sim
