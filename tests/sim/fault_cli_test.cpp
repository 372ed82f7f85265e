// scnvme-sim --fault and a profile's [faults] section (sim/fault_options.h): the faults block of the
// summary, results.faults of the JSON, the reference driver's recovery in the workload (timeouts ->
// Abort -> controller reset, CSTS.CFS -> reset; the commands recovery ended submitted again, up to
// five times), removal ending the run, and bad specs refused with exit 2 naming the option and the key.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/sim_cli.h"

using namespace scnvme::test;

namespace {

class FaultCli : public SimCli {};
using Needles = std::vector<std::string>;

}  // namespace

TEST_F(FaultCli, GoodSpecsAreReportedInTheSummaryAndJson) {
  const std::string json = path("out.json");
  const SimResult r = run("--rw=randread --number_ios=200 --fault=delay:opcode=2,sqid=1,time=200us,count=3 "
                          "--fault=drop_irq:vector=1 --fault=spurious_irq:vector=1,at=100us --fault=fatal:at=10s --json=" + json);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("faults:\n    delay:opcode=2,sqid=1,time=200us,count=3: fired 3 times"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fatal:at=10s: not reached (the run ended first)"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(read_text(json));
  const auto& f = doc["results"]["faults"];
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0]["spec"], "delay:opcode=2,sqid=1,time=200us,count=3");
  EXPECT_EQ(f[0]["kind"], "delay");
  EXPECT_EQ(f[0]["fired"], 3);
  EXPECT_EQ(f[1]["kind"], "drop_irq");
  EXPECT_EQ(f[1]["fired"], 1);
  EXPECT_EQ(f[2]["at_s"], 100e-6);
  EXPECT_EQ(f[2]["fired"], 1);
  EXPECT_EQ(f[3]["applied"], false);
  EXPECT_EQ(f[3]["fired"], 0);
  // The delayed reads are the slowest: at least the injected 200 us.
  EXPECT_GE(doc["results"]["read"]["clat_ns"]["max"].get<double>(), 200e3) << doc["results"]["read"].dump();
}

TEST_F(FaultCli, ProfileFaultsSectionTakesRepeatedLines) {
  const std::string profile = write("faults.ini", "; faults for a driver test\n[faults]\nfault = fail:opcode=2,sqid=1,count=2,status=0x281,at=10s\n"
                                                  "fault = media:nsid=1,lba=0,nlb=8,at=10s\n");
  const std::string json = path("out.json");
  const SimResult r = run("--profile=" + profile + " --number_ios=20 --fault=remove:at=10s --json=" + json);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto f = nlohmann::json::parse(read_text(json))["results"]["faults"];
  ASSERT_EQ(f.size(), 3u) << "the profile's, then the command line's";
  EXPECT_EQ(f[0]["kind"], "fail");
  EXPECT_EQ(f[1]["kind"], "media");
  EXPECT_EQ(f[2]["kind"], "remove");
}

TEST_F(FaultCli, InjectedFailureFailsTheRunWithItsStatus) {
  const SimResult r = run("--rw=randread --number_ios=50 --fault=fail:opcode=2,sqid=1,status=0x281");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("failed: Unrecovered Read Error"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("fail:opcode=2,sqid=1,status=0x281: fired 1 time"), std::string::npos) << r.out;
}

TEST_F(FaultCli, HungCommandIsAbortedAtTheDriverTimeoutAndSubmittedAgain) {
  const std::string json = path("hang.json");
  const SimResult r = run("--rw=randread --number_ios=50 --driver.timeout_ms=20 --fault=hang:opcode=2,sqid=1 --json=" + json);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hang:opcode=2,sqid=1: fired 1 time"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("driver recovery: 1 timed-out I/Os, 1 Aborts (1 enough), 0 controller resets"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(read_text(json));
  const auto& rec = doc["results"]["driver_recovery"];
  EXPECT_EQ(rec["timeouts"], 1);
  EXPECT_EQ(rec["aborts_sent"], 1);
  EXPECT_EQ(rec["aborts_succeeded"], 1);
  EXPECT_EQ(rec["controller_resets"], 0);
  EXPECT_EQ(doc["results"]["jobs"][0]["retries"], 1);
  EXPECT_EQ(doc["results"]["jobs"][0]["ios"], 50);
  // The aborted read's latency covers the 20 ms timeout and its second submission.
  EXPECT_GE(doc["results"]["read"]["latency_ns"]["max"].get<uint64_t>(), 20000000u);
}

TEST_F(FaultCli, MoreTimeoutsThanTheAbortLimitResetTheControllerAndNothingIsLost) {
  const std::string json = path("reset.json");
  const SimResult r = run("--rw=randrw --iodepth=8 --number_ios=400 --verify=crc32c --driver.timeout_ms=5 "
                          "--fault=hang:sqid=1,count=8,at=100us --json=" + json);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(read_text(json));
  const auto& rec = doc["results"]["driver_recovery"];
  EXPECT_EQ(rec["timeouts"], 8);
  EXPECT_EQ(rec["controller_resets"], 1);
  EXPECT_EQ(rec["commands_failed"], 8);
  EXPECT_EQ(doc["results"]["jobs"][0]["retries"], 8);
  EXPECT_EQ(doc["results"]["ios_completed"], 400);
  EXPECT_EQ(doc["results"]["verify"]["failures"], 0);
}

TEST_F(FaultCli, ControllerFatalStatusResetsTheControllerAndTheRunGoesOn) {
  const std::string json = path("cfs.json");
  const SimResult r = run("--rw=randrw --iodepth=16 --numjobs=2 --number_ios=1000 --verify=crc32c --fault=fatal:at=300us --json=" + json);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(read_text(json));
  const auto& rec = doc["results"]["driver_recovery"];
  EXPECT_EQ(rec["cfs_recoveries"], 1);
  EXPECT_EQ(rec["controller_resets"], 1);
  EXPECT_GT(rec["commands_failed"].get<uint64_t>(), 0u) << "commands were in flight at the fatal status";
  uint64_t retries = 0;
  for (const auto& j : doc["results"]["jobs"]) retries += j["retries"].get<uint64_t>();
  EXPECT_EQ(retries, rec["commands_failed"].get<uint64_t>());
  EXPECT_EQ(doc["results"]["ios_completed"], 2000);
  EXPECT_EQ(doc["results"]["verify"]["failures"], 0);
}

TEST_F(FaultCli, ACommandThatHangsEveryTimeFailsTheRunAfterFiveRetries) {
  const SimResult r = run("--rw=randread --number_ios=50 --driver.timeout_ms=2 --fault=hang:opcode=2,sqid=1,count=0");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // Aborted after each timeout (one command at a time: within the Abort limit), five times again.
  EXPECT_NE(r.err.find("failed: Command Abort Requested (submitted 6 times)"), std::string::npos) << r.err;
}

TEST_F(FaultCli, SurpriseRemovalEndsTheRunWithoutResets) {
  const SimResult r = run("--rw=randread --iodepth=8 --number_ios=5000 --fault=remove:at=200us");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the device was removed"), std::string::npos) << r.err;
}

TEST_F(FaultCli, BadSpecsExitTwoNamingTheKey) {
  expect_bad_input("--fault=bogus", Needles{"--fault=bogus", "unknown kind 'bogus'", "fail, media, delay, hang"});
  expect_bad_input("--fault=fail:opcode=300", Needles{"--fault=fail:opcode=300", "opcode:", "0..255"});
  expect_bad_input("--fault=fail:colour=red", Needles{"unknown key 'colour'", "opcode", "status", "at"});
  expect_bad_input("--fault=delay:opcode=2", Needles{"time:", "required"});
  expect_bad_input("--fault=delay:time=5", Needles{"time:", "s, ms, us or ns"});
  expect_bad_input("--fault=fail:probability=1.5", Needles{"probability:", "[0, 1]"});
  expect_bad_input("--fault=fail:status=0", Needles{"status:", "not success"});
  expect_bad_input("--fault=drop_irq:vector=1,at=soon", Needles{"at:", "5ms"});
  expect_bad_input("--fault=media:nsid=7,lba=0", Needles{"--fault=media:nsid=7,lba=0", "nsid:", "not an active namespace"});
  const std::string profile = write("bad.ini", "[faults]\nfault = hang:count=x\n");
  expect_bad_input("--profile=" + profile, Needles{"--profile " + profile + " [faults] fault=hang:count=x", "count:"});
}
