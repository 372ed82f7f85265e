// scnvme-sim --checkpoint_at / --checkpoint / --resume: a run writes a checkpoint in the middle of
// a verified workload and goes on; a new process resumed from that file finishes the workload with
// results identical to the uninterrupted run's (latency percentiles, stage times, controller and
// flash statistics, data verified), on memory-speed media and on the flash backend. A file that is
// not a checkpoint, a changed option and what a checkpoint cannot hold are refused with exit 2.
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/sim_cli.h"

using namespace scnvme::test;

namespace {

constexpr const char* kLoad = "--rw=randrw --iodepth=8 --numjobs=2 --number_ios=1500 --verify=crc32c --fsync=64 --seed=7 ";

class CheckpointCli : public SimCli {
 protected:
  /// Takes a checkpoint at `at` in a run of `args`, resumes it in a new process and expects the
  /// same results from both.
  void expect_resume_equals_uninterrupted(const std::string& args, const std::string& at) {
    const std::string file = path("run.ckpt");
    auto whole = run_ok(args + " --checkpoint_at=" + at + " --checkpoint=" + file, "whole.json");
    const auto& taken = whole["results"]["checkpoint"];
    ASSERT_EQ(taken["written"], true) << out_;
    EXPECT_NE(out_.find("checkpoint " + file), std::string::npos) << out_;
    EXPECT_GE(taken["taken_s"].get<double>(), taken["at_s"].get<double>());
    EXPECT_GT(taken["bytes"].get<uint64_t>(), 0u);
    EXPECT_EQ(whole["results"]["verify"]["failures"], 0);

    auto resumed = run_ok(args + " --resume=" + file, "resumed.json");
    const auto& from = resumed["results"]["checkpoint"];
    EXPECT_EQ(from["resumed"], true);
    EXPECT_EQ(from["resumed_at_s"], taken["taken_s"]);
    EXPECT_NE(out_.find("resumed from " + file), std::string::npos) << out_;

    // Everything the model and the workload report is the same; only the host's figures (wall
    // time, RSS) and the checkpoint's own record differ.
    for (auto* doc : {&whole, &resumed}) {
      (*doc)["results"].erase("checkpoint");
      doc->erase("host");
    }
    EXPECT_EQ(whole["results"]["ios_completed"], 3000);
    EXPECT_EQ(whole["results"], resumed["results"]);
    EXPECT_EQ(whole.dump(), resumed.dump());
  }
};

}  // namespace

TEST_F(CheckpointCli, ResumedRunEqualsTheUninterruptedOneOnMemoryMedia) {
  expect_resume_equals_uninterrupted(std::string(kLoad) + "--flash.enabled=false", "300us");
}

TEST_F(CheckpointCli, ResumedRunEqualsTheUninterruptedOneOnTheFlashBackend) {
  expect_resume_equals_uninterrupted(std::string(kLoad) + "--ns1.size=256m", "3ms");
}

TEST_F(CheckpointCli, AJobFileResumesInEitherStonewallGroup) {
  // Group 1 writes, group 2 (two instances) reads and verifies; checkpoints in each group.
  const std::string jobs = write("two.fio",
                                 "[global]\niodepth=4\nnumber_ios=800\nverify=crc32c\n"
                                 "[w]\nrw=randwrite\nsize=16m\n"
                                 "[r]\nstonewall\nrw=randrw\nsize=16m\noffset=32m\nnumjobs=2\n");
  for (const char* at : {"200us", "900us"}) {
    SCOPED_TRACE(at);
    const std::string file = path("two.ckpt");
    auto whole = run_ok(jobs + " --flash.enabled=false --checkpoint_at=" + at + " --checkpoint=" + file, "whole.json");
    ASSERT_EQ(whole["results"]["checkpoint"]["written"], true) << out_;
    auto resumed = run_ok(jobs + " --flash.enabled=false --resume=" + file, "resumed.json");
    for (auto* doc : {&whole, &resumed}) {
      (*doc)["results"].erase("checkpoint");
      doc->erase("host");
    }
    EXPECT_EQ(whole["results"]["ios_completed"], 2400);
    EXPECT_EQ(whole.dump(), resumed.dump());
  }
}

TEST_F(CheckpointCli, ACheckpointAfterTheJobsEndedIsReportedNotTaken) {
  const std::string file = path("late.ckpt");
  const auto doc = run_ok("--flash.enabled=false --number_ios=100 --checkpoint_at=10 --checkpoint=" + file, "late.json");
  EXPECT_EQ(doc["results"]["checkpoint"]["written"], false);
  EXPECT_NE(out_.find("not taken (the jobs ended first)"), std::string::npos) << out_;
  EXPECT_FALSE(std::ifstream(file).good());
}

TEST_F(CheckpointCli, RefusesWhatCannotBeResumed) {
  const std::string args = std::string(kLoad) + "--flash.enabled=false";
  const std::string file = path("good.ckpt");
  run_ok(args + " --checkpoint_at=300us --checkpoint=" + file, "good.json");

  expect_bad_input(args + " --resume=" + path("missing.ckpt"), "cannot open");
  expect_bad_input(args + " --resume=" + write("text.ckpt", "not a checkpoint\n"), "--resume");
  std::string bytes = read_text(file);
  std::ofstream(path("truncated.ckpt"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_bad_input(args + " --resume=" + path("truncated.ckpt"), "--resume");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5A);
  std::ofstream(path("corrupt.ckpt"), std::ios::binary) << bytes;
  expect_bad_input(args + " --resume=" + path("corrupt.ckpt"), "--resume");
  // Another option value than the checkpoint's: named with both values.
  expect_bad_input(std::string(kLoad) + "--flash.enabled=false --iodepth=4 --resume=" + file, "iodepth");
  expect_bad_input(args + " --seed=8 --resume=" + file, "seed");
  // A new checkpoint must be later than the resumed one.
  expect_bad_input(args + " --resume=" + file + " --checkpoint_at=100us --checkpoint=" + path("again.ckpt"), "must be later");

  expect_bad_input(args + " --checkpoint_at=1ms", "--checkpoint_at needs --checkpoint");
  expect_bad_input(args + " --checkpoint=" + path("x.ckpt"), "--checkpoint needs --checkpoint_at");
  expect_bad_input(args + " --checkpoint_at=-1 --checkpoint=" + path("x.ckpt"), "--checkpoint_at=-1");
  expect_bad_input(args + " --checkpoint_at=1ms --checkpoint=" + path("x.ckpt") + " --handover_at=2ms", "--handover_at");
  expect_bad_input(args + " --checkpoint_at=1ms --checkpoint=" + path("x.ckpt") + " --power_loss_at=2ms", "--power_loss_at");
  expect_bad_input(args + " --resume=" + file + " --fault=fail:opcode=2,count=1", "--fault");
}

TEST_F(CheckpointCli, AnUnwritableFileFailsTheRunWithTheReason) {
  const SimResult r = run(std::string(kLoad) + "--flash.enabled=false --checkpoint_at=300us --checkpoint=" + path("no/such/dir.ckpt"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
}
