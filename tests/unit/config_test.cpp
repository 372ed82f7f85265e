// ControllerConfig::validate(): the default configuration is valid; every bad value or
// combination throws ConfigError naming the field. A Controller constructed with a bad
// configuration throws the same error (one Controller per test: SystemC elaborates once).
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "scnvme/config.h"
#include "scnvme/controller.h"
#include "support/config_verdict.h"

using scnvme::ConfigError;
using scnvme::ControllerConfig;
using scnvme::NamespaceConfig;

namespace {

struct Mutation {
  const char* what;
  std::function<void(ControllerConfig&)> apply;
  std::string field;  // expected ConfigError::field(); empty: the result must validate
};

/// Applies `m` to a default configuration and checks validate()'s verdict.
void check(const Mutation& m) {
  SCOPED_TRACE(m.what);
  ControllerConfig cfg;
  m.apply(cfg);
  scnvme::test::expect_config_verdict([&] { cfg.validate(); }, m.field);
}

NamespaceConfig ns(uint32_t nsid, uint64_t size = 1ull << 20, uint32_t block = 512) {
  NamespaceConfig n;
  n.nsid = nsid;
  n.size_bytes = size;
  n.block_size = block;
  return n;
}

}  // namespace

TEST(ConfigValidate, DefaultIsValid) {
  const ControllerConfig cfg;
  EXPECT_NO_THROW(cfg.validate());
  // The documented defaults that other parts of the model derive from.
  EXPECT_EQ(cfg.pci.bar0_size, 16u * 1024);
  EXPECT_EQ(cfg.doorbell_area_end(), 0x1000u + 2 * 65 * 4);
  EXPECT_EQ(cfg.min_page_size(), 4096u);
  EXPECT_EQ(cfg.max_transfer_bytes(), 4096u << 5);
  ASSERT_EQ(cfg.namespaces.size(), 1u);
  EXPECT_EQ(cfg.namespaces[0].nsid, 1u);
}

TEST(ConfigValidate, DerivedHelpers) {
  ControllerConfig cfg;
  cfg.doorbell_stride = 2;
  cfg.max_io_queues = 3;
  EXPECT_EQ(cfg.doorbell_area_end(), 0x1000u + 2 * 4 * 16);
  cfg.mps_min = 2;
  cfg.mdts = 3;
  EXPECT_EQ(cfg.min_page_size(), 16384u);
  EXPECT_EQ(cfg.max_transfer_bytes(), 16384u * 8);
}

TEST(ConfigValidate, ConfigErrorIsAnInvalidArgument) {
  ControllerConfig cfg;
  cfg.mdts = 0;
  EXPECT_THROW(cfg.validate(), std::invalid_argument);
  const ConfigError e("some.field", "is bad");
  EXPECT_EQ(e.field(), "some.field");
  EXPECT_STREQ(e.what(), "some.field: is bad");
}

TEST(ConfigValidate, ValidCombinations) {
  const std::vector<Mutation> ok = {
      {"bar0 64 KiB", [](ControllerConfig& c) { c.pci.bar0_size = 64 * 1024; }, ""},
      {"bar0 1 TiB", [](ControllerConfig& c) { c.pci.bar0_size = 1ull << 40; }, ""},
      {"doorbell stride 2 fits", [](ControllerConfig& c) { c.doorbell_stride = 2; }, ""},
      {"1 I/O queue at stride 15 in a 1 MiB BAR",
       [](ControllerConfig& c) {
         c.pci.bar0_size = 1 << 20;
         c.max_io_queues = 1;
         c.doorbell_stride = 15;  // doorbells end at 0x1000 + 4 * 128 KiB = 0x81000
         c.pci.msix_table_offset = 0x90000;
         c.pci.msix_pba_offset = 0x98000;
       },
       ""},
      {"MSI-X absent ignores its offsets",
       [](ControllerConfig& c) {
         c.pci.msix = false;
         c.pci.msix_table_offset = 3;
         c.pci.msix_pba_offset = 0x100000;
         c.pci.msix_vectors = 0;
       },
       ""},
      {"MSI absent ignores msi_vectors", [](ControllerConfig& c) { c.pci.msi = false, c.pci.msi_vectors = 3; }, ""},
      {"2048 MSI-X vectors in a 64 KiB BAR",
       [](ControllerConfig& c) {
         c.pci.bar0_size = 64 * 1024;
         c.pci.msix_vectors = 2048;
         c.pci.msix_table_offset = 0x4000;  // 32 KiB table
         c.pci.msix_pba_offset = 0xC000;
       },
       ""},
      {"table and PBA adjacent", [](ControllerConfig& c) { c.pci.msix_pba_offset = 0x2000 + 65 * 16; }, ""},
      {"msi_vectors 1", [](ControllerConfig& c) { c.pci.msi_vectors = 1; }, ""},
      {"link gen 6 x32", [](ControllerConfig& c) { c.pci.link_generation = 6, c.pci.link_width = 32; }, ""},
      {"serial of 20 characters", [](ControllerConfig& c) { c.serial_number = std::string(20, 'S'); }, ""},
      {"mps_min == mps_max", [](ControllerConfig& c) { c.mps_min = 3, c.mps_max = 3; }, ""},
      {"mdts 15 reaches 2 GiB exactly", [](ControllerConfig& c) { c.mps_min = 4, c.mps_max = 4, c.mdts = 15; }, ""},
      {"4 KiB blocks", [](ControllerConfig& c) { c.namespaces = {ns(1, 1 << 20, 4096)}; }, ""},
      {"sparse NSIDs", [](ControllerConfig& c) { c.namespaces = {ns(1), ns(3), ns(256)}; }, ""},
      {"no namespaces", [](ControllerConfig& c) { c.namespaces.clear(); }, ""},
      {"clock 250 MHz", [](ControllerConfig& c) { c.timing.clock_mhz = 250; }, ""},
  };
  for (const auto& m : ok) check(m);
}

TEST(ConfigValidate, PciFieldsAreChecked) {
  const std::vector<Mutation> bad = {
      {"vendor 0xFFFF", [](ControllerConfig& c) { c.pci.vendor_id = 0xFFFF; }, "pci.vendor_id"},
      {"bar0 not a power of two", [](ControllerConfig& c) { c.pci.bar0_size = 48 * 1024; }, "pci.bar0_size"},
      {"bar0 below 16 KiB", [](ControllerConfig& c) { c.pci.bar0_size = 8 * 1024; }, "pci.bar0_size"},
      {"bar0 zero", [](ControllerConfig& c) { c.pci.bar0_size = 0; }, "pci.bar0_size"},
      {"msix_vectors 0", [](ControllerConfig& c) { c.pci.msix_vectors = 0; }, "pci.msix_vectors"},
      {"msix_vectors 2049", [](ControllerConfig& c) { c.pci.msix_vectors = 2049; }, "pci.msix_vectors"},
      {"msi_vectors 3", [](ControllerConfig& c) { c.pci.msi_vectors = 3; }, "pci.msi_vectors"},
      {"msi_vectors 0", [](ControllerConfig& c) { c.pci.msi_vectors = 0; }, "pci.msi_vectors"},
      {"msi_vectors 64", [](ControllerConfig& c) { c.pci.msi_vectors = 64; }, "pci.msi_vectors"},
      {"link gen 7", [](ControllerConfig& c) { c.pci.link_generation = 7; }, "pci.link_generation"},
      {"link gen 0", [](ControllerConfig& c) { c.pci.link_generation = 0; }, "pci.link_generation"},
      {"link width 3", [](ControllerConfig& c) { c.pci.link_width = 3; }, "pci.link_width"},
      {"link width 0", [](ControllerConfig& c) { c.pci.link_width = 0; }, "pci.link_width"},
      {"max payload 64", [](ControllerConfig& c) { c.pci.max_payload_supported = 64; }, "pci.max_payload_supported"},
      {"max payload 384", [](ControllerConfig& c) { c.pci.max_payload_supported = 384; }, "pci.max_payload_supported"},
      {"max payload 8192", [](ControllerConfig& c) { c.pci.max_payload_supported = 8192; }, "pci.max_payload_supported"},
  };
  for (const auto& m : bad) check(m);
}

TEST(ConfigValidate, Bar0LayoutIsChecked) {
  const std::vector<Mutation> bad = {
      {"doorbells of 65535 queues do not fit", [](ControllerConfig& c) { c.max_io_queues = 65535; }, "pci.bar0_size"},
      {"doorbells at stride 15 do not fit", [](ControllerConfig& c) { c.doorbell_stride = 15; }, "pci.bar0_size"},
      {"doorbells at stride 6 do not fit", [](ControllerConfig& c) { c.doorbell_stride = 6; }, "pci.bar0_size"},
      {"MSI-X table misaligned", [](ControllerConfig& c) { c.pci.msix_table_offset = 0x2004; }, "pci.msix_table_offset"},
      {"MSI-X PBA misaligned", [](ControllerConfig& c) { c.pci.msix_pba_offset = 0x3001; }, "pci.msix_pba_offset"},
      {"MSI-X table over the registers", [](ControllerConfig& c) { c.pci.msix_table_offset = 0x0; }, "pci.msix_table_offset"},
      {"MSI-X table over the doorbells", [](ControllerConfig& c) { c.pci.msix_table_offset = 0x1200; }, "pci.msix_table_offset"},
      {"MSI-X PBA over the doorbells", [](ControllerConfig& c) { c.pci.msix_pba_offset = 0x1100; }, "pci.msix_pba_offset"},
      {"MSI-X PBA inside the table", [](ControllerConfig& c) { c.pci.msix_pba_offset = 0x2400; }, "pci.msix_pba_offset"},
      {"MSI-X table over the PBA", [](ControllerConfig& c) { c.pci.msix_table_offset = 0x2FF8; }, "pci.msix_pba_offset"},
      {"MSI-X table beyond BAR0", [](ControllerConfig& c) { c.pci.msix_table_offset = 0x3C00; }, "pci.msix_table_offset"},
      {"MSI-X PBA beyond BAR0", [](ControllerConfig& c) { c.pci.msix_pba_offset = 0x4000; }, "pci.msix_pba_offset"},
      {"2048 vectors do not fit 16 KiB", [](ControllerConfig& c) { c.pci.msix_vectors = 2048; }, "pci.msix_table_offset"},
  };
  for (const auto& m : bad) check(m);
}

TEST(ConfigValidate, IdentityFieldsAreChecked) {
  const std::vector<Mutation> bad = {
      {"serial too long", [](ControllerConfig& c) { c.serial_number = std::string(21, '1'); }, "serial_number"},
      {"serial non-ASCII", [](ControllerConfig& c) { c.serial_number = "SN\xC3\xA9"; }, "serial_number"},
      {"serial control char", [](ControllerConfig& c) { c.serial_number = "SN\n1"; }, "serial_number"},
      {"serial empty", [](ControllerConfig& c) { c.serial_number.clear(); }, "serial_number"},
      {"model too long", [](ControllerConfig& c) { c.model_number = std::string(41, 'M'); }, "model_number"},
      {"model DEL char", [](ControllerConfig& c) { c.model_number = "model\x7F"; }, "model_number"},
      {"firmware too long", [](ControllerConfig& c) { c.firmware_revision = "123456789"; }, "firmware_revision"},
      {"subnqn too long", [](ControllerConfig& c) { c.subnqn = std::string(224, 'q'); }, "subnqn"},
      {"OUI beyond 24 bits", [](ControllerConfig& c) { c.ieee_oui = 0x1000000; }, "ieee_oui"},
      {"controller ID reserved", [](ControllerConfig& c) { c.controller_id = 0xFFF0; }, "controller_id"},
  };
  for (const auto& m : bad) check(m);
}

TEST(ConfigValidate, QueueAndTransferFieldsAreChecked) {
  const std::vector<Mutation> bad = {
      {"no I/O queues", [](ControllerConfig& c) { c.max_io_queues = 0; }, "max_io_queues"},
      {"queue entries 1", [](ControllerConfig& c) { c.max_queue_entries = 1; }, "max_queue_entries"},
      {"queue entries 65537", [](ControllerConfig& c) { c.max_queue_entries = 65537; }, "max_queue_entries"},
      {"doorbell stride 16", [](ControllerConfig& c) { c.doorbell_stride = 16; }, "doorbell_stride"},
      {"no command slots", [](ControllerConfig& c) { c.command_slots = 0; }, "command_slots"},
      {"mps_min 16", [](ControllerConfig& c) { c.mps_min = 16, c.mps_max = 16; }, "mps_min"},
      {"mps_max < mps_min", [](ControllerConfig& c) { c.mps_min = 2, c.mps_max = 1; }, "mps_max"},
      {"mps_max 16", [](ControllerConfig& c) { c.mps_max = 16; }, "mps_max"},
      {"mdts 0", [](ControllerConfig& c) { c.mdts = 0; }, "mdts"},
      {"mdts 16", [](ControllerConfig& c) { c.mdts = 16; }, "mdts"},
      {"transfer above 2 GiB", [](ControllerConfig& c) { c.mps_min = 5, c.mps_max = 5, c.mdts = 15; }, "mdts"},
      {"no namespaces allowed", [](ControllerConfig& c) { c.max_namespaces = 0; }, "max_namespaces"},
      {"CAP.TO 0", [](ControllerConfig& c) { c.timeout_500ms = 0; }, "timeout_500ms"},
      {"critical below warning", [](ControllerConfig& c) { c.critical_temperature_k = 300; }, "critical_temperature_k"},
      {"ambient 199 K", [](ControllerConfig& c) { c.ambient_temperature_k = 199; }, "ambient_temperature_k"},
      {"ambient 401 K", [](ControllerConfig& c) { c.ambient_temperature_k = 401; }, "ambient_temperature_k"},
  };
  for (const auto& m : bad) check(m);
}

TEST(ConfigValidate, FirmwareAndSelfTestFieldsAreChecked) {
  const std::vector<Mutation> bad = {
      {"no firmware slots", [](ControllerConfig& c) { c.firmware_slots = 0; }, "firmware_slots"},
      {"8 firmware slots", [](ControllerConfig& c) { c.firmware_slots = 8; }, "firmware_slots"},
      {"the only slot read-only", [](ControllerConfig& c) { c.firmware_slots = 1, c.firmware_slot1_read_only = true; },
       "firmware_slot1_read_only"},
      {"image below 4 KiB", [](ControllerConfig& c) { c.firmware_max_image_kib = 3; }, "firmware_max_image_kib"},
      {"image above 64 MiB", [](ControllerConfig& c) { c.firmware_max_image_kib = 65537; }, "firmware_max_image_kib"},
      {"granule above MDTS", [](ControllerConfig& c) { c.firmware_update_granularity_4k = 64; }, "firmware_update_granularity_4k"},
      {"granule above the image", [](ControllerConfig& c) { c.firmware_max_image_kib = 8, c.firmware_update_granularity_4k = 4; },
       "firmware_update_granularity_4k"},
      {"activation above 60 s", [](ControllerConfig& c) { c.firmware_activation_us = 60000001; }, "firmware_activation_us"},
      {"short test 0 ms", [](ControllerConfig& c) { c.self_test_short_ms = 0; }, "self_test_short_ms"},
      {"short test above 2 minutes", [](ControllerConfig& c) { c.self_test_short_ms = 120001; }, "self_test_short_ms"},
      {"extended test 0 ms", [](ControllerConfig& c) { c.self_test_extended_ms = 0; }, "self_test_extended_ms"},
  };
  for (const auto& m : bad) check(m);
  ControllerConfig ok;
  ok.firmware_slots = 1;
  ok.firmware_slot1_read_only = true;
  ok.firmware_update = false;  // a read-only single slot is fine without firmware update
  ok.firmware_update_granularity_4k = 0xFF;
  EXPECT_NO_THROW(ok.validate());
}

TEST(ConfigValidate, TimingFieldsAreChecked) {
  const std::vector<Mutation> bad = {
      {"clock 0 MHz", [](ControllerConfig& c) { c.timing.clock_mhz = 0; }, "timing.clock_mhz"},
      {"clock 100001 MHz", [](ControllerConfig& c) { c.timing.clock_mhz = 100001; }, "timing.clock_mhz"},
      {"ready delay beyond CAP.TO",
       [](ControllerConfig& c) { c.timeout_500ms = 1, c.timing.ready_delay_us = 500001; }, "timing.ready_delay_us"},
      {"reset delay beyond CAP.TO",
       [](ControllerConfig& c) { c.timeout_500ms = 1, c.timing.reset_delay_us = 500001; }, "timing.reset_delay_us"},
  };
  for (const auto& m : bad) check(m);
  check({"ready delay exactly CAP.TO", [](ControllerConfig& c) { c.timeout_500ms = 1, c.timing.ready_delay_us = 500000; }, ""});
}

TEST(ConfigValidate, NamespacesAreChecked) {
  const std::vector<Mutation> bad = {
      {"NSID 0", [](ControllerConfig& c) { c.namespaces = {ns(0)}; }, "namespaces[0].nsid"},
      {"duplicate NSID", [](ControllerConfig& c) { c.namespaces = {ns(1), ns(2), ns(1)}; }, "namespaces[2].nsid"},
      {"NSID above max_namespaces", [](ControllerConfig& c) { c.max_namespaces = 4, c.namespaces = {ns(5)}; }, "namespaces[0].nsid"},
      {"broadcast NSID", [](ControllerConfig& c) { c.namespaces = {ns(0xFFFFFFFF)}; }, "namespaces[0].nsid"},
      {"block size 1000", [](ControllerConfig& c) { c.namespaces = {ns(1, 1 << 20, 1000)}; }, "namespaces[0].block_size"},
      {"block size 0", [](ControllerConfig& c) { c.namespaces = {ns(1), ns(2, 1 << 20, 0)}; }, "namespaces[1].block_size"},
      {"size 0", [](ControllerConfig& c) { c.namespaces = {ns(1, 0)}; }, "namespaces[0].size_bytes"},
      {"size not a block multiple", [](ControllerConfig& c) { c.namespaces = {ns(1, 4096 + 512, 4096)}; }, "namespaces[0].size_bytes"},
  };
  for (const auto& m : bad) check(m);
}

// --- the Controller validates its configuration (each test constructs at most one) -----------

namespace {
/// Constructs a Controller and returns the ConfigError's field, or "" if construction succeeded.
std::string construct(const ControllerConfig& cfg) {
  try {
    scnvme::Controller nvme("nvme", cfg);
    return "";
  } catch (const ConfigError& e) {
    return e.field();
  }
}
}  // namespace

TEST(ConfigController, ConstructorRejectsBadConfig) {
  ControllerConfig cfg;
  cfg.pci.msi_vectors = 3;
  EXPECT_EQ(construct(cfg), "pci.msi_vectors");
}

TEST(ConfigController, ConstructorRejectsNonIntegerClockPeriod) {
  // 3 MHz is 333333.33 ps: not a whole number of the default 1 ps resolution. validate() cannot
  // know the resolution; the constructor checks it.
  ControllerConfig cfg;
  cfg.timing.clock_mhz = 3;
  EXPECT_NO_THROW(cfg.validate());
  EXPECT_EQ(construct(cfg), "timing.clock_mhz");
}

TEST(ConfigController, ConstructorAcceptsIntegerClockPeriod) {
  ControllerConfig cfg;
  cfg.timing.clock_mhz = 800;  // 1250 ps
  EXPECT_EQ(construct(cfg), "");
}

TEST(ConfigController, ConfigIsKeptAsGiven) {
  ControllerConfig cfg;
  cfg.serial_number = "KEEPME";
  cfg.max_io_queues = 7;
  scnvme::Controller nvme("nvme", cfg);
  EXPECT_EQ(nvme.config().serial_number, "KEEPME");
  EXPECT_EQ(nvme.config().max_io_queues, 7);
  EXPECT_EQ(nvme.stats().guest_errors, 0u);
  EXPECT_EQ(nvme.bar0_address(), 0u);
  EXPECT_FALSE(nvme.memory_space_enabled());
  EXPECT_STREQ(nvme.kind(), "scnvme::Controller");
}
