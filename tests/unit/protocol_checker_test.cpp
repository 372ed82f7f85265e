// The base-protocol checker (platforms/protocol_checker.h) between a scripted initiator and a
// scripted target: each rule broken on purpose is reported once with its clause, a clean
// transaction is not, and with the default report actions a violation throws (so a test using
// the checker fails). Every end-to-end test runs the checker on the controller's four sockets.
#include <cstring>
#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "protocol_checker.h"

using scnvme::platform::ProtocolChecker;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

/// A target whose behaviour each test scripts; by default a well-behaved 4 KiB memory.
struct ScriptedTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<ScriptedTarget> socket;
  unsigned char mem[4096] = {};
  std::function<void(tlm::tlm_generic_payload&, sc_time&)> on_transport;
  std::function<bool(tlm::tlm_generic_payload&, tlm::tlm_dmi&)> on_dmi;

  explicit ScriptedTarget(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &ScriptedTarget::b_transport);
    socket.register_get_direct_mem_ptr(this, &ScriptedTarget::get_dmi);
    socket.register_transport_dbg(this, &ScriptedTarget::dbg);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& d) {
    if (on_transport) return on_transport(t, d);
    const uint64_t a = t.get_address();
    if (!t.get_data_ptr() || t.get_data_length() == 0) return t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    if (a + t.get_data_length() > sizeof mem) return t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    if (t.is_read()) std::memcpy(t.get_data_ptr(), mem + a, t.get_data_length());
    if (t.is_write()) std::memcpy(mem + a, t.get_data_ptr(), t.get_data_length());
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  bool get_dmi(tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) { return on_dmi ? on_dmi(t, dmi) : false; }
  unsigned dbg(tlm::tlm_generic_payload& t) { return t.get_data_length(); }
};

struct Rig : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Rig> init;
  ProtocolChecker checker;
  ScriptedTarget target;
  std::function<void(Rig&)> body;
  sc_dt::uint64 invalidated_start = 1, invalidated_end = 0;

  Rig(const sc_core::sc_module_name& n, ProtocolChecker::Target kind)
      : sc_module(n), init("init"), checker("checker", kind), target("target") {
    init.register_invalidate_direct_mem_ptr(this, &Rig::invalidate);
    init.bind(checker.from_initiator);
    checker.to_target.bind(target.socket);
    sc_core::sc_spawn([this] { if (body) body(*this); }, "host");
  }
  /// A properly initialised transaction of `len` bytes.
  static void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t addr, unsigned char* data, unsigned len) {
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(nullptr);
    t.set_byte_enable_length(0);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
    invalidated_start = start;
    invalidated_end = end;
  }
  void send(tlm::tlm_generic_payload& t) {
    sc_time d = sc_core::SC_ZERO_TIME;
    init->b_transport(t, d);
  }
};

/// Violations are counted and kept, not thrown, for the rule-by-rule tests.
void count_only() { sc_core::sc_report_handler::set_actions("scnvme/protocol", sc_core::SC_DO_NOTHING); }

bool found(const ProtocolChecker& c, const std::string& needle) {
  for (const auto& f : c.findings())
    if (f.find(needle) != std::string::npos) return true;
  return false;
}

void run(Rig& rig, std::function<void(Rig&)> body) {
  rig.body = std::move(body);
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
}

}  // namespace

TEST(ProtocolChecker, CleanTransactionsPass) {
  Rig rig("rig", ProtocolChecker::Target::Memory);
  run(rig, [](Rig& r) {
    unsigned char d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    tlm::tlm_generic_payload t;
    Rig::prepare(t, tlm::TLM_WRITE_COMMAND, 16, d, 8);
    r.send(t);
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 16, d, 8);
    r.send(t);
    EXPECT_TRUE(t.is_response_ok());
  });
  EXPECT_EQ(rig.checker.transactions(), 2u);
  EXPECT_EQ(rig.checker.violations(), 0u);
}

TEST(ProtocolChecker, InitiatorObligationsAreChecked) {
  count_only();
  Rig rig("rig", ProtocolChecker::Target::Memory);
  run(rig, [](Rig& r) {
    unsigned char d[4] = {};
    tlm::tlm_generic_payload t;
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    t.set_response_status(tlm::TLM_OK_RESPONSE);  // not reset before sending
    r.send(t);
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    t.set_dmi_allowed(true);
    r.send(t);
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    t.set_streaming_width(0);
    r.send(t);
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, nullptr, 4);
    r.send(t);
    Rig::prepare(t, tlm::TLM_WRITE_COMMAND, 0, d, 0);
    t.set_streaming_width(4);  // (only the length is wrong)
    r.send(t);
    Rig::prepare(t, tlm::TLM_WRITE_COMMAND, 0, d, 4);
    t.set_byte_enable_ptr(d);
    r.send(t);
  });
  EXPECT_EQ(rig.checker.violations(), 6u);
  EXPECT_TRUE(found(rig.checker, "14.17 e)"));
  EXPECT_TRUE(found(rig.checker, "14.16"));
  EXPECT_TRUE(found(rig.checker, "14.15 f)"));
  EXPECT_TRUE(found(rig.checker, "14.11 e)"));
  EXPECT_TRUE(found(rig.checker, "14.12 d)"));
  EXPECT_TRUE(found(rig.checker, "14.14 f)"));
}

TEST(ProtocolChecker, TargetObligationsAreChecked) {
  count_only();
  Rig rig("rig", ProtocolChecker::Target::Memory);
  int step = 0;
  rig.target.on_transport = [&step](tlm::tlm_generic_payload& t, sc_time&) {
    ++step;
    if (step == 1) return;                                           // response status never set
    if (step == 2) t.get_data_ptr()[0] ^= 0xFF;                      // write data changed
    if (step == 3) t.set_data_length(2);                             // attribute changed
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  run(rig, [](Rig& r) {
    unsigned char d[4] = {1, 2, 3, 4};
    tlm::tlm_generic_payload t;
    for (int i = 0; i < 3; ++i) {
      Rig::prepare(t, tlm::TLM_WRITE_COMMAND, 0, d, 4);
      r.send(t);
    }
  });
  EXPECT_EQ(rig.checker.violations(), 3u);
  EXPECT_TRUE(found(rig.checker, "TLM_INCOMPLETE_RESPONSE [IEEE 1666-2011 14.17]"));
  EXPECT_TRUE(found(rig.checker, ": write data [IEEE 1666-2011 14.7]"));
  EXPECT_TRUE(found(rig.checker, ": data_length [IEEE 1666-2011 14.7]"));
}

TEST(ProtocolChecker, RegisterTargetsMustNotWaitOrOfferDmi) {
  count_only();
  Rig rig("rig", ProtocolChecker::Target::Registers);
  int step = 0;
  rig.target.on_transport = [&step](tlm::tlm_generic_payload& t, sc_time&) {
    if (++step == 1) sc_core::wait(sc_time(5, SC_NS));  // waits instead of annotating
    else t.set_dmi_allowed(true);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  rig.target.on_dmi = [&rig](tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(rig.target.mem);
    dmi.set_start_address(0);
    dmi.set_end_address(4095);
    dmi.allow_read_write();
    return true;
  };
  run(rig, [](Rig& r) {
    unsigned char d[4] = {};
    tlm::tlm_generic_payload t;
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    r.send(t);
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    r.send(t);
    tlm::tlm_dmi dmi;
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    EXPECT_TRUE(r.init->get_direct_mem_ptr(t, dmi));
  });
  EXPECT_EQ(rig.checker.violations(), 3u);
  EXPECT_TRUE(found(rig.checker, "register target waited inside b_transport"));
  EXPECT_TRUE(found(rig.checker, "register target hinted DMI"));
  EXPECT_TRUE(found(rig.checker, "register target granted DMI"));
}

TEST(ProtocolChecker, DmiDescriptorsAreChecked) {
  count_only();
  Rig rig("rig", ProtocolChecker::Target::Memory);
  rig.target.on_dmi = [&rig](tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(rig.target.mem);
    dmi.set_start_address(1024);  // does not contain address 0
    dmi.set_end_address(4095);
    dmi.allow_read();
    return true;
  };
  run(rig, [](Rig& r) {
    unsigned char d[4] = {};
    tlm::tlm_generic_payload t;
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    tlm::tlm_dmi dmi;
    dmi.set_start_address(8);  // the initiator did not start from a fresh descriptor
    r.init->get_direct_mem_ptr(t, dmi);
  });
  EXPECT_EQ(rig.checker.dmi_requests(), 1u);
  EXPECT_EQ(rig.checker.dmi_grants(), 1u);
  EXPECT_EQ(rig.checker.violations(), 2u);
  EXPECT_TRUE(found(rig.checker, "not in its initial state"));
  EXPECT_TRUE(found(rig.checker, "does not contain the address"));
}

TEST(ProtocolChecker, InvalidationIsForwardedToTheInitiator) {
  Rig rig("rig", ProtocolChecker::Target::Memory);
  run(rig, [](Rig& r) { r.target.socket->invalidate_direct_mem_ptr(0x100, 0x1FF); });
  EXPECT_EQ(rig.checker.invalidations(), 1u);
  EXPECT_EQ(rig.invalidated_start, 0x100u);
  EXPECT_EQ(rig.invalidated_end, 0x1FFu);
  EXPECT_EQ(rig.checker.violations(), 0u);
}

TEST(ProtocolChecker, AViolationThrowsWithTheDefaultActions) {
  Rig rig("rig", ProtocolChecker::Target::Memory);
  rig.target.on_transport = [](tlm::tlm_generic_payload&, sc_time&) {};  // never sets a response
  rig.body = [](Rig& r) {
    unsigned char d[4] = {};
    tlm::tlm_generic_payload t;
    Rig::prepare(t, tlm::TLM_READ_COMMAND, 0, d, 4);
    r.send(t);
  };
  try {
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    ADD_FAILURE() << "no exception";
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "scnvme/protocol");
    EXPECT_NE(std::string(e.get_msg()).find("rig.checker: target returned from b_transport with TLM_INCOMPLETE_RESPONSE"),
              std::string::npos)
        << e.get_msg();
  }
}
