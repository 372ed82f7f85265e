// The run's report: a fio-like summary on stdout and the JSON document (--json).
#pragma once

#include <iosfwd>
#include <string>

#include "options.h"
#include "scnvme/diagnostics.h"
#include "scnvme/flash_stats.h"
#include "workload.h"

namespace scnvme::sim {

struct HostFigures {
  double wall_time_s = 0;        // the whole process
  double build_time_s = 0;       // of which building the model (and preconditioning the drive)
  uint64_t peak_rss_bytes = 0;
};

struct ControllerFigures {
  uint64_t commands_fetched = 0;
  uint64_t commands_completed = 0;
  uint64_t interrupts_sent = 0;
  uint64_t guest_errors = 0;
  std::vector<GuestErrorRecord> guest_error_records;  // per kind and subject (Controller::guest_errors())
  double link_upstream_utilisation = 0;    // busy time / simulated time of the whole run
  double link_downstream_utilisation = 0;
  // Internal resources over the same period as the link: busy time / (simulated time x count).
  unsigned command_slots = 0;
  unsigned dma_engines = 0;
  uint64_t data_buffer_bytes = 0;          // capacity
  double command_slots_utilisation = 0;
  double dma_engines_utilisation = 0;
  double data_buffer_mean_utilisation = 0; // mean occupancy / capacity
  uint64_t data_buffer_peak_bytes = 0;
  FlashStats flash;                        // the flash backend (enabled = false: none)
  /// The platform's own checks of the controller (--platform.protocol_checks, --platform.queue_monitor).
  struct Checks {
    bool protocol = false;                 // base-protocol checkers on the four sockets
    uint64_t protocol_violations = 0;
    bool queue_monitor = false;            // the NVMe queue-protocol monitor
    uint64_t fetches = 0, completions = 0, violations = 0;
    bool pending_checked = false;          // every fetched command answered or in flight (at rest)
    std::vector<std::string> findings;     // the first violations, both kinds
  } checks;
};

void print_summary(std::ostream& os, const SimOptions& opt, const RunResult& run, const ControllerFigures& ctrl,
                   const HostFigures& host);
/// Returns false (with `error`) if the file cannot be written.
bool write_json(const std::string& path, const SimOptions& opt, const RunResult& run, const ControllerFigures& ctrl,
                const HostFigures& host, std::string& error);

}  // namespace scnvme::sim
