// The trace sinks on their own: VcdWriter orders changes announced ahead of time and out of
// order, merges touching busy intervals, counts overlapping ones and filters signals;
// PerfettoWriter writes valid trace-event JSON (matched begin/end pairs, non-negative durations,
// children inside their parents) and stays valid when its size cap drops events.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scnvme/perfetto_writer.h"
#include "scnvme/vcd_writer.h"
#include "support/trace_checks.h"

using namespace scnvme;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_path(const char* suffix) {
  char name[] = "/tmp/scnvme_trace_XXXXXX";
  const int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::remove(name);
  return std::string(name) + suffix;
}

/// The value changes of one VCD variable: time (resolution units) -> value text.
std::vector<std::pair<uint64_t, std::string>> changes_of(const std::string& vcd, const std::string& name) {
  std::istringstream in(vcd);
  std::string line, code;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string var, kind, bits, id, leaf;
    words >> var >> kind >> bits >> id >> leaf;
    if (var == "$var" && leaf == name) code = id;
  }
  std::vector<std::pair<uint64_t, std::string>> out;
  in.clear();
  in.seekg(0);
  uint64_t t = 0;
  bool body = false;
  while (std::getline(in, line)) {
    if (line == "$enddefinitions $end") body = true;
    if (!body || line.empty() || line[0] == '$') continue;
    if (line[0] == '#') {
      t = std::stoull(line.substr(1));
      continue;
    }
    if (line[0] == 'b') {
      const auto space = line.find(' ');
      if (line.substr(space + 1) == code) out.emplace_back(t, line.substr(1, space - 1));
    } else if (line.substr(1) == code) {
      out.emplace_back(t, line.substr(0, 1));
    }
  }
  return out;
}

uint64_t ns(double v) { return sc_time(v, SC_NS).value(); }

TEST(VcdWriter, OrdersChangesAnnouncedOutOfOrderAndMergesTouchingIntervals) {
  const std::string path = temp_path(".vcd");
  {
    VcdWriter vcd(path);
    const int link = vcd.declare("top.nvme0.link.upstream", 1);
    const int depth = vcd.declare("top.nvme0.sq1.entries", 16);
    ASSERT_GE(link, 0);
    ASSERT_GE(depth, 0);
    vcd.busy(link, sc_time(30, SC_NS), sc_time(40, SC_NS), "TLP");
    vcd.busy(link, sc_time(10, SC_NS), sc_time(20, SC_NS), "TLP");   // a gap before it filled later
    vcd.busy(link, sc_time(20, SC_NS), sc_time(25, SC_NS), "TLP");   // touches the first: one pulse 10..25
    vcd.set(depth, sc_time(5, SC_NS), 3);
    vcd.set(depth, sc_time(5, SC_NS), 2);                             // the last value at an instant wins
    vcd.set(depth, sc_time(50, SC_NS), 0);
    vcd.busy(link, sc_time(60, SC_NS), sc_time(60, SC_NS), "TLP");   // empty: nothing
  }
  const std::string vcd = slurp(path);
  EXPECT_NE(vcd.find("$timescale 1 ps $end"), std::string::npos);
  EXPECT_NE(vcd.find("$scope module nvme0 $end"), std::string::npos);
  using C = std::vector<std::pair<uint64_t, std::string>>;
  EXPECT_EQ(changes_of(vcd, "upstream"), (C{{0, "0"}, {ns(10), "1"}, {ns(25), "0"}, {ns(30), "1"}, {ns(40), "0"}}));
  EXPECT_EQ(changes_of(vcd, "entries"), (C{{0, "0"}, {ns(5), "10"}, {ns(50), "0"}}));
  std::remove(path.c_str());
}

TEST(VcdWriter, AWideBusySignalCountsOverlappingIntervals) {
  const std::string path = temp_path(".vcd");
  {
    VcdWriter vcd(path);
    const int engines = vcd.declare("dma.busy", 8);
    vcd.busy(engines, sc_time(0, SC_NS), sc_time(100, SC_NS), "transfer");
    vcd.busy(engines, sc_time(50, SC_NS), sc_time(150, SC_NS), "transfer");
    vcd.busy(engines, sc_time(60, SC_NS), sc_time(70, SC_NS), "transfer");
  }
  using C = std::vector<std::pair<uint64_t, std::string>>;
  EXPECT_EQ(changes_of(slurp(path), "busy"),
            (C{{0, "0"}, {0, "1"}, {ns(50), "10"}, {ns(60), "11"}, {ns(70), "10"}, {ns(100), "1"}, {ns(150), "0"}}));
  std::remove(path.c_str());
}

TEST(VcdWriter, FiltersSignalsByPattern) {
  EXPECT_TRUE(VcdWriter::matches("*.link.*", "top.nvme0.link.upstream"));
  EXPECT_TRUE(VcdWriter::matches("*.ch?.bus", "top.nvme0.flash.ch3.bus"));
  EXPECT_FALSE(VcdWriter::matches("*.ch?.bus", "top.nvme0.flash.ch12.bus"));
  EXPECT_TRUE(VcdWriter::matches("*", "anything"));
  EXPECT_FALSE(VcdWriter::matches("*.sq1.*", "top.nvme0.sq10.entries"));
  const std::string path = temp_path(".vcd");
  {
    VcdWriter vcd(path, {"*.link.*"});
    EXPECT_GE(vcd.declare("top.nvme0.link.upstream", 1), 0);
    EXPECT_EQ(vcd.declare("top.nvme0.sq1.entries", 16), -1);
    vcd.set(-1, sc_time(1, SC_NS), 5);  // a filtered-out handle is ignored
    EXPECT_EQ(vcd.signals(), 1u);
  }
  EXPECT_EQ(slurp(path).find("entries"), std::string::npos);
  std::remove(path.c_str());
}

TEST(VcdWriter, RefusesAFileItCannotWrite) {
  EXPECT_THROW(VcdWriter("/nonexistent-dir/x.vcd"), std::runtime_error);
}

CommandRecord record(uint16_t cid, double doorbell, double fetched, double executed, double posted, double interrupt) {
  CommandRecord r;
  r.sqid = 1;
  r.cid = cid;
  r.opcode = 0x02;
  r.nsid = 1;
  r.doorbell = sc_time(doorbell, SC_NS);
  r.fetched = sc_time(fetched, SC_NS);
  r.executed = sc_time(executed, SC_NS);
  r.posted = sc_time(posted, SC_NS);
  r.interrupt = sc_time(interrupt, SC_NS);
  return r;
}

TEST(PerfettoWriter, WritesValidTraceEvents) {
  const std::string path = temp_path(".json");
  {
    PerfettoWriter p(path);
    p.command(record(1, 100, 700, 50000, 50400, 50650));
    p.command(record(2, 120, 800, 30000, 30300, 0));  // no interrupt (coalesced)
    const int die = p.declare("top.nvme0.flash.ch0.die0.array", 1);
    const int dma = p.declare("top.nvme0.dma.busy", 8);
    const int depth = p.declare("top.nvme0.sq1.entries", 32);
    p.busy(die, sc_time(1000, SC_NS), sc_time(46000, SC_NS), "read");
    p.busy(dma, sc_time(100, SC_NS), sc_time(300, SC_NS), "transfer");
    p.busy(dma, sc_time(200, SC_NS), sc_time(400, SC_NS), "transfer");  // overlapping: async slices
    p.set(depth, sc_time(100, SC_NS), 2);
  }
  const nlohmann::json doc = nlohmann::json::parse(slurp(path));
  const std::string problem = test::trace_event_problem(doc);
  EXPECT_EQ(problem, "");
  int commands = 0, stages = 0, complete = 0, counters = 0;
  for (const auto& e : doc["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "b" && e["cat"] == "command") {
      const std::string name = e["name"];
      if (name.rfind("Read sq1 cid", 0) == 0) ++commands;
      else ++stages;
    }
    if (ph == "X") ++complete;
    if (ph == "C") ++counters;
  }
  EXPECT_EQ(commands, 2);
  EXPECT_EQ(stages, 4 + 3);  // fetch, execute, post, interrupt; the second without interrupt
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(counters, 1);
  std::remove(path.c_str());
}

TEST(PerfettoWriter, TheSizeCapKeepsTheFileValidAndCountsWhatItDropped) {
  const std::string path = temp_path(".json");
  uint64_t dropped = 0, written = 0;
  {
    PerfettoWriter p(path, 4096);
    for (uint16_t i = 0; i < 200; ++i) p.command(record(i, 100.0 * i, 100.0 * i + 50, 100.0 * i + 80, 100.0 * i + 90, 0));
    dropped = p.events_dropped();
    written = p.bytes_written();
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_LE(written, 4096u);
  const std::string text = slurp(path);
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(test::trace_event_problem(doc), "");  // no command cut in half
  EXPECT_NE(text.find("scnvme_truncated"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
