// scnvme-sim --disrupt: the soak scenario. Verified I/O goes on while the controller is reset
// (commands in flight), NVM-subsystem reset, function-level reset and loses power at random times;
// every read verifies, every command is reaped once (a duplicate or unknown CID fails the run),
// units not known durable are read back after each power loss and every unit written is read back
// at the end. Bad values and combinations are refused with exit 2.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/sim_cli.h"

using namespace scnvme::test;

namespace {

constexpr const char* kLoad =
    "--flash.enabled=false --rw=randrw --iodepth=8 --numjobs=3 --size=2m --number_ios=3000 --verify=crc32c --fsync=16 "
    "--driver.timeout_ms=2 ";

class DisruptCli : public SimCli {};

}  // namespace

TEST_F(DisruptCli, VerifiedIoSurvivesResetsSubsystemResetsFlrsAndPowerLosses) {
  const auto doc = run_ok(std::string(kLoad) + "--disrupt=reset,nssr,flr,power_loss --disrupt_every=300us --seed=7");
  const auto& r = doc["results"];
  EXPECT_EQ(r["ios_completed"], 9000);
  EXPECT_EQ(r["verify"]["failures"], 0);
  for (const auto& j : r["jobs"]) EXPECT_EQ(j["errors"], 0);
  const auto& d = r["disruptions"];
  EXPECT_EQ(d["kinds"], nlohmann::json({"reset", "nssr", "flr", "power_loss"}));
  for (const char* kind : {"resets", "nssrs", "flrs", "power_losses"}) EXPECT_GT(d[kind].get<uint64_t>(), 0u) << kind;
  EXPECT_GT(d["units_read_back"].get<uint64_t>(), 0u);
  // Every unit written (three jobs over 2 MiB of 4 KiB units each; random writes miss a few).
  EXPECT_GT(d["units_verified_at_end"].get<uint64_t>(), 1000u);
  EXPECT_LE(d["units_verified_at_end"].get<uint64_t>(), 3u * 512);
  // The controller answered every command it fetched except those a reset dropped; the driver
  // ended those (and any not yet fetched) and the jobs submitted them again.
  const uint64_t fetched = r["controller"]["commands_fetched"], answered = r["controller"]["commands_completed"];
  EXPECT_GE(fetched, answered);
  EXPECT_GE(r["driver_recovery"]["commands_failed"].get<uint64_t>(), fetched - answered);
  EXPECT_NE(out_.find("disruptions: "), std::string::npos) << out_;
}

// The same on the flash backend in steady state (garbage collection pacing the writes, power
// losses dropping NAND work and undoing what the write buffer held), with the queue-protocol
// monitor on every fetch and CQE.
TEST_F(DisruptCli, OnASteadyStateFlashDriveWithTheQueueMonitor) {
  const auto doc = run_ok(
      "--nand.blocks_per_plane=128 --nand.pages_per_block=96 --ftl.slc_cache_permille=0 --flash.precondition=steady "
      "--flash.precondition_random_capacities=1 --rw=randrw --iodepth=8 --numjobs=2 --size=8m --number_ios=3000 "
      "--verify=crc32c --fsync=16 --disrupt=reset,power_loss --disrupt_every=500us --seed=3 --platform.queue_monitor=true");
  const auto& r = doc["results"];
  EXPECT_EQ(r["ios_completed"], 6000);
  EXPECT_EQ(r["verify"]["failures"], 0);
  const auto& d = r["disruptions"];
  EXPECT_GT(d["power_losses"].get<uint64_t>(), 0u);
  EXPECT_EQ(r["flash"]["power_loss"]["events"], d["power_losses"]);
  EXPECT_GT(r["flash"]["ftl"]["gc_units_migrated"].get<uint64_t>(), 0u) << "collection ran during the writes";
  const auto& c = r["checks"];
  EXPECT_EQ(c["queue_monitor"], true);
  EXPECT_EQ(c["queue_violations"], 0);
  EXPECT_EQ(c["protocol_violations"], 0);
  EXPECT_EQ(c["pending_checked"], true);
  EXPECT_EQ(c["completions"], r["controller"]["commands_completed"]);
  EXPECT_NE(out_.find("checks: base protocol"), std::string::npos) << out_;
}

// Hung commands (aborted by the driver's recovery, then submitted again) and a media error (reads
// over it fail and are counted with continue_on_error=read) on top of the disruptions; the shipped
// job file.
TEST_F(DisruptCli, TheSoakJobFileRunsWithHangsAndMediaErrors) {
  const auto doc = run_ok(std::string(SCNVME_SOURCE_DIR) +
                          "/sim/jobs/soak.fio --flash.enabled=false --driver.timeout_ms=2 --number_ios=3000 "
                          "--fault=hang:sqid=1,count=0,probability=0.002 --fault=media:nsid=1,lba=64,nlb=16");
  const auto& r = doc["results"];
  EXPECT_EQ(r["verify"]["failures"], 0);
  EXPECT_GT(r["disruptions"]["resets"].get<uint64_t>() + r["disruptions"]["nssrs"].get<uint64_t>(), 0u);
  EXPECT_GT(r["driver_recovery"]["aborts_sent"].get<uint64_t>(), 0u);
}

TEST_F(DisruptCli, BadValuesAndCombinationsAreRefused) {
  expect_bad_input("--disrupt=reboot", std::vector<std::string>{"--disrupt=reboot", "reset, nssr, flr, power_loss"});
  expect_bad_input("--disrupt=reset --disrupt_every=0", std::vector<std::string>{"--disrupt_every=0", "1 us to 1000 s"});
  expect_bad_input("--disrupt=reset --power_loss_at=1ms", std::vector<std::string>{"--disrupt", "--power_loss_at"});
  expect_bad_input("--disrupt=reset --handover_at=1ms", std::vector<std::string>{"--disrupt", "--handover_at"});
  expect_bad_input("--disrupt=reset --checkpoint_at=1ms --checkpoint=" + path("c.bin"), std::vector<std::string>{"--checkpoint_at", "--disrupt"});
  expect_bad_input("--continue_on_error=all", std::vector<std::string>{"--continue_on_error=all", "none or read"});
  expect_bad_input("--platform.queue_monitor=maybe", std::vector<std::string>{"--platform.queue_monitor=maybe", "true/false"});
}
