// scnvme-sim as a user runs it: exit codes (0 ok, 1 run failed, 2 bad input), the one-line
// diagnostics for bad input, --help, profiles and job files, and the JSON report.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/sim_cli.h"

using namespace scnvme::test;

namespace {

using Result = SimResult;

class CliTest : public SimCli {
 protected:
  nlohmann::json run_json(const std::string& args, const std::string& name) const {
    const std::string json = path(name);
    const Result r = run(args + " --json '" + json + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(json);
    EXPECT_TRUE(in.good()) << "no JSON written";
    if (!in) return {};
    return nlohmann::json::parse(in);
  }
};

const char* const kSmall = "--number_ios=200";

}  // namespace

TEST_F(CliTest, GoodRunExitsZeroAndPrintsSummary) {
  const Result r = run(kSmall);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("controller: \"scnvme SystemC NVMe controller\" serial \"SCNVME00000000000001\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("namespace 1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("job0: (rw=randread, bs=4096, iodepth=1, nsid=1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("read : IOPS="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lat percentiles (ns)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("200 I/Os"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("host: wall time"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PCIe link utilisation over the whole run: upstream "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("controller utilisation over the whole run: command slots "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% (512), DMA engines "), std::string::npos) << r.out;  // the client TLC profile's
  EXPECT_NE(r.out.find(" of 16384 KiB\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CQE written -> interrupt:   mean="), std::string::npos) << r.out;
}

TEST_F(CliTest, WritesAndVerifiesWithSeveralJobs) {
  const Result r = run("--rw=randrw --numjobs=2 --iodepth=4 --bs=8k --number_ios=150 --size=4m");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("job1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("write: IOPS="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("300 I/Os"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 I/O queue pair(s)"), std::string::npos) << r.out;
}

TEST_F(CliTest, HelpListsOptions) {
  const Result r = run("--help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* opt : {"--pci.msix_vectors", "--rw", "--bs", "--iodepth", "--json", "--profile", "--seed", "--log-level",
                          "--controller.serial_number", "--timing.clock_mhz", "--ns1.size"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt << " missing from --help";
  EXPECT_EQ(r.out.find("I/Os;"), std::string::npos) << "--help must not run a simulation";
}

TEST_F(CliTest, UnknownOptionIsBadInput) { expect_bad_input("--bogus-option=1", "--bogus-option"); }

// Found by fuzz_cli: Boost.Program_options looped forever filling "%option%"-style placeholders
// that were part of the argument itself.
TEST_F(CliTest, PlaceholderSequencesAreRefusedNotLoopedOn) {
  expect_bad_input("--iodept%canonical_option%l --iodepth=5", "argument 1: '%...%' sequences are not accepted");
  expect_bad_input("--seed=%value%", "argument 1");
  const std::string profile = write("p.ini", "[controller]\ncommand_slots%option% = 4\n");
  expect_bad_input("--profile=" + profile, "--profile " + profile + ":2: '%...%' sequences are not accepted");
  EXPECT_EQ(run("--number_ios=10 --rw=read --progress=never --flash.enabled=false --seed=5%").exit_code, 2);  // a lone % is just bad
}

TEST_F(CliTest, BadRwIsBadInput) { expect_bad_input("--rw=sideways", "--rw=sideways"); }

TEST_F(CliTest, BadBlockSizeIsBadInput) {
  expect_bad_input("--bs=abc", "--bs=abc");
  expect_bad_input("--bs=1000", "--bs");  // not a multiple of 512
  expect_bad_input("--bs=256", "--bs=256");  // below the minimum
  expect_bad_input("--bs=4q", "--bs=4q");
}

// 3k is six 512-byte blocks: a valid transfer size (fio accepts it too), so it runs and verifies.
TEST_F(CliTest, BlockSizeThreeKiBIsAMultipleOf512AndRuns) {
  const Result r = run("--bs=3k --rw=randrw --number_ios=100");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bs=3072"), std::string::npos) << r.out;
}

TEST_F(CliTest, IodepthZeroIsBadInput) { expect_bad_input("--iodepth=0", "--iodepth"); }

TEST_F(CliTest, ConfigRangeErrorNamesTheOption) {
  expect_bad_input("--pci.msix_vectors=5000", "--pci.msix_vectors");
  expect_bad_input("--pci.msix_vectors=99999", "--pci.msix_vectors");  // beyond the field's type
}

TEST_F(CliTest, TooLongSerialNumberIsBadInput) {
  expect_bad_input("--controller.serial_number=ABCDEFGHIJKLMNOPQRSTU", "--controller.serial_number");
}

TEST_F(CliTest, OtherBadModelValuesAreBadInput) {
  expect_bad_input("--pci.msix=maybe", "--pci.msix");
  expect_bad_input("--ns1.block_size=1024", "--ns1.block_size");
  expect_bad_input("--timing.clock_mhz=0", "--timing.clock_mhz");
  expect_bad_input("--runtime=soon", "--runtime");
}

TEST_F(CliTest, BadLogLevelIsBadInput) { expect_bad_input("--log-level=loud", "--log-level"); }

TEST_F(CliTest, MissingProfileIsBadInput) { expect_bad_input("--profile=" + path("nope.ini"), "--profile"); }

TEST_F(CliTest, ProfileWithBadValueIsBadInput) {
  const std::string ini = write("bad.ini", "[pci]\nmsix_vectors = lots\n");
  expect_bad_input("--profile=" + ini, "--pci.msix_vectors");
  const std::string ini2 = write("bad2.ini", "[pci]\nmsix_vectors = 4000\n");
  expect_bad_input("--profile=" + ini2, "--pci.msix_vectors");
  const std::string ini3 = write("bad3.ini", "[controller]\nno_such_key = 1\n");
  expect_bad_input("--profile=" + ini3, "no_such_key");
}

TEST_F(CliTest, JobFileUnknownKeyNamesFileAndLine) {
  const std::string job = write("unknown.fio", "[global]\nbs=4k\n\n[job1]\nrw=randread\nfrobnicate=3\n");
  expect_bad_input(job, job + ":6:");
  const Result r = run(job);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
}

TEST_F(CliTest, JobFileBadRwNamesFileAndLine) {
  const std::string job = write("badrw.fio", "; a comment\n[job]\nrw=upward\nnumber_ios=10\n");
  expect_bad_input(job, job + ":3:");
  const Result r = run(job);
  EXPECT_NE(r.err.find("rw=upward"), std::string::npos) << r.err;
}

TEST_F(CliTest, JobFileIsAppliedAndCommandLineWins) {
  const std::string job = write("good.fio", "[global]\nioengine=libaio\nbs=8k\n[j]\nrw=randwrite\nnumber_ios=50\niodepth=2\n");
  Result r = run(job);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rw=randwrite, bs=8192, iodepth=2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("50 I/Os"), std::string::npos) << r.out;
  r = run(job + " --bs=16k --number_ios=20");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rw=randwrite, bs=16384, iodepth=2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20 I/Os"), std::string::npos) << r.out;
}

TEST_F(CliTest, ProfileValueIsOverriddenByCommandLine) {
  const std::string ini = write("p.ini", "; profile\n# hash comment\n[controller]\n  ; indented comment\nserial_number = FROM-PROFILE\nmodel_number = Profile Model\n");
  Result r = run("--profile=" + ini + " " + kSmall);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"Profile Model\" serial \"FROM-PROFILE\""), std::string::npos) << r.out;

  const nlohmann::json j = run_json("--profile=" + ini + " --controller.serial_number=FROM-CLI " + kSmall, "o.json");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["configuration"]["controller.serial_number"], "FROM-CLI");
  EXPECT_EQ(j["configuration"]["controller.model_number"], "Profile Model");
}

TEST_F(CliTest, JsonHasTheDocumentedSchema) {
  const nlohmann::json j = run_json(std::string(kSmall) + " --seed=7 --rw=randrw --iodepth=4", "r.json");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["seed"], 7);
  ASSERT_TRUE(j["configuration"].is_object());
  EXPECT_EQ(j["configuration"]["rw"], "randrw");
  EXPECT_EQ(j["configuration"]["iodepth"], "4");
  EXPECT_EQ(j["configuration"]["pci.msix_vectors"], "65");
  const auto& res = j["results"];
  ASSERT_TRUE(res.is_object());
  EXPECT_EQ(res["ios_completed"], 200);
  EXPECT_GT(res["iops"].get<double>(), 0);
  EXPECT_GT(res["bandwidth_bytes_per_s"].get<double>(), 0);
  const auto& lat = res["latency_ns"];
  for (const char* k : {"min", "mean", "p50", "p99", "p999", "max"}) {
    ASSERT_TRUE(lat.contains(k)) << k;
    EXPECT_TRUE(lat[k].is_number()) << k;
  }
  EXPECT_GT(lat["min"].get<double>(), 0);
  EXPECT_LE(lat["min"].get<double>(), lat["p50"].get<double>());
  EXPECT_LE(lat["p50"].get<double>(), lat["p99"].get<double>());
  EXPECT_LE(lat["p99"].get<double>(), lat["p999"].get<double>());
  EXPECT_LE(lat["p999"].get<double>(), lat["max"].get<double>());
  EXPECT_LE(lat["min"].get<double>(), lat["mean"].get<double>());
  EXPECT_LE(lat["mean"].get<double>(), lat["max"].get<double>());
  EXPECT_GT(res["sim_time_ns"].get<uint64_t>(), 0u);
  EXPECT_EQ(res["read"]["ios"].get<uint64_t>() + res["write"]["ios"].get<uint64_t>(), 200u);
  const double iops = res["iops"].get<double>(), t = res["sim_time_ns"].get<double>() * 1e-9;
  EXPECT_NEAR(iops * t, 200.0, 1.0);
  EXPECT_NEAR(res["bandwidth_bytes_per_s"].get<double>() * t, 200.0 * 4096, 4096);
  // Stages: the existing four, and the interrupt (every completion sends one with default MSI-X).
  const auto& stages = res["stages_ns"];
  for (const char* k : {"doorbell_to_fetched", "fetched_to_executed", "executed_to_cqe", "doorbell_to_cqe", "cqe_to_interrupt"}) {
    ASSERT_TRUE(stages.contains(k)) << k;
    EXPECT_TRUE(stages[k]["mean"].is_number()) << k;
  }
  const auto& irq = stages["cqe_to_interrupt"];
  EXPECT_EQ(irq["count"], 200);
  EXPECT_GT(irq["mean"].get<double>(), 0);
  EXPECT_LE(irq["min"].get<double>(), irq["mean"].get<double>());
  EXPECT_LE(irq["mean"].get<double>(), irq["max"].get<double>());
  EXPECT_LT(irq["max"].get<double>(), stages["doorbell_to_cqe"]["max"].get<double>());
  // Controller resources over the whole run, next to the link figures (fractions, kept as they were).
  const auto& ctrl = res["controller"];
  for (const char* k : {"link_upstream_utilisation", "link_downstream_utilisation"}) {
    ASSERT_TRUE(ctrl.contains(k)) << k;
    EXPECT_GT(ctrl[k].get<double>(), 0) << k;
    EXPECT_LE(ctrl[k].get<double>(), 1) << k;
  }
  EXPECT_EQ(ctrl["command_slots"], 512);  // the client TLC profile (scnvme-sim's default)
  EXPECT_EQ(ctrl["dma_engines"], 4);
  EXPECT_EQ(ctrl["data_buffer_bytes"], 16384u * 1024);
  // Utilisations are fractions of the run's simulated time, like the link's.
  for (const char* k : {"command_slots_utilisation", "dma_engines_utilisation", "data_buffer_mean_utilisation"}) {
    ASSERT_TRUE(ctrl.contains(k)) << k;
    EXPECT_GT(ctrl[k].get<double>(), 0) << k;
    EXPECT_LE(ctrl[k].get<double>(), 1) << k;
  }
  const uint64_t peak = ctrl["data_buffer_peak_bytes"].get<uint64_t>();
  EXPECT_GE(peak, 4096u);  // at least one 4 KiB transfer was buffered
  EXPECT_LE(peak, 4096u * 1024);
  EXPECT_LE(ctrl["data_buffer_mean_utilisation"].get<double>(), static_cast<double>(peak) / (4096.0 * 1024));
  ASSERT_TRUE(j["host"].is_object());
  EXPECT_GE(j["host"]["wall_time_s"].get<double>(), 0.0);
  EXPECT_GT(j["host"]["peak_rss_bytes"].get<uint64_t>(), 0u);
}

TEST_F(CliTest, SameSeedGivesIdenticalResults) {
  const std::string args = "--rw=randrw --iodepth=8 --number_ios=300 --size=8m";
  const nlohmann::json a = run_json(args + " --seed=11", "a.json");
  const nlohmann::json b = run_json(args + " --seed=11", "b.json");
  ASSERT_TRUE(a.contains("results"));
  ASSERT_TRUE(b.contains("results"));
  EXPECT_EQ(a["results"], b["results"]) << a["results"].dump(1) << "\n" << b["results"].dump(1);
  // Another seed draws other reads/writes and LBAs.
  const nlohmann::json c = run_json(args + " --seed=12", "c.json");
  ASSERT_TRUE(c.contains("results"));
  EXPECT_NE(a["results"], c["results"]);
  EXPECT_EQ(c["results"]["ios_completed"], 300);
}

TEST_F(CliTest, JobsOnAnAbsentNamespaceAreBadInput) {
  Result r = run("--nsid=5 --number_ios=10");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "scnvme-sim: --nsid=5: namespace 5 is absent (--ns5.size=0 and no --ns5.image); configured: 1\n");
  r = run("--ns1.size=0 --nsid=all --number_ios=10");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--nsid=all: no namespace is configured"), std::string::npos) << r.err;
  // A namespace created by a namespace event may be the jobs' (they fail at run time if it is not there).
  EXPECT_EQ(run("--nsid=2 --namespace_event=add:2:1m@0.001 --number_ios=10").exit_code, 1);
}

TEST_F(CliTest, BlockSizeBeyondMaxTransferExitsOne) {
  const Result r = run("--bs=1m --number_ios=10");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("maximum transfer"), std::string::npos) << r.err;
  // With a larger MDTS the same size works.
  const Result ok = run("--bs=1m --controller.mdts=8 --number_ios=4 --rw=write");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(CliTest, FailedRunStillWritesJsonWithError) {
  const std::string json = path("fail.json");
  const Result r = run("--bs=1m --number_ios=10 --json '" + json + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::ifstream in(json);
  ASSERT_TRUE(in.good());
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["ok"], false);
  EXPECT_NE(j["error"].get<std::string>().find("maximum transfer"), std::string::npos);
}
