// Firmware update (NVMe Base 2.0, 5.12 Firmware Commit, 5.13 Firmware Image Download, 5.16.1.4
// Firmware Slot Information log): images arrive in pieces, are checked and placed into a slot by
// a commit, and become the running firmware at the next qualifying reset or, with Commit Action
// 011b, at once while command processing pauses (CSTS.PP).
//
// The image format (documented in the README, "What the controller implements"): a 32-byte
// header, then anything.
//   bytes 0-3    magic "SCFW"
//   bytes 4-7    checksum: chosen so that the little-endian dwords of the image's first `length`
//                bytes sum to 0 (mod 2^32)
//   bytes 8-11   length: image bytes covered by the checksum, a multiple of 4, 32 up to the bytes
//                downloaded (what follows is padding, e.g. up to the update granularity)
//   byte  12     activation: 0 any reset or without reset, 1 a Controller Level Reset (never
//                without reset), 2 an NVM Subsystem Reset, 3 a conventional reset
//   bytes 16-23  firmware revision: 8 printable ASCII characters, not all spaces (Identify FR)
#include <algorithm>
#include <iterator>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_async_event.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace fs = spec::log::firmware_slot;
using Reset = FirmwareState::Reset;

namespace {
constexpr const char* kMsgFirmware = "scnvme/firmware";

// Image header.
constexpr uint32_t kHeaderSize = 32;
constexpr uint32_t kMagic = 0x57464353;  // "SCFW" read as a little-endian dword
constexpr uint32_t kOffLength = 8, kOffActivation = 12, kOffRevision = 16;  // (checksum at 4)
constexpr uint8_t kActivationAny = 0, kActivationReset = 1, kActivationSubsystem = 2, kActivationConventional = 3;

// Firmware Commit CDW10: FS bits 2:0, CA bits 5:3, reserved 30:6, BPID bit 31.
// CA 2 (activate the image in the slot) is what remains once the others are handled.
constexpr uint8_t kCaReplace = 0, kCaReplaceAndActivate = 1, kCaReplaceAndActivateNow = 3;
constexpr uint8_t kCaBootPartitionReplace = 6, kCaBootPartitionActivate = 7;
constexpr uint32_t kCommitReserved = 0x7FFFFFC0u;

/// The header checks; `image` receives what the slot keeps.
bool parse_image(const uint8_t* p, uint64_t size, FirmwareState::Slot& image) {
  if (size < kHeaderSize || spec::get_le32(p) != kMagic) return false;
  const uint32_t length = spec::get_le32(p + kOffLength);
  if (length < kHeaderSize || length > size || length % 4) return false;
  uint32_t sum = 0;
  for (uint32_t i = 0; i < length; i += 4) sum += spec::get_le32(p + i);
  if (sum != 0) return false;
  switch (p[kOffActivation]) {
    case kActivationAny: image.needs = Reset::Controller, image.immediate = true; break;
    case kActivationReset: image.needs = Reset::Controller, image.immediate = false; break;
    case kActivationSubsystem: image.needs = Reset::Subsystem, image.immediate = false; break;
    case kActivationConventional: image.needs = Reset::Conventional, image.immediate = false; break;
    default: return false;
  }
  std::string revision(reinterpret_cast<const char*>(p + kOffRevision), fs::kFrsLen);
  for (char c : revision)
    if (c < 0x20 || c > 0x7E) return false;
  if (revision.find_first_not_of(' ') == std::string::npos) return false;
  image.revision = revision;
  return true;
}
}  // namespace

void ControllerImpl::init_firmware() {
  firmware = FirmwareState{};
  std::string revision = cfg.firmware_revision;
  revision.resize(fs::kFrsLen, ' ');
  firmware.slots[1].revision = revision;
  firmware.running = revision;
}

void ControllerImpl::admin_firmware_download(Command& cmd) {
  if (!cfg.firmware_update) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  const uint64_t len = (static_cast<uint64_t>(cmd.sqe.cdw10()) + 1) * 4;  // NUMD, 0-based dwords
  const uint64_t offset = static_cast<uint64_t>(cmd.sqe.cdw11()) * 4;     // OFST, dwords
  const uint8_t fwug = cfg.firmware_update_granularity_4k;
  if (fwug != 0 && fwug != spec::id_ctrl::kFwugNoRestriction) {
    const uint64_t granule = 4096ull * fwug;
    if (len % granule) return cmd.fail(st::kInvalidField, 40);
    if (offset % granule) return cmd.fail(st::kInvalidField, 44);
  }
  const uint64_t max = 1024ull * cfg.firmware_max_image_kib;
  if (offset >= max) return cmd.fail(st::kInvalidField, 44);
  if (len > cfg.max_transfer_bytes() || offset + len > max) return cmd.fail(st::kInvalidField, 40);
  // Pieces may arrive in any order but must not overlap one another.
  auto& pieces = firmware.pieces;
  auto after = pieces.upper_bound(offset);
  if ((after != pieces.end() && after->first < offset + len) ||
      (after != pieces.begin() && std::prev(after)->second > offset))
    return cmd.fail(st::kOverlappingRange);

  std::vector<uint8_t> piece(len);
  const spec::Status s = transfer(cmd, piece.data(), len, false);
  if (!s.ok()) return cmd.fail(s, 24);
  if (stale(cmd)) return;  // a reset discarded the download meanwhile
  if (firmware.download.size() < offset + len) firmware.download.resize(offset + len, 0);
  std::copy(piece.begin(), piece.end(), firmware.download.begin() + static_cast<std::ptrdiff_t>(offset));
  // Record the range, merged with its neighbours (a complete image is one range from 0).
  uint64_t begin = offset, end = offset + len;
  after = pieces.upper_bound(offset);
  if (after != pieces.begin() && std::prev(after)->second == begin) {
    begin = std::prev(after)->first;
    pieces.erase(std::prev(after));
  }
  after = pieces.find(end);
  if (after != pieces.end()) {
    end = after->second;
    pieces.erase(after);
  }
  pieces[begin] = end;
}

void ControllerImpl::admin_firmware_commit(Command& cmd) {
  if (!cfg.firmware_update) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  const uint32_t cdw10 = cmd.sqe.cdw10();
  const uint8_t slot_field = cdw10 & 7u, ca = (cdw10 >> 3) & 7u;
  if (cdw10 & kCommitReserved) return cmd.fail(st::kInvalidField, 40, 6);
  if (ca == kCaBootPartitionReplace || ca == kCaBootPartitionActivate) return cmd.fail(st::kInvalidField, 40, 3);  // CAP.BPS = 0
  if (ca > kCaReplaceAndActivateNow) return cmd.fail(st::kInvalidField, 40, 3);  // reserved
  if (ca == kCaReplaceAndActivateNow && !cfg.firmware_activation_without_reset) return cmd.fail(st::kInvalidField, 40, 3);
  if (slot_field > cfg.firmware_slots) return cmd.fail(st::kInvalidFirmwareSlot, 40);

  auto writable = [&](unsigned s) { return !(s == 1 && cfg.firmware_slot1_read_only); };
  const bool replace = ca == kCaReplace || ca == kCaReplaceAndActivate || (ca == kCaReplaceAndActivateNow && !firmware.pieces.empty());
  unsigned slot = slot_field;
  if (replace) {
    if (slot == 0) {  // the controller chooses: an empty slot, else one not running, else any writable
      for (unsigned pass = 0; pass < 3 && slot == 0; ++pass)
        for (unsigned s = 1; s <= cfg.firmware_slots && slot == 0; ++s)
          if (writable(s) && (pass == 2 || (s != firmware.active && (pass == 1 || firmware.slots[s].revision.empty()))))
            slot = s;
    }
    if (slot == 0 || !writable(slot)) return cmd.fail(st::kInvalidFirmwareSlot, 40);
    FirmwareState::Slot image;
    const bool whole = firmware.pieces.size() == 1 && firmware.pieces.begin()->first == 0;
    const bool valid = whole && parse_image(firmware.download.data(), firmware.pieces.begin()->second, image);
    firmware.download.clear();  // the pieces are consumed, valid or not
    firmware.pieces.clear();
    if (!valid) return cmd.fail(st::kInvalidFirmwareImage);
    firmware.slots[slot] = image;
    firmware.last_committed = static_cast<uint8_t>(slot);
    SC_REPORT_INFO_VERB(kMsgFirmware, (name + ": image " + image.revision + " placed in slot " + std::to_string(slot)).c_str(),
                        sc_core::SC_HIGH);
    if (ca == kCaReplace) return;
  } else {
    if (slot == 0) slot = firmware.last_committed ? firmware.last_committed : firmware.active;
    if (firmware.slots[slot].revision.empty()) return cmd.fail(st::kInvalidFirmwareImage);
  }

  const FirmwareState::Slot& image = firmware.slots[slot];
  const uint64_t e = epoch;
  if (ca == kCaReplaceAndActivateNow && image.immediate) {
    // (A commit fetched before another one paused processing waits for that activation to end.)
    while (firmware.activating) {
      sc_core::wait(firmware_activated | reset_event);
      if (e != epoch) return;
    }
  }
  firmware.next = static_cast<uint8_t>(slot);  // a reset completes an activation under way, too
  if (image.needs == Reset::Subsystem) return cmd.fail(st::kFirmwareActivationRequiresNssr);
  if (image.needs == Reset::Conventional) return cmd.fail(st::kFirmwareActivationRequiresConventionalReset);
  if (ca != kCaReplaceAndActivateNow) return;  // activated at the next Controller Level Reset
  if (!image.immediate) return cmd.fail(st::kFirmwareActivationRequiresReset);

  // Activation without reset: Firmware Activation Starting (when Feature 0Bh enables it), command
  // processing paused (no fetching, CSTS.PP = 1) for the activation time, then the new image runs
  // and this command completes.
  firmware.activating = true;
  post_async_event(spec::async_event::kNotice, spec::async_event::notice::kFirmwareActivationStarting, spec::log::kFirmwareSlot);
  set_csts_bits(spec::reg::csts::kPp, true);
  ready = false;
  sc_core::wait(sc_core::sc_time(cfg.firmware_activation_us, sc_core::SC_US));
  if (e != epoch) return;  // a reset came first and activated the image
  firmware.running = image.revision;
  firmware.active = static_cast<uint8_t>(slot);
  firmware.next = 0;
  firmware.activating = false;
  set_csts_bits(spec::reg::csts::kPp, false);
  namespace cs = spec::reg::csts;
  ready = (csts() & cs::kRdy) && !(csts() & cs::kCfs);
  fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
  aer_work.notify(sc_core::SC_ZERO_TIME);
  firmware_activated.notify(sc_core::SC_ZERO_TIME);
  SC_REPORT_INFO_VERB(kMsgFirmware, (name + ": firmware " + image.revision + " activated without reset").c_str(), sc_core::SC_HIGH);
}

void ControllerImpl::firmware_reset(Reset scope) {
  // Portions downloaded but not committed are discarded by a Controller Level Reset.
  firmware.download.clear();
  firmware.pieces.clear();
  if (firmware.activating) {
    firmware.activating = false;
    set_csts_bits(spec::reg::csts::kPp, false);
    firmware_activated.notify(sc_core::SC_ZERO_TIME);
  }
  if (firmware.next != 0 && firmware.slots[firmware.next].needs <= scope) {
    firmware.active = firmware.next;
    firmware.next = 0;
    firmware.running = firmware.slots[firmware.active].revision;
    SC_REPORT_INFO_VERB(kMsgFirmware, (name + ": firmware " + firmware.running + " activated from slot " + std::to_string(firmware.active)).c_str(),
                        sc_core::SC_HIGH);
  } else if (scope == Reset::PowerCycle) {
    firmware.running = firmware.slots[firmware.active].revision;  // a power cycle boots the active slot
  }
}

std::vector<uint8_t> ControllerImpl::firmware_slot_log() const {
  std::vector<uint8_t> page(fs::kSize, 0);
  page[fs::kAfi] = fs::afi(firmware.active, firmware.next);
  for (unsigned s = 1; s <= cfg.firmware_slots; ++s)
    if (!firmware.slots[s].revision.empty())
      spec::put_ascii_padded(page.data() + fs::frs(s), fs::kFrsLen, firmware.slots[s].revision.c_str());
  return page;
}

}  // namespace scnvme::detail
