// Namespace hot-plug scenarios for scnvme-sim: --namespace_event ACTION:NSID[:SIZE]@SECONDS adds,
// removes or resizes a namespace of controller 0 at a simulated time, through the controller's
// platform API (a Namespace Attribute Changed notice reaches a host that enabled it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scnvme::platform {
class ReferencePlatform;
}

namespace scnvme::sim {

struct NamespaceEvent {
  enum class Kind { Add, Remove, Resize } kind = Kind::Add;
  uint32_t nsid = 0;
  uint64_t size_bytes = 0;  // add (512-byte blocks) and resize
  double at_s = 0;
  std::string text;         // as given
  // Outcome (filled when it happens).
  bool done = false;
  bool accepted = false;
  std::string error;
};

/// Parses one --namespace_event value; false with `error` naming the accepted syntax.
bool parse_namespace_event(const std::string& text, NamespaceEvent& e, std::string& error);

/// Spawns the process that applies `events` (kept alive by the caller) at their times.
void schedule_namespace_events(platform::ReferencePlatform& platform, std::vector<NamespaceEvent>& events);

}  // namespace scnvme::sim
