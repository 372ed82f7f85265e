#include "fault_options.h"

#include <algorithm>
#include <exception>
#include <map>
#include <ostream>
#include <set>

#include <systemc>

#include "reference_platform.h"
#include "scnvme/config_error.h"

namespace scnvme::sim {

namespace {

struct KindInfo {
  const char* name;
  FaultSpec::Kind kind;
  std::set<std::string> keys;  // besides "at"
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> k = {
      {"fail", FaultSpec::Kind::Fail, {"opcode", "sqid", "nsid", "count", "probability", "status"}},
      {"media", FaultSpec::Kind::Media, {"nsid", "lba", "nlb"}},
      {"delay", FaultSpec::Kind::Delay, {"opcode", "sqid", "nsid", "count", "probability", "time"}},
      {"hang", FaultSpec::Kind::Hang, {"opcode", "sqid", "nsid", "count", "probability"}},
      {"drop_irq", FaultSpec::Kind::DropIrq, {"vector", "count"}},
      {"spurious_irq", FaultSpec::Kind::SpuriousIrq, {"vector"}},
      {"fatal", FaultSpec::Kind::Fatal, {}},
      {"remove", FaultSpec::Kind::Remove, {}},
  };
  return k;
}

std::string kind_name(FaultSpec::Kind kind) {
  for (const auto& k : kinds())
    if (k.kind == kind) return k.name;
  return "?";
}

/// Thrown by the value parsers: the key's accepted values.
struct BadKey {
  std::string key, expected;
};

uint64_t unsigned_value(const std::string& key, const std::string& v, uint64_t max) {
  const std::string expected = "expected a number in 0.." + std::to_string(max) + " (decimal or 0x hex)";
  try {
    std::size_t used = 0;
    if (v.empty() || v[0] == '-' || v[0] == '+') throw BadKey{key, expected};
    const unsigned long long n = std::stoull(v, &used, 0);
    if (used != v.size() || n > max) throw BadKey{key, expected};
    return n;
  } catch (const std::logic_error&) {
    throw BadKey{key, expected};
  }
}

double probability_value(const std::string& v) {
  const std::string expected = "expected a probability in [0, 1] (e.g. 0.5)";
  try {
    std::size_t used = 0;
    const double p = std::stod(v, &used);
    if (used != v.size() || !(p >= 0 && p <= 1)) throw BadKey{"probability", expected};
    return p;
  } catch (const std::logic_error&) {
    throw BadKey{"probability", expected};
  }
}

sc_core::sc_time time_value(const std::string& key, const std::string& v) {
  const std::string expected = "expected a time with a unit: s, ms, us or ns (e.g. 5ms, 200us)";
  double n = 0;
  std::size_t used = 0;
  try {
    n = std::stod(v, &used);
  } catch (const std::logic_error&) {
    throw BadKey{key, expected};
  }
  static const std::map<std::string, sc_core::sc_time_unit> units = {
      {"s", sc_core::SC_SEC}, {"ms", sc_core::SC_MS}, {"us", sc_core::SC_US}, {"ns", sc_core::SC_NS}};
  const auto u = units.find(v.substr(used));
  if (u == units.end() || !(n >= 0) || n > 1e6) throw BadKey{key, expected};
  return sc_core::sc_time(n, u->second);
}

}  // namespace

bool parse_fault_spec(const std::string& text, const std::string& source, FaultSpec& spec, std::string& error) {
  spec = FaultSpec{};
  spec.text = text;
  spec.source = source;
  const std::string where = source + "=" + text + ": ";
  const std::size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const auto k = std::find_if(kinds().begin(), kinds().end(), [&](const KindInfo& i) { return kind == i.name; });
  if (k == kinds().end()) {
    error = where + "unknown kind '" + kind + "' (accepted: fail, media, delay, hang, drop_irq, spurious_irq, fatal, remove; "
                                              "e.g. fail:opcode=2,sqid=1,status=0x281)";
    return false;
  }
  spec.kind = k->kind;
  std::map<std::string, std::string> values;
  if (colon != std::string::npos) {
    const std::string list = text.substr(colon + 1);
    for (std::size_t pos = 0; pos <= list.size();) {
      const std::size_t comma = std::min(list.find(',', pos), list.size());
      const std::string item = list.substr(pos, comma - pos);
      const std::size_t eq = item.find('=');
      const std::string key = item.substr(0, eq);
      std::string accepted;
      for (const auto& a : k->keys) accepted += a + ", ";
      accepted += "at";
      if (eq == std::string::npos || eq == 0 || (!k->keys.count(key) && key != "at")) {
        error = where + (eq == std::string::npos || eq == 0 ? "expected key=value, got '" + item + "'" : "unknown key '" + key + "'") +
                " (" + k->name + " accepts: " + accepted + ")";
        return false;
      }
      if (values.count(key)) {
        error = where + key + ": given twice";
        return false;
      }
      values[key] = item.substr(eq + 1);
      pos = comma + 1;
    }
  }
  try {
    CommandMatch match;
    uint32_t count = 1;
    double probability = 1;
    for (const auto& [key, v] : values) {
      if (key == "at") spec.at_s = time_value(key, v).to_seconds();
      else if (key == "opcode") match.opcode = static_cast<uint8_t>(unsigned_value(key, v, 0xFF));
      else if (key == "sqid") match.sqid = static_cast<uint16_t>(unsigned_value(key, v, 0xFFFF));
      else if (key == "nsid") {
        match.nsid = static_cast<uint32_t>(unsigned_value(key, v, 0xFFFFFFFF));
        spec.media.nsid = *match.nsid;
      } else if (key == "count") count = static_cast<uint32_t>(unsigned_value(key, v, 0xFFFFFFFF));
      else if (key == "probability") probability = probability_value(v);
      else if (key == "status") {
        const uint64_t s = unsigned_value(key, v, 0x47FF);
        if ((s & 0x7FF) == 0 || (s & 0x3800))
          throw BadKey{key, "expected a failure status field SC | SCT << 8 | DNR << 14 (e.g. 0x4006 Internal Error, DNR; "
                            "0x281 Unrecovered Read Error); not success, bits 13:11 clear"};
        spec.fail.status = static_cast<uint16_t>(s);
      } else if (key == "time") {
        spec.delay.delay = time_value(key, v);
        if (spec.delay.delay == sc_core::SC_ZERO_TIME) throw BadKey{key, "expected a time longer than zero (e.g. 5ms)"};
      } else if (key == "lba") spec.media.slba = unsigned_value(key, v, ~0ull);
      else if (key == "nlb") {
        spec.media.nlb = unsigned_value(key, v, ~0ull);
        if (spec.media.nlb == 0) throw BadKey{key, "expected a number of blocks of at least 1"};
      } else if (key == "vector") {
        spec.vector = static_cast<uint16_t>(unsigned_value(key, v, 2047));
        spec.drop.vector = spec.vector;
      }
    }
    if (spec.kind == FaultSpec::Kind::Delay && !values.count("time")) throw BadKey{"time", "required for delay (e.g. time=5ms)"};
    if (spec.kind == FaultSpec::Kind::Media && !values.count("lba")) throw BadKey{"lba", "required for media (e.g. lba=1000,nlb=8)"};
    if (spec.kind == FaultSpec::Kind::SpuriousIrq && !values.count("vector"))
      throw BadKey{"vector", "required for spurious_irq (e.g. vector=1)"};
    spec.fail.match = spec.delay.match = match;
    spec.fail.count = spec.delay.count = spec.drop.count = count;
    spec.fail.probability = spec.delay.probability = probability;
    spec.delay.never = spec.kind == FaultSpec::Kind::Hang;
  } catch (const BadKey& b) {
    error = where + b.key + ": " + b.expected;
    return false;
  }
  error.clear();
  return true;
}

void schedule_faults(platform::ReferencePlatform& platform, std::vector<FaultSpec>& specs) {
  if (specs.empty()) return;
  std::vector<FaultSpec*> order;
  for (FaultSpec& s : specs) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const FaultSpec* a, const FaultSpec* b) { return a->at_s < b->at_s; });
  sc_core::sc_spawn_options opts;
  sc_core::sc_spawn(
      [&platform, order] {
        for (FaultSpec* s : order) {
          const sc_core::sc_time at(s->at_s, sc_core::SC_SEC);
          if (at > sc_core::sc_time_stamp()) sc_core::wait(at - sc_core::sc_time_stamp());
          Controller& c = platform.controller(0);
          const FaultStats before = c.fault_stats();
          try {
            switch (s->kind) {
              case FaultSpec::Kind::Fail: s->id = c.inject(s->fail); break;
              case FaultSpec::Kind::Media: s->id = c.inject(s->media); break;
              case FaultSpec::Kind::Delay:
              case FaultSpec::Kind::Hang: s->id = c.inject(s->delay); break;
              case FaultSpec::Kind::DropIrq: s->id = c.inject(s->drop); break;
              case FaultSpec::Kind::SpuriousIrq:
                c.send_spurious_interrupt(s->vector);
                s->fired = c.fault_stats().spurious_interrupts - before.spurious_interrupts;
                break;
              case FaultSpec::Kind::Fatal:
                c.raise_fatal_status();
                s->fired = c.fault_stats().fatal_status - before.fatal_status;
                break;
              case FaultSpec::Kind::Remove:
                c.surprise_remove();
                s->fired = c.fault_stats().surprise_removals - before.surprise_removals;
                break;
            }
            s->applied = true;
          } catch (const ConfigError& e) {
            const std::string msg = e.what();
            s->error = e.field().substr(e.field().find('.') + 1) + ": " + msg.substr(msg.find(": ") + 2);
            sc_core::sc_stop();
            return;
          }
        }
      },
      "faults", &opts);
}

void collect_fault_counts(platform::ReferencePlatform& platform, std::vector<FaultSpec>& specs) {
  const FaultStats stats = platform.controller(0).fault_stats();
  for (FaultSpec& s : specs) {
    const bool armed = s.kind != FaultSpec::Kind::SpuriousIrq && s.kind != FaultSpec::Kind::Fatal && s.kind != FaultSpec::Kind::Remove;
    if (s.applied && armed && s.id < stats.fired.size()) s.fired = stats.fired[s.id];
  }
}

void print_faults(std::ostream& os, const std::vector<FaultSpec>& specs) {
  if (specs.empty()) return;
  os << "\nfaults:";
  for (const FaultSpec& s : specs) {
    os << "\n    " << s.text << ": ";
    if (!s.error.empty()) os << "refused: " << s.error;
    else if (!s.applied) os << "not reached (the run ended first)";
    else os << "fired " << s.fired << (s.fired == 1 ? " time" : " times");
  }
}

nlohmann::json faults_json(const std::vector<FaultSpec>& specs) {
  nlohmann::json a = nlohmann::json::array();
  for (const FaultSpec& s : specs)
    a.push_back({{"spec", s.text}, {"kind", kind_name(s.kind)}, {"at_s", s.at_s}, {"applied", s.applied}, {"fired", s.fired}, {"error", s.error}});
  return a;
}

}  // namespace scnvme::sim
