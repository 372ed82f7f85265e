// Block traces for scnvme-sim's --replay: the three text formats it reads (blkparse's default
// output, MSR Cambridge / SNIA IOTTA CSV, and scnvme's own time_us,op,offset,bytes CSV), parsed
// into compact records, and how a record's byte range lands on a namespace (aligned to its
// blocks, scaled or wrapped, split at the maximum transfer).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace scnvme::sim {

enum class TraceFormat : uint8_t { Auto, Blkparse, Msr, Csv };
enum class TraceOp : uint8_t { Read, Write, Deallocate, Flush };

/// "auto", "blkparse", "msr", "csv".
const char* trace_format_name(TraceFormat f);
bool parse_trace_format(const std::string& text, TraceFormat& out);

/// One I/O of the trace, 24 bytes: a trace of a hundred million I/Os takes 2.4 GB.
struct TraceRecord {
  static constexpr uint8_t kFua = 1;       // a read/write with Force Unit Access
  static constexpr uint8_t kPreflush = 2;  // a Flush first, completed before the data command
  int64_t time_ns = 0;                     // relative to the trace's first record (may be < 0 if out of order)
  uint64_t offset = 0;                     // bytes
  uint32_t bytes = 0;                      // 0 for a Flush
  TraceOp op = TraceOp::Read;
  uint8_t flags = 0;
};
static_assert(sizeof(TraceRecord) == 24, "TraceRecord stays compact");

/// Records larger than this are stored as several records of at most this size (same time).
constexpr uint64_t kMaxRecordBytes = 1ull << 31;
constexpr uint64_t kMaxIoBytes = 1ull << 44;  // one I/O of a trace: 16 TiB (a whole-device discard)
constexpr uint64_t kMaxRecords = 1ull << 26;  // records of a trace (1.5 GiB of them)

struct Trace {
  std::string path;
  TraceFormat format = TraceFormat::Auto;  // the format read
  bool detected = false;                   // chosen by --replay_format=auto
  std::vector<TraceRecord> records;
  uint64_t io_records = 0;                 // I/O lines read (a record split at kMaxRecordBytes counts once)
  uint64_t lines = 0;
  uint64_t skipped = 0;                    // lines not replayed: blank, comments, headers, other actions, empty I/Os
  uint64_t end_bytes = 0;                  // largest offset + bytes of a read, write or deallocate
  uint64_t max_bytes = 0;                  // largest read or write record
  int64_t last_time_ns = 0;                // latest record time (>= 0)
};

struct TraceParseOptions {
  TraceFormat format = TraceFormat::Auto;
  char blkparse_action = 'Q';  // the blkparse action replayed: Q (queued) or D (issued to the driver)
};

/// Reads a trace from `in`; `path` names it in errors ("PATH:LINE: what is wrong (what is
/// accepted)"). False with `error` on a malformed line or a trace without any I/O.
bool parse_trace(std::istream& in, const std::string& path, const TraceParseOptions& opt, Trace& out, std::string& error);
/// The same from a file.
bool read_trace(const std::string& path, const TraceParseOptions& opt, Trace& out, std::string& error);
/// The format one line of a trace is in (Auto: none recognised). Blank and '#' lines give Auto.
TraceFormat detect_trace_format(const std::string& line);

/// Where a trace's byte offsets land on the namespace.
enum class LbaMapping : uint8_t { Scale, Wrap };

/// A namespace range of one NVMe command.
struct Extent {
  uint64_t slba = 0;
  uint64_t blocks = 0;
  bool operator==(const Extent& o) const { return slba == o.slba && blocks == o.blocks; }
};

struct LbaMap {
  LbaMapping mapping = LbaMapping::Scale;
  uint64_t trace_end = 0;   // Trace::end_bytes
  uint64_t ns_blocks = 0;
  uint32_t block_size = 512;
  uint64_t max_blocks = 0;  // per command (0: no limit)
};

/// The commands a record's [offset, offset + bytes) becomes: the range is widened to whole
/// blocks (offset rounded down, end rounded up); scale places it at offset x namespace size /
/// trace end when the trace is larger than the namespace (offsets unchanged when it fits) and
/// keeps it inside the namespace; wrap takes the offset modulo the namespace size and continues
/// at LBA 0 past the end. A range larger than the namespace is cut to it. Each piece is at most
/// max_blocks long. Appends to `out`.
void map_extents(const LbaMap& map, uint64_t offset, uint64_t bytes, std::vector<Extent>& out);

}  // namespace scnvme::sim
