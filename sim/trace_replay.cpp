#include "trace_replay.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <istream>
#include <string_view>

namespace scnvme::sim {

namespace {

using Sv = std::string_view;

constexpr const char* kBlkparseShape = "MAJ,MIN CPU SEQ SECONDS.NANOS PID ACTION RWBS SECTOR + BLOCKS [PROCESS]";
constexpr const char* kMsrShape = "Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime";
constexpr const char* kCsvShape = "time_us,op,offset,bytes";

Sv trim(Sv s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(Sv a, Sv b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool all_digits(Sv s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parse_u64(Sv s, uint64_t& out) {
  if (!all_digits(s)) return false;
  uint64_t v = 0;
  for (char c : s) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

/// A non-negative decimal "A" or "A.B" in a unit of 10^digits ns (seconds: 9, microseconds: 3)
/// as whole nanoseconds; digits beyond a nanosecond are dropped.
bool parse_decimal_ns(Sv s, unsigned digits, uint64_t& ns) {
  const std::size_t dot = s.find('.');
  const Sv whole = s.substr(0, dot), frac = dot == Sv::npos ? Sv() : s.substr(dot + 1);
  uint64_t w = 0;
  if (!parse_u64(whole, w) || (dot != Sv::npos && !all_digits(frac))) return false;
  uint64_t scale = 1;
  for (unsigned i = 0; i < digits; ++i) scale *= 10;
  if (w > UINT64_MAX / scale) return false;
  uint64_t f = 0, fscale = scale;
  for (std::size_t i = 0; i < frac.size() && fscale > 1; ++i) {
    fscale /= 10;
    f += static_cast<uint64_t>(frac[i] - '0') * fscale;
  }
  if (w * scale > UINT64_MAX - f) return false;
  ns = w * scale + f;
  return true;
}

void split(Sv s, char sep, std::vector<Sv>& out) {
  out.clear();
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    out.push_back(trim(s.substr(start, end == Sv::npos ? Sv::npos : end - start)));
    if (end == Sv::npos) break;
    start = end + 1;
  }
}

void split_blanks(Sv s, std::vector<Sv>& out) {
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
}

/// blkparse's device field: MAJ,MIN.
bool is_device(Sv s) {
  const std::size_t comma = s.find(',');
  return comma != Sv::npos && all_digits(s.substr(0, comma)) && all_digits(s.substr(comma + 1));
}

std::string quoted(Sv s) { return "\"" + std::string(s) + "\""; }

/// One line's outcome.
enum class Line { Record, Skip, Bad };

/// What a line holds: its time in the format's ticks, the operation and the byte range.
struct Parsed {
  uint64_t time = 0;
  TraceOp op = TraceOp::Read;
  uint8_t flags = 0;
  uint64_t offset = 0, bytes = 0;
};

/// blkparse's RWBS field: [F] (R | W | D [E] | N | F | Z?) [F] [A] [B] [S] [M] [U]: a leading F is a
/// preflush, the letter after the operation's is Force Unit Access. Z (zone operations) and N
/// without a preflush are not replayed.
bool parse_rwbs(Sv s, Parsed& p, bool& replay) {
  replay = true;
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == 'F' && std::string_view("RWDNFZ").find(s[1]) != Sv::npos) {
    p.flags |= TraceRecord::kPreflush;
    i = 1;
  }
  if (i >= s.size()) return false;
  const char op = s[i++];
  switch (op) {
    case 'R': p.op = TraceOp::Read; break;
    case 'W': p.op = TraceOp::Write; break;
    case 'D':
      p.op = TraceOp::Deallocate;
      if (i < s.size() && s[i] == 'E') ++i;  // secure erase
      break;
    case 'F': p.op = TraceOp::Flush; break;
    case 'N':
      p.op = TraceOp::Flush;
      replay = (p.flags & TraceRecord::kPreflush) != 0;
      break;
    case 'Z':
      if (i >= s.size() || Sv("ARFOC").find(s[i]) == Sv::npos) return false;
      ++i;
      replay = false;
      break;
    default: return false;
  }
  for (; i < s.size(); ++i) {
    if (Sv("FABSMU").find(s[i]) == Sv::npos) return false;
    if (s[i] == 'F') p.flags |= TraceRecord::kFua;
  }
  return true;
}

Line blkparse_line(Sv line, char action, std::vector<Sv>& tok, Parsed& p, std::string& why) {
  split_blanks(line, tok);
  if (tok.empty() || !is_device(tok[0])) return Line::Skip;  // summaries, headers, anything else
  const std::string accepted = std::string(" (expected ") + kBlkparseShape + ")";
  if (tok.size() < 6) {
    why = "a blkparse event line has at least 6 fields, this one " + std::to_string(tok.size()) + accepted;
    return Line::Bad;
  }
  uint64_t n = 0;
  static const char* const kNames[] = {"", "CPU", "SEQ", "", "PID"};
  for (std::size_t i : {1, 2, 4})
    if (!parse_u64(tok[i], n)) {
      why = std::string(kNames[i]) + " " + quoted(tok[i]) + " is not an integer" + accepted;
      return Line::Bad;
    }
  if (!parse_decimal_ns(tok[3], 9, p.time)) {
    why = "timestamp " + quoted(tok[3]) + " is not SECONDS.NANOSECONDS" + accepted;
    return Line::Bad;
  }
  if (tok[5].size() > 2 ||
      !std::all_of(tok[5].begin(), tok[5].end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    why = "action " + quoted(tok[5]) + " is not one or two letters (Q, G, I, D, C, M, ...)" + accepted;
    return Line::Bad;
  }
  if (tok[5].size() != 1 || tok[5][0] != action) return Line::Skip;  // other actions, messages (m)
  bool replay = true;
  if (tok.size() < 7 || !parse_rwbs(tok[6], p, replay)) {
    why = "RWBS " + (tok.size() < 7 ? std::string("missing") : quoted(tok[6]) + " not understood") +
          ": expected blkparse's [F](R|W|D|N)[F][A][S][M] (F first: preflush; F after the operation: FUA)";
    return Line::Bad;
  }
  if (!replay) return Line::Skip;
  if (tok.size() == 7 || tok[7].front() == '[' || tok[7].front() == '(') {
    p.offset = p.bytes = 0;  // no data: a flush, or an empty request
    return Line::Record;
  }
  uint64_t sector = 0, blocks = 0;
  if (tok.size() < 10 || !parse_u64(tok[7], sector) || tok[8] != "+" || !parse_u64(tok[9], blocks)) {
    why = "expected SECTOR + BLOCKS after the RWBS field (" + std::string(kBlkparseShape) + ")";
    return Line::Bad;
  }
  if (sector > UINT64_MAX / 512 || blocks > UINT64_MAX / 512) {
    why = "sector " + std::string(tok[7]) + " + " + std::string(tok[9]) + " is beyond 2^64 bytes";
    return Line::Bad;
  }
  p.offset = sector * 512;
  p.bytes = blocks * 512;
  return Line::Record;
}

Line msr_line(Sv line, bool first, std::vector<Sv>& f, Parsed& p, std::string& why) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return Line::Skip;
  split(line, ',', f);
  if (first && f.size() == 7 && iequals(f[0], "Timestamp")) return Line::Skip;  // header
  const std::string accepted = std::string(" (expected ") + kMsrShape + ")";
  if (f.size() != 7) {
    why = "expected 7 comma-separated fields, got " + std::to_string(f.size()) + accepted;
    return Line::Bad;
  }
  uint64_t n = 0;
  if (!parse_u64(f[0], p.time)) {
    why = "Timestamp " + quoted(f[0]) + " is not a Windows filetime (an integer of 100 ns ticks)" + accepted;
    return Line::Bad;
  }
  if (!parse_u64(f[2], n)) {
    why = "DiskNumber " + quoted(f[2]) + " is not an integer" + accepted;
    return Line::Bad;
  }
  if (iequals(f[3], "Read")) p.op = TraceOp::Read;
  else if (iequals(f[3], "Write")) p.op = TraceOp::Write;
  else {
    why = "Type " + quoted(f[3]) + " is not Read or Write" + accepted;
    return Line::Bad;
  }
  if (!parse_u64(f[4], p.offset)) {
    why = "Offset " + quoted(f[4]) + " is not a byte offset (an integer)" + accepted;
    return Line::Bad;
  }
  if (!parse_u64(f[5], p.bytes)) {
    why = "Size " + quoted(f[5]) + " is not a size in bytes (an integer)" + accepted;
    return Line::Bad;
  }
  if (!parse_u64(f[6], n)) {
    why = "ResponseTime " + quoted(f[6]) + " is not an integer (100 ns ticks)" + accepted;
    return Line::Bad;
  }
  return Line::Record;
}

Line csv_line(Sv line, bool first, std::vector<Sv>& f, Parsed& p, std::string& why) {
  line = trim(line.substr(0, line.find('#')));
  if (line.empty()) return Line::Skip;
  split(line, ',', f);
  if (first && f.size() == 4 && f[0] == "time_us" && f[1] == "op" && f[2] == "offset" && f[3] == "bytes") return Line::Skip;
  const std::string accepted = std::string(" (expected ") + kCsvShape + ", e.g. 12.5,W,4096,8192; op R, W, T or F)";
  if (f.size() != 4) {
    why = "expected 4 comma-separated fields, got " + std::to_string(f.size()) + accepted;
    return Line::Bad;
  }
  if (!parse_decimal_ns(f[0], 3, p.time)) {
    why = "time_us " + quoted(f[0]) + " is not a time in microseconds >= 0" + accepted;
    return Line::Bad;
  }
  if (iequals(f[1], "R")) p.op = TraceOp::Read;
  else if (iequals(f[1], "W")) p.op = TraceOp::Write;
  else if (iequals(f[1], "T")) p.op = TraceOp::Deallocate;
  else if (iequals(f[1], "F")) p.op = TraceOp::Flush;
  else {
    why = "op " + quoted(f[1]) + " is not R (read), W (write), T (trim) or F (flush)" + accepted;
    return Line::Bad;
  }
  if (!parse_u64(f[2], p.offset)) {
    why = "offset " + quoted(f[2]) + " is not a byte offset (an integer)" + accepted;
    return Line::Bad;
  }
  if (!parse_u64(f[3], p.bytes)) {
    why = "bytes " + quoted(f[3]) + " is not a size in bytes (an integer)" + accepted;
    return Line::Bad;
  }
  if (p.op == TraceOp::Flush) p.offset = p.bytes = 0;
  return Line::Record;
}

/// Nanoseconds per tick of the format's timestamps.
int64_t tick_ns(TraceFormat f) { return f == TraceFormat::Msr ? 100 : 1; }

}  // namespace

const char* trace_format_name(TraceFormat f) {
  switch (f) {
    case TraceFormat::Blkparse: return "blkparse";
    case TraceFormat::Msr: return "msr";
    case TraceFormat::Csv: return "csv";
    default: return "auto";
  }
}

bool parse_trace_format(const std::string& text, TraceFormat& out) {
  for (TraceFormat f : {TraceFormat::Auto, TraceFormat::Blkparse, TraceFormat::Msr, TraceFormat::Csv})
    if (text == trace_format_name(f)) {
      out = f;
      return true;
    }
  return false;
}

TraceFormat detect_trace_format(const std::string& text) {
  const Sv line = trim(text);
  if (line.empty() || line.front() == '#') return TraceFormat::Auto;
  std::vector<Sv> tok;
  split_blanks(line, tok);
  if (tok.size() >= 6 && is_device(tok[0])) return TraceFormat::Blkparse;
  split(line, ',', tok);
  if (tok.size() == 7 && (iequals(tok[0], "Timestamp") || iequals(tok[3], "Read") || iequals(tok[3], "Write")))
    return TraceFormat::Msr;
  if (tok.size() == 4 && ((tok[0] == "time_us" && tok[1] == "op") ||
                          (tok[1].size() == 1 && Sv("RWTFrwtf").find(tok[1][0]) != Sv::npos)))
    return TraceFormat::Csv;
  return TraceFormat::Auto;
}

bool parse_trace(std::istream& in, const std::string& path, const TraceParseOptions& opt, Trace& out, std::string& error) {
  out = Trace{};
  out.path = path;
  out.format = opt.format;
  out.detected = opt.format == TraceFormat::Auto;
  std::vector<Sv> fields;
  std::string line, why;
  bool first = true;  // no meaningful line yet (headers are accepted there only)
  uint64_t base = 0;
  auto fail = [&](const std::string& what) {
    error = path + ":" + std::to_string(out.lines) + ": " + what;
    return false;
  };
  while (std::getline(in, line)) {
    ++out.lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (out.format == TraceFormat::Auto) {
      out.format = detect_trace_format(line);
      if (out.format == TraceFormat::Auto) {
        const Sv t = trim(line);
        if (t.empty() || t.front() == '#') {
          ++out.skipped;
          continue;
        }
        return fail("cannot tell the trace format from this line: expected blkparse text (" + std::string(kBlkparseShape) +
                    "), MSR Cambridge CSV (" + kMsrShape + ") or " + kCsvShape + "; or set --replay_format");
      }
    }
    Parsed p;
    Line r = Line::Skip;
    switch (out.format) {
      case TraceFormat::Blkparse: r = blkparse_line(line, opt.blkparse_action, fields, p, why); break;
      case TraceFormat::Msr: r = msr_line(line, first, fields, p, why); break;
      default: r = csv_line(line, first, fields, p, why); break;
    }
    if (r == Line::Bad) return fail(why);
    const Sv t = trim(line);
    if (!t.empty() && t.front() != '#') first = false;
    if (r == Line::Skip) {
      ++out.skipped;
      continue;
    }
    if (p.op != TraceOp::Flush && p.bytes == 0) {
      if (!(p.flags & TraceRecord::kPreflush)) {
        ++out.skipped;  // an empty read, write or trim: nothing to replay
        continue;
      }
      p.op = TraceOp::Flush;  // a preflush without data is a flush
      p.flags = 0;
    }
    if (p.op == TraceOp::Flush) p.flags = 0;
    if (p.bytes > UINT64_MAX - p.offset) return fail("offset + size is beyond 2^64 bytes");
    // Bounds on what one line may expand to (it is split into records of at most 2 GiB).
    if (p.bytes > kMaxIoBytes) return fail("size " + std::to_string(p.bytes) + " bytes is more than 16 TiB in one I/O");
    if (out.records.size() + p.bytes / kMaxRecordBytes >= kMaxRecords)
      return fail("more than " + std::to_string(kMaxRecords) + " records (I/Os split at 2 GiB): the trace is too large to replay");
    if (out.io_records == 0) base = p.time;
    const uint64_t distance = p.time >= base ? p.time - base : base - p.time;
    if (distance > static_cast<uint64_t>(INT64_MAX / tick_ns(out.format)))
      return fail("time " + std::to_string(p.time) + " is more than 292 years from the first record's");
    ++out.io_records;
    const int64_t rel = (p.time >= base ? static_cast<int64_t>(p.time - base) : -static_cast<int64_t>(base - p.time)) *
                        tick_ns(out.format);
    out.last_time_ns = std::max(out.last_time_ns, rel);
    if (p.op != TraceOp::Flush) out.end_bytes = std::max(out.end_bytes, p.offset + p.bytes);
    if (p.op == TraceOp::Read || p.op == TraceOp::Write) out.max_bytes = std::max(out.max_bytes, std::min(p.bytes, kMaxRecordBytes));
    // Huge requests (a discard of a whole device) become several records of the same time.
    uint64_t at = p.offset, left = p.bytes;
    do {
      const uint64_t n = std::min(left, kMaxRecordBytes);
      TraceRecord rec;
      rec.time_ns = rel;
      rec.offset = at;
      rec.bytes = static_cast<uint32_t>(n);
      rec.op = p.op;
      rec.flags = at == p.offset ? p.flags : static_cast<uint8_t>(p.flags & ~TraceRecord::kPreflush);
      out.records.push_back(rec);
      at += n;
      left -= n;
    } while (left > 0);
  }
  if (out.records.empty()) {
    error = path + ": no I/O records to replay in " + std::to_string(out.lines) + " lines (format " +
            trace_format_name(out.format) + ")";
    if (out.format == TraceFormat::Blkparse)
      error += std::string("; only the ") + (opt.blkparse_action == 'Q' ? "Q (queued)" : "D (issued)") +
               " actions are replayed: see --replay_action=" + (opt.blkparse_action == 'Q' ? "D" : "Q");
    return false;
  }
  out.records.shrink_to_fit();
  return true;
}

bool read_trace(const std::string& path, const TraceParseOptions& opt, Trace& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open the trace file";
    return false;
  }
  return parse_trace(in, path, opt, out, error);
}

void map_extents(const LbaMap& m, uint64_t offset, uint64_t bytes, std::vector<Extent>& out) {
  if (m.ns_blocks == 0 || bytes == 0 || m.block_size == 0) return;
  const uint64_t bs = m.block_size;
  uint64_t count = (offset % bs + bytes + bs - 1) / bs;  // the blocks [offset, offset + bytes) touches
  count = std::min(count, m.ns_blocks);
  uint64_t slba = offset / bs;
  if (m.mapping == LbaMapping::Wrap) {
    slba %= m.ns_blocks;
  } else {
    const unsigned __int128 ns_bytes = static_cast<unsigned __int128>(m.ns_blocks) * bs;
    if (m.trace_end > ns_bytes) slba = static_cast<uint64_t>(static_cast<unsigned __int128>(offset) * ns_bytes / m.trace_end / bs);
    slba = std::min(slba, m.ns_blocks - count);
  }
  auto emit = [&](uint64_t lba, uint64_t n) {
    while (n > 0) {
      const uint64_t k = m.max_blocks ? std::min(n, m.max_blocks) : n;
      out.push_back({lba, k});
      lba += k;
      n -= k;
    }
  };
  const uint64_t before_end = std::min(count, m.ns_blocks - slba);
  emit(slba, before_end);
  emit(0, count - before_end);
}

}  // namespace scnvme::sim
