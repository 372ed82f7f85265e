// Checks a Chrome trace-event JSON document against the format's rules as scnvme's traces use
// them: every async begin ("b") has its end ("e") with the same category and id, nested begins
// end in reverse order (children inside their parents), every B has its E on its track, no end
// without a begin, no negative time or duration, complete events ("X") with a duration, counters
// ("C") with a value.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace scnvme::test {

/// "" when `doc` follows the rules; else the first problem found.
inline std::string trace_event_problem(const nlohmann::json& doc) {
  if (!doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array()) return "no traceEvents array";
  // Open async slices per (category, id): a stack of them.
  struct Open {
    std::string name;
    double begin;
    double children_end;  // the latest end of a child so far
  };
  std::map<std::pair<std::string, std::string>, std::vector<Open>> open;
  std::map<std::string, std::vector<double>> thread_open;  // synchronous B/E slices per (pid, tid)
  std::size_t index = 0;
  for (const auto& e : doc["traceEvents"]) {
    const std::string at = "event " + std::to_string(index++) + ": ";
    if (!e.contains("ph") || !e["ph"].is_string()) return at + "no ph";
    const std::string ph = e["ph"];
    if (ph == "M") continue;
    if (!e.contains("ts") || !e["ts"].is_number()) return at + "no ts";
    const double ts = e["ts"];
    if (ts < 0) return at + "negative ts";
    if (ph == "X") {
      if (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0) return at + "X without a non-negative dur";
    } else if (ph == "B" || ph == "E") {
      const std::string track = e.value("pid", nlohmann::json(0)).dump() + "/" + e.value("tid", nlohmann::json(0)).dump();
      auto& stack = thread_open[track];
      if (ph == "B") {
        stack.push_back(ts);
      } else {
        if (stack.empty()) return at + "E without B on track " + track;
        if (ts < stack.back()) return at + "negative duration on track " + track;
        stack.pop_back();
      }
    } else if (ph == "C") {
      if (!e.contains("args") || !e["args"].is_object() || e["args"].empty()) return at + "C without a value";
    } else if (ph == "b" || ph == "e") {
      if (!e.contains("id") || !e.contains("cat")) return at + "async event without cat and id";
      const auto key = std::make_pair(e["cat"].get<std::string>(), e["id"].dump());
      auto& stack = open[key];
      if (ph == "b") {
        if (!stack.empty() && ts < stack.back().begin) return at + "child begins before its parent";
        stack.push_back(Open{e.value("name", ""), ts, ts});
      } else {
        if (stack.empty()) return at + "end without begin";
        if (e.contains("name") && e["name"] != stack.back().name) return at + "end of " + e["name"].dump() + " closes " + stack.back().name;
        if (ts < stack.back().begin) return at + "negative duration";
        if (ts < stack.back().children_end) return at + "a child of " + stack.back().name + " ends after it";
        stack.pop_back();
        if (!stack.empty()) stack.back().children_end = std::max(stack.back().children_end, ts);
      }
    } else {
      return at + "unexpected phase " + ph;
    }
  }
  for (const auto& [track, stack] : thread_open)
    if (!stack.empty()) return "slice on track " + track + " never ends";
  for (const auto& [key, stack] : open)
    if (!stack.empty()) return "async slice " + stack.back().name + " (" + key.first + " " + key.second + ") never ends";
  return "";
}

}  // namespace scnvme::test
