// scnvme-sim --log (named trace points and guest errors, scnvme/diagnostics.h) and the "guest
// errors" block of the summary and the JSON (results.guest_errors).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report.h"
#include "support/sim_cli.h"

using namespace scnvme;
using namespace scnvme::test;

namespace {

class CliLog : public SimCli {};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_F(CliLog, CommandPatternPrintsCommandTraceLines) {
  // --log-level=error hides warnings and infos of the model; the trace points asked for still show.
  const SimResult r = run("--number_ios=20 --log-level=error --log='cmd.*'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // 20 reads plus the driver's admin commands, each fetched and completed.
  EXPECT_GE(occurrences(r.out, "Info: scnvme/trace/cmd.fetched: "), 20u) << r.out;
  EXPECT_EQ(occurrences(r.out, "scnvme/trace/cmd.fetched"), occurrences(r.out, "scnvme/trace/cmd.completed"));
  EXPECT_NE(r.out.find("top.nvme0: SQ1 CID "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" Read (opcode 0x2) NSID 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Identify -> Successful Completion"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("scnvme/trace/reg."), std::string::npos) << "reg.* was not asked for";
  EXPECT_NE(r.out.find("20 I/Os"), std::string::npos) << "the summary follows";
  EXPECT_EQ(r.out.find("guest errors"), std::string::npos) << "the reference driver makes no mistake";
}

TEST_F(CliLog, WithoutLogNothingIsTraced) {
  const SimResult r = run("--number_ios=20");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("scnvme/trace/"), std::string::npos) << r.out;
}

TEST_F(CliLog, BadPatternsAreBadInput) {
  expect_bad_input("--log=", "--log");
  expect_bad_input("--log='cmd.*,'", "--log=cmd.*,: expected comma-separated names or patterns");
  expect_bad_input("--log='cmd.fetchd'", "'cmd.fetchd' matches no trace point or guest error");
}

TEST_F(CliLog, JsonHasAnEmptyGuestErrorsObjectForACleanRun) {
  const std::string json = path("r.json");
  const SimResult r = run("--number_ios=20 --json '" + json + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(json);
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_TRUE(j["results"]["guest_errors"].is_object());
  EXPECT_TRUE(j["results"]["guest_errors"].empty());
  EXPECT_EQ(j["results"]["controller"]["guest_errors"], 0);
}

TEST(GuestErrorReport, SummaryAndJsonListEachKindWithCountAndFirstValue) {
  sim::SimOptions opt;
  if (opt.workload.jobs.empty()) opt.workload.jobs.emplace_back();
  sim::RunResult run;
  run.ok = true;
  sim::HostFigures host;
  sim::ControllerFigures ctrl;
  GuestErrorRecord sq7{GuestError::DoorbellNoQueue, "SQ7", 3, 0x1, sc_core::sc_time(2, sc_core::SC_US), "SQ tail doorbell ..."};
  GuestErrorRecord cap{GuestError::RegisterReadOnlyWrite, "CAP", 1, 0x1234, sc_core::sc_time(1, sc_core::SC_US), "write to CAP"};
  GuestErrorRecord cq7{GuestError::DoorbellNoQueue, "CQ7", 2, 0x5, sc_core::sc_time(3, sc_core::SC_US), "CQ head doorbell ..."};
  ctrl.guest_error_records = {sq7, cap, cq7};
  ctrl.guest_errors = 6;
  std::ostringstream os;
  sim::print_summary(os, opt, run, ctrl, host);
  const std::string text = os.str();
  EXPECT_NE(text.find("guest errors (host mistakes: kind, count, first occurrence):\n"
                      "    guest.doorbell.no_queue: 5 (first on SQ7 at 2.000000 us, value 0x1: SQ tail doorbell ...)\n"
                      "    guest.register.read_only_write: 1 (first on CAP at 1.000000 us, value 0x1234: write to CAP)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("reported 6 guest errors"), std::string::npos) << text;

  const std::string path = "/tmp/scnvme-guest-errors-" + std::to_string(::getpid()) + ".json";
  std::string error;
  ASSERT_TRUE(sim::write_json(path, opt, run, ctrl, host, error)) << error;
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  std::remove(path.c_str());
  const auto& g = j["results"]["guest_errors"];
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g["guest.doorbell.no_queue"]["count"], 5);
  EXPECT_EQ(g["guest.doorbell.no_queue"]["first"], 1);
  EXPECT_EQ(g["guest.doorbell.no_queue"]["first_subject"], "SQ7");
  EXPECT_EQ(g["guest.doorbell.no_queue"]["first_time_ns"], 2000);
  EXPECT_EQ(g["guest.doorbell.no_queue"]["subjects"]["CQ7"], 2);
  EXPECT_EQ(g["guest.register.read_only_write"]["first"], 0x1234);
}
