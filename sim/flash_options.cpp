#include "flash_options.h"

#include <string>

namespace scnvme::sim {

void use_client_tlc_defaults(ControllerConfig& c) {
  FlashConfig& f = c.flash;
  f.enabled = true;
  NandConfig& n = f.nand;
  // 1 TiB raw of 9x-layer TLC V-NAND as 64 parallel units: 8 channels x 8 units. A 990 PRO class
  // drive has 16 four-plane dies reading their planes independently; scnvme models each such
  // plane as a single-plane unit.
  n.channels = 8;
  n.targets_per_channel = 2;
  n.dies_per_target = 4;
  n.planes_per_die = 1;
  n.blocks_per_plane = 912;
  n.pages_per_block = 1152;
  n.page_bytes = 16384;
  n.cell_type = CellType::Tlc;
  n.read_us = {40, 50, 60, 70};
  n.program_us = 500;
  n.erase_us = 3500;
  n.slc_read_us = 25;
  n.slc_program_us = 160;
  n.interface_mts = 1600;
  FtlConfig& t = f.ftl;
  t.over_provisioning_permille = 70;
  t.slc_cache_permille = 20;
  t.fold_policy = FoldPolicy::Idle;
  t.write_buffer_program_units = 256;
  f.precondition = Precondition::Namespaces;  // reads find data on NAND, as after a host's prefill
  c.command_slots = 512;
  c.data_buffer_kib = 16384;
}

namespace {

std::string real_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

const char* cell_name(CellType t) {
  switch (t) {
    case CellType::Slc: return "slc";
    case CellType::Mlc: return "mlc";
    case CellType::Tlc: return "tlc";
    case CellType::Qlc: return "qlc";
  }
  return "tlc";
}


}  // namespace

std::vector<Option> flash_options(FlashConfig& f) {
  NandConfig& n = f.nand;
  FtlConfig& t = f.ftl;
  std::vector<Option> o = {
      {"flash.enabled", "time the media with NAND under an FTL (off: memory speed)", f.enabled ? "true" : "false",
       boolean("flash.enabled", f.enabled)},
      {"flash.power_loss_protection", "the write buffer survives power loss (needs --controller.volatile_write_cache=false)",
       f.power_loss_protection ? "true" : "false", boolean("flash.power_loss_protection", f.power_loss_protection)},
      {"flash.precondition",
       "state before the run: none (fresh), namespaces (sequential fill of the namespaces), fill (of the whole drive), "
       "steady (whole-drive fill + random overwrites)",
       to_string(f.precondition),
       [&f](const std::string& v) {
         std::string s;
         choice("flash.precondition", s, {"none", "namespaces", "fill", "steady"})(v);
         f.precondition = s == "namespaces" ? Precondition::Namespaces
                          : s == "fill"     ? Precondition::Fill
                          : s == "steady"   ? Precondition::Steady
                                            : Precondition::None;
       }},
      {"flash.precondition_random_capacities", "steady: random overwrites in logical capacities (0, 100]",
       real_text(f.precondition_random_capacities),
       real("flash.precondition_random_capacities", f.precondition_random_capacities, 1e-9, 100.0)},
      {"flash.background_idle_us", "idle time before background GC and SLC-cache folding start (us)", str(f.background_idle_us),
       number("flash.background_idle_us", f.background_idle_us, 0, 1000000000)},

      {"nand.channels", "flash channels (1..64)", str(n.channels), number("nand.channels", n.channels, 1, 64)},
      {"nand.targets_per_channel", "chip enables per channel (1..16)", str(n.targets_per_channel),
       number("nand.targets_per_channel", n.targets_per_channel, 1, 16)},
      {"nand.dies_per_target", "dies (LUNs) per target (1..8)", str(n.dies_per_target), number("nand.dies_per_target", n.dies_per_target, 1, 8)},
      {"nand.planes_per_die", "planes per die (1..32)", str(n.planes_per_die), number("nand.planes_per_die", n.planes_per_die, 1, 32)},
      {"nand.blocks_per_plane", "blocks per plane (1..1048576)", str(n.blocks_per_plane),
       number("nand.blocks_per_plane", n.blocks_per_plane, 1, 1u << 20)},
      {"nand.pages_per_block", "pages per block, a multiple of the bits per cell (1..65536)", str(n.pages_per_block),
       number("nand.pages_per_block", n.pages_per_block, 1, 65536)},
      {"nand.page_bytes", "user bytes per page (a multiple of 512 in [512, 65536])", str(n.page_bytes),
       number("nand.page_bytes", n.page_bytes, 512, 65536)},
      {"nand.cell_type", "slc, mlc, tlc or qlc (pages per word line 1..4)", cell_name(n.cell_type),
       [&n](const std::string& v) {
         std::string s;
         choice("nand.cell_type", s, {"slc", "mlc", "tlc", "qlc"})(v);
         n.cell_type = s == "slc" ? CellType::Slc : s == "mlc" ? CellType::Mlc : s == "qlc" ? CellType::Qlc : CellType::Tlc;
       }},
      {"nand.read_lsb_us", "tR of an LSB page (us)", str(n.read_us[0]), number("nand.read_lsb_us", n.read_us[0], 1, 100000)},
      {"nand.read_csb_us", "tR of a CSB page (us)", str(n.read_us[1]), number("nand.read_csb_us", n.read_us[1], 1, 100000)},
      {"nand.read_msb_us", "tR of an MSB page (us)", str(n.read_us[2]), number("nand.read_msb_us", n.read_us[2], 1, 100000)},
      {"nand.read_tsb_us", "tR of a TSB (QLC top) page (us)", str(n.read_us[3]), number("nand.read_tsb_us", n.read_us[3], 1, 100000)},
      {"nand.program_us", "tPROG of one word line (us)", str(n.program_us), number("nand.program_us", n.program_us, 1, 1000000)},
      {"nand.erase_us", "tBERS (us)", str(n.erase_us), number("nand.erase_us", n.erase_us, 1, 1000000)},
      {"nand.slc_read_us", "tR of a pSLC block (us)", str(n.slc_read_us), number("nand.slc_read_us", n.slc_read_us, 1, 100000)},
      {"nand.slc_program_us", "tPROG of a pSLC word line (us)", str(n.slc_program_us),
       number("nand.slc_program_us", n.slc_program_us, 1, 1000000)},
      {"nand.interface_mts", "channel data rate (MT/s)", str(n.interface_mts), number("nand.interface_mts", n.interface_mts, 1, 10000)},
      {"nand.bus_width_bytes", "channel bus width: 1 (x8) or 2 (x16)", str(n.bus_width_bytes),
       number("nand.bus_width_bytes", n.bus_width_bytes, 1, 2)},
      {"nand.command_ns", "command + address cycles of one command sequence (ns)", str(n.command_ns),
       number("nand.command_ns", n.command_ns, 0, 1000000)},
      {"nand.status_poll_ns", "one read-status poll (ns)", str(n.status_poll_ns), number("nand.status_poll_ns", n.status_poll_ns, 0, 1000000)},
      {"nand.ecc_codeword_bytes", "user bytes per ECC codeword (64..65536)", str(n.ecc_codeword_bytes),
       number("nand.ecc_codeword_bytes", n.ecc_codeword_bytes, 64, 65536)},
      {"nand.ecc_decode_ns", "decode time per codeword (ns)", str(n.ecc_decode_ns), number("nand.ecc_decode_ns", n.ecc_decode_ns, 0, 1000000)},
      {"nand.read_retry_probability", "probability that a read attempt fails and is retried [0, 1]",
       real_text(n.read_retry_probability), real("nand.read_retry_probability", n.read_retry_probability, 0.0, 1.0)},
      {"nand.read_retry_growth_per_kpe", "retry probability added per 1000 P/E cycles [0, 1]", real_text(n.read_retry_growth_per_kpe),
       real("nand.read_retry_growth_per_kpe", n.read_retry_growth_per_kpe, 0.0, 1.0)},
      {"nand.read_retry_extra_us", "array time per retry (us)", str(n.read_retry_extra_us),
       number("nand.read_retry_extra_us", n.read_retry_extra_us, 1, 100000)},
      {"nand.read_retry_max", "retries at most (0..64)", str(n.read_retry_max), number("nand.read_retry_max", n.read_retry_max, 0, 64)},
      {"nand.limited_retry_max", "retries at most for a read with Limited Retry set; one needing more fails with Unrecovered Read Error (0..64)",
       str(n.limited_retry_max), number("nand.limited_retry_max", n.limited_retry_max, 0, 64)},
      {"nand.multi_plane", "multi-plane reads, programs and erases", n.multi_plane ? "true" : "false", boolean("nand.multi_plane", n.multi_plane)},
      {"nand.cache_read", "cache read (the next array read overlaps the data out)", n.cache_read ? "true" : "false",
       boolean("nand.cache_read", n.cache_read)},
      {"nand.cache_program", "cache program (the next data in overlaps tPROG)", n.cache_program ? "true" : "false",
       boolean("nand.cache_program", n.cache_program)},
      {"nand.suspend", "program/erase suspend for reads", n.suspend ? "true" : "false", boolean("nand.suspend", n.suspend)},
      {"nand.suspend_ns", "suspend latency (ns)", str(n.suspend_ns), number("nand.suspend_ns", n.suspend_ns, 0, 100000000)},
      {"nand.resume_ns", "extra time on resume (ns)", str(n.resume_ns), number("nand.resume_ns", n.resume_ns, 0, 100000000)},
      {"nand.suspend_max_per_op", "suspensions of one program/erase (1..1000)", str(n.suspend_max_per_op),
       number("nand.suspend_max_per_op", n.suspend_max_per_op, 1, 1000)},
      {"nand.rated_pe_cycles", "rated program/erase cycles of a native block (SMART Percentage Used), 1..1000000",
       str(n.rated_pe_cycles), number("nand.rated_pe_cycles", n.rated_pe_cycles, 1, 1000000)},
      {"nand.max_busy_dies", "power budget: dies in an array operation at once (0: unlimited)", str(n.max_busy_dies),
       number("nand.max_busy_dies", n.max_busy_dies)},

      {"ftl.mapping_unit_bytes", "mapping granularity (a power of two in [512, 65536], at most a page)", str(t.mapping_unit_bytes),
       number("ftl.mapping_unit_bytes", t.mapping_unit_bytes, 512, 65536)},
      {"ftl.over_provisioning_permille", "OP = (physical - logical) / logical, per mille (1..1000)", str(t.over_provisioning_permille),
       number("ftl.over_provisioning_permille", t.over_provisioning_permille, 1, 1000)},
      {"ftl.gc_foreground_free_blocks", "free blocks per die below which writes wait for GC (2..1024)", str(t.gc_foreground_free_blocks),
       number("ftl.gc_foreground_free_blocks", t.gc_foreground_free_blocks, 2, 1024)},
      {"ftl.gc_background_free_blocks", "free blocks per die background GC keeps (>= foreground, <= 4096)", str(t.gc_background_free_blocks),
       number("ftl.gc_background_free_blocks", t.gc_background_free_blocks, 2, 4096)},
      {"ftl.write_buffer_program_units", "DRAM write buffer in program units (1..65536)", str(t.write_buffer_program_units),
       number("ftl.write_buffer_program_units", t.write_buffer_program_units, 1, 65536)},
      {"ftl.slc_cache_permille", "static pSLC cache as a share of the logical capacity, per mille (0..1000)", str(t.slc_cache_permille),
       number("ftl.slc_cache_permille", t.slc_cache_permille, 0, 1000)},
      {"ftl.fold_policy", "pSLC folding: idle (in idle time) or when_full (in the foreground)",
       t.fold_policy == FoldPolicy::WhenFull ? "when_full" : "idle",
       [&t](const std::string& v) {
         std::string s;
         choice("ftl.fold_policy", s, {"idle", "when_full"})(v);
         t.fold_policy = s == "when_full" ? FoldPolicy::WhenFull : FoldPolicy::Idle;
       }},
      {"ftl.mapping_cache_entries", "DRAM-less: mapping entries cached (0: the whole table in DRAM)", str(t.mapping_cache_entries),
       number("ftl.mapping_cache_entries", t.mapping_cache_entries, 0, 1ull << 40)},
      {"ftl.reverse_map", "GC's reverse map: table (RAM, fast) or scan (less memory)",
       t.reverse_map == ReverseMap::Scan ? "scan" : "table",
       [&t](const std::string& v) {
         std::string s;
         choice("ftl.reverse_map", s, {"table", "scan"})(v);
         t.reverse_map = s == "scan" ? ReverseMap::Scan : ReverseMap::Table;
       }},
  };
  return o;
}

}  // namespace scnvme::sim
