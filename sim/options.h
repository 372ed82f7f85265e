// scnvme-sim's command line: model options as --section.key (also from an INI profile), fio's
// workload option names, an optional fio job file, and the outputs.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "driver/nvme_driver.h"
#include "fault_options.h"
#include "namespace_events.h"
#include "reference_platform.h"
#include "workload.h"

namespace scnvme::sim {

struct SimOptions {
  platform::PlatformConfig platform;
  nvme_driver_options driver{};
  WorkloadOptions workload;
  std::string json_path;
  // Traces and time series (trace_outputs.h, timeseries.h); empty path: not written.
  std::string vcd_path, perfetto_path, timeseries_path;
  std::vector<std::string> vcd_signals;        // patterns of the signals wanted (empty: all)
  uint64_t perfetto_max_bytes = 256ull << 20;  // 0: no cap
  double timeseries_interval_s = 0;            // 0: a hundredth of the measured period
  std::string log_level = "warn";
  std::vector<std::string> log_patterns;       // --log: trace points and guest errors to report (empty: none)
  std::string progress = "auto";  // progress line on stderr: auto (a terminal), always, never
  uint64_t seed = 1;
  std::vector<NamespaceEvent> namespace_events;  // --namespace_event, in the order given
  std::vector<FaultSpec> faults;                 // [faults] fault = ... of --profile, then --fault
  std::map<std::string, std::string> effective;  // every option with the value used
};

enum class ParseOutcome { Run, Exit, BadInput };

/// The command-line option (without "--") that sets the ControllerConfig field a ConfigError
/// names; `nsids` lists the configured namespaces' NSIDs in order.
std::string option_for_field(const std::string& field, const std::vector<uint32_t>& nsids);

/// Fills `opt`. Exit: --help was printed. BadInput: one line naming the option and the accepted
/// values was written to `err`.
ParseOutcome parse_command_line(int argc, const char* const* argv, SimOptions& opt, std::ostream& out, std::ostream& err);

}  // namespace scnvme::sim
