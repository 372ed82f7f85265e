#include "options.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <limits>
#include <ostream>
#include <sstream>
#include <vector>

#include <boost/program_options.hpp>

#include "flash_options.h"
#include "job_file.h"
#include "job_options.h"
#include "option_table.h"
#include "replay.h"
#include "scnvme/diagnostics.h"

namespace po = boost::program_options;

namespace scnvme::sim {

namespace {

constexpr unsigned kMaxQueuePairs = 64;  // the reference driver's

/// Builds the jobs: each job section's entries (the [global] ones before it, then its own) over
/// the defaults, then the command line's workload keys over every job. Errors name FILE:LINE.
bool apply_job_file(const JobFile& file, const std::map<std::string, std::string>& cli, SimOptions& opt, std::string& error) {
  WorkloadOptions& w = opt.workload;
  w.jobs.clear();
  std::map<std::string, std::string> run_wide;  // run-wide keys given (power_loss_at, handover*)
  for (const auto& section : file.jobs) {
    JobOptions j;
    j.name = section.name;
    std::map<std::string, std::string> used;
    for (const auto& e : section.entries) {
      const std::string at = file.path + ":" + std::to_string(e.line) + ": ";
      const std::string key = canonical_job_key(e.key);
      if (host_only_job_key(key)) continue;
      if (key == "name") {
        j.name = e.value;
        continue;
      }
      const JobKey* k = find_job_key(key);
      if (!k) {
        error = at + "unknown key \"" + e.key + "\" (accepted: " + job_key_list() + ")";
        return false;
      }
      if (k->run_wide && e.line > section.line) {
        error = at + key + " applies to the whole run: set it in [global]";
        return false;
      }
      try {
        k->apply(j, w, e.value);
      } catch (const BadValue& b) {
        error = at + b.message.substr(2);
        return false;
      }
      used[key] = e.value;
      if (k->run_wide) run_wide[key] = e.value;
    }
    for (const auto& [key, value] : cli) {
      try {
        find_job_key(key)->apply(j, w, value);
      } catch (const BadValue& b) {
        error = b.message;
        return false;
      }
      used[key] = value;
      if (find_job_key(key)->run_wide) run_wide[key] = value;
    }
    if (!j.bssplit.empty() && !cli.count("bssplit") && cli.count("bs")) j.bssplit.clear();  // --bs wins over the file's split
    for (const auto& k : job_keys()) {
      if (k.run_wide) continue;
      const auto u = used.find(k.name);
      j.effective.emplace_back(k.name, u == used.end() ? k.default_text : u->second);
    }
    w.jobs.push_back(std::move(j));
  }
  // The configuration's workload keys: the first job's (each job's are in the report).
  for (const auto& [key, value] : w.jobs.front().effective) opt.effective[key] = value;
  for (const auto& k : job_keys())
    if (k.run_wide) opt.effective[k.name] = run_wide.count(k.name) ? run_wide[k.name] : k.default_text;
  return true;
}

}  // namespace

/// The CLI option that sets a ControllerConfig field named in a ConfigError.
std::string option_for_field(const std::string& field, const std::vector<uint32_t>& nsids) {
  if (field.rfind("namespaces[", 0) == 0) {
    const std::size_t close = field.find(']');
    const std::size_t i = std::stoul(field.substr(11, close - 11));
    std::string key = field.substr(close + 2);
    if (key == "size_bytes") key = "size";
    return "ns" + std::to_string(i < nsids.size() ? nsids[i] : i + 1) + "." + key;
  }
  if (field == "pci.link_generation") return "pcie.generation";
  if (field == "pci.link_width") return "pcie.lanes";
  if (field == "nvm_capacity_bytes") return "controller.nvm_capacity";
  if (field.find('.') != std::string::npos) return field;
  return "controller." + field;
}

namespace {
constexpr unsigned kMaxNamespaceOptions = 8;
}  // namespace

namespace {

/// --vcd, --vcd_signals, --perfetto, --perfetto_max_mb, --timeseries, --timeseries_interval.
bool parse_trace_outputs(const po::variables_map& vm, SimOptions& opt, std::ostream& err) {
  try {
    if (vm.count("vcd")) opt.vcd_path = vm["vcd"].as<std::string>();
    if (vm.count("perfetto")) opt.perfetto_path = vm["perfetto"].as<std::string>();
    if (vm.count("timeseries")) opt.timeseries_path = vm["timeseries"].as<std::string>();
    if (vm.count("vcd_signals")) {
      const std::string list = vm["vcd_signals"].as<std::string>();
      std::size_t start = 0;
      for (;;) {
        const std::size_t comma = list.find(',', start);
        const std::string pattern = list.substr(start, comma - start);
        if (pattern.empty())
          throw BadValue{"--vcd_signals=" + list + ": expected comma-separated patterns such as '*.link.*,*.sq1.*' (an empty one was given)"};
        opt.vcd_signals.push_back(pattern);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (opt.vcd_path.empty()) throw BadValue{"--vcd_signals=" + list + ": selects signals of --vcd, which was not given"};
    }
    uint64_t mib = 0;
    number("perfetto_max_mb", mib, 0, 1ull << 20)(vm["perfetto_max_mb"].as<std::string>());
    opt.perfetto_max_bytes = mib << 20;
    const std::string interval = vm["timeseries_interval"].as<std::string>();
    real("timeseries_interval", opt.timeseries_interval_s, 0, 3600)(interval);
    if (opt.timeseries_interval_s > 0 && opt.timeseries_interval_s < 1e-6)
      throw BadValue{"--timeseries_interval=" + interval + ": expected 0 (automatic) or a number in [1e-06, 3600]"};
  } catch (const BadValue& b) {
    err << "scnvme-sim: " << b.message << "\n";
    return false;
  }
  opt.workload.keep_completions = !opt.timeseries_path.empty();
  return true;
}

/// --log=PATTERN[,PATTERN]: names or patterns of the diagnostics catalogue (scnvme/diagnostics.h).
bool parse_log_patterns(const po::variables_map& vm, SimOptions& opt, std::ostream& err) {
  if (!vm.count("log")) return true;
  const std::string list = vm["log"].as<std::string>();
  const std::vector<std::string> names = catalogue_names();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = list.find(',', start);
    const std::string pattern = list.substr(start, comma - start);
    if (pattern.empty()) {
      err << "scnvme-sim: --log=" << list << ": expected comma-separated names or patterns such as 'cmd.*,guest.*' (an empty one was given)\n";
      return false;
    }
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return name_matches(pattern, n); })) {
      err << "scnvme-sim: --log=" << list << ": '" << pattern
          << "' matches no trace point or guest error (groups: reg.*, cfg.*, cmd.*, irq.*, ctrl.*, queue.*, fault.*, guest.*; see README, Diagnosing a driver)\n";
      return false;
    }
    opt.log_patterns.push_back(pattern);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

}  // namespace

namespace {

/// "%name%": a placeholder Boost.Program_options substitutes in its messages.
bool has_placeholder(const std::string& text) {
  for (std::size_t a = text.find('%'); a != std::string::npos; a = text.find('%', a + 1)) {
    std::size_t b = a + 1;
    while (b < text.size() && (std::isalnum(static_cast<unsigned char>(text[b])) || text[b] == '_')) ++b;
    if (b > a + 1 && b < text.size() && text[b] == '%') return true;
  }
  return false;
}

/// --checkpoint / --checkpoint_at / --resume (checkpoint_file.h). Call last: the fingerprint is
/// every option that shapes the run.
bool parse_checkpoint_options(const po::variables_map& vm, SimOptions& opt, std::ostream& err) {
  CheckpointOptions& c = opt.workload.checkpoint;
  const WorkloadOptions& w = opt.workload;
  const bool file = vm.count("checkpoint") > 0, at = vm.count("checkpoint_at") > 0;
  if (file != at) {
    err << "scnvme-sim: " << (file ? "--checkpoint needs --checkpoint_at=TIME (when to take it)" : "--checkpoint_at needs --checkpoint=FILE (where to write it)")
        << "\n";
    return false;
  }
  if (at) {
    const std::string v = vm["checkpoint_at"].as<std::string>();
    if (!parse_time(v, 1, c.at_s) || c.at_s <= 0 || c.at_s > 1e6) {
      err << "scnvme-sim: --checkpoint_at=" << v << ": expected a simulated time from 1 ns to 1e6 s (seconds, or with a unit: 500us)\n";
      return false;
    }
    c.path = vm["checkpoint"].as<std::string>();
    if (c.path.empty()) {
      err << "scnvme-sim: --checkpoint: expected a file name\n";
      return false;
    }
  }
  if (vm.count("resume")) c.resume_path = vm["resume"].as<std::string>();
  if (!at && c.resume_path.empty()) return true;
  const char* with = !w.replay.path.empty()        ? "--replay"
                     : w.handover.at_s > 0          ? "--handover_at"
                     : w.power_loss_at_s > 0        ? "--power_loss_at"
                     : w.disrupt.enabled()          ? "--disrupt"
                     : !opt.faults.empty()          ? "--fault (or a profile's [faults] section)"
                     : !opt.namespace_events.empty() ? "--namespace_event"
                                                     : nullptr;
  if (with) {
    err << "scnvme-sim: " << (at ? "--checkpoint_at" : "--resume") << " with " << with
        << ": not supported (a checkpoint holds the jobs' progress; trace replay, hand-over, power-loss, disruption, fault "
           "and namespace-event schedules are not saved in it)\n";
    return false;
  }
  for (const auto& [key, value] : opt.effective)
    if (key != "jobfile") c.fingerprint[key] = value;  // (the job file's contents are in the jobs' keys)
  for (std::size_t j = 0; j < w.jobs.size(); ++j) {
    const std::string prefix = "job" + std::to_string(j) + ".";
    c.fingerprint[prefix + "name"] = w.jobs[j].name;
    for (const auto& [key, value] : w.jobs[j].effective) c.fingerprint[prefix + key] = value;
  }
  if (c.resume_path.empty()) return true;
  try {
    c.resume = open_for_resume(c.resume_path, c.fingerprint);
  } catch (const CheckpointError& e) {
    err << "scnvme-sim: --resume: " << e.what() << "\n";
    return false;
  }
  if (at && c.at_s <= c.resume->time().to_seconds()) {
    err << "scnvme-sim: --checkpoint_at=" << vm["checkpoint_at"].as<std::string>() << ": the run resumes at "
        << c.resume->time().to_seconds() << " s (--resume=" << c.resume_path << "); a new checkpoint must be later\n";
    return false;
  }
  return true;
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv, SimOptions& opt, std::ostream& out, std::ostream& err) {
  ControllerConfig& c = opt.platform.controllers.at(0);
  use_client_tlc_defaults(c);
  WorkloadOptions& w = opt.workload;
  w = WorkloadOptions{};
  nvme_driver_default_options(&opt.driver);
  std::string irq = "auto";
  bool driver_sgl = false;
  uint64_t timeout_ms = 30000, cpu_op_ns = 20, ram = opt.platform.ram_bytes;
  std::vector<uint64_t> ns_size(kMaxNamespaceOptions + 1, 0);
  std::vector<uint32_t> ns_block(kMaxNamespaceOptions + 1, 512);
  std::vector<uint16_t> ns_metadata(kMaxNamespaceOptions + 1, 0);
  std::vector<bool> ns_extended(kMaxNamespaceOptions + 1, false), ns_protected(kMaxNamespaceOptions + 1, false),
      ns_image_ro(kMaxNamespaceOptions + 1, false);
  std::vector<std::string> ns_image(kMaxNamespaceOptions + 1), ns_data(kMaxNamespaceOptions + 1, "store");
  bool flag = false;  // scratch for the vector<bool> options
  ns_size[1] = c.namespaces.at(0).size_bytes;

  std::vector<Option> model = {
      {"pci.vendor_id", "PCI vendor ID", str(c.pci.vendor_id), number("pci.vendor_id", c.pci.vendor_id)},
      {"pci.device_id", "PCI device ID", str(c.pci.device_id), number("pci.device_id", c.pci.device_id)},
      {"pci.subsystem_vendor_id", "PCI subsystem vendor ID", str(c.pci.subsystem_vendor_id),
       number("pci.subsystem_vendor_id", c.pci.subsystem_vendor_id)},
      {"pci.subsystem_id", "PCI subsystem ID", str(c.pci.subsystem_id), number("pci.subsystem_id", c.pci.subsystem_id)},
      {"pci.revision_id", "PCI revision ID", str(c.pci.revision_id), number("pci.revision_id", c.pci.revision_id)},
      {"pci.bar0_size", "BAR0 size in bytes (power of two >= 16k)", str(c.pci.bar0_size), size("pci.bar0_size", c.pci.bar0_size)},
      {"pci.msix", "MSI-X capability present", "true", boolean("pci.msix", c.pci.msix)},
      {"pci.msix_vectors", "MSI-X table entries (1..2048)", str(c.pci.msix_vectors), number("pci.msix_vectors", c.pci.msix_vectors, 1, 2048)},
      {"pci.msix_table_offset", "MSI-X table offset in BAR0 (bytes)", str(c.pci.msix_table_offset),
       number("pci.msix_table_offset", c.pci.msix_table_offset)},
      {"pci.msix_pba_offset", "MSI-X PBA offset in BAR0 (bytes)", str(c.pci.msix_pba_offset),
       number("pci.msix_pba_offset", c.pci.msix_pba_offset)},
      {"pci.msi", "MSI capability present", "true", boolean("pci.msi", c.pci.msi)},
      {"pci.msi_vectors", "MSI vectors requested (1, 2, 4, 8, 16, 32)", str(c.pci.msi_vectors), number("pci.msi_vectors", c.pci.msi_vectors, 1, 32)},
      {"pcie.generation", "PCIe generation (1..6): link rate and encoding, reported in Link Capabilities",
       str(c.pci.link_generation), number("pcie.generation", c.pci.link_generation, 1, 6)},
      {"pcie.lanes", "PCIe lanes (1, 2, 4, 8, 12, 16, 32)", str(c.pci.link_width), number("pcie.lanes", c.pci.link_width, 1, 32)},
      {"pcie.enabled", "model the link's time (off: the platform models PCIe)", "true", boolean("pcie.enabled", c.pcie.enabled)},
      {"pcie.tlp_overhead_bytes", "bytes of header, framing, sequence number and LCRC per TLP (0..64)",
       str(c.pcie.tlp_overhead_bytes), number("pcie.tlp_overhead_bytes", c.pcie.tlp_overhead_bytes, 0, 64)},
      {"pcie.dllp_overhead_permille", "link time spent on ACK/flow-control DLLPs (per mille, 0..500)",
       str(c.pcie.dllp_overhead_permille), number("pcie.dllp_overhead_permille", c.pcie.dllp_overhead_permille, 0, 500)},
      {"pcie.read_round_trip_ns", "read request to first completion (ns)", str(c.pcie.read_round_trip_ns),
       number("pcie.read_round_trip_ns", c.pcie.read_round_trip_ns, 0, 100000)},
      {"pcie.posted_write_ns", "posted write flight time to host memory (ns)", str(c.pcie.posted_write_ns),
       number("pcie.posted_write_ns", c.pcie.posted_write_ns, 0, 100000)},
      {"pcie.max_outstanding_reads", "read requests in flight (tags, 1..1024)", str(c.pcie.max_outstanding_reads),
       number("pcie.max_outstanding_reads", c.pcie.max_outstanding_reads, 1, 1024)},
      {"pcie.read_completion_boundary", "read completion boundary (64 or 128 bytes)", str(c.pcie.read_completion_boundary),
       number("pcie.read_completion_boundary", c.pcie.read_completion_boundary, 64, 128)},
      {"pcie.mmio_latency_ns", "host MMIO read latency through the link (writes: half) (ns)", str(c.pcie.mmio_latency_ns),
       number("pcie.mmio_latency_ns", c.pcie.mmio_latency_ns, 0, 100000)},
      {"pci.max_payload_supported", "max payload size supported (bytes, 128..4096)", str(c.pci.max_payload_supported),
       number("pci.max_payload_supported", c.pci.max_payload_supported, 128, 4096)},
      {"controller.serial_number", "serial number (<= 20 ASCII)", c.serial_number, text("controller.serial_number", c.serial_number)},
      {"controller.model_number", "model number (<= 40 ASCII)", c.model_number, text("controller.model_number", c.model_number)},
      {"controller.firmware_revision", "firmware revision (<= 8 ASCII)", c.firmware_revision,
       text("controller.firmware_revision", c.firmware_revision)},
      {"controller.ieee_oui", "IEEE OUI (0..0xFFFFFF)", str(c.ieee_oui), number("controller.ieee_oui", c.ieee_oui, 0, 0xFFFFFF)},
      {"controller.subnqn", "NVM subsystem NQN (empty: derived from the instance name)", c.subnqn, text("controller.subnqn", c.subnqn)},
      {"controller.controller_id", "CNTLID (0..0xFFEF)", str(c.controller_id), number("controller.controller_id", c.controller_id, 0, 0xFFEF)},
      {"controller.warning_temperature_k", "WCTEMP (kelvin)", str(c.warning_temperature_k),
       number("controller.warning_temperature_k", c.warning_temperature_k)},
      {"controller.critical_temperature_k", "CCTEMP (kelvin)", str(c.critical_temperature_k),
       number("controller.critical_temperature_k", c.critical_temperature_k)},
      {"controller.ambient_temperature_k", "composite temperature of an idle controller (kelvin, 200..400)",
       str(c.ambient_temperature_k), number("controller.ambient_temperature_k", c.ambient_temperature_k, 200, 400)},
      {"controller.thermal_heat_k_per_gbps", "thermal model: kelvin above ambient per GB/s of host data (0..1000)",
       str(c.thermal_heat_k_per_gbps), number("controller.thermal_heat_k_per_gbps", c.thermal_heat_k_per_gbps, 0, 1000)},
      {"controller.thermal_time_constant_ms", "thermal model: time constant (ms, 1..3600000)", str(c.thermal_time_constant_ms),
       number("controller.thermal_time_constant_ms", c.thermal_time_constant_ms, 1, 3600000)},
      {"controller.available_spare_threshold", "SMART Available Spare Threshold (percent, 0..100)", str(c.available_spare_threshold),
       number("controller.available_spare_threshold", c.available_spare_threshold, 0, 100)},
      {"controller.max_io_queues", "I/O queue pairs supported (1..65535)", str(c.max_io_queues),
       number("controller.max_io_queues", c.max_io_queues, 1, 65535)},
      {"controller.max_queue_entries", "entries per queue, CAP.MQES+1 (2..65536)", str(c.max_queue_entries),
       number("controller.max_queue_entries", c.max_queue_entries, 2, 65536)},
      {"controller.doorbell_stride", "CAP.DSTRD (0..15)", str(c.doorbell_stride), number("controller.doorbell_stride", c.doorbell_stride, 0, 15)},
      {"controller.command_slots", "commands executing concurrently (1..4096)", str(c.command_slots),
       number("controller.command_slots", c.command_slots, 1, 4096)},
      {"controller.dma_engines", "data transfers in flight at once (1..256)", str(c.dma_engines),
       number("controller.dma_engines", c.dma_engines, 1, 256)},
      {"controller.data_buffer_kib", "internal data buffer in KiB (4..4194304); exhausted, it holds fetching back",
       str(c.data_buffer_kib), number("controller.data_buffer_kib", c.data_buffer_kib, 4, 4u << 20)},
      {"controller.mps_min", "CAP.MPSMIN (0..15)", str(c.mps_min), number("controller.mps_min", c.mps_min, 0, 15)},
      {"controller.mps_max", "CAP.MPSMAX (0..15)", str(c.mps_max), number("controller.mps_max", c.mps_max, 0, 15)},
      {"controller.mdts", "MDTS (1..15): max transfer = 4 KiB << mps_min << mdts", str(c.mdts), number("controller.mdts", c.mdts, 1, 15)},
      {"controller.abort_command_limit", "ACL, 0-based", str(c.abort_command_limit), number("controller.abort_command_limit", c.abort_command_limit)},
      {"controller.async_event_limit", "AERL, 0-based", str(c.async_event_limit), number("controller.async_event_limit", c.async_event_limit)},
      {"controller.doorbell_buffer_config", "Doorbell Buffer Config (shadow doorbells) supported", "true",
       boolean("controller.doorbell_buffer_config", c.doorbell_buffer_config)},
      {"controller.keep_alive_granularity_100ms", "Identify KAS: Keep Alive timer granularity in 100 ms units (0 = no Keep Alive)",
       str(c.keep_alive_granularity_100ms), number("controller.keep_alive_granularity_100ms", c.keep_alive_granularity_100ms)},
      {"controller.error_log_entries", "ELPE, 0-based", str(c.error_log_entries), number("controller.error_log_entries", c.error_log_entries)},
      {"controller.volatile_write_cache", "volatile write cache present", "true",
       boolean("controller.volatile_write_cache", c.volatile_write_cache)},
      {"controller.weighted_round_robin", "weighted round robin with urgent priority class arbitration (CAP.AMS)", "true",
       boolean("controller.weighted_round_robin", c.weighted_round_robin)},
      {"controller.nvm_subsystem_reset", "NVM subsystem reset supported (CAP.NSSRS)", "true",
       boolean("controller.nvm_subsystem_reset", c.nvm_subsystem_reset)},
      {"controller.max_namespaces", "NN (1..4294967294)", str(c.max_namespaces), number("controller.max_namespaces", c.max_namespaces, 1, 0xFFFFFFFE)},
      {"controller.timeout_500ms", "CAP.TO in 500 ms units (1..255)", str(c.timeout_500ms), number("controller.timeout_500ms", c.timeout_500ms, 1, 255)},
      {"controller.firmware_update", "Firmware Image Download / Commit supported (OACS bit 2)", c.firmware_update ? "true" : "false",
       boolean("controller.firmware_update", c.firmware_update)},
      {"controller.firmware_slots", "firmware slots (FRMW.NOFS, 1..7)", str(c.firmware_slots), number("controller.firmware_slots", c.firmware_slots, 1, 7)},
      {"controller.firmware_slot1_read_only", "slot 1 read-only (FRMW bit 0)", c.firmware_slot1_read_only ? "true" : "false",
       boolean("controller.firmware_slot1_read_only", c.firmware_slot1_read_only)},
      {"controller.firmware_activation_without_reset", "Commit Action 011b: activation without reset (FRMW bit 4)",
       c.firmware_activation_without_reset ? "true" : "false",
       boolean("controller.firmware_activation_without_reset", c.firmware_activation_without_reset)},
      {"controller.firmware_update_granularity_4k", "FWUG in 4 KiB units (0: no information, 255: no restriction)",
       str(c.firmware_update_granularity_4k), number("controller.firmware_update_granularity_4k", c.firmware_update_granularity_4k)},
      {"controller.firmware_max_image_kib", "largest firmware image accepted (KiB, 4..65536)", str(c.firmware_max_image_kib),
       number("controller.firmware_max_image_kib", c.firmware_max_image_kib, 4, 65536)},
      {"controller.firmware_activation_us", "command processing paused by an activation without reset (us)",
       str(c.firmware_activation_us), number("controller.firmware_activation_us", c.firmware_activation_us)},
      {"controller.device_self_test", "Device Self-test supported (OACS bit 4)", c.device_self_test ? "true" : "false",
       boolean("controller.device_self_test", c.device_self_test)},
      {"controller.self_test_short_ms", "short device self-test duration (ms)", str(c.self_test_short_ms),
       number("controller.self_test_short_ms", c.self_test_short_ms)},
      {"controller.self_test_extended_ms", "extended device self-test duration (ms)", str(c.self_test_extended_ms),
       number("controller.self_test_extended_ms", c.self_test_extended_ms)},
      {"controller.namespace_management", "Namespace Management and Attachment supported (OACS bit 3)",
       c.namespace_management ? "true" : "false", boolean("controller.namespace_management", c.namespace_management)},
      {"controller.format_nvm", "Format NVM supported (OACS bit 1)", c.format_nvm ? "true" : "false",
       boolean("controller.format_nvm", c.format_nvm)},
      {"controller.nvm_capacity", "total NVM capacity, TNVMCAP (0: the flash capacity, or the namespaces' total)", "0",
       size("controller.nvm_capacity", c.nvm_capacity_bytes)},
      {"timing.clock_mhz", "controller clock (MHz)", str(c.timing.clock_mhz), number("timing.clock_mhz", c.timing.clock_mhz, 1, 100000)},
      {"timing.register_access_cycles", "cycles per BAR0/config access", str(c.timing.register_access_cycles),
       number("timing.register_access_cycles", c.timing.register_access_cycles)},
      {"timing.doorbell_cycles", "cycles from doorbell write to arbiter", str(c.timing.doorbell_cycles),
       number("timing.doorbell_cycles", c.timing.doorbell_cycles)},
      {"timing.arbitration_cycles", "cycles per arbitration", str(c.timing.arbitration_cycles),
       number("timing.arbitration_cycles", c.timing.arbitration_cycles)},
      {"timing.decode_cycles", "cycles per SQE decode", str(c.timing.decode_cycles), number("timing.decode_cycles", c.timing.decode_cycles)},
      {"timing.admin_exec_cycles", "cycles per admin command", str(c.timing.admin_exec_cycles),
       number("timing.admin_exec_cycles", c.timing.admin_exec_cycles)},
      {"timing.io_exec_cycles", "cycles per I/O command before its data transfer", str(c.timing.io_exec_cycles),
       number("timing.io_exec_cycles", c.timing.io_exec_cycles)},
      {"timing.list_entry_cycles", "cycles per PRP entry / SGL descriptor walked", str(c.timing.list_entry_cycles),
       number("timing.list_entry_cycles", c.timing.list_entry_cycles)},
      {"timing.cqe_build_cycles", "cycles per CQE", str(c.timing.cqe_build_cycles), number("timing.cqe_build_cycles", c.timing.cqe_build_cycles)},
      {"timing.interrupt_cycles", "cycles per interrupt message", str(c.timing.interrupt_cycles),
       number("timing.interrupt_cycles", c.timing.interrupt_cycles)},
      {"timing.ready_delay_us", "CC.EN to CSTS.RDY (us)", str(c.timing.ready_delay_us), number("timing.ready_delay_us", c.timing.ready_delay_us)},
      {"timing.reset_delay_us", "reset to CSTS.RDY = 0 (us)", str(c.timing.reset_delay_us), number("timing.reset_delay_us", c.timing.reset_delay_us)},
      {"timing.shutdown_delay_us", "CC.SHN to shutdown complete (us)", str(c.timing.shutdown_delay_us),
       number("timing.shutdown_delay_us", c.timing.shutdown_delay_us)},
      {"platform.ram", "host DRAM size", str(ram), size("platform.ram", ram, 16ull << 20, 64ull << 30)},
      {"platform.cpu_op_ns", "host CPU time per driver operation (ns)", str(cpu_op_ns), number("platform.cpu_op_ns", cpu_op_ns, 0, 1000000)},
      {"platform.protocol_checks", "check TLM-2.0 base-protocol rules on the controller's sockets (false: a little faster)",
       opt.platform.protocol_checks ? "true" : "false", boolean("platform.protocol_checks", opt.platform.protocol_checks)},
      {"platform.queue_monitor", "check every SQE fetch and CQE against the NVMe queue protocol",
       opt.platform.queue_monitors ? "true" : "false", boolean("platform.queue_monitor", opt.platform.queue_monitors)},
      {"driver.irq", "interrupts: auto (MSI-X, MSI, INTx), msix, msi, intx, poll", irq,
       choice("driver.irq", irq, {"auto", "msix", "msi", "intx", "poll"})},
      {"driver.queue_entries", "entries per I/O queue", str(opt.driver.io_queue_entries),
       number("driver.queue_entries", opt.driver.io_queue_entries, 2, 65536)},
      {"driver.sgl", "describe I/O data with SGLs (a Last Segment of page-sized data blocks) instead of PRPs", "false",
       boolean("driver.sgl", driver_sgl)},
      {"controller.sgl_support", "SGLs supported for I/O commands (Identify SGLS)", "true",
       boolean("controller.sgl_support", c.sgl_support)},
      {"driver.timeout_ms", "command timeout (ms of simulated time)", str(timeout_ms), number("driver.timeout_ms", timeout_ms, 1, 3600000)},
  };
  for (Option& o : flash_options(c.flash)) model.push_back(std::move(o));
  for (unsigned n = 1; n <= kMaxNamespaceOptions; ++n) {
    const std::string s = "ns" + std::to_string(n);
    model.push_back({s + ".size", "namespace " + std::to_string(n) + " capacity (0: absent; with an image: the file's size)", str(ns_size[n]), size(s + ".size", ns_size[n])});
    model.push_back({s + ".block_size", "namespace " + std::to_string(n) + " block size (512 or 4096)", "512",
                     number(s + ".block_size", ns_block[n])});
    model.push_back({s + ".metadata_size", "metadata bytes per block (0..128)", "0", number(s + ".metadata_size", ns_metadata[n], 0, 128)});
    model.push_back({s + ".extended_lba", "metadata at the end of each block's data (else separate, MPTR)", "false",
                     [&, n, s](const std::string& v) { boolean(s + ".extended_lba", flag)(v); ns_extended[n] = flag; }});
    model.push_back({s + ".write_protected", "writes fail with Namespace is Write Protected", "false",
                     [&, n, s](const std::string& v) { boolean(s + ".write_protected", flag)(v); ns_protected[n] = flag; }});
    model.push_back({s + ".image", "raw image file holding the namespace's data (size 0: the file's size)", "",
                     text(s + ".image", ns_image[n])});
    model.push_back({s + ".image_read_only", "open the image read-only (the namespace is write protected)", "false",
                     [&, n, s](const std::string& v) { boolean(s + ".image_read_only", flag)(v); ns_image_ro[n] = flag; }});
    model.push_back({s + ".data", "store (keep data), zeroes or pattern (data-less, for timing runs)", "store",
                     choice(s + ".data", ns_data[n], {"store", "zeroes", "pattern"})});
  }
  po::options_description general("General");
  general.add_options()("help,h", "print this help")("seed", po::value<uint64_t>()->default_value(1), "seed of every random choice")(
      "profile", po::value<std::string>(), "INI profile with [section] key = value model options")(
      "json", po::value<std::string>(), "write results as JSON to this file")(
      "log-level", po::value<std::string>()->default_value("warn"), "error, warn, info or debug (model and driver logs)")(
      "log", po::value<std::string>(),
      "comma-separated names or patterns (* and ?) of trace points and guest errors to report at any --log-level, "
      "e.g. 'cmd.*,guest.*' (groups: reg, cfg, cmd, irq, ctrl, queue, fault, guest)")(
      "jobfile", po::value<std::string>(), "fio job file (also the positional argument)")(
      "progress", po::value<std::string>()->default_value("auto"),
      "progress line on stderr: auto (when stderr is a terminal), always or never")(
      "vcd", po::value<std::string>(), "write a VCD waveform (gtkwave; scripts/scnvme.gtkw) of the controller's signals to this file")(
      "vcd_signals", po::value<std::string>(),
      "comma-separated patterns (* and ?) of the signal paths --vcd writes, e.g. '*.link.*,*.flash.ch0.*' (default: all)")(
      "perfetto", po::value<std::string>(), "write a Perfetto / Chrome trace-event JSON of commands and resources to this file")(
      "perfetto_max_mb", po::value<std::string>()->default_value("256"),
      "size cap of the --perfetto file in MiB (0..1048576; 0: none): later events are counted, not written")(
      "timeseries", po::value<std::string>(), "write IOPS, bandwidth, mean and p99 latency per interval as CSV to this file")(
      "timeseries_interval", po::value<std::string>()->default_value("0"),
      "--timeseries interval in simulated seconds (1e-6..3600; 0: a hundredth of the measured period)")(
      "namespace_event", po::value<std::vector<std::string>>()->composing(),
      "hot-plug scenario (repeatable): add:NSID:SIZE@SECONDS, remove:NSID@SECONDS or resize:NSID:SIZE@SECONDS")(
      "checkpoint", po::value<std::string>(), "write a checkpoint of the whole simulation to this file at --checkpoint_at (see README, Checkpoints)")(
      "checkpoint_at", po::value<std::string>(),
      "simulated time of --checkpoint (seconds, or with a unit: 500us): the jobs drain, the checkpoint is written at the "
      "next quiescent point, and the run goes on")(
      "resume", po::value<std::string>(), "go on from this checkpoint file, taken with the same model and workload options")(
      "fault", po::value<std::vector<std::string>>()->composing(),
      "fault injection on controller 0 (repeatable; also `fault = SPEC` lines in a profile's [faults] section): "
      "KIND[:key=value,...] with KIND fail, media, delay, hang, drop_irq, spurious_irq, fatal or remove, and at=TIME "
      "(e.g. fail:opcode=2,sqid=1,count=3,status=0x281; see README, Fault injection)");
  po::options_description model_desc("Model (--section.key=value; also in --profile)");
  for (const auto& o : model) model_desc.add_options()(o.name.c_str(), po::value<std::string>()->default_value(o.default_text), o.help.c_str());
  po::options_description wl_desc("Workload (fio option names; on the command line they apply to every job of a job file)");
  for (const auto& k : job_keys()) {
    auto* v = po::value<std::string>()->default_value(k.default_text);
    if (k.flag) v->implicit_value("1");
    wl_desc.add_options()(k.name.c_str(), v, k.help.c_str());
  }
  po::options_description all;
  all.add(general).add(model_desc).add(wl_desc);
  all.add(replay_options());
  po::positional_options_description pos;
  pos.add("jobfile", 1);

  // Boost.Program_options fills "%option%"-style placeholders into its error messages until none
  // is left: an argument holding one would make it loop forever (found by fuzz_cli). No option
  // name or value of scnvme-sim needs one.
  for (int i = 1; i < argc; ++i)
    if (has_placeholder(argv[i])) {
      err << "scnvme-sim: argument " << i << ": '%...%' sequences are not accepted on the command line\n";
      return ParseOutcome::BadInput;
    }
  po::variables_map vm, profile;
  std::string profile_path;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    if (vm.count("profile")) {
      const std::string path = vm["profile"].as<std::string>();
      std::ifstream in(path);
      if (!in) {
        err << "scnvme-sim: --profile " << path << ": cannot open the file\n";
        return ParseOutcome::BadInput;
      }
      // INI comments start with ';' (Boost's parser knows only '#'): blank those lines.
      std::stringstream ini;
      unsigned number = 0;
      for (std::string line; std::getline(in, line);) {
        ++number;
        if (has_placeholder(line)) {
          err << "scnvme-sim: --profile " << path << ":" << number << ": '%...%' sequences are not accepted\n";
          return ParseOutcome::BadInput;
        }
        const auto first = line.find_first_not_of(" \t");
        ini << (first != std::string::npos && line[first] == ';' ? std::string() : line) << '\n';
      }
      po::options_description profile_desc;
      for (const auto& o : model) profile_desc.add_options()(o.name.c_str(), po::value<std::string>(), "");
      profile_desc.add_options()("faults.fault", po::value<std::vector<std::string>>()->composing(), "");  // repeatable
      try {
        po::store(po::parse_config_file(ini, profile_desc), profile);
      } catch (const po::error& e) {
        err << "scnvme-sim: --profile " << path << ": " << e.what() << "\n";
        return ParseOutcome::BadInput;
      }
      profile_path = path;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    err << "scnvme-sim: " << e.what() << " (see --help)\n";
    return ParseOutcome::BadInput;
  }
  if (vm.count("help")) {
    out << "Usage: scnvme-sim [options] [JOBFILE]\n" << all << "\n";
    return ParseOutcome::Exit;
  }

  try {
    // Model keys: command line > profile > default.
    for (const auto& o : model) {
      if (vm[o.name].defaulted() && profile.count(o.name)) {
        const std::string v = profile[o.name].as<std::string>();
        try {
          o.apply(v);
        } catch (const BadValue& b) {
          throw BadValue{b.message + " (set in --profile " + profile_path + ")"};
        }
        opt.effective[o.name] = v;
      } else {
        o.apply(vm[o.name].as<std::string>());
        opt.effective[o.name] = vm[o.name].as<std::string>();
      }
    }
  } catch (const BadValue& b) {
    err << "scnvme-sim: " << b.message << "\n";
    return ParseOutcome::BadInput;
  }
  std::map<std::string, std::string> cli;  // workload keys given on the command line
  for (const auto& k : job_keys())
    if (!vm[k.name].defaulted()) cli[k.name] = vm[k.name].as<std::string>();
  std::string error;
  if (vm.count("jobfile")) {
    JobFile file;
    if (!read_job_file(vm["jobfile"].as<std::string>(), file, error) || !apply_job_file(file, cli, opt, error)) {
      err << "scnvme-sim: " << error << "\n";
      return ParseOutcome::BadInput;
    }
    opt.effective["jobfile"] = file.path;
  } else {
    JobFile none;
    none.jobs.push_back(JobFile::Job{});
    if (!apply_job_file(none, cli, opt, error)) {
      err << "scnvme-sim: " << error << "\n";
      return ParseOutcome::BadInput;
    }
  }
  if (!apply_replay_options(vm, cli, opt, err)) return ParseOutcome::BadInput;  // --replay (replay.cpp)
  if (w.handover.at_s > 0 && w.power_loss_at_s > 0) {
    err << "scnvme-sim: --handover_at with --power_loss_at: one disruption per run (the power loss's recovery pass "
           "assumes the driver that ran the jobs)\n";
    return ParseOutcome::BadInput;
  }
  if (w.disrupt.enabled() && (w.handover.at_s > 0 || w.power_loss_at_s > 0)) {
    err << "scnvme-sim: --disrupt with " << (w.handover.at_s > 0 ? "--handover_at" : "--power_loss_at")
        << ": not supported (--disrupt schedules its own resets and power losses; give power_loss in its list)\n";
    return ParseOutcome::BadInput;
  }
  for (const auto& j : w.jobs) {
    if (j.iodepth >= opt.driver.io_queue_entries) {
      err << "scnvme-sim: --iodepth=" << j.iodepth << ": at most --driver.queue_entries - 1 = " << opt.driver.io_queue_entries - 1
          << " (a queue of N entries holds N - 1 commands)\n";
      return ParseOutcome::BadInput;
    }
  }
  if (w.instances() > kMaxQueuePairs) {
    err << "scnvme-sim: --numjobs: " << w.instances() << " job instances over every job; at most " << kMaxQueuePairs
        << " (one I/O queue pair each)\n";
    return ParseOutcome::BadInput;
  }
  const std::string progress = vm["progress"].as<std::string>();
  if (progress != "auto" && progress != "always" && progress != "never") {
    err << "scnvme-sim: --progress=" << progress << ": expected one of auto, always, never\n";
    return ParseOutcome::BadInput;
  }
  opt.progress = progress;

  const std::string level = vm["log-level"].as<std::string>();
  static const std::vector<std::string> levels{"error", "warn", "info", "debug"};
  int level_index = -1;
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i] == level) level_index = static_cast<int>(i);
  if (level_index < 0) {
    err << "scnvme-sim: --log-level=" << level << ": expected one of error, warn, info, debug\n";
    return ParseOutcome::BadInput;
  }
  opt.log_level = level;
  opt.platform.log_level = level_index;
  opt.seed = vm["seed"].as<uint64_t>();
  c.seed = opt.seed;
  w.seed = opt.seed;
  opt.platform.ram_bytes = ram;
  opt.platform.cpu_op_cost = sc_core::sc_time(static_cast<double>(cpu_op_ns), sc_core::SC_NS);
  opt.driver.io_queues = w.instances();
  opt.driver.use_sgl = driver_sgl;
  w.writes_durable = !c.volatile_write_cache;
  opt.driver.command_timeout_ns = timeout_ms * 1000000ull;
  opt.driver.irq_mode = irq == "msix" ? NVME_IRQ_MSIX : irq == "msi" ? NVME_IRQ_MSI : irq == "intx" ? NVME_IRQ_INTX
                        : irq == "poll" ? NVME_IRQ_POLL : NVME_IRQ_AUTO;
  if (vm.count("json")) opt.json_path = vm["json"].as<std::string>();
  if (!parse_trace_outputs(vm, opt, err)) return ParseOutcome::BadInput;
  if (!parse_log_patterns(vm, opt, err)) return ParseOutcome::BadInput;
  if (vm.count("namespace_event")) {
    for (const std::string& text : vm["namespace_event"].as<std::vector<std::string>>()) {
      NamespaceEvent e;
      std::string error;
      if (!parse_namespace_event(text, e, error)) {
        err << "scnvme-sim: " << error << "\n";
        return ParseOutcome::BadInput;
      }
      opt.namespace_events.push_back(e);
    }
  }
  // Fault specs (fault_options.h): the profile's, then the command line's.
  for (const auto& [key, source] : {std::pair<const char*, std::string>{"faults.fault", "--profile " + profile_path + " [faults] fault"},
                                    std::pair<const char*, std::string>{"fault", "--fault"}}) {
    const po::variables_map& from = std::string(key) == "fault" ? vm : profile;
    if (!from.count(key)) continue;
    for (const std::string& text : from[key].as<std::vector<std::string>>()) {
      FaultSpec f;
      std::string error;
      if (!parse_fault_spec(text, source, f, error)) {
        err << "scnvme-sim: " << error << "\n";
        return ParseOutcome::BadInput;
      }
      opt.faults.push_back(f);
    }
  }

  c.namespaces.clear();
  std::vector<uint32_t> nsids;
  for (unsigned n = 1; n <= kMaxNamespaceOptions; ++n) {
    if (ns_size[n] == 0 && ns_image[n].empty()) continue;
    const std::string key = "ns" + std::to_string(n) + ".size";
    const bool size_given = !vm[key].defaulted() || profile.count(key);
    NamespaceConfig ns(n, !ns_image[n].empty() && !size_given ? 0 : ns_size[n], ns_block[n]);
    if (ns_metadata[n]) ns.lba_formats = {LbaFormat{ns_block[n], ns_metadata[n]}};
    ns.extended_lba = ns_extended[n];
    ns.write_protected = ns_protected[n];
    ns.image = ns_image[n];
    ns.image_read_only = ns_image_ro[n];
    ns.data = ns_data[n] == "zeroes" ? NamespaceData::Zeroes : ns_data[n] == "pattern" ? NamespaceData::Pattern : NamespaceData::Store;
    for (const auto& j : w.jobs)
      if (ns.data != NamespaceData::Store && j.verify != VerifyMode::None && (j.nsid == 0 || j.nsid == n)) {
        err << "scnvme-sim: --verify=" << verify_name(j.verify) << ": namespace " << n << " is data-less (--ns" << n
            << ".data=" << ns_data[n] << "); use --verify=0\n";
        return ParseOutcome::BadInput;
      }
    c.namespaces.push_back(ns);
    nsids.push_back(n);
  }
  // A job on a namespace the controller will not have when the jobs start (no namespace events
  // that could change that) cannot run: say so now rather than fail the run.
  if (opt.namespace_events.empty()) {
    for (const auto& j : w.jobs) {
      if (j.nsid == 0 ? !nsids.empty() : std::find(nsids.begin(), nsids.end(), j.nsid) != nsids.end()) continue;
      err << "scnvme-sim: --nsid=" << (j.nsid == 0 ? std::string("all") : std::to_string(j.nsid));
      if (!j.name.empty()) err << " (job " << j.name << ")";
      if (j.nsid == 0) {
        err << ": no namespace is configured (every --nsN.size is 0)\n";
      } else {
        err << ": namespace " << j.nsid << " is absent";
        if (j.nsid <= kMaxNamespaceOptions) err << " (--ns" << j.nsid << ".size=0 and no --ns" << j.nsid << ".image)";
        err << "; configured:";
        if (nsids.empty()) err << " none";
        for (const uint32_t n : nsids) err << " " << n;
        err << "\n";
      }
      return ParseOutcome::BadInput;
    }
  }
  try {
    c.validate();
  } catch (const ConfigError& e) {
    const std::string name = option_for_field(e.field(), nsids);
    std::string msg = e.what();
    msg = msg.substr(msg.find(": ") + 2);
    err << "scnvme-sim: --" << name << ": " << msg << "\n";
    return ParseOutcome::BadInput;
  }
  opt.effective["seed"] = std::to_string(opt.seed);
  if (!parse_checkpoint_options(vm, opt, err)) return ParseOutcome::BadInput;
  return ParseOutcome::Run;
}

}  // namespace scnvme::sim
