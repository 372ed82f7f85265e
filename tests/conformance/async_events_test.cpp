// Asynchronous events (NVMe Base 2.0, 5.2): invalid doorbell writes are reported through an
// outstanding Asynchronous Event Request with the Error Information log page; an event type stays
// masked after it was reported until that log page is read with Retain Asynchronous Event cleared;
// events that occur while no request is outstanding wait for one.
#include "conformance/host_steps.h"
#include "scnvme/spec/nvme_async_event.h"

using namespace scnvme;
using namespace scnvme::test;
namespace ae = spec::async_event;
namespace lg = spec::log;

namespace {

constexpr uint32_t kInvalidRegister = ae::dw0(ae::kError, ae::error::kInvalidDoorbellRegister, lg::kErrorInformation);
constexpr uint32_t kInvalidValue = ae::dw0(ae::kError, ae::error::kInvalidDoorbellValue, lg::kErrorInformation);

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

/// Reads the Error Information log (64 bytes), with Retain Asynchronous Event set or not.
spec::Cqe read_error_log(Bench& h, bool retain) {
  spec::Sqe s = get_log_sqe(lg::kErrorInformation, 64);
  if (retain) s.set_dw(10, s.cdw10() | 1u << 15);
  s.set_prp1(h.alloc(64));
  return h.admin(s);
}

/// Waits for the next admin completion and checks it is the AER `cid` reporting `dw0`.
void expect_event(Bench& h, uint16_t cid, uint32_t dw0) {
  const spec::Cqe c = h.wait_cqe(0);
  EXPECT_EQ(c.cid(), cid);
  EXPECT_STATUS(c, spec::status::kSuccess);
  EXPECT_EQ(c.dw0(), dw0) << std::hex << "dw0 0x" << c.dw0() << ", expected 0x" << dw0;
}

}  // namespace

TEST(AsyncEvents, InvalidDoorbellWritesAreReported) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t stride = h.nvme.config().doorbell_stride;
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE1);
    wait_us(20);
    h.wr32(spec::reg::sq_tail_doorbell(5, stride), 1);  // SQ 5 does not exist
    expect_event(h, 0xE1, kInvalidRegister);
    EXPECT_STATUS(read_error_log(h, false), spec::status::kSuccess);  // clears the mask

    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE2);
    wait_us(20);
    h.wr32(spec::reg::sq_tail_doorbell(0, stride), 0xFFFF);  // beyond the admin SQ
    expect_event(h, 0xE2, kInvalidValue);
    EXPECT_STATUS(read_error_log(h, false), spec::status::kSuccess);

    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE3);
    wait_us(20);
    h.wr32(spec::reg::cq_head_doorbell(0, stride), 7);  // the host has not been given entry 7
    expect_event(h, 0xE3, kInvalidValue);
  });
}

TEST(AsyncEvents, TypeStaysMaskedUntilItsLogIsReadWithoutRetain) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t stride = h.nvme.config().doorbell_stride;
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE1);
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE2);
    wait_us(20);
    h.wr32(spec::reg::sq_tail_doorbell(6, stride), 1);
    expect_event(h, 0xE1, kInvalidRegister);
    // A second error event while the type is masked: held back.
    h.wr32(spec::reg::cq_head_doorbell(6, stride), 1);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "error events are masked until the Error Information log is read";
    // Reading the log with RAE set keeps the mask.
    EXPECT_STATUS(read_error_log(h, true), spec::status::kSuccess);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "RAE set: the event stays masked";
    // Reading it with RAE cleared unmasks the type: the held event is reported at once.
    EXPECT_STATUS(read_error_log(h, false), spec::status::kSuccess);
    expect_event(h, 0xE2, kInvalidRegister);
  });
}

TEST(AsyncEvents, EventsWaitForARequest) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t stride = h.nvme.config().doorbell_stride;
    h.wr32(spec::reg::sq_tail_doorbell(7, stride), 1);  // no request outstanding
    h.wr32(spec::reg::sq_tail_doorbell(7, stride), 2);  // the same event again: not queued twice
    wait_us(20);
    EXPECT_FALSE(h.cqe_available(0));
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE1);
    expect_event(h, 0xE1, kInvalidRegister);
    EXPECT_STATUS(read_error_log(h, false), spec::status::kSuccess);
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE2);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "the duplicate was not queued";
  });
}

TEST(AsyncEvents, ControllerResetDropsWaitingEvents) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t stride = h.nvme.config().doorbell_stride;
    h.wr32(spec::reg::sq_tail_doorbell(7, stride), 1);
    wait_us(20);
    h.wr32(spec::reg::kCc, h.rd32(spec::reg::kCc) & ~spec::reg::cc::kEn);  // controller reset
    ASSERT_TRUE(h.wait_ready(false));
    ASSERT_TRUE(h.enable());
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE1);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "events of the previous controller session are gone";
  });
}

TEST(AsyncEvents, TemperatureThresholdCrossedRaisesASmartEventWhenEnabled) {
  ControllerConfig cfg;
  cfg.ambient_temperature_k = 310;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    namespace ft = spec::feature;
    auto set_feature = [&](uint8_t fid, uint32_t cdw11) {
      return h.admin(make_sqe(spec::admin_opcode::kSetFeatures, fid, cdw11));
    };
    auto smart_warning = [&] {
      spec::Sqe s = get_log_sqe(lg::kSmartHealth, 512);
      s.set_prp1(h.alloc(512));
      const uint64_t buf = s.prp1();
      EXPECT_STATUS(h.admin(s), spec::status::kSuccess);
      return *h.mem.at(buf + lg::smart::kCriticalWarning);
    };
    EXPECT_EQ(smart_warning() & lg::smart::kWarnTemperature, 0);
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE1);
    wait_us(20);
    // Over-temperature threshold at the current temperature: the warning is set; no event while
    // Feature 0Bh leaves temperature events disabled.
    EXPECT_STATUS(set_feature(ft::kTemperatureThreshold, 310), spec::status::kSuccess);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_NE(smart_warning() & lg::smart::kWarnTemperature, 0);
    // Enabling the temperature warning event reports it.
    EXPECT_STATUS(set_feature(ft::kAsyncEventConfiguration, lg::smart::kWarnTemperature), spec::status::kSuccess);
    expect_event(h, 0xE1, ae::dw0(ae::kSmartHealth, ae::smart::kTemperatureThreshold, lg::kSmartHealth));
    // Back above the temperature: the warning clears.
    EXPECT_STATUS(set_feature(ft::kTemperatureThreshold, 311), spec::status::kSuccess);
    EXPECT_EQ(smart_warning() & lg::smart::kWarnTemperature, 0);
  });
}
