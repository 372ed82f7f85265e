// Running reference-driver code on the reference platform in a test: one CPU thread, a platform
// with a 64 MiB namespace of 4 KiB blocks, driver options with two I/O queues, and the data
// pattern the driver tests write and check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include <gtest/gtest.h>
#include <systemc>

#include "driver/nvme_driver.h"
#include "reference_platform.h"

namespace scnvme::test {

/// Runs `body` as one CPU thread on `p`, stops the simulation when it returns.
inline void run_cpu(platform::ReferencePlatform& p, std::function<void()> body) {
  bool done = false;
  p.cpu().run("t", [&] {
    body();
    done = true;
    sc_core::sc_stop();
  });
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_SEC));
  EXPECT_TRUE(done) << "driver thread did not finish";
}

/// One controller with namespace 1: 64 MiB of `block`-byte blocks.
inline platform::PlatformConfig one_namespace_platform(uint32_t block = 4096) {
  platform::PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  pc.controllers.at(0).namespaces = {NamespaceConfig{1, 64ull << 20, block}};
  return pc;
}

/// Two I/O queue pairs of 64 entries, the given command timeout.
inline nvme_driver_options two_queue_options(uint64_t command_timeout_ns) {
  nvme_driver_options opt;
  nvme_driver_default_options(&opt);
  opt.io_queues = 2;
  opt.io_queue_entries = 64;
  opt.command_timeout_ns = command_timeout_ns;
  return opt;
}

/// Byte i of block `lba` written in `generation`.
inline uint8_t pattern(uint64_t lba, uint32_t generation, std::size_t i) {
  return static_cast<uint8_t>((lba * 37 + generation * 101 + i * 13 + (i >> 8)) & 0xFF);
}

}  // namespace scnvme::test
