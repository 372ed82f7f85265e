// Format NVM (NVMe Base 2.0, 5.14; NVM Command Set 1.0, 4.2): a namespace, or every attached one
// (NSID FFFFFFFFh), gets one of its LBA formats and loses its data.
//
// - LBAF (CDW10 3:0, LBAFU 13:12) picks the format from the namespace's list; MSET chooses extended
//   LBAs for a format with metadata. No end-to-end protection information: PI must be 0.
// - SES: none, user data erase or cryptographic erase (FNA 04h: bit 2 set; bits 0 and 1 clear, so a
//   format applies to the namespaces the NSID names). The data is gone in all three cases: the
//   namespace's store is replaced by an empty one of the new format (an image file is zeroed), its
//   flash units are trimmed, NUSE is 0 (an image namespace's blocks all stay in use).
// - The size in bytes the namespace was allocated with is kept: NSZE becomes as many blocks of the
//   new size as it holds.
// - Every namespace is checked before any is formatted. A write-protected namespace (configured so,
//   or a read-only image) gets Namespace is Write Protected; an image cannot hold metadata.
// - A format that changes the LBA format raises a Namespace Attribute Changed notice.
#include <string>
#include <vector>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace fm = spec::format_nvm;

namespace {

constexpr uint16_t kNsidByte = 4;
constexpr uint16_t kCdw10Byte = 40;

/// The namespace's configuration after the format, or the status that refuses it.
spec::Status formatted_config(const NamespaceTable::Namespace& ns, uint8_t lbaf, bool mset, NamespaceConfig& out) {
  const std::vector<LbaFormat> formats = ns.config.formats();
  if (lbaf >= formats.size()) return st::kInvalidFormat;
  if (ns.media->write_protected()) return st::kNamespaceIsWriteProtected;
  const LbaFormat lf = formats[lbaf];
  if (!ns.config.image.empty() && lf.metadata_size) return st::kInvalidFormat;  // an image holds data only
  out = ns.config;
  out.format_index = lbaf;
  out.extended_lba = mset && lf.metadata_size;
  out.size_bytes = ns.data_bytes / lf.data_size * lf.data_size;
  if (out.size_bytes == 0) return st::kInvalidFormat;  // not one block of this size
  return st::kSuccess;
}

}  // namespace

void ControllerImpl::admin_format_nvm(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10(), nsid = cmd.sqe.nsid();
  if (cdw10 & fm::kReservedMask) return cmd.fail(st::kInvalidField, kCdw10Byte + 1);
  if (fm::ses(cdw10) > fm::kSesCryptographicErase) return cmd.fail(st::kInvalidField, kCdw10Byte + 1, 1);
  if (fm::pi(cdw10) != 0) return cmd.fail(st::kInvalidFormat, kCdw10Byte, 5);  // no protection information

  std::vector<uint32_t> targets;
  if (nsid == spec::kBroadcastNsid) {
    for (const auto& [id, ns] : namespaces.all())
      if (ns.attached) targets.push_back(id);
  } else {
    if (!namespaces.active(nsid)) return cmd.fail(st::kInvalidNamespaceOrFormat, kNsidByte);
    targets.push_back(nsid);
  }
  std::vector<NamespaceConfig> configs(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const spec::Status s = formatted_config(*namespaces.find(targets[i]), fm::lbaf(cdw10), fm::mset(cdw10), configs[i]);
    if (!s.ok()) return cmd.fail(s, s.is(st::kInvalidFormat) ? kCdw10Byte : 0xFFFF);
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const NamespaceConfig before = namespaces.find(targets[i])->config;
    if (!namespaces.reformat(targets[i], configs[i])) {
      SC_REPORT_WARNING("scnvme/controller", (name + ": Format NVM: the store of namespace " + std::to_string(targets[i]) +
                                               " could not be rebuilt").c_str());
      return cmd.fail(st::kInternalError);
    }
    if (before.format_index != configs[i].format_index || before.extended_lba != configs[i].extended_lba)
      namespace_changed(targets[i]);
  }
}

}  // namespace scnvme::detail
