#include "protocol_checker.h"

#include <memory>
#include <sstream>

namespace scnvme::platform {

namespace {

constexpr const char* kMsgType = "scnvme/protocol";

const char* command_name(tlm::tlm_command c) {
  switch (c) {
    case tlm::TLM_READ_COMMAND: return "read";
    case tlm::TLM_WRITE_COMMAND: return "write";
    case tlm::TLM_IGNORE_COMMAND: return "ignore";
  }
  return "invalid command";
}

/// FNV-1a over the bytes: enough to see that a write's data changed on its way.
uint64_t hash_bytes(const unsigned char* p, unsigned n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace

ProtocolChecker::ProtocolChecker(const sc_core::sc_module_name& name, Target target, Sides sides)
    : sc_module(name), from_initiator("from_initiator"), to_target("to_target"), target_(target), sides_(sides) {
  from_initiator.register_b_transport(this, &ProtocolChecker::b_transport);
  from_initiator.register_get_direct_mem_ptr(this, &ProtocolChecker::get_direct_mem_ptr);
  from_initiator.register_transport_dbg(this, &ProtocolChecker::transport_dbg);
  to_target.register_invalidate_direct_mem_ptr(this, &ProtocolChecker::invalidate_direct_mem_ptr);
}

void ProtocolChecker::add_rule(std::function<std::string(const tlm::tlm_generic_payload&)> rule) {
  rules_.push_back(std::move(rule));
}

void ProtocolChecker::violation(const tlm::tlm_generic_payload* trans, const std::string& rule, const std::string& what) {
  ++violations_;
  std::ostringstream s;
  s << name() << ": " << what << " [" << rule << "]";
  if (trans)
    s << " (" << command_name(trans->get_command()) << " at 0x" << std::hex << trans->get_address() << std::dec << ", "
      << trans->get_data_length() << " bytes, at " << sc_core::sc_time_stamp() << ")";
  if (findings_.size() < kMaxFindings) findings_.push_back(s.str());
  SC_REPORT_ERROR(kMsgType, s.str().c_str());
}

void ProtocolChecker::check_initial_state(const tlm::tlm_generic_payload& t) {
  const tlm::tlm_command c = t.get_command();
  if (c != tlm::TLM_READ_COMMAND && c != tlm::TLM_WRITE_COMMAND && c != tlm::TLM_IGNORE_COMMAND)
    violation(&t, "IEEE 1666-2011 14 (command attribute)", "command attribute holds no valid command");
  if (c != tlm::TLM_IGNORE_COMMAND && t.get_data_ptr() == nullptr)
    violation(&t, "IEEE 1666-2011 14.11 e)", "initiator sent a transaction with data_ptr == 0");
  if (c != tlm::TLM_IGNORE_COMMAND && t.get_data_length() == 0)
    violation(&t, "IEEE 1666-2011 14.12 d)", "initiator sent a transaction with data_length == 0");
  if (t.get_byte_enable_ptr() != nullptr && t.get_byte_enable_length() == 0)
    violation(&t, "IEEE 1666-2011 14.14 f)", "initiator set byte_enable_ptr with byte_enable_length == 0");
  if (t.get_streaming_width() == 0)
    violation(&t, "IEEE 1666-2011 14.15 f)", "initiator sent a transaction with streaming_width == 0");
  if (t.is_dmi_allowed()) violation(&t, "IEEE 1666-2011 14.16", "initiator sent a transaction with dmi_allowed == true");
  if (t.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
    violation(&t, "IEEE 1666-2011 14.17 e)", "initiator sent a transaction whose response status is not TLM_INCOMPLETE_RESPONSE");
  if (t.get_gp_option() != tlm::TLM_MIN_PAYLOAD)
    violation(&t, "IEEE 1666-2011 14.8 g)", "initiator sent a transaction with gp_option != TLM_MIN_PAYLOAD");
}

ProtocolChecker::Snapshot ProtocolChecker::snapshot(const tlm::tlm_generic_payload& t) {
  Snapshot s{t.get_command(), t.get_data_ptr(), t.get_data_length(), t.get_streaming_width(), t.get_byte_enable_length(),
             t.get_byte_enable_ptr(), 0};
  if (s.command == tlm::TLM_WRITE_COMMAND && s.data) s.written_hash = hash_bytes(s.data, s.length);
  return s;
}

void ProtocolChecker::check_unmodified(const tlm::tlm_generic_payload& t, const Snapshot& b, const char* where) {
  std::string changed;
  if (t.get_command() != b.command) changed += " command";
  if (t.get_data_ptr() != b.data) changed += " data_ptr";
  if (t.get_data_length() != b.length) changed += " data_length";
  if (t.get_streaming_width() != b.streaming_width) changed += " streaming_width";
  if (t.get_byte_enable_ptr() != b.be) changed += " byte_enable_ptr";
  if (t.get_byte_enable_length() != b.be_length) changed += " byte_enable_length";
  if (b.command == tlm::TLM_WRITE_COMMAND && b.data && t.get_data_ptr() == b.data && t.get_data_length() == b.length &&
      hash_bytes(b.data, b.length) != b.written_hash)
    changed += " write data";
  if (!changed.empty())
    violation(&t, "IEEE 1666-2011 14.7", std::string("attributes modified by the target side during ") + where + ":" + changed);
}

void ProtocolChecker::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  ++transactions_;
  if (sides_ == Sides::Both) check_initial_state(trans);
  for (const auto& rule : rules_) {
    const std::string broken = rule(trans);
    if (!broken.empty()) violation(&trans, "platform rule", broken);
  }
  const Snapshot before = snapshot(trans);
  const sc_core::sc_time now = simcontext()->time_stamp();
  const sc_dt::uint64 deltas = sc_core::sc_delta_count();
  to_target->b_transport(trans, delay);
  check_unmodified(trans, before, "b_transport");
  if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
    violation(&trans, "IEEE 1666-2011 14.17", "target returned from b_transport with TLM_INCOMPLETE_RESPONSE");
  if (target_ == Target::Registers) {
    if (simcontext()->time_stamp() != now || sc_core::sc_delta_count() != deltas)
      violation(&trans, "scnvme integration convention", "register target waited inside b_transport");
    if (trans.is_dmi_allowed()) violation(&trans, "scnvme integration convention", "register target hinted DMI (dmi_allowed)");
  }
}

bool ProtocolChecker::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  ++dmi_requests_;
  if (sides_ == Sides::Both) {
    if (dmi.get_dmi_ptr() != nullptr || !dmi.is_none_allowed() || dmi.get_start_address() != 0 ||
        dmi.get_end_address() != static_cast<sc_dt::uint64>(-1) || dmi.get_read_latency() != sc_core::SC_ZERO_TIME ||
        dmi.get_write_latency() != sc_core::SC_ZERO_TIME)
      violation(&trans, "IEEE 1666-2011 11.2.5", "DMI descriptor passed to get_direct_mem_ptr not in its initial state");
  }
  const uint64_t address = trans.get_address();
  const bool granted = to_target->get_direct_mem_ptr(trans, dmi);
  if (!granted) return false;
  ++dmi_grants_;
  if (target_ == Target::Registers) violation(&trans, "scnvme integration convention", "register target granted DMI");
  if (dmi.get_dmi_ptr() == nullptr) violation(&trans, "IEEE 1666-2011 11.2.5", "DMI granted with a null pointer");
  if (dmi.is_none_allowed()) violation(&trans, "IEEE 1666-2011 11.2.5", "DMI granted with access DMI_ACCESS_NONE");
  if (dmi.get_start_address() > dmi.get_end_address() || address < dmi.get_start_address() || address > dmi.get_end_address())
    violation(&trans, "IEEE 1666-2011 11.2.5", "DMI region granted does not contain the address asked for");
  return true;
}

unsigned ProtocolChecker::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (sides_ == Sides::Both && trans.get_data_length() > 0 && trans.get_data_ptr() == nullptr)
    violation(&trans, "IEEE 1666-2011 11.3.4 l)", "debug transaction with data_ptr == 0");
  const unsigned length = trans.get_data_length();
  const sc_core::sc_time now = simcontext()->time_stamp();
  const sc_dt::uint64 deltas = sc_core::sc_delta_count();
  const unsigned n = to_target->transport_dbg(trans);
  if (n > length) violation(&trans, "IEEE 1666-2011 11.3.4", "transport_dbg returned more bytes than data_length");
  if (simcontext()->time_stamp() != now || sc_core::sc_delta_count() != deltas)
    violation(&trans, "IEEE 1666-2011 11.3.4", "target waited inside transport_dbg");
  return n;
}

void ProtocolChecker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  ++invalidations_;
  if (start > end) violation(nullptr, "IEEE 1666-2011 11.2 (DMI invalidation)", "invalidate_direct_mem_ptr with start above end");
  from_initiator->invalidate_direct_mem_ptr(start, end);
}

std::function<std::string(const tlm::tlm_generic_payload&)> bus_master_enable_rule(ProtocolChecker& config_space_checker) {
  // One debug payload for all checks (a payload allocates its extension array when built, and
  // this rule runs on every bus-master access); transport_dbg never waits, so it is never shared.
  auto probe = std::make_shared<tlm::tlm_generic_payload>();
  return [&config_space_checker, probe](const tlm::tlm_generic_payload&) -> std::string {
    uint8_t command[2] = {};
    tlm::tlm_generic_payload& t = *probe;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(4);  // Command register
    t.set_data_ptr(command);
    t.set_data_length(2);
    t.set_streaming_width(2);
    t.set_byte_enable_ptr(nullptr);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const unsigned n = config_space_checker.to_target->transport_dbg(t);
    t.set_data_ptr(nullptr);
    if (n != 2 || (command[0] & 0x04)) return {};
    return "bus-master access while the function's Bus Master Enable is clear";
  };
}

}  // namespace scnvme::platform
