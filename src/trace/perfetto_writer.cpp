#include "scnvme/perfetto_writer.h"

#include "scnvme/spec/nvme_command.h"
#include "trace/change_order.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <stdexcept>
#include "sim_now.h"

namespace scnvme {

namespace {

constexpr unsigned kCommandTrack = 1;    // the commands' track; signal tracks follow it
constexpr const char* kClosing = "\n]}\n";

/// Microseconds with nanosecond precision, as the format's "ts" and "dur" want (integer
/// formatting: printf of doubles dominated tracing time).
std::string us(uint64_t resolution_units) {
  static const double ns_per_unit = sc_core::sc_get_time_resolution().to_seconds() * 1e9;
  const uint64_t ns = static_cast<uint64_t>(static_cast<double>(resolution_units) * ns_per_unit + 0.5);
  char buf[32];
  char* end = std::to_chars(buf, buf + sizeof buf, ns / 1000).ptr;
  const unsigned frac = static_cast<unsigned>(ns % 1000);
  *end++ = '.';
  *end++ = static_cast<char>('0' + frac / 100);
  *end++ = static_cast<char>('0' + frac / 10 % 10);
  *end++ = static_cast<char>('0' + frac % 10);
  return std::string(buf, end);
}

std::string us(const sc_core::sc_time& t) { return us(t.value()); }

std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    q += c;
  }
  return q + '"';
}

const char* opcode_name(uint16_t sqid, uint8_t opcode) { return spec::opcode_name(sqid == 0, opcode); }

}  // namespace

PerfettoWriter::PerfettoWriter(const std::string& path, uint64_t max_bytes, const std::string& process)
    : max_bytes_(max_bytes), counters_(std::make_unique<detail::ChangeOrder>()), process_(process) {
  out_ = std::fopen(path.c_str(), "w");
  if (!out_) throw std::runtime_error("cannot write the Perfetto trace " + path);
  const char* head = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  std::fputs(head, out_);
  bytes_ = std::char_traits<char>::length(head) + std::char_traits<char>::length(kClosing);
  emit("{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":" + quoted(process_) + "}}");
  name_track(kCommandTrack, "commands");
}

PerfettoWriter::~PerfettoWriter() { close(); }

void PerfettoWriter::close() {
  if (!out_) return;
  flush_counters(UINT64_MAX);
  if (dropped_) {
    // Say in the trace itself that it is incomplete (written past the cap: the closing remains valid).
    std::fprintf(out_, ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"scnvme_truncated\",\"args\":{\"dropped_events\":%" PRIu64 "}}",
                 dropped_);
  }
  std::fputs(kClosing, out_);
  std::fclose(out_);
  out_ = nullptr;
}

bool PerfettoWriter::emit(const std::string& event, bool force) {
  if (!out_) return false;
  const uint64_t size = event.size() + (first_ ? 0 : 2);
  if (!force && max_bytes_ && bytes_ + size > max_bytes_) {
    ++dropped_;
    return false;
  }
  if (!first_) std::fputs(",\n", out_);
  first_ = false;
  std::fwrite(event.data(), 1, event.size(), out_);
  bytes_ += size;
  ++events_;
  return true;
}

void PerfettoWriter::name_track(unsigned tid, const std::string& name) {
  emit("{\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(tid) + ",\"name\":\"thread_name\",\"args\":{\"name\":" + quoted(name) +
       "}}");
  emit("{\"ph\":\"M\",\"pid\":1,\"tid\":" + std::to_string(tid) + ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" +
       std::to_string(tid) + "}}");
}

int PerfettoWriter::declare(const std::string& path, unsigned bits) {
  if (!out_) return -1;
  const unsigned track = kCommandTrack + 1 + static_cast<unsigned>(signals_.size());
  signals_.push_back(Signal{path, bits, track, false});
  counters_->add_signal(false);
  name_track(track, path);
  return static_cast<int>(signals_.size() - 1);
}

void PerfettoWriter::flush_counters(uint64_t limit) {
  counters_->flush_before(limit, [this](uint64_t at, int id, uint64_t value) {
    emit("{\"ph\":\"C\",\"pid\":1,\"name\":" + quoted(signals_[static_cast<std::size_t>(id)].path) + ",\"ts\":" + us(at) +
         ",\"args\":{\"value\":" + std::to_string(value) + "}}");
  });
}

void PerfettoWriter::set(int id, const sc_core::sc_time& at, uint64_t value) {
  if (!valid(id)) return;
  counters_->set(at.value(), id, value);
  flush_counters(sim_now().value());
}

void PerfettoWriter::begin(int id, const sc_core::sc_time& at, const char* what) {
  if (!valid(id)) return;
  Signal& s = signals_[static_cast<std::size_t>(id)];
  if (s.bits == 1) {
    s.open = emit("{\"ph\":\"B\",\"pid\":1,\"tid\":" + std::to_string(s.track) + ",\"name\":" + quoted(what ? what : "busy") +
                  ",\"ts\":" + us(at) + "}");
    return;
  }
  counters_->add(at.value(), id, +1);
  flush_counters(sim_now().value());
}

void PerfettoWriter::end(int id, const sc_core::sc_time& at) {
  if (!valid(id)) return;
  Signal& s = signals_[static_cast<std::size_t>(id)];
  if (s.bits == 1) {
    if (s.open) emit("{\"ph\":\"E\",\"pid\":1,\"tid\":" + std::to_string(s.track) + ",\"ts\":" + us(at) + "}", true);
    else if (out_) ++dropped_;
    s.open = false;
    return;
  }
  counters_->add(at.value(), id, -1);
  flush_counters(sim_now().value());
}

void PerfettoWriter::busy(int id, const sc_core::sc_time& begin, const sc_core::sc_time& end, const char* what) {
  if (!valid(id) || end < begin) return;
  const Signal& s = signals_[static_cast<std::size_t>(id)];
  const std::string name = quoted(what ? what : "busy");
  const std::string tid = std::to_string(s.track);
  if (s.bits == 1) {
    emit("{\"ph\":\"X\",\"pid\":1,\"tid\":" + tid + ",\"name\":" + name + ",\"ts\":" + us(begin) + ",\"dur\":" +
         us(end - begin) + "}");
    return;
  }
  const std::string common = ",\"pid\":1,\"tid\":" + tid + ",\"cat\":" + quoted(s.path) + ",\"name\":" + name +
                             ",\"id\":" + std::to_string(next_async_id_++);
  emit("{\"ph\":\"b\"" + common + ",\"ts\":" + us(begin) + "}");
  emit("{\"ph\":\"e\"" + common + ",\"ts\":" + us(end) + "}");
}

void PerfettoWriter::command(const CommandRecord& r) {
  // Stage boundaries, never running backwards.
  const sc_core::sc_time doorbell = r.doorbell;
  const sc_core::sc_time fetched = std::max(r.fetched, doorbell);
  const sc_core::sc_time executed = std::max(r.executed, fetched);
  const sc_core::sc_time posted = std::max(r.posted, executed);
  const bool interrupt = r.interrupt != sc_core::SC_ZERO_TIME;
  const sc_core::sc_time sent = interrupt ? std::max(r.interrupt, posted) : posted;
  char label[96];
  std::snprintf(label, sizeof label, "%s sq%u cid %u", opcode_name(r.sqid, r.opcode), static_cast<unsigned>(r.sqid),
                static_cast<unsigned>(r.cid));
  const std::string common = ",\"pid\":1,\"tid\":" + std::to_string(kCommandTrack) + ",\"cat\":\"command\",\"id\":" +
                             std::to_string(next_async_id_++);
  char args[96];
  std::snprintf(args, sizeof args, ",\"args\":{\"nsid\":%u,\"status\":\"0x%04x\"}", static_cast<unsigned>(r.nsid),
                static_cast<unsigned>(r.status));
  // A parent and its children go in or out together, so the file never holds half a command.
  const std::size_t events = 2 + 6 + (interrupt ? 2 : 0);
  std::size_t needed = 0;
  std::vector<std::string> out;
  out.reserve(events);
  auto slice = [&](const char* name, const sc_core::sc_time& b, const sc_core::sc_time& e) {
    out.push_back("{\"ph\":\"b\",\"name\":" + quoted(name) + common + ",\"ts\":" + us(b) + "}");
    out.push_back("{\"ph\":\"e\",\"name\":" + quoted(name) + common + ",\"ts\":" + us(e) + "}");
  };
  out.push_back("{\"ph\":\"b\",\"name\":" + quoted(label) + common + ",\"ts\":" + us(doorbell) + args + "}");
  slice("fetch", doorbell, fetched);
  slice("execute", fetched, executed);
  slice("post", executed, posted);
  if (interrupt) slice("interrupt", posted, sent);
  out.push_back("{\"ph\":\"e\",\"name\":" + quoted(label) + common + ",\"ts\":" + us(sent) + "}");
  for (const auto& e : out) needed += e.size() + 2;
  if (max_bytes_ && bytes_ + needed > max_bytes_) {
    dropped_ += out.size();
    return;
  }
  for (const auto& e : out) emit(e);
}

}  // namespace scnvme
