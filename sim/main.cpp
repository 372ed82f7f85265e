// scnvme-sim: runs the reference platform with the reference driver and a fio-like workload.
// Exit codes: 0 success, 1 the driver or workload saw an error, 2 bad input.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include <systemc>

#include "options.h"
#include "progress.h"
#include "report.h"
#include "timeseries.h"
#include "trace_outputs.h"
#include "workload.h"

using namespace scnvme;

// In sanitizer builds: LeakSanitizer cannot follow SystemC's coroutine stacks (it crashes at
// exit), so leak detection is off by default; every other check stays on.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

int sc_main(int argc, char* argv[]) {
  sim::SimOptions opt;
  switch (sim::parse_command_line(argc, argv, opt, std::cout, std::cerr)) {
    case sim::ParseOutcome::Exit: return 0;
    case sim::ParseOutcome::BadInput: return 2;
    case sim::ParseOutcome::Run: break;
  }
  // The application owns report settings: model logs follow --log-level.
  const sc_core::sc_verbosity verbosity[] = {sc_core::SC_NONE, sc_core::SC_LOW, sc_core::SC_HIGH, sc_core::SC_DEBUG};
  sc_core::sc_report_handler::set_verbosity_level(verbosity[opt.platform.log_level]);
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  if (opt.platform.log_level < 1) sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_LOG);

  const auto t0 = std::chrono::steady_clock::now();
  sim::RunResult run;
  try {
    platform::ReferencePlatform top("top", opt.platform);
    for (std::size_t i = 0; i < opt.platform.controllers.size(); ++i) top.controller(i).set_log_filter(opt.log_patterns);
    sim::TraceOutputs traces(opt, top.controller(0));
    const auto built = std::chrono::steady_clock::now();
    sim::schedule_namespace_events(top, opt.namespace_events);
    sim::schedule_faults(top, opt.faults);
    uint64_t total_ios = 0;
    double end_sim_s = 0;
    sim::Progress::bounds(opt.workload, total_ios, end_sim_s);
    sim::Progress progress(std::cerr, sim::Progress::wanted(opt.progress, STDERR_FILENO), total_ios, end_sim_s);
    sim::start_workload(top, opt.driver, opt.workload, run,
                        [&progress](uint64_t now_ns, uint64_t ios) { progress.update(now_ns, ios); });
    sc_core::sc_start();
    progress.finish();
    traces.close();
    sim::collect_fault_counts(top, opt.faults);
    for (const sim::FaultSpec& f : opt.faults)
      if (!f.error.empty()) {
        std::cerr << "scnvme-sim: " << f.source << "=" << f.text << ": " << f.error << "\n";
        return 2;
      }
    const auto stats = top.controller(0).stats();
    const ControllerConfig& cc = top.controller(0).config();
    sim::ControllerFigures ctrl;
    ctrl.commands_fetched = stats.commands_fetched;
    ctrl.commands_completed = stats.commands_completed;
    ctrl.interrupts_sent = stats.interrupts_sent;
    ctrl.guest_errors = stats.guest_errors;
    ctrl.guest_error_records = top.controller(0).guest_errors();
    ctrl.command_slots = cc.command_slots;
    ctrl.dma_engines = cc.dma_engines;
    ctrl.data_buffer_bytes = static_cast<uint64_t>(cc.data_buffer_kib) * 1024;
    ctrl.data_buffer_peak_bytes = stats.data_buffer_peak_bytes;
    if (const double total = sc_core::sc_time_stamp().to_seconds(); total > 0) {
      ctrl.link_upstream_utilisation = stats.link_upstream_busy.to_seconds() / total;
      ctrl.link_downstream_utilisation = stats.link_downstream_busy.to_seconds() / total;
      if (ctrl.command_slots) ctrl.command_slots_utilisation = stats.slots_busy.to_seconds() / (total * ctrl.command_slots);
      if (ctrl.dma_engines) ctrl.dma_engines_utilisation = stats.dma_engines_busy.to_seconds() / (total * ctrl.dma_engines);
      if (ctrl.data_buffer_bytes)
        ctrl.data_buffer_mean_utilisation = stats.data_buffer_byte_seconds / total / static_cast<double>(ctrl.data_buffer_bytes);
    }
    sim::HostFigures host;
    host.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    host.build_time_s = std::chrono::duration<double>(built - t0).count();
    ctrl.flash = top.controller(0).flash_stats();
    for (const platform::ProtocolChecker* pc : top.protocol_checkers(0)) {
      ctrl.checks.protocol = true;
      ctrl.checks.protocol_violations += pc->violations();
      ctrl.checks.findings.insert(ctrl.checks.findings.end(), pc->findings().begin(), pc->findings().end());
    }
    if (platform::QueueMonitor* mon = top.queue_monitor(0)) {
      ctrl.checks.queue_monitor = true;
      // After a successful run the simulation has nothing left to do: host and controller at rest,
      // every I/O reaped (a controller in CSTS.CFS would have failed the run first).
      if (run.ok) {
        mon->check_pending();
        ctrl.checks.pending_checked = true;
      }
      ctrl.checks.fetches = mon->fetches();
      ctrl.checks.completions = mon->completions();
      ctrl.checks.violations = mon->violations();
      ctrl.checks.findings.insert(ctrl.checks.findings.end(), mon->findings().begin(), mon->findings().end());
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    host.peak_rss_bytes = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
    if (run.ok) {
      sim::print_summary(std::cout, opt, run, ctrl, host);
      traces.print(std::cout);
    } else if (!opt.faults.empty()) {
      sim::print_faults(std::cout, opt.faults);  // what was injected before the run failed
      std::cout << "\n";
    }
    if (!opt.timeseries_path.empty()) {
      std::string error;
      const double interval = opt.timeseries_interval_s > 0 ? opt.timeseries_interval_s : std::max(run.sim_time_s / 100, 1e-6);
      if (!sim::write_timeseries(opt.timeseries_path, run, interval, error)) {
        std::cerr << "scnvme-sim: --timeseries: " << error << "\n";
        return 2;
      }
    }
    if (!opt.json_path.empty()) {
      std::string error;
      if (!sim::write_json(opt.json_path, opt, run, ctrl, host, error)) {
        std::cerr << "scnvme-sim: --json: " << error << "\n";
        return 2;
      }
    }
  } catch (const ConfigError& e) {
    // Found while building the model (an image file that cannot be used, ...).
    std::vector<uint32_t> nsids;
    for (const auto& ns : opt.platform.controllers.at(0).namespaces) nsids.push_back(ns.nsid);
    std::string msg = e.what();
    std::cerr << "scnvme-sim: --" << sim::option_for_field(e.field(), nsids) << ": " << msg.substr(msg.find(": ") + 2) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "scnvme-sim: " << e.what() << "\n";
    return 2;
  }
  if (!run.ok && run.bad_input) {  // a checkpoint that cannot be resumed
    std::cerr << "scnvme-sim: " << run.error << "\n";
    return 2;
  }
  if (!run.ok) {
    std::cerr << "scnvme-sim: run failed: " << run.error << "\n";
    return 1;
  }
  return 0;
}
