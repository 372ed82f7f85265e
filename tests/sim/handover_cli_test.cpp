// scnvme-sim --handover_at: the host driver is replaced in the middle of a verified workload, either
// handing its queue state to the next instance while the controller stays enabled (keepalive) or
// through shutdown, Function Level Reset and a full re-initialisation (reset). Every I/O completes
// exactly once (a duplicate or unknown CID fails the run, a missing one times out) and every read
// returns what was last written; bad values are refused with exit 2.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/sim_cli.h"

using namespace scnvme::test;

namespace {

constexpr const char* kLoad = "--rw=randrw --iodepth=16 --numjobs=2 --number_ios=3000 --verify=crc32c --fsync=64 ";

class HandoverCli : public SimCli {};

/// What both flows must keep: every I/O of both jobs done, verified, no errors.
void expect_nothing_lost(const nlohmann::json& doc) {
  const auto& r = doc["results"];
  EXPECT_EQ(r["ios_completed"], 6000);
  EXPECT_EQ(r["verify"]["failures"], 0);
  ASSERT_EQ(r["jobs"].size(), 2u);
  for (const auto& j : r["jobs"]) {
    EXPECT_EQ(j["ios"], 3000);
    EXPECT_EQ(j["errors"], 0);
    EXPECT_GT(j["verified_reads"].get<uint64_t>(), 1000u);
  }
}

/// Commands the controller completed beyond the jobs' I/Os and Flushes (the drivers' admin commands).
uint64_t other_commands(const nlohmann::json& doc) {
  const auto& r = doc["results"];
  uint64_t n = r["controller"]["commands_completed"].get<uint64_t>() - r["ios_completed"].get<uint64_t>();
  for (const auto& j : r["jobs"]) n -= j["flushes"].get<uint64_t>();
  return n;
}

}  // namespace

TEST_F(HandoverCli, KeepaliveHandsCommandsInFlightToTheNextDriver) {
  const auto doc = run_ok(std::string(kLoad) + "--handover_at=2ms --handover=keepalive");
  expect_nothing_lost(doc);
  const auto& h = doc["results"]["handover"];
  EXPECT_EQ(h["happened"], true);
  EXPECT_EQ(h["mode"], "keepalive");
  EXPECT_EQ(h["at_s"], 0.002);
  EXPECT_EQ(h["jobs_paused"], 2);
  EXPECT_GT(h["in_flight"].get<unsigned>(), 0u) << "the jobs were at queue depth: commands were in flight";
  // The pause is the 100 us gap plus saving and restoring: no reset, no re-initialisation.
  EXPECT_GE(h["paused_ns"].get<uint64_t>(), 100000u);
  EXPECT_LT(h["paused_ns"].get<uint64_t>(), 1000000u);
  // No admin command was needed: apart from the jobs' I/Os and Flushes, the controller completed
  // bring-up and shutdown only, as in a run without the hand-over.
  const auto plain = run_ok(kLoad);
  EXPECT_EQ(other_commands(doc), other_commands(plain));
}

TEST_F(HandoverCli, ResetDrainsThenShutsDownResetsAndReinitialises) {
  const auto doc = run_ok(std::string(kLoad) + "--handover_at=2ms --handover=reset --handover_gap=1ms");
  expect_nothing_lost(doc);
  const auto& h = doc["results"]["handover"];
  EXPECT_EQ(h["happened"], true);
  EXPECT_EQ(h["mode"], "reset");
  EXPECT_EQ(h["in_flight"], 0) << "the jobs drain before the driver shuts the controller down";
  // The driver waits 100 ms after initiating FLR (PCIe Base 6.6.2) and the gap is 1 ms.
  EXPECT_GE(h["paused_ns"].get<uint64_t>(), 101000000u);
  EXPECT_GE(doc["results"]["sim_time_ns"].get<uint64_t>(), h["paused_ns"].get<uint64_t>());
  // The new instance identified the controller and created its queues again.
  const auto plain = run_ok(kLoad);
  EXPECT_GT(other_commands(doc), other_commands(plain));
}

TEST_F(HandoverCli, NotReachedWhenTheJobsEndFirst) {
  const auto doc = run_ok("--number_ios=100 --handover_at=10s");
  EXPECT_EQ(doc["results"]["handover"]["happened"], false);
  EXPECT_NE(out_.find("not reached (the jobs ended first)"), std::string::npos) << out_;
}

TEST_F(HandoverCli, BadValuesAreRefused) {
  expect_bad_input("--handover_at=1ms --handover=warm", "--handover=warm: expected keepalive or reset");
  expect_bad_input("--handover_at=-1", "--handover_at=-1");
  expect_bad_input("--handover_at=1ms --handover_gap=20s", "--handover_gap=20s: expected a time from 0 to 10 s");
  expect_bad_input("--handover_at=1ms --power_loss_at=2ms", "one disruption per run");
  expect_bad_input("--handover_at=1ms --replay=" + write("t.csv", "0,R,0,4096\n"), "not supported with --replay");
}
