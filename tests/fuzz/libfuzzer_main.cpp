// With -DSCNVME_FUZZ=ON libFuzzer provides main(); SystemC's library still needs an sc_main to
// link. Targets build their simulation on their first input (SystemC elaborates once per process)
// and run it with sc_start() for each input.
#include <systemc>

int sc_main(int, char**) { return 0; }

// LeakSanitizer cannot follow SystemC's coroutine stacks (it crashes at exit).
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
