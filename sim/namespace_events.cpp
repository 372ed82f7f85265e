#include "namespace_events.h"

#include <algorithm>
#include <exception>

#include <systemc>

#include "reference_platform.h"
#include "workload.h"

namespace scnvme::sim {

bool parse_namespace_event(const std::string& text, NamespaceEvent& e, std::string& error) {
  error = "--namespace_event=" + text +
          ": expected add:NSID:SIZE@SECONDS, remove:NSID@SECONDS or resize:NSID:SIZE@SECONDS (e.g. add:2:1g@0.001)";
  e = NamespaceEvent{};
  e.text = text;
  const std::size_t at = text.rfind('@');
  if (at == std::string::npos) return false;
  std::size_t used = 0;
  try {
    e.at_s = std::stod(text.substr(at + 1), &used);
  } catch (const std::exception&) {
    return false;
  }
  if (used != text.size() - at - 1 || !(e.at_s >= 0)) return false;
  std::vector<std::string> parts;
  for (std::size_t pos = 0; pos <= at;) {
    const std::size_t colon = std::min(text.find(':', pos), at);
    parts.push_back(text.substr(pos, colon - pos));
    pos = colon + 1;
  }
  if (parts.size() < 2) return false;
  if (parts[0] == "add") e.kind = NamespaceEvent::Kind::Add;
  else if (parts[0] == "remove") e.kind = NamespaceEvent::Kind::Remove;
  else if (parts[0] == "resize") e.kind = NamespaceEvent::Kind::Resize;
  else return false;
  const bool sized = e.kind != NamespaceEvent::Kind::Remove;
  if (parts.size() != (sized ? 3u : 2u)) return false;
  try {
    std::size_t n = 0;
    const unsigned long v = std::stoul(parts[1], &n);
    if (n != parts[1].size() || v == 0 || v > 0xFFFFFFFEul) return false;
    e.nsid = static_cast<uint32_t>(v);
  } catch (const std::exception&) {
    return false;
  }
  if (sized && (!parse_size(parts[2], e.size_bytes) || e.size_bytes == 0 || e.size_bytes % 512)) return false;
  error.clear();
  return true;
}

void schedule_namespace_events(platform::ReferencePlatform& platform, std::vector<NamespaceEvent>& events) {
  if (events.empty()) return;
  std::stable_sort(events.begin(), events.end(), [](const NamespaceEvent& a, const NamespaceEvent& b) { return a.at_s < b.at_s; });
  sc_core::sc_spawn_options opts;
  sc_core::sc_spawn(
      [&platform, &events] {
        for (NamespaceEvent& e : events) {
          const sc_core::sc_time at(e.at_s, sc_core::SC_SEC);
          if (at > sc_core::sc_time_stamp()) sc_core::wait(at - sc_core::sc_time_stamp());
          Controller& c = platform.controller(0);
          try {
            switch (e.kind) {
              case NamespaceEvent::Kind::Add: e.accepted = c.add_namespace(NamespaceConfig(e.nsid, e.size_bytes, 512)); break;
              case NamespaceEvent::Kind::Remove: e.accepted = c.remove_namespace(e.nsid); break;
              case NamespaceEvent::Kind::Resize: e.accepted = c.resize_namespace(e.nsid, e.size_bytes); break;
            }
            if (!e.accepted) e.error = "refused by the controller (NSID in use or not allocated, or not enough capacity)";
          } catch (const std::exception& x) {
            e.error = x.what();
          }
          e.done = true;
        }
      },
      "namespace_events", &opts);
}

}  // namespace scnvme::sim
