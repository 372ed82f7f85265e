// Firmware update (NVMe Base 2.0, 5.12 Firmware Commit, 5.13 Firmware Image Download, 5.16.1.4
// Firmware Slot Information log): the Identify fields, downloads in pieces with the granularity
// and overlap rules, commit actions and slots, image checks, activation at the reset an image
// needs, and activation without reset with its notice and CSTS.PP. Images follow the format the
// README documents ("What the controller implements").
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "conformance/host_steps.h"
#include "scnvme/spec/nvme_async_event.h"

using namespace scnvme;
using namespace scnvme::test;
namespace lg = spec::log;
namespace fs = spec::log::firmware_slot;
namespace ic = spec::id_ctrl;
namespace reg = spec::reg;
namespace ae = spec::async_event;

namespace {

// Commit Actions (CDW10 bits 5:3).
constexpr uint8_t kReplace = 0, kReplaceAndActivate = 1, kActivate = 2, kActivateNow = 3;
// Image activation byte (offset 12).
constexpr uint8_t kAnyReset = 0, kResetOnly = 1, kNeedsNssr = 2, kNeedsConventional = 3;

/// A well-formed image (README format): magic, checksum, length, activation, revision.
std::vector<uint8_t> make_image(const std::string& revision, uint8_t activation = kAnyReset, uint32_t size = 8192,
                                uint32_t length = 0) {
  std::vector<uint8_t> img(size, 0);
  if (length == 0) length = size;
  std::memcpy(img.data(), "SCFW", 4);
  spec::put_le32(&img[8], length);
  img[12] = activation;
  std::string r = revision;
  r.resize(8, ' ');
  std::memcpy(&img[16], r.data(), 8);
  const uint32_t covered = std::min(length, size);  // (a length beyond the image is an error case)
  for (uint32_t i = 32; i < covered; ++i) img[i] = static_cast<uint8_t>(i * 7 + 1);
  uint32_t sum = 0;
  for (uint32_t i = 0; i < covered; i += 4) sum += spec::get_le32(&img[i]);
  spec::put_le32(&img[4], 0u - sum);
  return img;
}

/// Firmware Image Download of `len` bytes of `data` at byte `offset` (PRP1/PRP2/PRP list).
spec::Sqe download_sqe(Bench& h, const uint8_t* data, uint32_t len, uint32_t offset) {
  const uint64_t buf = h.alloc(len);
  std::memcpy(h.mem.at(buf), data, len);
  spec::Sqe s = make_sqe(op::kFirmwareDownload, len / 4 - 1, offset / 4);
  s.set_prp1(buf);
  if (len > 8192) {
    const uint64_t list = h.alloc(4096);
    for (uint32_t i = 1; i * 4096u < len; ++i) spec::put_le64(h.mem.at(list + 8ull * (i - 1)), buf + 4096ull * i);
    s.set_prp2(list);
  } else if (len > 4096) {
    s.set_prp2(buf + 4096);
  }
  return s;
}

spec::Cqe download(Bench& h, const std::vector<uint8_t>& img, uint32_t offset, uint32_t len) {
  return h.admin(download_sqe(h, img.data() + offset, len, offset));
}

/// Downloads a whole image in 4 KiB pieces, last piece first (pieces may come in any order).
void download_all(Bench& h, const std::vector<uint8_t>& img) {
  for (uint32_t off = static_cast<uint32_t>(img.size()); off > 0;) {
    const uint32_t len = off % 4096 ? off % 4096 : 4096;
    off -= len;
    EXPECT_STATUS(download(h, img, off, len), st::kSuccess) << "piece at " << off;
  }
}

spec::Sqe commit_sqe(uint8_t ca, uint8_t slot) { return make_sqe(op::kFirmwareCommit, static_cast<uint32_t>(ca) << 3 | slot); }
spec::Cqe commit(Bench& h, uint8_t ca, uint8_t slot) { return h.admin(commit_sqe(ca, slot)); }

std::string running_revision(Bench& h) {
  std::vector<uint8_t> id;
  EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
  return ascii(id, ic::kFr, ic::kFrLen);
}

struct SlotLog {
  unsigned active, next;
  std::vector<std::string> frs;  // [0] unused, [1..7]
};
SlotLog slot_log(Bench& h) {
  const LogRead r = read_log(h, lg::kFirmwareSlot, fs::kSize);
  EXPECT_STATUS(r.cqe, st::kSuccess);
  SlotLog l{fs::afi_active(r.bytes[fs::kAfi]), fs::afi_next(r.bytes[fs::kAfi]), {""}};
  for (unsigned s = 1; s <= 7; ++s) l.frs.push_back(ascii(r.bytes, fs::frs(s), fs::kFrsLen));
  return l;
}
const std::string kEmpty(8, '\0');

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

/// CC.EN 1 -> 0 (a Controller Level Reset), then enabled again.
void controller_reset(Bench& h) {
  h.wr32(reg::kCc, h.rd32(reg::kCc) & ~reg::cc::kEn);
  ASSERT_TRUE(h.wait_ready(false));
  ASSERT_TRUE(h.enable());
}

/// NVM Subsystem Reset (a conventional reset of the function, too), then brought up again.
void subsystem_reset(Bench& h) {
  h.wr32(reg::kNssr, reg::kNssrReset);
  wait_us(10);
  h.sqs.clear();
  h.cqs.clear();
  bring_up(h);
}

void power_cycle(Bench& h) {
  h.nvme.power_loss();
  h.sqs.clear();
  h.cqs.clear();
  bring_up(h);
}

}  // namespace

TEST(Firmware, IdentifyReportsTheFirmwareCapabilities) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_TRUE(spec::get_le16(&id[ic::kOacs]) & ic::kOacsFirmware) << "Firmware Commit / Image Download";
    EXPECT_EQ(id[ic::kFrmw], 0x14) << "2 slots, slot 1 writable, activation without reset";
    EXPECT_EQ(id[ic::kFwug], 1) << "4 KiB granularity";
    EXPECT_EQ(spec::get_le16(&id[ic::kMtfa]), 1) << "1 ms pause: one 100 ms unit";
    EXPECT_EQ(spec::get_le32(&id[ic::kOaes]) & ~ic::kOaesNamespaceAttribute, ic::kOaesFirmwareActivation);
    EXPECT_EQ(ascii(id, ic::kFr, ic::kFrLen), "0.1.0   ");
    const SlotLog l = slot_log(h);
    EXPECT_EQ(l.active, 1u);
    EXPECT_EQ(l.next, 0u);
    EXPECT_EQ(l.frs[1], "0.1.0   ");
    for (unsigned s = 2; s <= 7; ++s) EXPECT_EQ(l.frs[s], kEmpty) << "slot " << s;
  });
}

TEST(Firmware, IdentifyFollowsTheConfiguration) {
  ControllerConfig cfg;
  cfg.firmware_slots = 7;
  cfg.firmware_slot1_read_only = true;
  cfg.firmware_activation_without_reset = false;
  cfg.firmware_update_granularity_4k = 0xFF;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_EQ(id[ic::kFrmw], 0x0F) << "7 slots, slot 1 read-only, no activation without reset";
    EXPECT_EQ(id[ic::kFwug], 0xFF);
    EXPECT_EQ(spec::get_le16(&id[ic::kMtfa]), 0);
    EXPECT_EQ(spec::get_le32(&id[ic::kOaes]) & ~ic::kOaesNamespaceAttribute, 0u);
    // Without activation without reset: Commit Action 011b is not supported, nor its notices.
    download_all(h, make_image("NEW"));
    EXPECT_STATUS(commit(h, kActivateNow, 2), st::kInvalidField);
    EXPECT_STATUS(download(h, make_image("NEW"), 0, 4096), st::kOverlappingRange) << "the download is kept";
    EXPECT_STATUS(commit(h, kReplace, 2), st::kSuccess);
    EXPECT_STATUS(h.set_features(spec::feature::kAsyncEventConfiguration, spec::feature::kAecFirmwareActivation), st::kSuccess);
    EXPECT_EQ(h.get_features(spec::feature::kAsyncEventConfiguration).dw0(), 0u);
    // No granularity: dword-sized pieces are fine.
    const auto img = make_image("NEW", kAnyReset, 64);
    EXPECT_STATUS(download(h, img, 60, 4), st::kSuccess);
    EXPECT_STATUS(download(h, img, 0, 60), st::kSuccess);
    EXPECT_STATUS(commit(h, kReplace, 7), st::kSuccess);
    EXPECT_EQ(slot_log(h).frs[7], "NEW     ");
  });
}

TEST(Firmware, DownloadCommitAndActivateAtTheNextControllerReset) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    download_all(h, make_image("FW-2.0"));
    EXPECT_STATUS(commit(h, kReplaceAndActivate, 2), st::kSuccess);
    SlotLog l = slot_log(h);
    EXPECT_EQ(l.active, 1u);
    EXPECT_EQ(l.next, 2u) << "activated at the next reset";
    EXPECT_EQ(l.frs[2], "FW-2.0  ");
    EXPECT_EQ(running_revision(h), "0.1.0   ") << "not running yet";

    controller_reset(h);
    EXPECT_EQ(running_revision(h), "FW-2.0  ");
    l = slot_log(h);
    EXPECT_EQ(l.active, 2u);
    EXPECT_EQ(l.next, 0u);
    EXPECT_EQ(l.frs[1], "0.1.0   ") << "slot 1 keeps its image";

    controller_reset(h);
    EXPECT_EQ(running_revision(h), "FW-2.0  ") << "stays across resets";
    subsystem_reset(h);
    EXPECT_EQ(running_revision(h), "FW-2.0  ");
    power_cycle(h);
    EXPECT_EQ(running_revision(h), "FW-2.0  ") << "the active slot boots after power loss";
    EXPECT_EQ(slot_log(h).active, 2u);
  });
}

TEST(Firmware, ReplaceWithoutActivationThenActivateAnExistingImage) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    download_all(h, make_image("FW-3"));
    EXPECT_STATUS(commit(h, kReplace, 2), st::kSuccess);
    SlotLog l = slot_log(h);
    EXPECT_EQ(l.next, 0u);
    EXPECT_EQ(l.frs[2], "FW-3    ");
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "0.1.0   ") << "Commit Action 000b does not activate";

    EXPECT_STATUS(commit(h, kActivate, 2), st::kSuccess);
    EXPECT_EQ(slot_log(h).next, 2u);
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "FW-3    ");

    // And back to slot 1.
    EXPECT_STATUS(commit(h, kActivate, 1), st::kSuccess);
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "0.1.0   ");
    EXPECT_EQ(slot_log(h).active, 1u);
  });
}

TEST(Firmware, DownloadGranularityOverlapAndLimits) {
  ControllerConfig cfg;
  cfg.firmware_max_image_kib = 64;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const auto img = make_image("BIG", kAnyReset, 64 * 1024);
    const uint64_t buf = h.alloc(8192);
    auto raw = [&](uint32_t numd, uint32_t ofst) { return with_prp1(make_sqe(op::kFirmwareDownload, numd, ofst), buf); };
    EXPECT_STATUS(download(h, img, 4096, 4096), st::kSuccess);
    run_admin_cases(h, {
        {"2 KiB piece (FWUG 4 KiB)", raw(2048 / 4 - 1, 0), st::kInvalidField},
        {"offset 2 KiB (FWUG 4 KiB)", raw(4096 / 4 - 1, 2048 / 4), st::kInvalidField},
        {"the same piece again", raw(4096 / 4 - 1, 4096 / 4), st::kOverlappingRange},
        {"a piece covering a received one", download_sqe(h, img.data(), 8192, 0), st::kOverlappingRange},
        {"offset at the largest image", raw(4096 / 4 - 1, 64 * 1024 / 4), st::kInvalidField},
        {"piece beyond the largest image", raw(8192 / 4 - 1, 60 * 1024 / 4), st::kInvalidField},
        {"more than MDTS (128 KiB)", raw(256 * 1024 / 4 - 1, 0), st::kInvalidField},
        {"offset far beyond (OFST FFFFFFFFh)", raw(4096 / 4 - 1, 0xFFFFFFFFu), st::kInvalidField},
    });
    // The rejected pieces left nothing behind: the rest of the image completes it.
    EXPECT_STATUS(download(h, img, 0, 4096), st::kSuccess);
    EXPECT_STATUS(download(h, img, 8192, 56 * 1024), st::kSuccess);
    EXPECT_STATUS(commit(h, kReplace, 2), st::kSuccess);
    EXPECT_EQ(slot_log(h).frs[2], "BIG     ");
  });
}

TEST(Firmware, CommitRejectsBadFieldsSlotsAndImages) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    spec::Sqe reserved = commit_sqe(kReplace, 2);
    reserved.set_dw(10, reserved.cdw10() | 1u << 6);
    run_admin_cases(h, {
        {"Commit Action 100b (reserved)", commit_sqe(4, 2), st::kInvalidField},
        {"Commit Action 101b (reserved)", commit_sqe(5, 2), st::kInvalidField},
        {"Commit Action 110b (no Boot Partitions)", commit_sqe(6, 0), st::kInvalidField},
        {"Commit Action 111b (no Boot Partitions)", commit_sqe(7, 0), st::kInvalidField},
        {"reserved CDW10 bit 6", reserved, st::kInvalidField},
        {"slot 3 of 2", commit_sqe(kReplace, 3), st::kInvalidFirmwareSlot},
        {"slot 7 of 2", commit_sqe(kActivate, 7), st::kInvalidFirmwareSlot},
        {"replace without a download", commit_sqe(kReplace, 2), st::kInvalidFirmwareImage},
        {"activate an empty slot", commit_sqe(kActivate, 2), st::kInvalidFirmwareImage},
        {"activate an empty slot now", commit_sqe(kActivateNow, 2), st::kInvalidFirmwareImage},
    });

    struct BadImage {
      const char* what;
      std::vector<uint8_t> image;
      bool skip_first_piece;
    };
    std::vector<BadImage> bad;
    auto good = make_image("OK");
    auto corrupt = good;
    corrupt[100] ^= 1;
    bad.push_back({"checksum wrong", corrupt, false});
    auto magic = good;
    magic[0] = 'X';
    bad.push_back({"magic wrong", magic, false});
    bad.push_back({"revision all spaces", make_image("        "), false});
    auto unprintable = make_image("A\x01");
    bad.push_back({"revision not printable", unprintable, false});
    bad.push_back({"activation 4 (undefined)", make_image("OK", 4), false});
    bad.push_back({"length beyond the download", make_image("OK", kAnyReset, 4096, 8192), false});
    bad.push_back({"length below the header", make_image("OK", kAnyReset, 4096, 16), false});
    bad.push_back({"a gap: piece at 0 missing", good, true});
    for (const BadImage& c : bad) {
      SCOPED_TRACE(c.what);
      if (c.skip_first_piece) EXPECT_STATUS(download(h, c.image, 4096, 4096), st::kSuccess);
      else download_all(h, c.image);
      EXPECT_STATUS(commit(h, kReplace, 2), st::kInvalidFirmwareImage);
      EXPECT_STATUS(commit(h, kReplace, 2), st::kInvalidFirmwareImage) << "the pieces were consumed";
    }
    EXPECT_EQ(slot_log(h).frs[2], kEmpty);
    // A padded image (length below the size downloaded) is fine.
    download_all(h, make_image("PADDED", kAnyReset, 8192, 4100));
    EXPECT_STATUS(commit(h, kReplace, 2), st::kSuccess);
    EXPECT_EQ(slot_log(h).frs[2], "PADDED  ");
  });
}

TEST(Firmware, ReadOnlySlotOneAndControllerChosenSlots) {
  ControllerConfig cfg;
  cfg.firmware_slots = 3;
  cfg.firmware_slot1_read_only = true;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    download_all(h, make_image("A"));
    EXPECT_STATUS(commit(h, kReplace, 1), st::kInvalidFirmwareSlot) << "slot 1 is read-only";
    EXPECT_STATUS(commit(h, kActivate, 1), st::kSuccess) << "but may be activated";
    // Firmware Slot 0: the controller chooses an empty slot, then one not running. (A slot error
    // leaves the download in place: A is committed now.)
    EXPECT_STATUS(commit(h, kReplace, 0), st::kSuccess);
    for (const char* rev : {"B", "C"}) {
      download_all(h, make_image(rev));
      EXPECT_STATUS(commit(h, kReplace, 0), st::kSuccess);
    }
    SlotLog l = slot_log(h);
    EXPECT_EQ(l.frs[2], "C       ") << "A went to slot 2, B to slot 3, C replaced slot 2";
    EXPECT_EQ(l.frs[3], "B       ");
    // Activation with slot 0: the image committed last.
    EXPECT_STATUS(commit(h, kActivate, 0), st::kSuccess);
    EXPECT_EQ(slot_log(h).next, 2u);
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "C       ");
  });
}

TEST(Firmware, DownloadedPiecesAreDiscardedByAReset) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    download_all(h, make_image("LOST"));
    controller_reset(h);
    EXPECT_STATUS(commit(h, kReplace, 2), st::kInvalidFirmwareImage);
  });
}

TEST(Firmware, ActivationWaitsForTheResetTheImageNeeds) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    // An NVM Subsystem Reset: a controller reset leaves the running image alone.
    download_all(h, make_image("NSSR", kNeedsNssr));
    EXPECT_STATUS(commit(h, kReplaceAndActivate, 2), st::kFirmwareActivationRequiresNssr);
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "0.1.0   ");
    EXPECT_EQ(slot_log(h).next, 2u) << "still pending";
    subsystem_reset(h);
    EXPECT_EQ(running_revision(h), "NSSR    ");

    // A conventional reset: not a controller reset either; an NVM Subsystem Reset includes one.
    download_all(h, make_image("CONV", kNeedsConventional));
    EXPECT_STATUS(commit(h, kReplaceAndActivate, 1), st::kFirmwareActivationRequiresConventionalReset);
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "NSSR    ");
    power_cycle(h);
    EXPECT_EQ(running_revision(h), "CONV    ");
    EXPECT_EQ(slot_log(h).active, 1u);

    // An image that cannot be activated without a reset, asked to be: activated at the next one.
    download_all(h, make_image("RESET", kResetOnly));
    EXPECT_STATUS(commit(h, kActivateNow, 2), st::kFirmwareActivationRequiresReset);
    EXPECT_EQ(running_revision(h), "CONV    ");
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, 0u);
    controller_reset(h);
    EXPECT_EQ(running_revision(h), "RESET   ");
  });
}

TEST(Firmware, ActivationWithoutResetPausesProcessingAndSendsItsNotice) {
  ControllerConfig cfg;
  cfg.firmware_activation_us = 2000;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(spec::feature::kAsyncEventConfiguration, spec::feature::kAecFirmwareActivation), st::kSuccess);
    EXPECT_EQ(h.get_features(spec::feature::kAsyncEventConfiguration).dw0(), spec::feature::kAecFirmwareActivation);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xAE);
    download_all(h, make_image("LIVE"));
    wait_us(20);

    const uint16_t cid = h.submit(0, commit_sqe(kActivateNow, 2), 0xC0);
    const sc_core::sc_time submitted = sc_core::sc_time_stamp();
    const spec::Cqe event = h.wait_cqe(0);
    EXPECT_EQ(event.cid(), 0xAE);
    EXPECT_EQ(event.dw0(), ae::dw0(ae::kNotice, ae::notice::kFirmwareActivationStarting, lg::kFirmwareSlot));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, reg::csts::kPp) << "processing paused";
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, reg::csts::kRdy);
    // A command submitted now waits for the pause to end.
    const uint64_t idbuf = h.alloc(4096);
    const uint16_t identify = h.submit(0, with_prp1(make_sqe(op::kIdentify, spec::cns::kController), idbuf));
    wait_us(500);
    EXPECT_FALSE(h.cqe_available(0)) << "neither the commit nor the Identify completed during the pause";

    const spec::Cqe done = h.wait_cqe(0, sc_core::sc_time(5, sc_core::SC_MS));
    EXPECT_EQ(done.cid(), cid);
    EXPECT_STATUS(done, st::kSuccess);
    EXPECT_GE(sc_core::sc_time_stamp() - submitted, sc_core::sc_time(2, sc_core::SC_MS));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, 0u);
    const spec::Cqe id = h.wait_cqe(0);
    EXPECT_EQ(id.cid(), identify);
    EXPECT_STATUS(id, st::kSuccess);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(h.mem.at(idbuf + ic::kFr)), 8), "LIVE    ");
    const SlotLog l = slot_log(h);
    EXPECT_EQ(l.active, 2u);
    EXPECT_EQ(l.next, 0u);

    // The notice type stays masked until the Firmware Slot log was read (it just was, with RAE
    // cleared): a second activation reports again.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xAF);
    wait_us(20);
    h.submit(0, commit_sqe(kActivateNow, 1), 0xC1);
    const spec::Cqe again = h.wait_cqe(0);
    EXPECT_EQ(again.cid(), 0xAF);
    EXPECT_STATUS(h.wait_cqe(0, sc_core::sc_time(5, sc_core::SC_MS)), st::kSuccess);
    EXPECT_EQ(running_revision(h), "0.1.0   ");
  });
}

TEST(Firmware, ActivationWithoutResetWithoutNoticeAndInterruptedByAReset) {
  ControllerConfig cfg;
  cfg.firmware_activation_us = 1000;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xAE);
    download_all(h, make_image("QUIET"));
    wait_us(20);
    h.submit(0, commit_sqe(kActivateNow, 2));
    const spec::Cqe c = h.wait_cqe(0, sc_core::sc_time(5, sc_core::SC_MS));
    EXPECT_NE(c.cid(), 0xAE) << "Feature 0Bh bit 9 clear: no notice";
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_EQ(running_revision(h), "QUIET   ");

    // A reset while processing is paused completes the activation.
    h.submit(0, commit_sqe(kActivateNow, 1));
    EXPECT_STATUS(h.wait_cqe(0, sc_core::sc_time(5, sc_core::SC_MS)), st::kSuccess);
    EXPECT_EQ(running_revision(h), "0.1.0   ");
    h.submit(0, commit_sqe(kActivateNow, 2));
    wait_us(200);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, reg::csts::kPp);
    h.wr32(reg::kCc, h.rd32(reg::kCc) & ~reg::cc::kEn);
    ASSERT_TRUE(h.wait_ready(false));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, 0u);
    ASSERT_TRUE(h.enable());
    EXPECT_EQ(running_revision(h), "QUIET   ");
    wait_us(2000);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, 0u);
    EXPECT_EQ(slot_log(h).active, 2u);

    // Two activations submitted back to back: the second waits for the first; both complete.
    const uint16_t first = h.submit(0, commit_sqe(kActivateNow, 1));
    const uint16_t second = h.submit(0, commit_sqe(kActivateNow, 2));
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const spec::Cqe c1 = h.wait_cqe(0, sc_core::sc_time(5, sc_core::SC_MS));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, reg::csts::kPp) << "the second activation pauses again";
    const spec::Cqe c2 = h.wait_cqe(0, sc_core::sc_time(5, sc_core::SC_MS));
    EXPECT_EQ(c1.cid(), first);
    EXPECT_EQ(c2.cid(), second);
    EXPECT_STATUS(c1, st::kSuccess);
    EXPECT_STATUS(c2, st::kSuccess);
    EXPECT_GE(sc_core::sc_time_stamp() - start, sc_core::sc_time(2, sc_core::SC_MS));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kPp, 0u);
    EXPECT_EQ(running_revision(h), "QUIET   ");
  });
}

TEST(Firmware, CommandsSupportedAndEffects) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const LogRead r = read_log(h, lg::kCommandsSupportedAndEffects, lg::effects::kSize);
    EXPECT_STATUS(r.cqe, st::kSuccess);
    namespace ef = lg::effects;
    auto admin = [&](uint8_t opc) { return spec::get_le32(&r.bytes[ef::kAdminOffset + 4 * opc]); };
    EXPECT_EQ(admin(op::kFirmwareDownload), ef::kCsupp);
    EXPECT_EQ(admin(op::kFirmwareCommit), ef::kCsupp | ef::kCcc);
    EXPECT_EQ(admin(op::kDeviceSelfTest), ef::kCsupp);
  });
}

TEST(Firmware, FirmwareUpdateOff) {
  ControllerConfig cfg;
  cfg.firmware_update = false;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_EQ(spec::get_le16(&id[ic::kOacs]) & ic::kOacsFirmware, 0);
    run_admin_cases(h, {{"Firmware Commit", commit_sqe(kActivate, 1), st::kInvalidCommandOpcode},
                        {"Firmware Image Download", make_sqe(op::kFirmwareDownload), st::kInvalidCommandOpcode}});
    const LogRead r = read_log(h, lg::kCommandsSupportedAndEffects, lg::effects::kSize);
    EXPECT_EQ(spec::get_le32(&r.bytes[4 * op::kFirmwareCommit]), 0u);
    EXPECT_EQ(spec::get_le32(&r.bytes[4 * op::kFirmwareDownload]), 0u);
    EXPECT_EQ(slot_log(h).frs[1], "0.1.0   ") << "the slot log still reports slot 1";
  });
}
