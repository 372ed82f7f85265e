// Virtual-platform parts on their own: Interconnect (address map, routing, DMI), DmaPool,
// MsiController and HostCpu interrupts. Each case elaborates its own small system (one process
// per case).
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "dma_pool.h"
#include "host_cpu.h"
#include "host_memory.h"
#include "interconnect.h"
#include "msi_controller.h"

using namespace scnvme::platform;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

/// A TLM initiator driven from a test thread; records DMI invalidations it receives.
struct TestInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<TestInitiator> socket;
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;

  explicit TestInitiator(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.register_invalidate_direct_mem_ptr(this, &TestInitiator::invalidate);
  }
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) { invalidations.emplace_back(start, end); }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len, sc_time* delay_out = nullptr,
                                  uint8_t* byte_enables = nullptr) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(byte_enables);
    t.set_byte_enable_length(byte_enables ? len : 0);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    EXPECT_EQ(t.get_address(), addr) << "the payload's address must be restored";
    if (delay_out) *delay_out = delay;
    return t.get_response_status();
  }
  tlm::tlm_response_status write32(uint64_t addr, uint32_t v) {
    uint8_t b[4];
    for (unsigned i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    return access(tlm::TLM_WRITE_COMMAND, addr, b, 4);
  }
  bool dmi(uint64_t addr, tlm::tlm_dmi& out) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    return socket->get_direct_mem_ptr(t, out);
  }
};

/// A target that records the address it saw; grants DMI over its whole buffer; can invalidate.
struct RecordingTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<RecordingTarget> socket;
  std::vector<uint8_t> bytes;
  uint64_t last_address = ~0ull;
  unsigned accesses = 0;

  RecordingTarget(const sc_core::sc_module_name& n, std::size_t size) : sc_module(n), socket("socket"), bytes(size, 0) {
    socket.register_b_transport(this, &RecordingTarget::b_transport);
    socket.register_get_direct_mem_ptr(this, &RecordingTarget::get_dmi);
    socket.register_transport_dbg(this, &RecordingTarget::dbg);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    last_address = t.get_address();
    ++accesses;
    if (t.get_address() + t.get_data_length() > bytes.size()) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (t.is_write()) std::memcpy(&bytes[t.get_address()], t.get_data_ptr(), t.get_data_length());
    else std::memcpy(t.get_data_ptr(), &bytes[t.get_address()], t.get_data_length());
    delay += sc_time(5, SC_NS);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  bool get_dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(bytes.data());
    dmi.set_start_address(0);
    dmi.set_end_address(bytes.size() - 1);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(sc_time(1, SC_NS));
    dmi.set_write_latency(sc_time(1, SC_NS));
    return true;
  }
  unsigned dbg(tlm::tlm_generic_payload& t) {
    last_address = t.get_address();
    if (t.is_read()) std::memcpy(t.get_data_ptr(), &bytes[t.get_address()], t.get_data_length());
    return t.get_data_length();
  }
};

/// An initiator, an interconnect (10 ns) and two recording targets of 4 KiB on ports 0 and 1.
struct BusBench {
  TestInitiator init{"init"};
  Interconnect bus{"bus", sc_time(10, SC_NS)};
  RecordingTarget a{"a", 4096}, b{"b", 4096};
  BusBench() {
    init.socket.bind(bus.from_initiators);
    bus.to_targets.bind(a.socket);
    bus.to_targets.bind(b.socket);
  }
};

void run_thread(std::function<void()> body) {
  bool done = false;
  sc_core::sc_spawn([&] {
    body();
    done = true;
  });
  sc_core::sc_start(sc_time(1, sc_core::SC_SEC));
  EXPECT_TRUE(done) << "test thread did not finish";
}

}  // namespace

// --- Interconnect ------------------------------------------------------------------------------

TEST(PlatformInterconnect, MapRejectsOverlapsAndEmptyRegions) {
  BusBench s;
  s.bus.map("a", 0x1000, 0x1000, 0);
  EXPECT_THROW(s.bus.map("b", 0x1800, 0x1000, 1), std::invalid_argument);  // overlaps a's upper half
  EXPECT_THROW(s.bus.map("b", 0x0800, 0x1000, 1), std::invalid_argument);  // overlaps a's lower half
  EXPECT_THROW(s.bus.map("b", 0x0000, 0x4000, 1), std::invalid_argument);  // contains a
  EXPECT_THROW(s.bus.map("b", 0x1100, 0x10, 1), std::invalid_argument);    // inside a
  EXPECT_THROW(s.bus.map("b", 0x5000, 0, 1), std::invalid_argument);       // empty
  EXPECT_THROW(s.bus.map("b", ~0ull - 0xF, 0x100, 1), std::invalid_argument);  // wraps
  EXPECT_NO_THROW(s.bus.map("b", 0x2000, 0x1000, 1));                      // adjacent is fine
  EXPECT_NO_THROW(s.bus.map("c", 0x1000, 0x1000, 1, false));               // disabled regions may overlap
  ASSERT_EQ(s.bus.regions().size(), 3u);
}

TEST(PlatformInterconnect, RoutesToTargetWithOffsetAndAddsLatency) {
  BusBench s;
  s.bus.map("a", 0x10000, 0x1000, 0);
  s.bus.map("b", 0x20000, 0x1000, 1);
  run_thread([&] {
    uint32_t v = 0xA5A5A5A5;
    sc_time delay;
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x10010, &v, 4, &delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(s.a.last_address, 0x10u);
    EXPECT_EQ(delay, sc_time(15, SC_NS));  // interconnect 10 ns + target 5 ns
    v = 0x12345678;
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x20ffc, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(s.b.last_address, 0xffcu);
    EXPECT_EQ(s.a.accesses, 1u);
    EXPECT_EQ(s.b.accesses, 1u);
    uint32_t r = 0;
    EXPECT_EQ(s.init.access(tlm::TLM_READ_COMMAND, 0x20ffc, &r, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(r, 0x12345678u);

    // Debug transport is routed the same way.
    tlm::tlm_generic_payload t;
    uint32_t d = 0;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(0x10010);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&d));
    t.set_data_length(4);
    EXPECT_EQ(s.init.socket->transport_dbg(t), 4u);
    EXPECT_EQ(d, 0xA5A5A5A5u);
    EXPECT_EQ(t.get_address(), 0x10010u);
  });
}

TEST(PlatformInterconnect, UnmappedAccessesGetAddressError) {
  BusBench s;
  s.bus.map("a", 0x10000, 0x1000, 0);
  s.bus.map("b", 0x20000, 0x1000, 1, false);  // disabled: not decoded
  run_thread([&] {
    uint32_t v = 1;
    EXPECT_EQ(s.init.access(tlm::TLM_READ_COMMAND, 0x0, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x11000, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // just past a
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x10ffe, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // straddles a's end
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x20000, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // disabled region
    EXPECT_EQ(s.bus.unmapped_accesses(), 4u);
    EXPECT_EQ(s.a.accesses + s.b.accesses, 0u);
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(s.init.dmi(0x30000, dmi));
  });
}

TEST(PlatformInterconnect, RemapMovesRegionAndRefusesOverlap) {
  BusBench s;
  s.bus.map("a", 0x10000, 0x1000, 0);
  s.bus.map("b", 0x20000, 0x1000, 1);
  run_thread([&] {
    uint32_t v = 7;
    EXPECT_TRUE(s.bus.remap("b", 0x40000, true));
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x20000, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // old place
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x40008, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(s.b.last_address, 0x8u);

    // Moving b over a is refused: b is left unmapped, a keeps its addresses.
    EXPECT_FALSE(s.bus.remap("b", 0x10800, true));
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x10800, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(s.a.last_address, 0x800u);
    EXPECT_EQ(s.b.accesses, 1u);
    EXPECT_EQ(s.init.access(tlm::TLM_WRITE_COMMAND, 0x40008, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    for (const auto& r : s.bus.regions()) {
      if (r.name == "b") {
        EXPECT_FALSE(r.enabled);
      }
    }

    // Disabling and re-enabling elsewhere; unknown regions are refused.
    EXPECT_TRUE(s.bus.remap("b", 0x50000, true));
    v = 0;
    EXPECT_EQ(s.init.access(tlm::TLM_READ_COMMAND, 0x50008, &v, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 7u);
    EXPECT_TRUE(s.bus.remap("b", 0x50000, false));
    EXPECT_EQ(s.init.access(tlm::TLM_READ_COMMAND, 0x50008, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_FALSE(s.bus.remap("nosuch", 0x60000, true));
  });
}

TEST(PlatformInterconnect, DmiHasGlobalAddressesAndIsInvalidatedOnRemap) {
  TestInitiator init("init");
  Interconnect bus("bus", sc_time(10, SC_NS));
  HostMemory mem("mem", 64 * 1024, sc_time(80, SC_NS), sc_time(60, SC_NS));
  RecordingTarget other("other", 4096);
  init.socket.bind(bus.from_initiators);
  bus.to_targets.bind(mem.socket);
  bus.to_targets.bind(other.socket);
  bus.map("mem", 0x100000, 64 * 1024, 0);
  bus.map("other", 0x200000, 4096, 1);
  run_thread([&] {
    tlm::tlm_dmi dmi;
    ASSERT_TRUE(init.dmi(0x100010, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0x100000u);
    EXPECT_EQ(dmi.get_end_address(), 0x10FFFFu);
    EXPECT_EQ(dmi.get_dmi_ptr(), mem.data());
    EXPECT_TRUE(dmi.is_read_write_allowed());
    EXPECT_EQ(dmi.get_read_latency(), sc_time(90, SC_NS));  // memory + interconnect
    EXPECT_EQ(dmi.get_write_latency(), sc_time(70, SC_NS));

    // A write through the DMI pointer is seen by a b_transport read through the bus.
    dmi.get_dmi_ptr()[0x20] = 0x5A;
    uint8_t r = 0;
    EXPECT_EQ(init.access(tlm::TLM_READ_COMMAND, 0x100020, &r, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(r, 0x5A);

    tlm::tlm_dmi dmi2;
    ASSERT_TRUE(init.dmi(0x200100, dmi2));
    EXPECT_EQ(dmi2.get_start_address(), 0x200000u);
    EXPECT_EQ(dmi2.get_end_address(), 0x200FFFu);

    // Moving a region invalidates the old global range.
    init.invalidations.clear();
    EXPECT_TRUE(bus.remap("mem", 0x300000, true));
    ASSERT_EQ(init.invalidations.size(), 1u);
    EXPECT_EQ(init.invalidations[0].first, 0x100000u);
    EXPECT_EQ(init.invalidations[0].second, 0x10FFFFu);
    ASSERT_TRUE(init.dmi(0x300000, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0x300000u);
    EXPECT_EQ(dmi.get_end_address(), 0x30FFFFu);

    // A target's own invalidation is translated to global addresses.
    init.invalidations.clear();
    other.socket->invalidate_direct_mem_ptr(0x100, 0x1FF);
    ASSERT_EQ(init.invalidations.size(), 1u);
    EXPECT_EQ(init.invalidations[0].first, 0x200100u);
    EXPECT_EQ(init.invalidations[0].second, 0x2001FFu);
    init.invalidations.clear();
    other.socket->invalidate_direct_mem_ptr(0, ~0ull);  // "everything": clipped to the region
    ASSERT_EQ(init.invalidations.size(), 1u);
    EXPECT_EQ(init.invalidations[0].first, 0x200000u);
    EXPECT_EQ(init.invalidations[0].second, 0x200FFFu);
  });
}

// --- DmaPool -----------------------------------------------------------------------------------

TEST(PlatformDmaPool, AlignmentAndNeverAddressZero) {
  DmaPool pool(0, 1 << 20);
  const uint64_t a = pool.allocate(100, 8);
  EXPECT_NE(a, 0u);
  EXPECT_EQ(a % 8, 0u);
  const uint64_t b = pool.allocate(1, 4096);
  EXPECT_NE(b, 0u);
  EXPECT_EQ(b % 4096, 0u);
  const uint64_t c = pool.allocate(8192, 65536);
  EXPECT_EQ(c % 65536, 0u);
  EXPECT_NE(c, 0u);
  // Blocks do not overlap.
  EXPECT_TRUE(a + 100 <= b || b + 1 <= a);
  EXPECT_TRUE(b + 1 <= c || c + 8192 <= b);
  EXPECT_EQ(pool.bytes_in_use(), 100u + 1u + 8192u);
  // Bad requests.
  EXPECT_EQ(pool.allocate(0, 8), 0u);
  EXPECT_EQ(pool.allocate(16, 3), 0u);   // not a power of two
  EXPECT_EQ(pool.allocate(16, 0), 0u);
}

TEST(PlatformDmaPool, ExhaustionReturnsZero) {
  DmaPool pool(0x100000, 0x10000);
  const uint64_t a = pool.allocate(0x10000, 4096);
  EXPECT_EQ(a, 0x100000u);
  EXPECT_EQ(pool.allocate(1, 1), 0u);
  EXPECT_EQ(pool.bytes_in_use(), 0x10000u);
  EXPECT_TRUE(pool.release(a));
  EXPECT_EQ(pool.bytes_in_use(), 0u);
  EXPECT_EQ(pool.allocate(0x10001, 1), 0u);  // larger than the pool
  // Alignment can make a request that fits by size fail.
  DmaPool small(0x1008, 0x1000);
  EXPECT_EQ(small.allocate(0x1000, 8), 0x1008u);
  EXPECT_TRUE(small.release(0x1008));
  // The slice is [0x1008, 0x2008): its only 4 KiB boundary leaves 8 bytes.
  EXPECT_EQ(small.allocate(0x800, 0x1000), 0u);
  EXPECT_EQ(small.allocate(8, 0x1000), 0x2000u);
  EXPECT_EQ(small.allocate(0x800, 8), 0x1008u);  // the part before the aligned block is still free
}

TEST(PlatformDmaPool, FreeMergesNeighboursForReuse) {
  DmaPool pool(0x10000, 0x3000);
  const uint64_t a = pool.allocate(0x1000, 0x1000), b = pool.allocate(0x1000, 0x1000), c = pool.allocate(0x1000, 0x1000);
  EXPECT_EQ(a, 0x10000u);
  EXPECT_EQ(b, 0x11000u);
  EXPECT_EQ(c, 0x12000u);
  EXPECT_EQ(pool.allocate(1, 1), 0u);
  EXPECT_FALSE(pool.release(0x10800));  // not the start of a block
  EXPECT_TRUE(pool.release(b));
  EXPECT_FALSE(pool.release(b));  // double free
  EXPECT_EQ(pool.allocate(0x2000, 0x1000), 0u);  // only 4 KiB free
  EXPECT_TRUE(pool.release(a));                  // merges with b's block
  EXPECT_EQ(pool.allocate(0x2000, 0x1000), 0x10000u);
  EXPECT_TRUE(pool.release(0x10000));
  EXPECT_TRUE(pool.release(c));                  // merges with the block before it
  EXPECT_EQ(pool.bytes_in_use(), 0u);
  EXPECT_EQ(pool.allocate(0x3000, 0x1000), 0x10000u);  // whole pool in one block again
  EXPECT_TRUE(pool.release(0x10000));
  // Free in a different order: c, a, then b joins both neighbours.
  const uint64_t x = pool.allocate(0x1000, 1), y = pool.allocate(0x1000, 1), z = pool.allocate(0x1000, 1);
  EXPECT_TRUE(pool.release(z));
  EXPECT_TRUE(pool.release(x));
  EXPECT_TRUE(pool.release(y));
  EXPECT_EQ(pool.allocate(0x3000, 1), 0x10000u);
}

// --- MsiController ----------------------------------------------------------------------------

TEST(PlatformMsiController, CountsDeliveredUnknownAndSpurious) {
  TestInitiator init("init");
  MsiController msi("msi", 16);
  init.socket.bind(msi.socket);
  std::vector<std::pair<unsigned, sc_time>> got;
  msi.on_interrupt([&](unsigned v, const sc_time& d) { got.emplace_back(v, d); });
  EXPECT_EQ(msi.vectors(), 16u);
  run_thread([&] {
    EXPECT_EQ(init.write32(0x0, 3), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(init.write32(0x4, 15), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(msi.delivered(), 2u);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].first, 3u);
    EXPECT_EQ(got[1].first, 15u);

    // Data beyond the vector table: a posted write the device sees as OK, not delivered.
    EXPECT_EQ(init.write32(0x0, 16), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(init.write32(0x0, 0xFFFFFFFF), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(msi.unknown_vectors(), 2u);
    EXPECT_EQ(msi.delivered(), 2u);

    // Reads, wrong sizes and byte enables are spurious and refused.
    uint32_t r = 0;
    EXPECT_EQ(init.access(tlm::TLM_READ_COMMAND, 0x0, &r, 4), tlm::TLM_GENERIC_ERROR_RESPONSE);
    uint16_t half = 1;
    EXPECT_EQ(init.access(tlm::TLM_WRITE_COMMAND, 0x0, &half, 2), tlm::TLM_GENERIC_ERROR_RESPONSE);
    uint64_t wide = 1;
    EXPECT_EQ(init.access(tlm::TLM_WRITE_COMMAND, 0x0, &wide, 8), tlm::TLM_GENERIC_ERROR_RESPONSE);
    uint32_t v = 1;
    uint8_t be[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    EXPECT_EQ(init.access(tlm::TLM_WRITE_COMMAND, 0x0, &v, 4, nullptr, be), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(msi.spurious(), 4u);
    EXPECT_EQ(msi.delivered(), 2u);
    EXPECT_EQ(msi.unknown_vectors(), 2u);
    EXPECT_EQ(got.size(), 2u);
  });
}

// --- HostCpu -----------------------------------------------------------------------------------

namespace {
struct CpuBench {
  HostCpu cpu{"cpu", 8, sc_time(20, SC_NS)};
  HostMemory mem{"mem", 1 << 20};
  CpuBench() { cpu.bus.bind(mem.socket); }
};
}  // namespace

TEST(PlatformHostCpu, WaitInterruptTimesOutThenSeesRaise) {
  CpuBench s;
  std::vector<unsigned> handled;
  s.cpu.set_handler(5, [&](unsigned v) { handled.push_back(v); });
  bool done = false;
  s.cpu.run("waiter", [&] {
    const sc_time t0 = sc_core::sc_time_stamp();
    EXPECT_FALSE(s.cpu.wait_interrupt(5, sc_time(1, sc_core::SC_US)));
    EXPECT_EQ(sc_core::sc_time_stamp() - t0, sc_time(1, sc_core::SC_US));
    EXPECT_FALSE(s.cpu.wait_interrupt(99, sc_time(1, sc_core::SC_US)));  // no such vector

    // Raised by another thread at 2 us with 100 ns delay: seen at 2.1 us.
    EXPECT_TRUE(s.cpu.wait_interrupt(5, sc_time(10, sc_core::SC_US)));
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(2100, SC_NS));
    EXPECT_EQ(s.cpu.interrupts(5), 1u);
    EXPECT_EQ(handled, std::vector<unsigned>{5});
    // The occurrence was consumed: the next wait times out.
    EXPECT_FALSE(s.cpu.wait_interrupt(5, sc_time(500, SC_NS)));

    // Raised before anyone waits: pending, so the wait returns at once.
    s.cpu.raise(2, sc_core::SC_ZERO_TIME);
    sc_core::wait(sc_time(1, SC_NS));
    const sc_time t1 = sc_core::sc_time_stamp();
    EXPECT_TRUE(s.cpu.wait_interrupt(2, sc_time(1, sc_core::SC_US)));
    EXPECT_EQ(sc_core::sc_time_stamp(), t1);
    EXPECT_EQ(s.cpu.interrupts(2), 1u);
    EXPECT_EQ(s.cpu.interrupts(5), 1u);
    done = true;
  });
  s.cpu.run("raiser", [&] {
    sc_core::wait(sc_time(2, sc_core::SC_US));
    s.cpu.raise(5, sc_time(100, SC_NS));
    s.cpu.raise(100, sc_core::SC_ZERO_TIME);  // beyond the vectors: ignored
  });
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  EXPECT_TRUE(done);
}

TEST(PlatformHostCpu, LoadsAndStoresCostTime) {
  CpuBench s;
  bool done = false;
  s.cpu.run("t", [&] {
    const uint32_t v = 0xCAFEF00D;
    const sc_time t0 = sc_core::sc_time_stamp();
    EXPECT_TRUE(s.cpu.write(0x100, &v, 4));
    EXPECT_EQ(sc_core::sc_time_stamp(), t0) << "a store is posted: the thread does not stall";
    EXPECT_EQ(s.cpu.local_time() - t0, sc_time(20, SC_NS)) << "the thread spent its issue cost (op 20 ns)";
    uint32_t r = 0;
    EXPECT_TRUE(s.cpu.read(0x100, &r, 4));
    EXPECT_EQ(r, v);
    // The load left once the store had landed (op 20 ns + memory write 60 ns), then took op 20 ns
    // + memory read 80 ns.
    EXPECT_EQ(sc_core::sc_time_stamp() - t0, sc_time(180, SC_NS));
    EXPECT_FALSE(s.cpu.read(2 << 20, &r, 4));  // beyond the memory
    const sc_time t1 = s.cpu.local_time();
    s.cpu.op();
    EXPECT_EQ(s.cpu.local_time() - t1, s.cpu.op_cost());
    s.cpu.sync();
    EXPECT_EQ(sc_core::sc_time_stamp(), s.cpu.local_time()) << "sync hands the CPU time to the kernel";
    // The HAL's clock: whole nanoseconds, rounded down (the thread is at a whole nanosecond here).
    const uint64_t ns0 = s.cpu.local_time_ns();
    EXPECT_EQ(sc_time(static_cast<double>(ns0), SC_NS), s.cpu.local_time());
    sc_core::wait(sc_time(2999, sc_core::SC_PS));
    EXPECT_EQ(s.cpu.local_time_ns(), ns0 + 2);
    sc_core::wait(sc_time(1, sc_core::SC_PS));
    EXPECT_EQ(s.cpu.local_time_ns(), ns0 + 3);
    done = true;
  });
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  EXPECT_TRUE(done);
}
