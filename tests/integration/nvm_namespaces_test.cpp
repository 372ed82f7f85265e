// Namespaces of the NVM command set (NVM Command Set 1.0, 4.1.5 Identify Namespace; 5.2 metadata
// (extended LBA and separate buffer); NVMe Base 2.0, 4.2 MPTR): several namespaces with NSID gaps,
// LBA formats with metadata, image-file namespaces, data-less namespaces and the sparse store.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "integration/nvm_host.h"
#include "support/temp_file.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;

namespace {


/// Image bytes: a pattern with an MBR-like boot signature at 510.
std::vector<uint8_t> disk_image(std::size_t bytes) {
  auto v = pattern(bytes, 77);
  v[510] = 0x55;
  v[511] = 0xAA;
  return v;
}

uint32_t lbaf(const std::vector<uint8_t>& id, unsigned k) { return spec::get_le32(id.data() + in::kLbaf0 + 4 * k); }

}  // namespace

TEST(NvmNamespaces, NamespacesWithNsidGapsAreIndependent) {
  ControllerConfig cfg;
  NamespaceConfig ns9{9, 32ull << 20};
  ns9.lba_formats = {LbaFormat{512, 0}, LbaFormat{4096, 0}};
  ns9.format_index = 1;
  cfg.namespaces = {NamespaceConfig{1, 8ull << 20, 512}, NamespaceConfig{4, 16ull << 20, 4096}, ns9};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    // Active namespace list: 1, 4, 9.
    std::vector<uint8_t> list;
    EXPECT_STATUS(h.identify(spec::cns::kActiveNamespaceList, 0, list), st::kSuccess);
    EXPECT_EQ(spec::get_le32(&list[0]), 1u);
    EXPECT_EQ(spec::get_le32(&list[4]), 4u);
    EXPECT_EQ(spec::get_le32(&list[8]), 9u);
    EXPECT_EQ(spec::get_le32(&list[12]), 0u);
    // Sizes and formats.
    const auto id1 = identify_ns(h, 1), id4 = identify_ns(h, 4), id9 = identify_ns(h, 9);
    EXPECT_EQ(spec::get_le64(id1.data() + in::kNsze), (8u << 20) / 512);
    EXPECT_EQ(spec::get_le64(id4.data() + in::kNsze), (16u << 20) / 4096);
    EXPECT_EQ(spec::get_le64(id9.data() + in::kNsze), (32u << 20) / 4096);
    EXPECT_EQ(in::lbaf_lbads(lbaf(id1, 0)), 9);
    EXPECT_EQ(in::lbaf_lbads(lbaf(id4, 0)), 12);
    EXPECT_EQ(id9[in::kNlbaf], 1);
    EXPECT_EQ(id9[in::kFlbas] & 0xF, 1);
    EXPECT_EQ(in::lbaf_lbads(lbaf(id9, 1)), 12);
    // Inactive NSIDs in the gaps: Identify returns zeroes, I/O fails.
    const auto id2 = identify_ns(h, 2);
    EXPECT_TRUE(all_zero(id2));
    DataBuffer buf(h, 64 * 1024);
    for (uint32_t nsid : {2u, 3u, 5u, 8u, 10u})
      EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, nsid, 0, 1), 512)), st::kInvalidNamespaceOrFormat);

    // The same LBAs in each namespace hold different data.
    const auto a = pattern(8 * 512, 1), c = pattern(8 * 4096, 4), d = pattern(8 * 4096, 9);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, a), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 4, 0, 8, c), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 9, 0, 8, d), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 8, a.size(), out), st::kSuccess);
    EXPECT_EQ(out, a);
    EXPECT_STATUS(read_blocks(h, buf, 4, 0, 8, c.size(), out), st::kSuccess);
    EXPECT_EQ(out, c);
    EXPECT_STATUS(read_blocks(h, buf, 9, 0, 8, d.size(), out), st::kSuccess);
    EXPECT_EQ(out, d);
    // Deallocating in one namespace leaves the others alone.
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 4, 0, 8, kDeac)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 8u);
    EXPECT_EQ(nuse(h, 4), 0u);
    EXPECT_EQ(nuse(h, 9), 8u);
    EXPECT_STATUS(read_blocks(h, buf, 9, 0, 8, d.size(), out), st::kSuccess);
    EXPECT_EQ(out, d);
    // Each namespace's own capacity bounds its LBAs.
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 16383, 1), 512)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 16384, 1), 512)), st::kLbaOutOfRange);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 4, 4095, 1), 4096)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 4, 4096, 1), 4096)), st::kLbaOutOfRange);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 9, 8191, 1), 4096)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 9, 8192, 1), 4096)), st::kLbaOutOfRange);
    // Flush of every namespace.
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, kBroadcast)), st::kSuccess);
  });
}

TEST(NvmNamespaces, IdentifyNamespaceReportsFormatsMetadataAndUsage) {
  ControllerConfig cfg;
  NamespaceConfig md{1, 4ull << 20};
  md.lba_formats = {LbaFormat{512, 0}, LbaFormat{512, 8}, LbaFormat{4096, 0}, LbaFormat{4096, 64}};
  md.format_index = 1;
  md.extended_lba = true;
  NamespaceConfig pat{2, 1ull << 30, 4096};
  pat.data = NamespaceData::Pattern;
  cfg.namespaces = {md, pat, NamespaceConfig{3, 1 << 20, 512}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const auto id = identify_ns(h, 1);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNsze), 8192u);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNcap), 8192u);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNuse), 0u);
    EXPECT_EQ(id[in::kNlbaf], 3) << "0-based number of formats";
    EXPECT_EQ(id[in::kFlbas], 0x11) << "format 1, metadata at the end of the data (extended LBA)";
    EXPECT_EQ(lbaf(id, 0), in::lbaf(0, 9, 0));
    EXPECT_EQ(lbaf(id, 1), in::lbaf(8, 9, 0));
    EXPECT_EQ(lbaf(id, 2), in::lbaf(0, 12, 0));
    EXPECT_EQ(lbaf(id, 3), in::lbaf(64, 12, 0));
    EXPECT_EQ(lbaf(id, 4), 0u);
    EXPECT_EQ(id[in::kMc] & 0x3, 0x3) << "extended LBA and separate buffer supported";
    EXPECT_EQ(id[in::kDlfeat], 0x09);
    EXPECT_EQ(id[in::kNsattr], 0);
    // Pattern namespace: deallocated-read values not reported.
    const auto idp = identify_ns(h, 2);
    EXPECT_EQ(idp[in::kDlfeat] & 0x7, 0);
    EXPECT_EQ(spec::get_le64(idp.data() + in::kNsze), (1u << 30) / 4096);
    EXPECT_EQ(in::lbaf_ms(lbaf(idp, 0)), 0);
    EXPECT_EQ(idp[in::kMc], 0);
    // A plain namespace: one format, no metadata.
    const auto id3 = identify_ns(h, 3);
    EXPECT_EQ(id3[in::kNlbaf], 0);
    EXPECT_EQ(id3[in::kFlbas], 0);
    EXPECT_EQ(id3[in::kMc], 0);
    // NUSE follows writes.
    DataBuffer buf(h, 16 * 520);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 10, pattern(10 * 520, 5)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 10u);
    EXPECT_STATUS(write_blocks(h, buf, 1, 105, 10, pattern(10 * 520, 6)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 15u);
    // Identify Namespace NSID 0 and FFFFFFFFh (no namespace management): Invalid Namespace.
    std::vector<uint8_t> d;
    EXPECT_STATUS(h.identify(spec::cns::kNamespace, 0, d), st::kInvalidNamespaceOrFormat);
  });
}

TEST(NvmNamespaces, ExtendedLbaInterleavesMetadataAndCountsItAgainstMdts) {
  ControllerConfig cfg;
  NamespaceConfig ext{1, 8ull << 20};
  ext.lba_formats = {LbaFormat{512, 8}};
  ext.extended_lba = true;
  NamespaceConfig ext4k{2, 8ull << 20};
  ext4k.lba_formats = {LbaFormat{4096, 64}};
  ext4k.extended_lba = true;
  cfg.namespaces = {ext, ext4k};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 136 * 1024);
    const auto a = pattern(16 * 520, 1);
    EXPECT_STATUS(write_blocks(h, buf, 1, 20, 16, a), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 20, 16, a.size(), out), st::kSuccess);
    EXPECT_EQ(out, a);
    // A sub-range starts at a block boundary of the interleaved layout.
    EXPECT_STATUS(read_blocks(h, buf, 1, 23, 2, 2 * 520, out), st::kSuccess);
    EXPECT_EQ(out, slice(a, 3 * 520, 2 * 520));
    // Exactly 8 bytes of metadata per block: a read that ends after 2 x 520 leaves the rest alone.
    EXPECT_EQ(buf.ptr()[2 * 520], 0xA5);
    // 4 KiB + 64.
    const auto c = pattern(8 * 4160, 2);
    EXPECT_STATUS(write_blocks(h, buf, 2, 0, 8, c), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 2, 0, 8, c.size(), out), st::kSuccess);
    EXPECT_EQ(out, c);
    EXPECT_STATUS(read_blocks(h, buf, 2, 7, 1, 4160, out), st::kSuccess);
    EXPECT_EQ(out, slice(c, 7 * 4160, 4160));
    // MDTS (128 KiB) counts the interleaved metadata: 252 x 520 = 131040 fits, 253 x 520 does not.
    buf.fill(0x3C);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 252), 252 * 520)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 253), 253 * 520)), st::kInvalidField);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, 253), 253 * 520)), st::kInvalidField);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, 252), 252 * 520)), st::kSuccess);
    // 4160-byte blocks: 31 fit (128960), 32 (133120) do not.
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 2, 0, 31), 31 * 4160)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 2, 0, 32), 32 * 4160)), st::kInvalidField);
  });
}

TEST(NvmNamespaces, SeparateMetadataTravelsThroughMptr) {
  ControllerConfig cfg;
  NamespaceConfig sep{1, 8ull << 20};
  sep.lba_formats = {LbaFormat{512, 16}};
  NamespaceConfig sep4k{2, 8ull << 20};
  sep4k.lba_formats = {LbaFormat{4096, 8}};
  cfg.namespaces = {sep, sep4k};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto data = pattern(8 * 512, 1), md = pattern(8 * 16, 2);
    const uint64_t mw = h.alloc(8192) + 4092;  // dword aligned, crossing a page boundary
    h.mem.write(mw, md.data(), md.size());
    EXPECT_STATUS(write_blocks(h, buf, 1, 50, 8, data, 0, mw), st::kSuccess);
    const uint64_t mr = h.alloc(4096) + 64;
    std::memset(h.mem.at(mr), 0xA5, 256);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 50, 8, data.size(), out, 0, mr), st::kSuccess);
    EXPECT_EQ(out, data) << "the data buffer holds data only";
    EXPECT_EQ(std::vector<uint8_t>(h.mem.at(mr), h.mem.at(mr) + md.size()), md);
    EXPECT_EQ(h.mem.at(mr)[md.size()], 0xA5) << "nothing past the metadata";
    // Part of it.
    std::memset(h.mem.at(mr), 0xA5, 256);
    EXPECT_STATUS(read_blocks(h, buf, 1, 53, 2, 1024, out, 0, mr), st::kSuccess);
    EXPECT_EQ(out, slice(data, 3 * 512, 1024));
    EXPECT_EQ(std::vector<uint8_t>(h.mem.at(mr), h.mem.at(mr) + 32), slice(md, 48, 32));
    // Unwritten blocks: zero metadata.
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 1, 512, out, 0, mr), st::kSuccess);
    EXPECT_TRUE(all_zero(std::vector<uint8_t>(h.mem.at(mr), h.mem.at(mr) + 16)));
    // MPTR must be dword aligned (PSDT 00b).
    for (uint64_t off : {1u, 2u, 3u}) {
      EXPECT_STATUS(read_blocks(h, buf, 1, 50, 8, data.size(), out, 0, mr + off), st::kInvalidField);
      EXPECT_STATUS(write_blocks(h, buf, 1, 50, 8, pattern(8 * 512, 3), 0, mw + off), st::kInvalidField);
    }
    EXPECT_STATUS(read_blocks(h, buf, 1, 50, 8, data.size(), out, 0, mr), st::kSuccess);
    EXPECT_EQ(out, data) << "rejected writes changed nothing";
    // MPTR into unmapped host memory.
    EXPECT_STATUS(read_blocks(h, buf, 1, 50, 8, data.size(), out, 0, 64ull << 20), st::kDataTransferError);
    EXPECT_STATUS(write_blocks(h, buf, 1, 50, 8, data, 0, 64ull << 20), st::kDataTransferError);
    // 4 KiB + 8.
    const auto d4 = pattern(4 * 4096, 4), m4 = pattern(4 * 8, 5);
    h.mem.write(mw, m4.data(), m4.size());
    EXPECT_STATUS(write_blocks(h, buf, 2, 1000, 4, d4, kFua, mw), st::kSuccess);
    std::memset(h.mem.at(mr), 0, 64);
    EXPECT_STATUS(read_blocks(h, buf, 2, 1000, 4, d4.size(), out, 0, mr), st::kSuccess);
    EXPECT_EQ(out, d4);
    EXPECT_EQ(std::vector<uint8_t>(h.mem.at(mr), h.mem.at(mr) + m4.size()), m4);
  });
}

TEST(NvmNamespaces, ImageFileNamespaceReadsAndWritesTheFile) {
  const auto original = disk_image(1 << 20);
  TempFile img(original);
  ControllerConfig cfg;
  NamespaceConfig ns{1, 0, 512};  // size 0: the file's size
  ns.image = img.path;
  cfg.namespaces = {ns};
  Bench b("bench", cfg);
  b.run([&](Bench& h) {
    bring_up(h);
    const auto id = identify_ns(h, 1);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNsze), 2048u);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNcap), 2048u);
    EXPECT_EQ(id[in::kNsattr] & 1, 0);
    DataBuffer buf(h, 64 * 1024);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 1, 512, out), st::kSuccess);
    EXPECT_EQ(out[510], 0x55);
    EXPECT_EQ(out[511], 0xAA);
    EXPECT_EQ(out, slice(original, 0, 512));
    EXPECT_STATUS(read_blocks(h, buf, 1, 2040, 8, 4096, out), st::kSuccess);
    EXPECT_EQ(out, slice(original, 2040 * 512, 4096));
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 2048, 1), 512)), st::kLbaOutOfRange);
    // Writes (cached and FUA), a Write Zeroes, then Flush: the file holds exactly that.
    auto expected = original;
    const auto w1 = pattern(16 * 512, 8), w2 = pattern(4 * 512, 9);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 16, w1), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 1, 2044, 4, w2, kFua), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 1)), st::kSuccess);
    std::copy(w1.begin(), w1.end(), expected.begin() + 100 * 512);
    std::copy(w2.begin(), w2.end(), expected.begin() + 2044 * 512);
    std::fill(expected.begin(), expected.begin() + 512, 0);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 1)), st::kSuccess);
    const auto file = img.contents();
    ASSERT_EQ(file.size(), expected.size());
    std::size_t first_diff = file.size();
    for (std::size_t i = 0; i < file.size() && first_diff == file.size(); ++i)
      if (file[i] != expected[i]) first_diff = i;
    EXPECT_EQ(first_diff, file.size()) << "file differs from what was written at byte " << first_diff;
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 16, w1.size(), out), st::kSuccess);
    EXPECT_EQ(out, w1);
  });
}

TEST(NvmNamespaces, ReadOnlyImageRejectsWritesAndLeavesTheFileUnchanged) {
  const auto original = disk_image(256 * 1024);
  TempFile img(original);
  ::chmod(img.path.c_str(), 0444);
  ControllerConfig cfg;
  NamespaceConfig ns{1, 0, 512};
  ns.image = img.path;
  ns.image_read_only = true;
  cfg.namespaces = {ns};
  Bench b("bench", cfg);
  b.run([&](Bench& h) {
    bring_up(h);
    EXPECT_EQ(identify_ns(h, 1)[in::kNsattr] & 1, 1) << "NSATTR: write protected";
    DataBuffer buf(h, 8192);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 16, 8192, out), st::kSuccess);
    EXPECT_EQ(out, slice(original, 0, 8192));
    buf.fill(0xEE);
    const uint64_t list = h.alloc(4096);
    spec::put_le32(h.mem.at(list + 4), 8);
    spec::put_le64(h.mem.at(list + 8), 0);
    spec::Sqe dsm = make_sqe(io_op::kDatasetManagement, 0, 1u << 2, 1);
    dsm.set_prp1(list);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 16), 8192)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 1, kFua), 512)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 16)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 16, kDeac)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, dsm), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 0, 1)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, kBroadcast)), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 0, 16)), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 16, 8192, out), st::kSuccess);
    EXPECT_EQ(out, slice(original, 0, 8192));
  });
  EXPECT_EQ(img.contents(), original);
}

TEST(NvmNamespaces, MissingImageFileIsAConfigError) {
  ControllerConfig cfg;
  NamespaceConfig ns{1, 1 << 20, 512};
  ns.image = "/nonexistent-dir/scnvme-missing.img";
  cfg.namespaces = {ns};
  try {
    Controller c("nvme_missing_image", cfg);
    ADD_FAILURE() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "namespaces[0].image");
    EXPECT_NE(std::string(e.what()).find("namespaces[0].image"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scnvme-missing.img"), std::string::npos) << e.what();
  }
}

TEST(NvmNamespaces, ImageWhoseSizeIsNotAWholeNumberOfBlocksIsAConfigError) {
  TempFile img(std::vector<uint8_t>(1000, 1));
  ControllerConfig cfg;
  NamespaceConfig ns{1, 0, 512};
  ns.image = img.path;
  cfg.namespaces = {ns};
  try {
    Controller c("nvme_odd_image", cfg);
    ADD_FAILURE() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "namespaces[0].image");
  }
}

TEST(NvmNamespaces, DatalessNamespacesOfFourTebibytesReadZeroesOrThePattern) {
  ControllerConfig cfg;
  NamespaceConfig zero{1, 4ull << 40, 512};
  zero.data = NamespaceData::Zeroes;
  NamespaceConfig pat{2, 4ull << 40, 512};
  pat.data = NamespaceData::Pattern;
  NamespaceConfig pat4k{3, 4ull << 40, 4096};
  pat4k.data = NamespaceData::Pattern;
  cfg.namespaces = {zero, pat, pat4k};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t blocks = (4ull << 40) / 512;
    EXPECT_EQ(spec::get_le64(identify_ns(h, 1).data() + in::kNsze), blocks);
    DataBuffer buf(h, 128 * 1024);
    buf.fill(0xC3);
    std::vector<uint8_t> out;
    // Writes anywhere succeed and store nothing.
    for (uint64_t lba : std::vector<uint64_t>{0, blocks / 2, blocks - 256}) {
      EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, lba, 256), 256 * 512)), st::kSuccess);
      EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 2, lba, 256), 256 * 512)), st::kSuccess);
      EXPECT_STATUS(read_blocks(h, buf, 1, lba, 256, 256 * 512, out), st::kSuccess);
      EXPECT_TRUE(all_zero(out)) << "LBA " << lba;
    }
    EXPECT_EQ(nuse(h, 1), 0u);
    EXPECT_EQ(nuse(h, 2), 0u);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, blocks - 65536, 65536)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, blocks, 1), 512)), st::kLbaOutOfRange);
    // Pattern: 64-bit word k of block L is (L << 16) | k, little endian.
    auto check_pattern = [&](uint32_t nsid, uint64_t lba, uint32_t nlb, uint32_t bs) {
      EXPECT_STATUS(read_blocks(h, buf, nsid, lba, nlb, uint64_t{nlb} * bs, out), st::kSuccess);
      for (uint32_t i = 0; i < nlb; ++i)
        for (uint32_t k = 0; k < bs / 8; ++k) {
          const uint64_t want = ((lba + i) << 16) | k;
          const uint64_t got = spec::get_le64(&out[uint64_t{i} * bs + 8ull * k]);
          if (got != want) {
            ADD_FAILURE() << "NSID " << nsid << " LBA " << lba + i << " word " << k << ": " << std::hex << got
                          << " != " << want;
            return;
          }
        }
    };
    check_pattern(2, 0, 4, 512);
    check_pattern(2, 0x12345678, 8, 512);
    check_pattern(2, blocks - 8, 8, 512);
    check_pattern(3, 0, 2, 4096);
    check_pattern(3, (4ull << 40) / 4096 - 4, 4, 4096);
    EXPECT_EQ(out[0], static_cast<uint8_t>(0)) << "word 0 of a block: k = 0";
    // Writing does not change the pattern.
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 3, 77, 2), 8192)), st::kSuccess);
    check_pattern(3, 77, 2, 4096);
  });
}

TEST(NvmNamespaces, SparseStoreHoldsWhatIsWrittenOnAHugeNamespace) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1ull << 40, 512}};  // 1 TiB, 2^31 blocks
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t blocks = (1ull << 40) / 512;
    DataBuffer buf(h, 128 * 1024);
    // 8 MiB in 64 writes of 128 KiB scattered over the namespace.
    auto lba_of = [&](int i) { return (blocks / 64) * static_cast<uint64_t>(i) + 4096ull * static_cast<uint64_t>(i % 7); };
    for (int i = 0; i < 64; ++i)
      EXPECT_STATUS(write_blocks(h, buf, 1, lba_of(i), 256, pattern(128 * 1024, 100 + i)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 64u * 256u);
    std::vector<uint8_t> out;
    for (int i : {0, 17, 42, 63}) {
      EXPECT_STATUS(read_blocks(h, buf, 1, lba_of(i), 256, 128 * 1024, out), st::kSuccess);
      EXPECT_EQ(out, pattern(128 * 1024, 100 + i)) << "write " << i;
    }
    // Deallocate half of them: NUSE halves, the rest still reads back.
    for (int i = 0; i < 64; i += 2) EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, lba_of(i), 256, kDeac)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 32u * 256u);
    EXPECT_STATUS(read_blocks(h, buf, 1, lba_of(17), 256, 128 * 1024, out), st::kSuccess);
    EXPECT_EQ(out, pattern(128 * 1024, 117));
    EXPECT_STATUS(read_blocks(h, buf, 1, lba_of(42), 256, 128 * 1024, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    // Rewriting blocks already held does not raise NUSE.
    EXPECT_STATUS(write_blocks(h, buf, 1, lba_of(17), 256, pattern(128 * 1024, 5)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 32u * 256u);
  });
}
