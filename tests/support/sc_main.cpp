// Test entry point: SystemC's main() calls sc_main(), which runs GoogleTest.
#include <gtest/gtest.h>
#include <systemc>

int sc_main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// LeakSanitizer cannot follow SystemC's coroutine stacks (it crashes at exit), so sanitized test
// binaries run without leak detection; every other ASan check stays on.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
