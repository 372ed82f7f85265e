// Fault injection for scnvme-sim (scnvme/faults.h): --fault SPEC (repeatable) and `fault = SPEC`
// lines in a profile's [faults] section. SPEC is KIND[:key=value,...]:
//   fail          opcode, sqid, nsid, count, probability, status   the command completes with status
//   media         nsid, lba, nlb                                   Unrecovered Read Error on the range
//   delay         opcode, sqid, nsid, count, probability, time     the completion comes `time` later
//   hang          opcode, sqid, nsid, count, probability           the command never completes
//   drop_irq      vector, count                                    interrupt messages lost
//   spurious_irq  vector                                           a message with no CQE
//   fatal                                                          CSTS.CFS until a controller reset
//   remove                                                         surprise removal
// and every kind takes at=TIME, the simulated time at which it is armed or applied (default 0).
// Times are a number with a unit: s, ms, us or ns (e.g. 5ms, 200us). Faults apply to controller 0.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scnvme/faults.h"

namespace scnvme::platform {
class ReferencePlatform;
}

namespace scnvme::sim {

struct FaultSpec {
  enum class Kind { Fail, Media, Delay, Hang, DropIrq, SpuriousIrq, Fatal, Remove } kind = Kind::Fail;
  std::string text;    // as given
  std::string source;  // "--fault" or "--profile PATH [faults]"
  double at_s = 0;
  CommandFailure fail;
  MediaError media;
  CommandDelay delay;
  InterruptDrop drop;
  uint16_t vector = 0;  // spurious_irq
  // Outcome (filled during the run).
  bool applied = false;
  std::size_t id = 0;   // Controller::inject's id (armed kinds)
  uint64_t fired = 0;
  std::string error;    // the controller refused it (ConfigError)
};

/// Parses one SPEC; false with `error` naming `source`, the key and the accepted values.
bool parse_fault_spec(const std::string& text, const std::string& source, FaultSpec& spec, std::string& error);

/// Spawns the process that arms or applies `specs` (kept alive by the caller) on controller 0 at
/// their times. A spec the controller refuses (a namespace that does not exist, ...) stops the
/// simulation with its `error` set.
void schedule_faults(platform::ReferencePlatform& platform, std::vector<FaultSpec>& specs);
/// Reads how often each armed spec fired (after the run).
void collect_fault_counts(platform::ReferencePlatform& platform, std::vector<FaultSpec>& specs);

/// The summary's "faults:" block (nothing without specs), and results.faults of the JSON.
void print_faults(std::ostream& os, const std::vector<FaultSpec>& specs);
nlohmann::json faults_json(const std::vector<FaultSpec>& specs);

}  // namespace scnvme::sim
