// The drive profiles in sim/profiles/: the client TLC profile states scnvme-sim's default drive
// exactly (and every flash option), every profile parses and validates, and the enterprise
// profile has power-loss protection instead of a volatile write cache.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flash_options.h"
#include "options.h"

#ifndef SCNVME_SOURCE_DIR
#error "SCNVME_SOURCE_DIR must name the source tree"
#endif

namespace {

using scnvme::ControllerConfig;
using scnvme::sim::ParseOutcome;
using scnvme::sim::SimOptions;

std::string profile_path(const std::string& name) { return std::string(SCNVME_SOURCE_DIR) + "/sim/profiles/" + name; }

/// Parses `args` (after the program name); fails the test unless the outcome is Run.
SimOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), "scnvme-sim");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  SimOptions opt;
  std::ostringstream out, err;
  const ParseOutcome r = scnvme::sim::parse_command_line(static_cast<int>(argv.size()), argv.data(), opt, out, err);
  EXPECT_EQ(r, ParseOutcome::Run) << err.str();
  return opt;
}

const ControllerConfig& controller(const SimOptions& o) { return o.platform.controllers.at(0); }

/// The "section.key" names an INI profile sets (';' comment lines and blank lines skipped).
std::set<std::string> profile_keys(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::set<std::string> keys;
  std::string section;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == ';') continue;
    if (line[first] == '[') {
      section = line.substr(first + 1, line.find(']') - first - 1);
      continue;
    }
    std::string key = line.substr(first, line.find('=') - first);
    key.erase(key.find_last_not_of(" \t") + 1);
    keys.insert(section + "." + key);
  }
  return keys;
}

#define EXPECT_FIELD_EQ(a, b, field) EXPECT_EQ((a).field, (b).field) << #field

void expect_nand_eq(const scnvme::NandConfig& a, const scnvme::NandConfig& b) {
  EXPECT_FIELD_EQ(a, b, channels);
  EXPECT_FIELD_EQ(a, b, targets_per_channel);
  EXPECT_FIELD_EQ(a, b, dies_per_target);
  EXPECT_FIELD_EQ(a, b, planes_per_die);
  EXPECT_FIELD_EQ(a, b, blocks_per_plane);
  EXPECT_FIELD_EQ(a, b, pages_per_block);
  EXPECT_FIELD_EQ(a, b, page_bytes);
  EXPECT_FIELD_EQ(a, b, cell_type);
  EXPECT_FIELD_EQ(a, b, read_us);
  EXPECT_FIELD_EQ(a, b, program_us);
  EXPECT_FIELD_EQ(a, b, erase_us);
  EXPECT_FIELD_EQ(a, b, slc_read_us);
  EXPECT_FIELD_EQ(a, b, slc_program_us);
  EXPECT_FIELD_EQ(a, b, interface_mts);
  EXPECT_FIELD_EQ(a, b, bus_width_bytes);
  EXPECT_FIELD_EQ(a, b, command_ns);
  EXPECT_FIELD_EQ(a, b, status_poll_ns);
  EXPECT_FIELD_EQ(a, b, ecc_codeword_bytes);
  EXPECT_FIELD_EQ(a, b, ecc_decode_ns);
  EXPECT_FIELD_EQ(a, b, read_retry_probability);
  EXPECT_FIELD_EQ(a, b, read_retry_growth_per_kpe);
  EXPECT_FIELD_EQ(a, b, read_retry_extra_us);
  EXPECT_FIELD_EQ(a, b, read_retry_max);
  EXPECT_FIELD_EQ(a, b, multi_plane);
  EXPECT_FIELD_EQ(a, b, cache_read);
  EXPECT_FIELD_EQ(a, b, cache_program);
  EXPECT_FIELD_EQ(a, b, suspend);
  EXPECT_FIELD_EQ(a, b, suspend_ns);
  EXPECT_FIELD_EQ(a, b, resume_ns);
  EXPECT_FIELD_EQ(a, b, suspend_max_per_op);
  EXPECT_FIELD_EQ(a, b, max_busy_dies);
}

void expect_ftl_eq(const scnvme::FtlConfig& a, const scnvme::FtlConfig& b) {
  EXPECT_FIELD_EQ(a, b, mapping_unit_bytes);
  EXPECT_FIELD_EQ(a, b, over_provisioning_permille);
  EXPECT_FIELD_EQ(a, b, gc_foreground_free_blocks);
  EXPECT_FIELD_EQ(a, b, gc_background_free_blocks);
  EXPECT_FIELD_EQ(a, b, write_buffer_program_units);
  EXPECT_FIELD_EQ(a, b, slc_cache_permille);
  EXPECT_FIELD_EQ(a, b, fold_policy);
  EXPECT_FIELD_EQ(a, b, mapping_cache_entries);
  EXPECT_FIELD_EQ(a, b, reverse_map);
}

void expect_flash_eq(const scnvme::FlashConfig& a, const scnvme::FlashConfig& b) {
  EXPECT_FIELD_EQ(a, b, enabled);
  EXPECT_FIELD_EQ(a, b, power_loss_protection);
  EXPECT_FIELD_EQ(a, b, precondition);
  EXPECT_FIELD_EQ(a, b, precondition_random_capacities);
  EXPECT_FIELD_EQ(a, b, background_idle_us);
  {
    SCOPED_TRACE("nand");
    expect_nand_eq(a.nand, b.nand);
  }
  {
    SCOPED_TRACE("ftl");
    expect_ftl_eq(a.ftl, b.ftl);
  }
}

const char* const kProfiles[] = {"client-tlc.ini", "enterprise-slc.ini", "qlc.ini"};
constexpr uint64_t kTiB = uint64_t{1} << 40;

}  // namespace

TEST(Profiles, ClientTlcProfileIsTheDefaultDrive) {
  const SimOptions none = parse({});
  const SimOptions client = parse({"--profile", profile_path("client-tlc.ini")});
  const ControllerConfig& a = controller(client);
  const ControllerConfig& b = controller(none);
  expect_flash_eq(a.flash, b.flash);
  EXPECT_FIELD_EQ(a, b, command_slots);
  EXPECT_FIELD_EQ(a, b, data_buffer_kib);
  EXPECT_FIELD_EQ(a, b, volatile_write_cache);
  EXPECT_FIELD_EQ(a, b, pci.link_generation);
  EXPECT_FIELD_EQ(a, b, pci.link_width);
  EXPECT_TRUE(a.flash.enabled);
}

// The client profile documents the default in full: a flash option added later must be added to
// it too (with its source), or this fails.
TEST(Profiles, ClientTlcProfileStatesEveryFlashOption) {
  const std::set<std::string> keys = profile_keys(profile_path("client-tlc.ini"));
  scnvme::FlashConfig f;
  for (const auto& o : scnvme::sim::flash_options(f)) EXPECT_EQ(keys.count(o.name), 1u) << o.name << " missing";
  for (const char* k : {"controller.command_slots", "controller.data_buffer_kib", "pcie.generation", "pcie.lanes"})
    EXPECT_EQ(keys.count(k), 1u) << k << " missing";
}

TEST(Profiles, EveryProfileParsesAndValidates) {
  for (const char* name : kProfiles) {
    SCOPED_TRACE(name);
    const SimOptions o = parse({"--profile", profile_path(name)});
    const ControllerConfig& c = controller(o);
    EXPECT_NO_THROW(c.validate());
    EXPECT_NO_THROW(c.flash.validate());
    EXPECT_TRUE(c.flash.enabled);
    // Every profile names the same flash options the client one does.
    scnvme::FlashConfig f;
    const std::set<std::string> keys = profile_keys(profile_path(name));
    for (const auto& opt : scnvme::sim::flash_options(f)) EXPECT_EQ(keys.count(opt.name), 1u) << opt.name << " missing";
  }
}

TEST(Profiles, EnterpriseSlcHasPowerLossProtectionAndNoVolatileWriteCache) {
  const SimOptions o = parse({"--profile", profile_path("enterprise-slc.ini")});
  const ControllerConfig& c = controller(o);
  EXPECT_TRUE(c.flash.power_loss_protection);
  EXPECT_FALSE(c.volatile_write_cache);
  EXPECT_TRUE(o.workload.writes_durable);
  EXPECT_EQ(c.flash.nand.cell_type, scnvme::CellType::Slc);
  EXPECT_EQ(c.flash.nand.page_bytes, 4096u);
  EXPECT_EQ(c.flash.ftl.slc_cache_permille, 0u);
  EXPECT_EQ(c.flash.ftl.over_provisioning_permille, 280u);
  EXPECT_EQ(c.command_slots, 1024u);
  EXPECT_EQ(c.pci.link_generation, 3u);
  EXPECT_EQ(c.pci.link_width, 4u);
  EXPECT_LE(c.flash.nand.raw_bytes(), kTiB);
}

TEST(Profiles, QlcHasAFoldedPslcCache) {
  const SimOptions o = parse({"--profile", profile_path("qlc.ini")});
  const ControllerConfig& c = controller(o);
  EXPECT_EQ(c.flash.nand.cell_type, scnvme::CellType::Qlc);
  EXPECT_EQ(c.flash.ftl.slc_cache_permille, 100u);
  EXPECT_EQ(c.flash.ftl.fold_policy, scnvme::FoldPolicy::WhenFull);
  // Slower than the default TLC on every page type and in the millisecond range to program.
  const SimOptions defaults = parse({});
  const ControllerConfig& tlc = controller(defaults);
  for (std::size_t t = 0; t < 3; ++t) EXPECT_GT(c.flash.nand.read_us[t], tlc.flash.nand.read_us[t]) << t;
  EXPECT_GE(c.flash.nand.program_us, 1000u);
  EXPECT_GE(c.flash.nand.interface_mts, 1600u);
  EXPECT_LE(c.flash.nand.interface_mts, 2400u);
  EXPECT_FALSE(c.flash.power_loss_protection);
  EXPECT_LE(c.flash.nand.raw_bytes(), kTiB);
}

TEST(Profiles, CommandLineWinsOverAProfile) {
  const SimOptions o =
      parse({"--profile", profile_path("enterprise-slc.ini"), "--pcie.generation=4", "--nand.read_lsb_us=4"});
  EXPECT_EQ(controller(o).pci.link_generation, 4u);
  EXPECT_EQ(controller(o).flash.nand.read_us[0], 4u);
  EXPECT_TRUE(controller(o).flash.power_loss_protection);
}
