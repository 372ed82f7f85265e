// Fuzz target: the block-trace parsers of --replay (sim/trace_replay.h: blkparse, MSR Cambridge
// CSV, scnvme's CSV, and format detection). The first byte chooses the format asked for (auto or
// one of them) and the blkparse action; the rest is the trace text. A malformed trace must give
// an error naming its line, never crash; a parsed one must keep its own invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "trace_replay.h"

using namespace scnvme::sim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  TraceParseOptions opt;
  static const TraceFormat kFormats[] = {TraceFormat::Auto, TraceFormat::Blkparse, TraceFormat::Msr, TraceFormat::Csv};
  opt.format = kFormats[data[0] % 4];
  opt.blkparse_action = (data[0] & 0x10) ? 'D' : 'Q';
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  Trace trace;
  std::string error;
  if (parse_trace(in, "fuzz.trace", opt, trace, error)) {
    // What the replay relies on.
    if (trace.records.empty() || trace.last_time_ns < 0) std::abort();
    for (const TraceRecord& r : trace.records) {
      if (r.op == TraceOp::Flush) continue;
      // The replay maps offset + bytes onto the namespace: no wrap-around, within end_bytes.
      if (r.offset + r.bytes < r.offset || r.offset + r.bytes > trace.end_bytes) std::abort();
      if (r.op != TraceOp::Deallocate && r.bytes > trace.max_bytes) std::abort();
    }
  } else if (error.empty()) {
    std::abort();  // a refused trace says why
  }
  return 0;
}
