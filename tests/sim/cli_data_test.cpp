// scnvme-sim's data options: fio-style verify, power loss with recovery, image files, data-less
// namespaces, several namespaces and SGLs.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#ifndef SCNVME_SIM_PATH
#error "SCNVME_SIM_PATH must name the scnvme-sim executable"
#endif

namespace {

class CliData : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scnvme-clidata-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string path(const std::string& n) const { return dir_ + "/" + n; }

  /// Runs scnvme-sim; returns the exit code, fills `json` when the run wrote one.
  int run(const std::string& args, nlohmann::json* json = nullptr, std::string* err = nullptr) const {
    const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" SCNVME_SIM_PATH "' --log-level=error " + args +
                            " --json '" + path("r.json") + "' >'" + path("out.txt") + "' 2>'" + path("err.txt") + "'";
    const int status = std::system(cmd.c_str());
    if (err) {
      std::ifstream in(path("err.txt"));
      std::stringstream s;
      s << in.rdbuf();
      *err = s.str();
    }
    std::ifstream in(path("r.json"));
    if (json && in) *json = nlohmann::json::parse(in);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string dir_;
};

}  // namespace

TEST_F(CliData, VerifyModesCheckEveryRead) {
  for (const char* mode : {"crc32c", "meta", "pattern"}) {
    nlohmann::json j;
    ASSERT_EQ(run(std::string("--rw=randrw --iodepth=4 --number_ios=400 --size=1m --verify=") + mode, &j), 0) << mode;
    EXPECT_EQ(j["results"]["verify"]["mode"], mode);
    EXPECT_EQ(j["results"]["verify"]["failures"], 0);
    EXPECT_GT(j["results"]["jobs"][0]["verified_reads"].get<uint64_t>(), 100u);
  }
}

TEST_F(CliData, PowerLossKeepsDurableDataOnly) {
  nlohmann::json j;
  std::string err;
  ASSERT_EQ(run("--rw=randwrite --iodepth=8 --number_ios=3000 --size=2m --fsync=256 --power_loss_at=0.0005", &j, &err), 0) << err;
  const auto& pl = j["results"]["power_loss"];
  EXPECT_TRUE(pl["happened"].get<bool>());
  EXPECT_GT(pl["blocks_checked"].get<uint64_t>(), 100u);
  EXPECT_EQ(pl["mismatches"], 0);
  EXPECT_GT(pl["lost_writes"].get<uint64_t>(), 0u) << "writes after the last Flush are lost";
  // Without a volatile write cache every completed write is durable.
  ASSERT_EQ(run("--rw=randwrite --iodepth=8 --number_ios=3000 --size=2m --power_loss_at=0.0005 "
                "--controller.volatile_write_cache=false",
                &j, &err),
            0)
      << err;
  EXPECT_EQ(j["results"]["power_loss"]["mismatches"], 0);
}

TEST_F(CliData, ImageFileHoldsTheDataAndReadOnlyImagesRefuseWrites) {
  const std::string img = path("disk.img");
  {
    std::vector<char> bytes(1 << 20, 0);
    bytes[510] = 0x55;
    bytes[511] = static_cast<char>(0xAA);
    std::ofstream(img, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  nlohmann::json j;
  std::string err;
  ASSERT_EQ(run("--ns1.image=" + img + " --rw=write --bs=4k --iodepth=2 --number_ios=256 --verify=pattern", &j, &err), 0) << err;
  EXPECT_EQ(j["results"]["ios_completed"], 256);
  // The shutdown flushed everything into the file: the first 4 KiB hold job 0's first block now.
  std::ifstream in(img, std::ios::binary | std::ios::ate);
  EXPECT_EQ(static_cast<long>(in.tellg()), 1 << 20) << "the image keeps its size";
  in.seekg(510);
  char sig[2];
  in.read(sig, 2);
  EXPECT_FALSE(sig[0] == 0x55 && sig[1] == static_cast<char>(0xAA)) << "block 0 was overwritten";
  // Read-only image: writes fail with Namespace is Write Protected (exit 1), reads work.
  EXPECT_EQ(run("--ns1.image=" + img + " --ns1.image_read_only=true --rw=write --number_ios=4", &j, &err), 1);
  EXPECT_NE(j["error"].get<std::string>().find("Write Protected"), std::string::npos) << j["error"];
  EXPECT_EQ(run("--ns1.image=" + img + " --ns1.image_read_only=true --rw=read --number_ios=16 --verify=0", &j, &err), 0) << err;
  // A missing image is bad input naming the option.
  EXPECT_EQ(run("--ns1.image=" + path("missing.img"), nullptr, &err), 2);
  EXPECT_NE(err.find("--ns1.image"), std::string::npos) << err;
}

TEST_F(CliData, DatalessNamespacesAndSeveralNamespaces) {
  nlohmann::json j;
  std::string err;
  // Larger than the default drive's flash: bad input naming the namespace's size option.
  EXPECT_EQ(run("--ns1.size=4t --ns1.data=zeroes --verify=0 --number_ios=10", nullptr, &err), 2);
  EXPECT_NE(err.find("--ns1.size: the flash backend's logical capacity is "), std::string::npos) << err;
  ASSERT_EQ(run("--flash.enabled=false --ns1.size=4t --ns1.data=zeroes --verify=0 --rw=randrw --iodepth=8 --number_ios=2000", &j,
                &err),
            0)
      << err;
  EXPECT_LT(j["host"]["peak_rss_bytes"].get<uint64_t>(), 200ull << 20) << "a 4 TiB data-less namespace costs no memory";
  EXPECT_EQ(run("--ns1.data=zeroes --rw=randrw --number_ios=10", nullptr, &err), 2);
  EXPECT_NE(err.find("--verify"), std::string::npos) << err;
  ASSERT_EQ(run("--ns2.size=32m --ns2.block_size=4096 --ns5.size=16m --nsid=all --numjobs=3 --rw=randrw --number_ios=200 "
                "--driver.sgl=true --bs=16k",
                &j, &err),
            0)
      << err;
  EXPECT_EQ(j["results"]["jobs"][0]["nsid"], 1);
  EXPECT_EQ(j["results"]["jobs"][1]["nsid"], 2);
  EXPECT_EQ(j["results"]["jobs"][2]["nsid"], 5);
  EXPECT_EQ(j["results"]["verify"]["failures"], 0);
}

// The flash backend through scnvme-sim: program/erase suspend lowers the read tail under a
// concurrent write stream, and the JSON reports the NAND and FTL figures behind it.
TEST_F(CliData, FlashSuspendLowersTheReadTailUnderWrites) {
  const std::string drive =
      "--rw=randrw --rwmixread=50 --iodepth=16 --number_ios=4000 --verify=0 --ns1.data=zeroes --ns1.size=64m "
      "--flash.precondition=fill --nand.channels=1 --nand.targets_per_channel=1 --nand.dies_per_target=2 "
      "--nand.blocks_per_plane=128 --nand.pages_per_block=96 --ftl.slc_cache_permille=0 --ftl.write_buffer_program_units=4";
  nlohmann::json with, without;
  std::string err;
  ASSERT_EQ(run(drive + " --nand.suspend=true", &with, &err), 0) << err;
  ASSERT_EQ(run(drive + " --nand.suspend=false", &without, &err), 0) << err;
  const auto p99 = [](const nlohmann::json& j) { return j["results"]["read"]["latency_ns"]["p99"].get<double>(); };
  EXPECT_LT(p99(with), 0.8 * p99(without)) << "read p99 with suspend " << p99(with) << " ns, without " << p99(without);
  const auto& f = with["results"]["flash"];
  ASSERT_TRUE(f["enabled"].get<bool>());
  EXPECT_GT(f["nand"]["suspends"].get<uint64_t>(), 0u);
  EXPECT_EQ(without["results"]["flash"]["nand"]["suspends"].get<uint64_t>(), 0u);
  EXPECT_EQ(f["precondition"]["kind"], "fill");
  EXPECT_EQ(f["nand"]["die_array_utilisation"].size(), 2u);
  EXPECT_EQ(f["nand"]["channel_utilisation"].size(), 1u);
  EXPECT_GT(f["ftl"]["host_units_written"].get<uint64_t>(), 0u);
  EXPECT_GT(f["ftl"]["waf"].get<double>(), 0.9);  // (units still in the write buffer are not programmed yet)
  // A bad flash value is bad input naming the option and its range.
  EXPECT_EQ(run("--nand.channels=0", nullptr, &err), 2);
  EXPECT_NE(err.find("--nand.channels=0: expected an integer in [1, 64]"), std::string::npos) << err;
  EXPECT_EQ(run("--flash.power_loss_protection=true", nullptr, &err), 2);
  EXPECT_NE(err.find("--flash.power_loss_protection: "), std::string::npos) << err;
}

// The admin command set's configuration is reachable from the command line, range-checked.
TEST_F(CliData, AdminCommandSetOptionsAreChecked) {
  std::string err;
  EXPECT_EQ(run("--controller.firmware_slots=9", nullptr, &err), 2);
  EXPECT_NE(err.find("--controller.firmware_slots=9: expected an integer in [1, 7]"), std::string::npos) << err;
  EXPECT_EQ(run("--flash.enabled=false --controller.nvm_capacity=1m --number_ios=10", nullptr, &err), 2);
  EXPECT_NE(err.find("--controller.nvm_capacity: must be 0"), std::string::npos) << err;
  nlohmann::json j;
  ASSERT_EQ(run("--controller.firmware_slots=4 --controller.device_self_test=false --controller.nvm_capacity=2g "
                "--rw=randrw --number_ios=100",
                &j, &err),
            0)
      << err;
  EXPECT_EQ(j["configuration"]["controller.firmware_slots"], "4");
}

// Namespace hot-plug scenarios: events happen at their simulated times through the controller's
// platform API; I/O to a removed namespace gets Invalid Namespace or Format; bad syntax is bad input.
TEST_F(CliData, NamespaceEventsHotPlugNamespaces) {
  nlohmann::json j;
  std::string err;
  ASSERT_EQ(run("--flash.enabled=false --rw=randread --number_ios=2000 --verify=0 --namespace_event=add:2:1g@0.0001 "
                "--namespace_event=resize:2:2g@0.0002 --namespace_event=remove:5@0.0003 --namespace_event=remove:2@0.0004",
                &j, &err),
            0)
      << err;
  const auto& ev = j["results"]["namespace_events"];
  ASSERT_EQ(ev.size(), 4u);
  for (int i : {0, 1, 3}) EXPECT_TRUE(ev[i]["accepted"].get<bool>()) << ev[i];
  EXPECT_FALSE(ev[2]["accepted"].get<bool>()) << "NSID 5 was never allocated";
  EXPECT_TRUE(ev[2]["done"].get<bool>());
  EXPECT_EQ(run("--flash.enabled=false --rw=randread --number_ios=20000 --verify=0 --namespace_event=remove:1@0.0005", &j, &err), 1);
  EXPECT_NE(err.find("Invalid Namespace or Format"), std::string::npos) << err;
  EXPECT_EQ(run("--namespace_event=add:2@1", nullptr, &err), 2);
  EXPECT_NE(err.find("--namespace_event=add:2@1: expected add:NSID:SIZE@SECONDS"), std::string::npos) << err;
}
