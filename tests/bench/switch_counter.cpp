// LD_PRELOAD library for scripts/bench.sh: counts SystemC thread resumptions (coroutine context
// switches into a thread process) in a simulation run.
//
// What it measures: every SystemC coroutine switch goes through sc_cor_pkg_qt::yield(next), or
// through sc_cor_pkg_qt::abort(next) when a thread process terminates. Each call switches into
// `next`. A switch whose target is not the package's main coroutine (the scheduler, see get_main())
// resumes a thread process: scheduler -> thread, or thread -> thread when a waiting thread hands
// over directly to the next runnable one. Those are counted; switches back into the scheduler are
// not. SystemC's kernel reference loop (../shared/bench/kernel_ref.cpp, 9 waits per I/O) counts 9
// resumptions per I/O.
//
// How: this library defines the exported member functions sc_core::sc_cor_pkg_qt::yield and
// ::abort, which the dynamic linker binds in place of libsystemc's, counts, and forwards to the
// real ones found with dlsym(RTLD_NEXT). That relies on SystemC's QuickThreads coroutine package
// living in a shared libsystemc with default symbol visibility (Debian's libsystemc-dev). With a
// statically linked SystemC, or one built with the pthreads coroutine package, the real symbols
// are not found: the library then prints a one-line warning to stderr and counts nothing.
//
// At exit the count goes, as a single integer line, to the file named by SCNVME_SWITCH_COUNT_FILE
// when that is set, otherwise to stderr as "scnvme-switch-counter: N thread resumptions".
//
// No SystemC headers: the two classes are declared here, just enough to define and call the
// members with their mangled names.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace sc_core {
class sc_cor;
class sc_cor_pkg_qt {
 public:
  void yield(sc_cor* next);
  void abort(sc_cor* next);
};
}  // namespace sc_core

namespace {

using SwitchFn = void (*)(sc_core::sc_cor_pkg_qt*, sc_core::sc_cor*);
using GetMainFn = sc_core::sc_cor* (*)(sc_core::sc_cor_pkg_qt*);

constexpr const char* kTool = "scnvme-switch-counter";
constexpr const char* kYield = "_ZN7sc_core13sc_cor_pkg_qt5yieldEPNS_6sc_corE";
constexpr const char* kAbort = "_ZN7sc_core13sc_cor_pkg_qt5abortEPNS_6sc_corE";
constexpr const char* kGetMain = "_ZN7sc_core13sc_cor_pkg_qt8get_mainEv";

// What a preload library needs: the real functions, and the counter (SystemC runs all its
// coroutines on one OS thread, so a plain integer suffices).
struct State {
  SwitchFn real_yield = nullptr;
  SwitchFn real_abort = nullptr;
  GetMainFn get_main = nullptr;
  bool active = false;  // all three real symbols found
  // The main coroutine is a static of the package, so it is asked for once (on the first switch).
  sc_core::sc_cor* main = nullptr;
  unsigned long long resumptions = 0;
};
State state;

void count(sc_core::sc_cor_pkg_qt* pkg, sc_core::sc_cor* next) {
  if (!state.active) return;
  if (!state.main) state.main = state.get_main(pkg);
  if (next != state.main) ++state.resumptions;
}

[[noreturn]] void missing(const char* what) {
  // Only reachable if something calls our definition while the real one cannot be found, which
  // a normal dynamic link cannot produce; there is nothing to forward to.
  std::fprintf(stderr, "%s: fatal: real %s not found, cannot forward\n", kTool, what);
  std::abort();
}

__attribute__((constructor)) void resolve() {
  state.real_yield = reinterpret_cast<SwitchFn>(dlsym(RTLD_NEXT, kYield));
  state.real_abort = reinterpret_cast<SwitchFn>(dlsym(RTLD_NEXT, kAbort));
  state.get_main = reinterpret_cast<GetMainFn>(dlsym(RTLD_NEXT, kGetMain));
  state.active = state.real_yield && state.real_abort && state.get_main;
  if (!state.active)
    std::fprintf(stderr,
                 "%s: warning: SystemC's QuickThreads coroutine package (sc_cor_pkg_qt) not found "
                 "in a shared libsystemc; counting nothing\n",
                 kTool);
}

__attribute__((destructor)) void report() {
  if (!state.active) return;
  if (const char* path = std::getenv("SCNVME_SWITCH_COUNT_FILE"); path && *path) {
    if (std::FILE* f = std::fopen(path, "w")) {
      std::fprintf(f, "%llu\n", state.resumptions);
      std::fclose(f);
    } else {
      std::fprintf(stderr, "%s: cannot write %s; %llu thread resumptions\n", kTool, path,
                   state.resumptions);
    }
  } else {
    std::fprintf(stderr, "%s: %llu thread resumptions\n", kTool, state.resumptions);
  }
}

}  // namespace

void sc_core::sc_cor_pkg_qt::yield(sc_cor* next) {
  if (!state.real_yield) missing("sc_cor_pkg_qt::yield");
  count(this, next);
  state.real_yield(this, next);
}

void sc_core::sc_cor_pkg_qt::abort(sc_cor* next) {
  if (!state.real_abort) missing("sc_cor_pkg_qt::abort");
  count(this, next);
  state.real_abort(this, next);
}
