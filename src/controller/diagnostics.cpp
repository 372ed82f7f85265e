// The catalogue of trace points and guest-error kinds (scnvme/diagnostics.h), and one
// controller's filter and counts.
#include "controller/diagnostics.h"

#include <cstdio>
#include <iterator>
#include <sstream>

#include "scnvme/config_error.h"
#include "scnvme/vcd_writer.h"
#include "sim_now.h"

namespace scnvme {

namespace {

// In enum order (static_asserts below keep the tables complete).
constexpr CatalogueEntry kGuestErrorTable[] = {
    {"guest.register.misaligned_access",
     "BAR0 access that is not a naturally aligned 1, 2, 4 or 8-byte access (or streams): TLM burst error, no effect"},
    {"guest.register.access_width",
     "register accessed with another width than its own (1 or 2 bytes, bytes left out by byte enables, 8 bytes over "
     "two 32-bit registers); carried out"},
    {"guest.register.memory_space_disabled",
     "BAR0 access while PCI Command.MSE is clear: TLM address error, reads all ones"},
    {"guest.register.read_only_write", "write to a read-only register (CAP, VS, CRTO, CSTS but NSSRO, MSI-X PBA): ignored"},
    {"guest.register.reserved_bits", "write setting reserved bits (CC, AQA, ASQ/ACQ 11:0): they stay 0"},
    {"guest.register.reserved_write",
     "write to a BAR0 offset no register backs (optional registers not implemented, NSSR without CAP.NSSRS, gaps): "
     "ignored"},
    {"guest.register.intm_with_msix", "INTMS/INTMC written while MSI-X is enabled (3.1.3.3, 3.1.3.4): ignored"},
    {"guest.cc.changed_while_enabled", "CC fields other than SHN changed while CC.EN = 1 (3.1.3.5): ignored"},
    {"guest.cc.changed_while_not_ready",
     "CC.EN toggled, or CC.CSS/MPS/AMS/IOSQES/IOCQES changed, while CSTS.RDY != CC.EN (the previous enable or reset "
     "has not finished; undefined in 3.1.3.5): carried out"},
    {"guest.cc.unsupported_config",
     "CC.EN set with an unsupported CC.CSS, MPS or AMS, or a zero AQA.ASQS/ACQS: CSTS.CFS"},
    {"guest.doorbell.partial_write", "doorbell written with fewer than 4 bytes or byte enables: ignored"},
    {"guest.doorbell.reserved_bits",
     "doorbell value with bits 31:16 set: ignored, Invalid Doorbell Write Value event"},
    {"guest.doorbell.no_queue",
     "doorbell of an SQ or CQ that does not exist: ignored, Invalid Doorbell Register event"},
    {"guest.doorbell.sq_tail_beyond_size",
     "SQ tail doorbell at or beyond the queue size: ignored, Invalid Doorbell Write Value event"},
    {"guest.doorbell.cq_head_invalid",
     "CQ head doorbell at or beyond the queue size, or past the entries posted: ignored, Invalid Doorbell Write "
     "Value event"},
    {"guest.queue.memory_overlap",
     "I/O SQ or CQ created over memory that another queue (admin queues included) uses: created"},
    {"guest.prp.misaligned",
     "PRP entry with a non-zero offset where one is required to be zero, or not dword aligned: PRP Offset Invalid"},
    {"guest.dma.sqe_fetch_failed", "reading an SQE from host memory failed: CSTS.CFS"},
    {"guest.dma.cqe_write_failed", "writing a CQE to host memory failed: CSTS.CFS"},
    {"guest.msi.write_failed", "an MSI/MSI-X message write on the msi port failed (bad message address?)"},
    {"guest.keep_alive.expired", "no command within the Keep Alive Timeout (5.25): CSTS.CFS"},
    {"guest.config.misaligned_access",
     "PCI configuration access of 0 or more than 4 bytes or crossing a dword: TLM burst error, no effect"},
};

constexpr CatalogueEntry kTracePointTable[] = {
    {"reg.read", "host read of a BAR0 register: name, offset, value"},
    {"reg.write", "host write of a BAR0 register other than a doorbell: name, offset, value"},
    {"reg.doorbell", "a doorbell write taking effect: SQyTDBL / CQyHDBL = value"},
    {"cfg.read", "PCI configuration space read: offset, length, value"},
    {"cfg.write", "PCI configuration space write: offset, length, value"},
    {"cmd.fetched", "an SQE arrived in a command slot: SQ, CID, opcode, NSID"},
    {"cmd.completed", "a CQE was written: SQ, CID, opcode, status, time since the doorbell"},
    {"irq.msix", "an MSI-X message leaves: vector, address, data"},
    {"irq.msi", "an MSI message leaves: vector, address, data"},
    {"irq.intx", "the INTx level changed"},
    {"ctrl.enable", "CC.EN 0 -> 1 took effect"},
    {"ctrl.ready", "CSTS.RDY set"},
    {"ctrl.reset", "controller reset (CC.EN 1 -> 0, or inside a function level / subsystem reset)"},
    {"ctrl.shutdown", "shutdown started (CC.SHN) and completed"},
    {"ctrl.nssr", "NVM subsystem reset"},
    {"ctrl.flr", "function level or conventional reset"},
    {"ctrl.power_loss", "power lost and restored"},
    {"ctrl.fatal", "CSTS.CFS set, and why"},
    {"queue.created", "I/O SQ or CQ created: id, base, entries, CQ or vector"},
    {"queue.deleted", "I/O SQ or CQ deleted"},
    {"fault.injected", "an injected fault fired (scnvme/faults.h): kind, command or vector, status"},
};

static_assert(std::size(kGuestErrorTable) == kGuestErrorKinds, "a guest-error kind without a catalogue entry");
static_assert(std::size(kTracePointTable) == kTracePoints, "a trace point without a catalogue entry");

/// "scnvme/trace/<name>" for every catalogue entry: trace points, then guest-error kinds.
const std::vector<std::string>& message_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> t;
    for (const std::string& n : catalogue_names()) t.push_back("scnvme/trace/" + n);
    return t;
  }();
  return types;
}

}  // namespace

const CatalogueEntry& describe(GuestError kind) { return kGuestErrorTable[static_cast<std::size_t>(kind)]; }
const CatalogueEntry& describe(TracePoint point) { return kTracePointTable[static_cast<std::size_t>(point)]; }

std::vector<std::string> catalogue_names() {
  std::vector<std::string> names;
  for (const auto& e : kTracePointTable) names.emplace_back(e.name);
  for (const auto& e : kGuestErrorTable) names.emplace_back(e.name);
  return names;
}

bool name_matches(const std::string& pattern, const std::string& name) { return VcdWriter::matches(pattern, name); }

namespace detail {

namespace {
constexpr const char* kGuestErrorType = "scnvme/guest-error";

bool power_of_ten(uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}
}  // namespace

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

std::string us_text(const sc_core::sc_time& t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6f us", t.to_seconds() * 1e6);
  return buf;
}

void Diagnostics::set_filter(const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns)
    if (p.empty()) throw ConfigError("log_filter", "an empty pattern (expected names or patterns such as 'cmd.*,guest.*')");
  auto wanted = [&](const char* name) {
    for (const std::string& p : patterns)
      if (name_matches(p, name)) return true;
    return false;
  };
  for (std::size_t i = 0; i < kTracePoints; ++i) trace_on_[i] = wanted(describe(static_cast<TracePoint>(i)).name);
  for (std::size_t i = 0; i < kGuestErrorKinds; ++i) guest_on_[i] = wanted(describe(static_cast<GuestError>(i)).name);
}

void Diagnostics::report_info(const std::string& type, const std::string& text) const {
  const std::string line = us_text(sim_now()) + " " + owner_ + ": " + text;
  SC_REPORT_INFO_VERB(type.c_str(), line.c_str(), sc_core::SC_NONE);
}

void Diagnostics::trace(TracePoint p, const std::string& text) const {
  if (on(p)) report_info(message_types()[static_cast<std::size_t>(p)], text);
}

void Diagnostics::guest_error(GuestError kind, const std::string& subject, uint64_t value, const std::string& what) {
  const std::size_t k = static_cast<std::size_t>(kind);
  ++totals_[k];
  const char* kind_name = describe(kind).name;
  const std::string on_subject = subject.empty() ? std::string() : " on " + subject;
  auto [it, first] = index_.try_emplace({kind, subject}, records_.size());
  if (first) {
    GuestErrorRecord r;
    r.kind = kind;
    r.subject = subject;
    r.first_value = value;
    r.first_time = sim_now();
    r.first_message = what;
    records_.push_back(std::move(r));
  }
  GuestErrorRecord& r = records_[it->second];
  ++r.count;
  if (first) {
    SC_REPORT_WARNING(kGuestErrorType, (owner_ + ": " + kind_name + on_subject + " (value " + hex(value) + "): " + what +
                                        " [repeats" + on_subject + " are counted; reported again at 10, 100, ...]")
                                           .c_str());
  } else if (power_of_ten(r.count)) {
    SC_REPORT_WARNING(kGuestErrorType, (owner_ + ": " + kind_name + on_subject + ": " + std::to_string(r.count) +
                                        " times so far (this one: value " + hex(value) + ": " + what + ")")
                                           .c_str());
  }
  if (guest_on_[k])
    report_info(message_types()[kTracePoints + k], kind_name + on_subject + " (value " + hex(value) + "): " + what);
}

}  // namespace detail

}  // namespace scnvme

namespace scnvme {
void persist(checkpoint::Archive& a, GuestErrorRecord& r) {
  a.io(r.kind);
  if (a.loading() && static_cast<std::size_t>(r.kind) >= kGuestErrorKinds) a.fail("unknown guest error kind");
  a.io(r.subject);
  a.io(r.count);
  a.io(r.first_value);
  a.io(r.first_time);
  a.io(r.first_message);
}
}  // namespace scnvme

namespace scnvme::detail {
void Diagnostics::persist(checkpoint::Archive& a) {
  a.io(records_);
  a.io(index_);
  a.io(totals_);
  for (const auto& [key, at] : index_)
    if (at >= records_.size()) a.fail("guest error index out of range");
}
}  // namespace scnvme::detail
