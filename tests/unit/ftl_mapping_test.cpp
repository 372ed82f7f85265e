// The mapping side of the FTL: the chunked table and its memory, read-after-write, trim and
// write zeroes, the consistency of mapping and block valid counts under random traffic, and the
// map-page traffic of a DRAM-less drive.
#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "backend/ftl/ftl.h"
#include "ftl_test_geometry.h"

using namespace scnvme::detail::ftl;
using scnvme::FtlConfig;

namespace {

/// Every mapped unit has its own PPA, inside a written block, and each block's valid count is
/// the number of units mapped into it.
void expect_consistent(const Ftl& ftl) {
  const Layout& l = ftl.layout();
  std::vector<uint32_t> per_block(l.total_blocks, 0);
  std::vector<Ppa> ppas;
  for (uint64_t lba = 0; lba < l.logical_units; ++lba) {
    const Ppa p = ftl.lookup(lba);
    if (p == kUnmapped) continue;
    ASSERT_LT(l.gblock_of(p), l.total_blocks);
    ASSERT_LT(l.offset_of(p), l.block_units(l.is_slc(l.gblock_of(p))));
    ++per_block[l.gblock_of(p)];
    ppas.push_back(p);
  }
  std::sort(ppas.begin(), ppas.end());
  EXPECT_EQ(std::adjacent_find(ppas.begin(), ppas.end()), ppas.end()) << "two units share a PPA";
  for (uint32_t gb = 0; gb < l.total_blocks; ++gb) {
    ASSERT_EQ(per_block[gb], ftl.blocks().valid(gb)) << "block " << gb;
    if (per_block[gb]) {  // a victim still holds the units its paced collection has not moved yet
      const BlockState st = ftl.blocks().state(gb);
      EXPECT_TRUE(st == BlockState::Open || st == BlockState::Closed || st == BlockState::Victim);
    }
  }
  EXPECT_EQ(ftl.mapping().mapped_units(), ppas.size());
}

TEST(FtlMappingTable, LazyChunksAndMemory) {
  MappingTable t(1'000'000);
  EXPECT_EQ(t.allocated_chunks(), 0u);
  EXPECT_EQ(t.get(123), kUnmapped);
  const uint64_t dir = t.directory_bytes();
  EXPECT_EQ(t.memory_bytes(), dir);
  // N mapped units cost at most 4 bytes each plus the directory (whole chunks here).
  const uint64_t n = 40 * uint64_t{t.chunk_entries()};
  for (uint64_t lba = 0; lba < n; ++lba) t.set(lba, static_cast<Ppa>(lba * 7));
  EXPECT_EQ(t.mapped_units(), n);
  EXPECT_LE(t.memory_bytes(), 4 * n + dir);
  EXPECT_EQ(t.get(4097), 4097u * 7);
  // Remapping does not allocate; unmapping a whole chunk releases it.
  EXPECT_EQ(t.set(5, 99), 35u);
  EXPECT_EQ(t.mapped_units(), n);
  for (uint64_t lba = 0; lba < t.chunk_entries(); ++lba) t.unmap(lba);
  EXPECT_EQ(t.allocated_chunks(), 39u);
  EXPECT_EQ(t.get(5), kUnmapped);
  EXPECT_EQ(t.unmap(5), kUnmapped);
  EXPECT_EQ(t.mapped_units(), n - t.chunk_entries());
}

TEST(FtlMapping, ReadAfterWriteFindsTheLatestCopy) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(2));
  for (int round = 0; round < 3; ++round) ftl.write(100, 50);
  ftl.write(120, 1);
  const Ppa p = ftl.lookup(120);
  ASSERT_NE(p, kUnmapped);
  // Still in the write buffer: served from DRAM.
  EXPECT_TRUE(ftl.buffered(p));
  EXPECT_TRUE(ftl.read(120, 1).empty());
  EXPECT_EQ(ftl.stats().buffer_read_hits, 1u);
  ftl.flush();
  EXPECT_FALSE(ftl.buffered(p));
  const NandOps ops = ftl.read(120, 1);
  ASSERT_EQ(ops.size(), 1u);
  const PhysicalAddress a = ftl.decode(p);
  EXPECT_EQ(ops[0].type, NandOpType::Read);
  EXPECT_EQ(ops[0].purpose, OpPurpose::Host);
  EXPECT_EQ(ops[0].die, a.die);
  EXPECT_EQ(ops[0].block, a.block);
  EXPECT_EQ(ops[0].page, a.page);
  EXPECT_EQ(ops[0].units, 1u);
  // A sequential read needs one page read per 4 units.
  ftl.flush();
  const NandOps seq = ftl.read(100, 20);
  uint32_t units = 0;
  for (const NandOp& op : seq) units += op.units;
  EXPECT_EQ(units, 20u);
  EXPECT_LE(seq.size(), 6u);
  expect_consistent(ftl);
}

TEST(FtlMapping, PrefetchIsOnlyAHint) {
  // The controller prefetches a fetched Read's mapping entry before decoding the command: any
  // unit, mapped, unmapped or beyond the drive, changes nothing.
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(2));
  ftl.write(100, 10);
  ftl.flush();
  const Ppa p = ftl.lookup(105);
  const FtlStats before = ftl.stats();
  for (const uint64_t lba : {uint64_t{105}, uint64_t{0}, ftl.mapping().units() - 1, ftl.mapping().units(), ~uint64_t{0}}) ftl.prefetch(lba);
  EXPECT_EQ(ftl.lookup(105), p);
  EXPECT_EQ(ftl.stats().host_units_read, before.host_units_read);
  EXPECT_EQ(ftl.mapping().mapped_units(), 10u);
  expect_consistent(ftl);
}

TEST(FtlMapping, TrimAndWriteZeroesUnmap) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(2));
  ftl.write(0, 1000);
  ftl.flush();
  const uint64_t valid_before = ftl.mapping().mapped_units();
  EXPECT_TRUE(ftl.trim(10, 90).empty());
  EXPECT_TRUE(ftl.write_zeroes(500, 100).empty());
  EXPECT_EQ(ftl.stats().host_units_trimmed, 190u);
  EXPECT_EQ(ftl.mapping().mapped_units(), valid_before - 190);
  EXPECT_EQ(ftl.lookup(10), kUnmapped);
  EXPECT_EQ(ftl.lookup(599), kUnmapped);
  EXPECT_NE(ftl.lookup(600), kUnmapped);
  // Unmapped units read as zeroes without touching NAND; trimming them again changes nothing.
  EXPECT_TRUE(ftl.read(10, 90).empty());
  EXPECT_EQ(ftl.stats().unmapped_reads, 90u);
  ftl.trim(10, 90);
  EXPECT_EQ(ftl.stats().host_units_trimmed, 190u);
  expect_consistent(ftl);
}

TEST(FtlMapping, RandomTrafficKeepsMappingAndValidCountsConsistent) {
  for (auto mode : {scnvme::ReverseMap::Table, scnvme::ReverseMap::Scan}) {
    SCOPED_TRACE(mode == scnvme::ReverseMap::Table ? "table" : "scan");
    FtlConfig cfg;
    cfg.reverse_map = mode;
    Ftl ftl(cfg, test::small_tlc_geometry(2));
    const uint64_t n = ftl.logical_units();
    std::mt19937_64 rng(42);
    for (uint64_t i = 0; i < 4 * n; ++i) {
      const uint64_t lba = rng() % n;
      switch (rng() % 16) {
        case 0: ftl.trim(lba, std::min<uint64_t>(8, n - lba)); break;
        case 1: ftl.read(lba, 1); break;
        case 2: if (i % 64 == 0) ftl.flush(); break;
        case 3: if (i % 32 == 0) ftl.background_step(); break;
        default: ftl.write(lba, 1);
      }
    }
    EXPECT_GT(ftl.stats().gc_units_migrated, 0u);
    expect_consistent(ftl);
  }
}

TEST(FtlMapping, ADieFullOfValidDataIsSkipped) {
  // Rewriting only data that lives on die 1 moves data onto die 0 (every other program unit
  // goes there) until die 0 is full; host writes then go to die 1 alone.
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(2));
  const Layout& l = ftl.layout();
  const uint64_t n = l.logical_units;
  ftl.write(0, n);
  std::mt19937_64 rng(1);
  for (uint64_t i = 0; i < 10 * n; ++i) {
    const uint64_t lba = rng() % n;
    if (l.die_of(l.gblock_of(ftl.lookup(lba))) != 1) continue;
    ASSERT_NO_THROW(ftl.write(lba, 1));
  }
  uint64_t die0 = 0;
  for (uint32_t gb = l.gblock(0, 0); gb < l.gblock(1, 0); ++gb) die0 += ftl.blocks().valid(gb);
  EXPECT_GT(die0, uint64_t{l.blocks_per_die - 4} * l.units_per_block);
  expect_consistent(ftl);
}

TEST(FtlMapping, OutOfRangeThrows) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(2));
  EXPECT_THROW(ftl.write(ftl.logical_units(), 1), std::out_of_range);
  EXPECT_THROW(ftl.read(ftl.logical_units() - 1, 2), std::out_of_range);
  EXPECT_NO_THROW(ftl.trim(0, ftl.logical_units()));
}

TEST(FtlMapping, MemoryIsFourBytesPerMappedUnitPlusBlockMetadata) {
  // ReverseMap::Scan keeps no per-unit reverse map: the mapping table is the only per-unit cost.
  // The empty FTL's memory is the per-block metadata and fixed buffers; garbage collection adds
  // the LBA lists of one scan batch (an eighth of the blocks).
  FtlConfig cfg;
  cfg.reverse_map = scnvme::ReverseMap::Scan;
  Ftl ftl(cfg, test::small_tlc_geometry(2));
  const Layout& l = ftl.layout();
  const uint64_t empty = ftl.memory_bytes();
  EXPECT_LE(empty, 64ull * l.total_blocks + ftl.mapping().directory_bytes() + 256 * 1024);
  const uint64_t n = l.logical_units;
  ftl.precondition({true, 2.0, 3});  // fill, then garbage collection with batched scans
  ASSERT_EQ(ftl.mapping().mapped_units(), n);
  const uint64_t batch_blocks = uint64_t{l.dies} * (l.blocks_per_die / 8);
  const uint64_t scan_batch = batch_blocks * (l.units_per_block * 4 + 4);  // LBA lists and their index
  EXPECT_LE(ftl.memory_bytes(), empty + 4 * n + scan_batch) << "for " << n << " units";
  // ReverseMap::Table adds the reverse map: 4 bytes per physical unit.
  Ftl table(FtlConfig{}, test::small_tlc_geometry(2));
  const uint64_t table_empty = table.memory_bytes();
  table.precondition({true, 2.0, 3});
  EXPECT_LE(table.memory_bytes(), table_empty + 4 * n + 4ull * l.total_blocks * l.units_per_block);
}

TEST(FtlMapping, DramLessMissesReadMapPages) {
  FtlConfig cfg;
  cfg.mapping_cache_entries = 2 * 4096;  // two map pages of 4096 entries (16 KiB pages)
  Ftl ftl(cfg, test::small_tlc_geometry(2));
  auto count = [](const NandOps& ops, NandOpType type) {
    return std::count_if(ops.begin(), ops.end(), [&](const NandOp& op) { return op.purpose == OpPurpose::Map && op.type == type; });
  };
  NandOps ops = ftl.read(0, 2);  // map page 0: one miss for both entries
  ASSERT_EQ(count(ops, NandOpType::Read), 1);
  EXPECT_EQ(ops[0].block, kMapBlock);
  EXPECT_TRUE(ops[0].slc);
  EXPECT_EQ(ftl.stats().map_hits, 1u);
  EXPECT_EQ(count(ftl.write(4096, 1), NandOpType::Read), 1);  // page 1: miss, now dirty
  EXPECT_EQ(count(ftl.read(1, 1), NandOpType::Read), 0);      // page 0 hit (most recent now)
  ops = ftl.read(8192, 1);                                      // page 2 evicts page 1 (dirty)
  EXPECT_EQ(count(ops, NandOpType::Read), 1);
  EXPECT_EQ(count(ops, NandOpType::Program), 1);
  EXPECT_EQ(ftl.stats().map_misses, 3u);
  EXPECT_EQ(ftl.stats().map_writebacks, 1u);
  // A whole-table drive reports no map traffic.
  Ftl dram(FtlConfig{}, test::small_tlc_geometry(2));
  EXPECT_TRUE(dram.read(0, 100).empty());
  EXPECT_EQ(dram.stats().map_misses, 0u);
}

}  // namespace
