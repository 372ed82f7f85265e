#include "report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

namespace scnvme::sim {

namespace {

struct Totals {
  LatencyStats read, write, all;
  Moments read_slat, read_clat, write_slat, write_clat;
  uint64_t bytes_read = 0, bytes_written = 0;
};

Totals totals(const RunResult& run) {
  Totals t;
  for (const auto& j : run.jobs) {
    t.read.merge(j.read);
    t.read_slat.merge(j.read_slat);
    t.read_clat.merge(j.read_clat);
    t.write_slat.merge(j.write_slat);
    t.write_clat.merge(j.write_clat);
    t.write.merge(j.write);
    t.bytes_read += j.bytes_read;
    t.bytes_written += j.bytes_written;
  }
  t.all.merge(t.read);
  t.all.merge(t.write);
  return t;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void print_moments(std::ostream& os, const char* label, const Moments& m) {
  if (m.count() == 0) return;
  os << "    " << label << " (ns): min=" << m.min() << ", max=" << m.max() << ", avg=" << fmt("%.1f", m.mean())
     << ", stdev=" << fmt("%.1f", m.stdev()) << "\n";
}

/// fio's three latencies: slat (prepared -> doorbell), clat (doorbell -> reaped), lat (the sum).
void print_direction(std::ostream& os, const char* label, const LatencyStats& s, const Moments& slat, const Moments& clat,
                     uint64_t bytes, double seconds) {
  if (s.count() == 0) return;
  const double iops = seconds > 0 ? s.count() / seconds : 0;
  const double bw = seconds > 0 ? bytes / seconds : 0;
  os << "  " << label << ": IOPS=" << fmt("%.0f", iops) << ", BW=" << fmt("%.1f", bw / 1048576.0) << "MiB/s ("
     << fmt("%.1f", bw / 1e6) << "MB/s)(" << fmt("%.1f", bytes / 1048576.0) << "MiB/" << fmt("%.3f", seconds * 1e3) << "ms)\n";
  print_moments(os, "slat", slat);
  print_moments(os, "clat", clat);
  os << "    lat (ns): min=" << s.min() << ", max=" << s.max() << ", avg=" << fmt("%.1f", s.mean()) << ", stdev=" << fmt("%.1f", s.stdev())
     << "\n";
  os << "    lat percentiles (ns): 50.00th=[" << s.percentile(50) << "], 90.00th=[" << s.percentile(90) << "], 99.00th=["
     << s.percentile(99) << "], 99.90th=[" << s.percentile(99.9) << "], 99.99th=[" << s.percentile(99.99) << "]\n";
}

nlohmann::json latency_json(const LatencyStats& s) {
  return {{"min", s.min()},           {"mean", s.mean()},          {"stdev", s.stdev()},
          {"p50", s.percentile(50)},  {"p90", s.percentile(90)},   {"p99", s.percentile(99)},
          {"p999", s.percentile(99.9)}, {"p9999", s.percentile(99.99)}, {"max", s.max()}};
}

/// A stage that not every command has (the interrupt): its latencies and how many commands had it.
nlohmann::json stage_json(const LatencyStats& s) {
  nlohmann::json j = latency_json(s);
  j["count"] = s.count();
  return j;
}

nlohmann::json moments_json(const Moments& m) {
  return {{"min", m.min()}, {"mean", m.mean()}, {"stdev", m.stdev()}, {"max", m.max()}};
}

nlohmann::json stages_json(const StageStats& s) {
  return {{"doorbell_to_fetched", latency_json(s.fetch)},
          {"fetched_to_executed", latency_json(s.execute)},
          {"executed_to_cqe", latency_json(s.complete)},
          {"doorbell_to_cqe", latency_json(s.device)},
          {"cqe_to_interrupt", stage_json(s.interrupt)}};
}

/// Every I/O command's stages: the jobs' and the rest.
StageStats all_stages(const RunResult& run) {
  StageStats all = run.stages;
  for (const auto& j : run.jobs) all.merge(j.stages);
  return all;
}

nlohmann::json direction_json(const LatencyStats& s, const Moments& slat, const Moments& clat, uint64_t bytes, double seconds) {
  return {{"ios", s.count()},
          {"bytes", bytes},
          {"iops", seconds > 0 ? s.count() / seconds : 0.0},
          {"bandwidth_bytes_per_s", seconds > 0 ? bytes / seconds : 0.0},
          {"latency_ns", latency_json(s)},
          {"slat_ns", moments_json(slat)},
          {"clat_ns", moments_json(clat)}};
}

/// The job's keys that are not at their defaults, beyond rw, bs, iodepth and nsid.
std::string job_extras(const JobOptions& o) {
  std::string t;
  char buf[64];
  if (o.random() && o.random_distribution.kind != Distribution::Kind::Random)
    t += ", random_distribution=" + distribution_name(o.random_distribution);
  if (o.rate_iops) t += ", rate_iops=" + std::to_string(o.rate_iops);
  if (o.thinktime_us) t += ", thinktime=" + std::to_string(o.thinktime_us) + "us";
  if (o.ramp_time_s > 0) {
    std::snprintf(buf, sizeof buf, ", ramp_time=%gs", o.ramp_time_s);
    t += buf;
  }
  if (o.runtime_s > 0) {
    std::snprintf(buf, sizeof buf, ", runtime=%gs", o.runtime_s);
    t += buf;
  }
  if (o.time_based) t += ", time_based";
  return t;
}

/// The verify mode of every job, or "mixed".
std::vector<std::string> disrupt_names(const DisruptOptions& d) {
  std::vector<std::string> names;
  for (DisruptKind k : d.kinds) names.push_back(disrupt_name(k));
  return names;
}

std::string verify_text(const WorkloadOptions& w) {
  const VerifyMode m = w.jobs.front().verify;
  for (const auto& j : w.jobs)
    if (j.verify != m) return "mixed";
  return verify_name(m);
}

}  // namespace

namespace {

/// Simulation speed: I/Os per wall-second of the run itself (building the model and
/// preconditioning the drive excluded).
double ios_per_wall_second(uint64_t ios, const HostFigures& host) {
  const double run = host.wall_time_s - host.build_time_s;
  return run > 0 ? static_cast<double>(ios) / run : 0.0;
}

struct Spread {
  double mean = 0, max = 0;
};

Spread spread(const std::vector<sc_core::sc_time>& busy, double total) {
  Spread s;
  if (busy.empty() || total <= 0) return s;
  for (const auto& b : busy) {
    const double u = b.to_seconds() / total;
    s.mean += u;
    s.max = std::max(s.max, u);
  }
  s.mean /= static_cast<double>(busy.size());
  return s;
}

std::vector<double> fractions(const std::vector<sc_core::sc_time>& busy, double total) {
  std::vector<double> v;
  for (const auto& b : busy) v.push_back(total > 0 ? b.to_seconds() / total : 0.0);
  return v;
}

void print_flash(std::ostream& os, const FlashStats& f) {
  const double total = f.elapsed.to_seconds();
  const Spread die = spread(f.die_array_busy, total), held = spread(f.die_held, total), ch = spread(f.channel_busy, total);
  os << "\nflash: " << f.die_array_busy.size() << " dies on " << f.channel_busy.size() << " channels, "
     << fmt("%.1f", static_cast<double>(f.logical_units) * f.mapping_unit_bytes / double(1ull << 30))
     << " GiB logical; preconditioned: " << f.precondition;
  if (std::string(f.precondition) != "none")
    os << " (" << fmt("%.1f", static_cast<double>(f.precondition_units_written) * f.mapping_unit_bytes / double(1ull << 30))
       << " GiB written, WAF " << fmt("%.2f", f.precondition_waf) << ", steady " << fmt("%.2f", f.precondition_steady_waf)
       << ", " << fmt("%.1f", f.precondition_seconds) << " s)";
  os << "\n  NAND: " << f.nand_reads << " reads (" << f.pages_read << " pages), " << f.nand_programs << " programs ("
     << f.pages_programmed << " pages), " << f.nand_erases << " erases, " << f.read_retries << " read retries, " << f.suspends
     << " suspends; die array busy mean " << fmt("%.1f", 100 * die.mean) << "% max " << fmt("%.1f", 100 * die.max)
     << "%, die held mean " << fmt("%.1f", 100 * held.mean) << "%, channel busy mean " << fmt("%.1f", 100 * ch.mean) << "% max "
     << fmt("%.1f", 100 * ch.max) << "%, in flight mean " << fmt("%.1f", f.mean_in_flight) << " max " << f.max_in_flight;
  os << "\n  FTL: host units written " << f.host_units_written << ", read " << f.host_units_read << " (unmapped "
     << f.unmapped_reads << ", write-buffer hits " << f.buffer_read_hits << "), trimmed " << f.host_units_trimmed << "; WAF "
     << fmt("%.3f", f.waf) << "; GC migrated " << f.gc_units_migrated << " units (victims " << f.gc_victims_foreground
     << " foreground, " << f.gc_victims_background << " background), " << f.ftl_blocks_erased << " blocks erased";
  os << "\n  SLC cache: " << f.slc_units_written << " units written, " << f.slc_bypass_units << " bypassed, "
     << f.slc_units_read << " read, " << f.slc_blocks_folded << " blocks folded; map cache: " << f.map_hits << " hits, "
     << f.map_misses << " misses";
  os << "\n  write buffer: peak " << f.write_buffer_peak_units << " of " << f.write_buffer_units << " units, "
     << f.buffer_waits << " writes waited (" << fmt("%.1f", f.buffer_wait_time.to_seconds() * 1e6) << " us), "
     << f.read_modify_writes << " read-modify-writes; wear (erases per block) min " << f.wear_min << " mean "
     << fmt("%.2f", f.wear_mean) << " max " << f.wear_max;
  if (f.power_losses)
    os << "\n  power losses: " << f.power_losses << "; " << f.power_loss_units_lost << " host units not yet on NAND ("
       << f.power_loss_units_restored << " back to their previous copy, the rest unmapped), " << f.power_loss_nand_ops_dropped
       << " NAND operations dropped";
}

/// The platform's checks: what they looked at and what they found (violations also stop the run:
/// they are SC_REPORT_ERRORs).
void print_checks(std::ostream& os, const ControllerFigures::Checks& c) {
  if (!c.protocol && !c.queue_monitor) return;
  os << "\nchecks: ";
  if (c.protocol) os << "base protocol on the controller's sockets, " << c.protocol_violations << " violations";
  if (c.protocol && c.queue_monitor) os << "; ";
  if (c.queue_monitor) {
    os << "queue monitor, " << c.fetches << " fetches and " << c.completions << " completions checked, " << c.violations
       << " violations" << (c.pending_checked ? ", every fetched command answered" : "");
  }
  for (const std::string& f : c.findings) os << "\n  " << f;
}

nlohmann::json checks_json(const ControllerFigures::Checks& c) {
  nlohmann::json j = {{"protocol_checks", c.protocol}, {"queue_monitor", c.queue_monitor}, {"findings", c.findings}};
  if (c.protocol) j["protocol_violations"] = c.protocol_violations;
  if (c.queue_monitor) {
    j["fetches"] = c.fetches;
    j["completions"] = c.completions;
    j["queue_violations"] = c.violations;
    j["pending_checked"] = c.pending_checked;
  }
  return j;
}

nlohmann::json flash_json(const FlashStats& f) {
  if (!f.enabled) return {{"enabled", false}};
  const double total = f.elapsed.to_seconds();
  return {{"enabled", true},
          {"precondition",
           {{"kind", f.precondition},
            {"units_written", f.precondition_units_written},
            {"waf", f.precondition_waf},
            {"steady_waf", f.precondition_steady_waf}}},
          {"nand",
           {{"reads", f.nand_reads},
            {"programs", f.nand_programs},
            {"erases", f.nand_erases},
            {"pages_read", f.pages_read},
            {"pages_programmed", f.pages_programmed},
            {"blocks_erased", f.blocks_erased},
            {"read_retries", f.read_retries},
            {"suspends", f.suspends},
            {"power_waits", f.power_waits},
            {"in_flight_mean", f.mean_in_flight},
            {"in_flight_max", f.max_in_flight},
            {"die_array_utilisation", fractions(f.die_array_busy, total)},
            {"die_held_utilisation", fractions(f.die_held, total)},
            {"die_queue_depth_mean", f.die_mean_queue_depth},
            {"die_queue_depth_max", f.die_max_queue_depth},
            {"channel_utilisation", fractions(f.channel_busy, total)}}},
          {"ftl",
           {{"mapping_unit_bytes", f.mapping_unit_bytes},
            {"logical_units", f.logical_units},
            {"host_units_written", f.host_units_written},
            {"host_units_read", f.host_units_read},
            {"host_units_trimmed", f.host_units_trimmed},
            {"unmapped_reads", f.unmapped_reads},
            {"buffer_read_hits", f.buffer_read_hits},
            {"nand_units_programmed", f.nand_units_programmed},
            {"padding_units", f.padding_units},
            {"waf", f.waf},
            {"gc_units_migrated", f.gc_units_migrated},
            {"gc_page_reads", f.gc_page_reads},
            {"gc_victims_foreground", f.gc_victims_foreground},
            {"gc_victims_background", f.gc_victims_background},
            {"blocks_erased", f.ftl_blocks_erased},
            {"slc_units_written", f.slc_units_written},
            {"slc_bypass_units", f.slc_bypass_units},
            {"slc_units_read", f.slc_units_read},
            {"slc_blocks_folded", f.slc_blocks_folded},
            {"fold_units_migrated", f.fold_units_migrated},
            {"map_hits", f.map_hits},
            {"map_misses", f.map_misses},
            {"map_writebacks", f.map_writebacks},
            {"wear_min", f.wear_min},
            {"wear_mean", f.wear_mean},
            {"wear_max", f.wear_max},
            {"memory_bytes", f.ftl_memory_bytes}}},
          {"power_loss",
           {{"events", f.power_losses},
            {"units_lost", f.power_loss_units_lost},
            {"units_restored", f.power_loss_units_restored},
            {"nand_ops_dropped", f.power_loss_nand_ops_dropped}}},
          {"write_buffer",
           {{"capacity_units", f.write_buffer_units},
            {"peak_units", f.write_buffer_peak_units},
            {"waits", f.buffer_waits},
            {"wait_ns", static_cast<uint64_t>(f.buffer_wait_time.to_seconds() * 1e9 + 0.5)},
            {"read_modify_writes", f.read_modify_writes}}}};
}

}  // namespace

namespace {

/// --replay: the trace, how it was replayed and how closely its times were kept (the replay
/// job's header line in the summary).
void print_replay(std::ostream& os, const SimOptions& opt, const RunResult& run) {
  const ReplayResult& r = run.replay;
  const ReplayOptions& o = opt.workload.replay;
  const JobOptions& j = opt.workload.jobs.front();
  os << "replay: " << r.path << " (" << r.format << (r.detected ? ", detected" : "") << "): " << r.records << " records x "
     << o.loops << " loop(s), " << r.skipped << " lines skipped; timing "
     << (o.faithful ? "faithful (speed " + fmt("%g", o.speed) + ")" : std::string("afap")) << ", lba "
     << (o.wrap ? "wrap" : "scale") << ", iodepth=" << j.iodepth << ", nsid=" << j.nsid << "\n";
  os << "    issued " << r.replayed << " records as " << r.commands << " commands; " << r.deallocates << " deallocates ("
     << fmt("%.1f", r.deallocated_bytes / 1048576.0) << " MiB)";
  if (o.faithful)
    os << "; late " << r.late << " records (mean " << fmt("%.1f", r.mean_lateness_ns / 1e3) << " us, max "
       << fmt("%.1f", r.max_lateness_ns / 1e3) << " us)";
  os << "\n";
}

nlohmann::json replay_json(const SimOptions& opt, const ReplayResult& r) {
  const ReplayOptions& o = opt.workload.replay;
  return {{"path", r.path},
          {"format", r.format},
          {"format_detected", r.detected},
          {"timing", o.faithful ? "faithful" : "afap"},
          {"speed", o.speed},
          {"lba", o.wrap ? "wrap" : "scale"},
          {"loops", o.loops},
          {"records", r.records},
          {"skipped_lines", r.skipped},
          {"replayed", r.replayed},
          {"commands", r.commands},
          {"late", r.late},
          {"mean_lateness_ns", r.mean_lateness_ns},
          {"max_lateness_ns", r.max_lateness_ns},
          {"deallocates", r.deallocates},
          {"deallocated_bytes", r.deallocated_bytes}};
}

}  // namespace

namespace {

/// Guest errors per kind, in the order the kinds first happened: the count over every subject
/// and the kind's first occurrence.
struct GuestErrorKind {
  const GuestErrorRecord* first;
  uint64_t count = 0;
  std::vector<const GuestErrorRecord*> subjects;
};

std::vector<GuestErrorKind> guest_errors_by_kind(const std::vector<GuestErrorRecord>& records) {
  std::vector<GuestErrorKind> kinds;
  for (const GuestErrorRecord& r : records) {
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const GuestErrorKind& k) { return k.first->kind == r.kind; });
    if (it == kinds.end()) it = kinds.insert(kinds.end(), GuestErrorKind{&r, 0, {}});
    it->count += r.count;
    it->subjects.push_back(&r);
  }
  return kinds;
}

std::string hex_text(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

/// The "guest errors:" block of the summary (nothing when the host made no mistake).
void print_guest_errors(std::ostream& os, const std::vector<GuestErrorRecord>& records) {
  if (records.empty()) return;
  os << "\nguest errors (host mistakes: kind, count, first occurrence):";
  for (const GuestErrorKind& k : guest_errors_by_kind(records)) {
    const GuestErrorRecord& f = *k.first;
    os << "\n    " << guest_error_name(f.kind) << ": " << k.count << " (first" << (f.subject.empty() ? "" : " on " + f.subject)
       << " at " << fmt("%.6f", f.first_time.to_seconds() * 1e6) << " us, value " << hex_text(f.first_value) << ": " << f.first_message << ")";
  }
}

nlohmann::json guest_errors_json(const std::vector<GuestErrorRecord>& records) {
  nlohmann::json j = nlohmann::json::object();
  for (const GuestErrorKind& k : guest_errors_by_kind(records)) {
    nlohmann::json subjects = nlohmann::json::object();
    for (const GuestErrorRecord* r : k.subjects) subjects[r->subject] = r->count;
    const GuestErrorRecord& f = *k.first;
    j[guest_error_name(f.kind)] = {{"count", k.count},
                                   {"first", f.first_value},
                                   {"first_subject", f.subject},
                                   {"first_time_ns", static_cast<uint64_t>(f.first_time.to_seconds() * 1e9 + 0.5)},
                                   {"first_message", f.first_message},
                                   {"subjects", subjects}};
  }
  return j;
}

}  // namespace

void print_summary(std::ostream& os, const SimOptions& opt, const RunResult& run, const ControllerFigures& ctrl,
                   const HostFigures& host) {
  const auto& w = opt.workload;
  os << "controller: \"" << run.controller_model << "\" serial \"" << run.controller_serial << "\", " << run.interrupt_mode
     << ", " << run.io_queues << " I/O queue pair(s)\n";
  for (const auto& ns : run.namespaces)
    os << "  namespace " << ns.nsid << ": " << ns.blocks << " blocks of " << ns.block_size << " B ("
       << fmt("%.2f", static_cast<double>(ns.blocks) * ns.block_size / (1ull << 30)) << " GiB)\n";
  for (const auto& r : run.jobs) {
    const JobOptions& o = w.jobs.at(r.job);
    if (!run.replay.path.empty())
      print_replay(os, opt, run);
    else
      os << r.name << ": (rw=" << o.rw << ", " << (o.bssplit.empty() ? "bs=" : "bssplit=") << o.bs_text() << ", iodepth=" << o.iodepth
         << ", nsid=" << r.nsid << job_extras(o) << ")\n";
    print_direction(os, "read ", r.read, r.read_slat, r.read_clat, r.bytes_read, r.time_s);
    print_direction(os, "write", r.write, r.write_slat, r.write_clat, r.bytes_written, r.time_s);
    if (r.ramp_ios) os << "    ramp: " << r.ramp_ios << " I/Os not counted\n";
  }
  const Totals t = totals(run);
  os << "all jobs:\n";
  print_direction(os, "read ", t.read, t.read_slat, t.read_clat, t.bytes_read, run.sim_time_s);
  print_direction(os, "write", t.write, t.write_slat, t.write_clat, t.bytes_written, run.sim_time_s);
  const StageStats stages = all_stages(run);
  if (stages.device.count()) {
    auto stage = [&os](const char* label, const LatencyStats& st) {
      os << "    " << label << " mean=" << fmt("%.1f", st.mean()) << ", p50=" << st.percentile(50) << ", p99=" << st.percentile(99)
         << ", max=" << st.max() << "\n";
    };
    os << "controller stages (ns, I/O commands):\n";
    stage("doorbell -> SQE fetched:   ", stages.fetch);
    stage("fetched -> executed (data):", stages.execute);
    stage("executed -> CQE written:   ", stages.complete);
    stage("doorbell -> CQE written:   ", stages.device);
    if (stages.interrupt.count())
      stage("CQE written -> interrupt:  ", stages.interrupt);
    else
      os << "    CQE written -> interrupt:   none sent with a completion (coalesced, masked, INTx or polled)\n";
  }
  uint64_t verified = 0, failures = 0, flushes = 0;
  for (const auto& j : run.jobs) {
    verified += j.verified_reads;
    failures += j.verify_failures;
    flushes += j.flushes;
  }
  if (verify_text(w) != "none")
    os << "verify (" << verify_text(w) << "): " << verified << " reads checked, " << failures << " mismatches\n";
  if (flushes) os << "flushes: " << flushes << "\n";
  if (run.power_loss.happened)
    os << "power loss at " << fmt("%.6f", run.power_loss.at_s) << " s: after recovery " << run.power_loss.chunks_checked
       << " written blocks checked, " << run.power_loss.lost_writes << " newest writes lost (not yet durable), "
       << run.power_loss.mismatches << " blocks without their durable data\n";
  if (opt.workload.handover.at_s > 0) {
    const HandoverResult& h = run.handover;
    if (!h.happened)
      os << "hand-over at " << fmt("%.6f", opt.workload.handover.at_s) << " s: not reached (the jobs ended first)\n";
    else
      os << "hand-over (" << h.mode << ") at " << fmt("%.6f", h.at_s) << " s: " << h.jobs_paused << " jobs paused for "
         << fmt("%.1f", h.paused_ns / 1e3) << " us, " << h.in_flight << " commands in flight handed over; every command completed once\n";
  }
  if (opt.workload.disrupt.enabled()) {
    const DisruptResult& d = run.disruptions;
    os << "disruptions: " << d.total() << " (" << d.resets << " controller resets with commands in flight, " << d.nssrs
       << " NSSRs, " << d.flrs << " FLRs, " << d.power_losses << " power losses), jobs paused " << fmt("%.1f", d.paused_ns / 1e3)
       << " us in all";
    if (d.power_losses)
      os << "; after the power losses " << d.units_read_back << " units not known durable read back, " << d.lost_writes
         << " newest writes lost (not yet durable)";
    os << "; the controller fetched " << ctrl.commands_fetched << " commands and answered " << ctrl.commands_completed << ", "
       << ctrl.commands_fetched - std::min(ctrl.commands_fetched, ctrl.commands_completed)
       << " dropped by resets (the driver ended them); at the end " << d.units_verified_at_end
       << " units written read back as last written\n";
  }
  const nvme_recovery_stats& rec = run.recovery;
  uint64_t retries = 0;
  for (const JobResult& j : run.jobs) retries += j.retries;
  if (rec.timeouts || rec.admin_timeouts || rec.controller_resets || rec.cfs_recoveries || rec.commands_failed ||
      rec.polled_completions || rec.empty_interrupts || retries)
    os << "driver recovery: " << rec.timeouts << " timed-out I/Os, " << rec.aborts_sent << " Aborts (" << rec.aborts_succeeded
       << " enough), " << rec.controller_resets << " controller resets (" << rec.cfs_recoveries << " for CSTS.CFS), "
       << rec.commands_failed << " commands ended by the driver, " << retries << " submitted again; "
       << rec.polled_completions << " completions found without their interrupt, " << rec.empty_interrupts
       << " interrupts with nothing new\n";
  const CheckpointOptions& cp = opt.workload.checkpoint;
  if (run.checkpoint.resumed)
    os << "resumed from " << cp.resume_path << " at " << fmt("%.6f", run.checkpoint.resumed_at_s) << " s\n";
  if (cp.at_s > 0) {
    if (!run.checkpoint.written)
      os << "checkpoint at " << fmt("%.6f", cp.at_s) << " s: not taken (the jobs ended first)\n";
    else
      os << "checkpoint " << cp.path << " (" << fmt("%.1f", run.checkpoint.bytes / 1024.0) << " KiB) taken at "
         << fmt("%.6f", run.checkpoint.taken_s) << " s, " << fmt("%.1f", run.checkpoint.drain_ns / 1e3)
         << " us after --checkpoint_at (I/O drained, controller idle); resume with --resume=" << cp.path << "\n";
  }
  os << "simulated time " << fmt("%.3f", run.sim_time_s * 1e3) << " ms; " << t.all.count() << " I/Os; controller completed "
     << ctrl.commands_completed << " commands, sent " << ctrl.interrupts_sent << " interrupts";
  if (ctrl.guest_errors) os << ", reported " << ctrl.guest_errors << " guest errors";
  os << "\nPCIe link utilisation over the whole run: upstream " << fmt("%.1f", 100 * ctrl.link_upstream_utilisation)
     << "%, downstream " << fmt("%.1f", 100 * ctrl.link_downstream_utilisation) << "%";
  const double peak = ctrl.data_buffer_bytes ? static_cast<double>(ctrl.data_buffer_peak_bytes) / ctrl.data_buffer_bytes : 0.0;
  os << "\ncontroller utilisation over the whole run: command slots " << fmt("%.1f", 100 * ctrl.command_slots_utilisation)
     << "% (" << ctrl.command_slots << "), DMA engines " << fmt("%.1f", 100 * ctrl.dma_engines_utilisation) << "% ("
     << ctrl.dma_engines << "), data buffer mean " << fmt("%.1f", 100 * ctrl.data_buffer_mean_utilisation) << "% peak "
     << fmt("%.1f", 100 * peak) << "% (" << fmt("%.1f", ctrl.data_buffer_peak_bytes / 1024.0) << " KiB) of "
     << ctrl.data_buffer_bytes / 1024 << " KiB";
  if (ctrl.flash.enabled) print_flash(os, ctrl.flash);
  print_checks(os, ctrl.checks);
  print_guest_errors(os, ctrl.guest_error_records);
  print_faults(os, opt.faults);
  for (const NamespaceEvent& e : opt.namespace_events) {
    os << "\nnamespace event " << e.text << ": "
       << (!e.done ? "not reached (the run ended first)" : e.accepted ? "done" : "refused: " + e.error);
  }
  os << "\nhost: wall time " << fmt("%.3f", host.wall_time_s) << " s (model built";
  if (ctrl.flash.enabled && std::string(ctrl.flash.precondition) != "none") os << " and drive preconditioned";
  os << " in " << fmt("%.3f", host.build_time_s) << " s), " << fmt("%.0f", ios_per_wall_second(t.all.count(), host))
     << " simulated I/Os per wall-second, peak RSS " << fmt("%.1f", host.peak_rss_bytes / 1048576.0) << " MiB\n";
}

bool write_json(const std::string& path, const SimOptions& opt, const RunResult& run, const ControllerFigures& ctrl,
                const HostFigures& host, std::string& error) {
  const Totals t = totals(run);
  const double s = run.sim_time_s;
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& j : run.jobs) {
    nlohmann::json by_bs = nlohmann::json::object();
    for (const auto& [bytes, n] : j.ios_by_bs) by_bs[std::to_string(bytes)] = n;
    nlohmann::json options = nlohmann::json::object();
    for (const auto& [k, v] : opt.workload.jobs.at(j.job).effective) options[k] = v;
    jobs.push_back({{"name", j.name},
                    {"job", opt.workload.jobs.at(j.job).name},
                    {"instance", j.instance},
                    {"options", options},
                    {"nsid", j.nsid},
                    {"time_ns", static_cast<uint64_t>(j.time_s * 1e9 + 0.5)},
                    {"ios", j.read.count() + j.write.count()},
                    {"ios_by_bs", by_bs},
                    {"ramp_ios", j.ramp_ios},
                    {"read", direction_json(j.read, j.read_slat, j.read_clat, j.bytes_read, j.time_s)},
                    {"write", direction_json(j.write, j.write_slat, j.write_clat, j.bytes_written, j.time_s)},
                    {"flushes", j.flushes},
                    {"errors", j.errors},
                    {"retries", j.retries},
                    {"verified_reads", j.verified_reads},
                    {"verify_failures", j.verify_failures},
                    {"stages_ns", stages_json(j.stages)}});
  }
  uint64_t verify_failures = 0;
  for (const auto& j : run.jobs) verify_failures += j.verify_failures;
  nlohmann::json doc = {
      {"schema_version", 1},
      {"tool", "scnvme-sim"},
      {"seed", opt.seed},
      {"configuration", opt.effective},
      {"ok", run.ok},
      {"error", run.error},
      {"results",
       {{"ios_completed", t.all.count()},
        {"iops", s > 0 ? t.all.count() / s : 0.0},
        {"bandwidth_bytes_per_s", s > 0 ? (t.bytes_read + t.bytes_written) / s : 0.0},
        {"latency_ns", latency_json(t.all)},
        {"sim_time_ns", static_cast<uint64_t>(s * 1e9 + 0.5)},
        {"read", direction_json(t.read, t.read_slat, t.read_clat, t.bytes_read, s)},
        {"write", direction_json(t.write, t.write_slat, t.write_clat, t.bytes_written, s)},
        {"jobs", jobs},
        {"stages_ns", stages_json(all_stages(run))},
        {"verify", {{"mode", verify_text(opt.workload)}, {"failures", verify_failures}}},
        {"handover",
         {{"happened", run.handover.happened},
          {"mode", opt.workload.handover.keepalive ? "keepalive" : "reset"},
          {"at_s", opt.workload.handover.at_s},
          {"jobs_paused", run.handover.jobs_paused},
          {"in_flight", run.handover.in_flight},
          {"paused_ns", run.handover.paused_ns}}},
        {"disruptions",
         {{"kinds", disrupt_names(opt.workload.disrupt)},
          {"every_s", opt.workload.disrupt.every_s},
          {"resets", run.disruptions.resets},
          {"nssrs", run.disruptions.nssrs},
          {"flrs", run.disruptions.flrs},
          {"power_losses", run.disruptions.power_losses},
          {"units_read_back", run.disruptions.units_read_back},
          {"lost_writes", run.disruptions.lost_writes},
          {"paused_ns", run.disruptions.paused_ns},
          {"units_verified_at_end", run.disruptions.units_verified_at_end}}},
        {"driver_recovery",
         {{"timeouts", run.recovery.timeouts},
          {"admin_timeouts", run.recovery.admin_timeouts},
          {"aborts_sent", run.recovery.aborts_sent},
          {"aborts_succeeded", run.recovery.aborts_succeeded},
          {"controller_resets", run.recovery.controller_resets},
          {"reinit_failures", run.recovery.reinit_failures},
          {"cfs_recoveries", run.recovery.cfs_recoveries},
          {"commands_failed", run.recovery.commands_failed},
          {"polled_completions", run.recovery.polled_completions},
          {"empty_interrupts", run.recovery.empty_interrupts}}},
        {"checkpoint",
         {{"written", run.checkpoint.written},
          {"path", opt.workload.checkpoint.path},
          {"at_s", opt.workload.checkpoint.at_s},
          {"taken_s", run.checkpoint.taken_s},
          {"drain_ns", run.checkpoint.drain_ns},
          {"bytes", run.checkpoint.bytes},
          {"resumed", run.checkpoint.resumed},
          {"resume_path", opt.workload.checkpoint.resume_path},
          {"resumed_at_s", run.checkpoint.resumed_at_s}}},
        {"power_loss",
         {{"happened", run.power_loss.happened},
          {"at_s", run.power_loss.at_s},
          {"blocks_checked", run.power_loss.chunks_checked},
          {"lost_writes", run.power_loss.lost_writes},
          {"mismatches", run.power_loss.mismatches}}},
        {"controller",
         {{"commands_fetched", ctrl.commands_fetched},
          {"commands_completed", ctrl.commands_completed},
          {"interrupts_sent", ctrl.interrupts_sent},
          {"guest_errors", ctrl.guest_errors},
          {"link_upstream_utilisation", ctrl.link_upstream_utilisation},
          {"link_downstream_utilisation", ctrl.link_downstream_utilisation},
          {"command_slots", ctrl.command_slots},
          {"command_slots_utilisation", ctrl.command_slots_utilisation},
          {"dma_engines", ctrl.dma_engines},
          {"dma_engines_utilisation", ctrl.dma_engines_utilisation},
          {"data_buffer_bytes", ctrl.data_buffer_bytes},
          {"data_buffer_mean_utilisation", ctrl.data_buffer_mean_utilisation},
          {"data_buffer_peak_bytes", ctrl.data_buffer_peak_bytes}}}}},
      {"host",
       {{"wall_time_s", host.wall_time_s},
        {"peak_rss_bytes", host.peak_rss_bytes},
        {"build_time_s", host.build_time_s},
        {"ios_per_wall_second", ios_per_wall_second(t.all.count(), host)}}}};
  doc["results"]["flash"] = flash_json(ctrl.flash);
  doc["results"]["checks"] = checks_json(ctrl.checks);
  doc["results"]["guest_errors"] = guest_errors_json(ctrl.guest_error_records);
  if (!run.replay.path.empty()) doc["results"]["replay"] = replay_json(opt, run.replay);
  nlohmann::json events = nlohmann::json::array();
  for (const NamespaceEvent& e : opt.namespace_events)
    events.push_back({{"event", e.text}, {"at_s", e.at_s}, {"done", e.done}, {"accepted", e.accepted}, {"error", e.error}});
  doc["results"]["namespace_events"] = events;
  doc["results"]["faults"] = faults_json(opt.faults);
  std::ofstream out(path);
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  out << doc.dump(2) << "\n";
  return static_cast<bool>(out);
}

}  // namespace scnvme::sim
