#include "scnvme/vcd_writer.h"

#include "trace/change_order.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <stdexcept>
#include "sim_now.h"

namespace scnvme {

namespace {

constexpr const char* kMsgTrace = "scnvme/trace";

/// VCD identifier codes: printable ASCII '!'..'~' as base-94 digits.
std::string identifier(std::size_t n) {
  std::string s;
  do {
    s += static_cast<char>('!' + n % 94);
    n /= 94;
  } while (n);
  return s;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

/// Path order with numbers compared by value, so sq2 comes before sq10.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      std::size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      const std::string na = a.substr(i, ei - i), nb = b.substr(j, ej - j);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

struct NaturalLess {
  bool operator()(const std::string& a, const std::string& b) const { return natural_less(a, b); }
};

}  // namespace

VcdWriter::VcdWriter(const std::string& path, std::vector<std::string> filters)
    : out_(path, std::ios::out | std::ios::trunc), filters_(std::move(filters)), order_(std::make_unique<detail::ChangeOrder>()) {
  if (!out_) throw std::runtime_error("cannot write the VCD file " + path);
}

VcdWriter::~VcdWriter() { close(); }

bool VcdWriter::matches(const std::string& pattern, const std::string& path) {
  // Iterative glob: on a mismatch, retry from the last '*' one character further.
  std::size_t p = 0, s = 0, star = std::string::npos, resume = 0;
  while (s < path.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == path[s])) {
      ++p;
      ++s;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

int VcdWriter::declare(const std::string& path, unsigned bits) {
  if (closed_) return -1;
  if (header_written_) {
    SC_REPORT_WARNING(kMsgTrace, ("VCD: signal " + path + " declared after the first time step; left out").c_str());
    return -1;
  }
  if (!filters_.empty()) {
    bool wanted = false;
    for (const auto& f : filters_) wanted = wanted || matches(f, path);
    if (!wanted) return -1;
  }
  Signal s;
  s.path = path;
  s.bits = bits == 0 ? 1 : std::min(bits, 64u);
  s.code = identifier(signals_.size());
  signals_.push_back(std::move(s));
  return order_->add_signal(signals_.back().bits == 1);
}

void VcdWriter::change(const sc_core::sc_time& at, int id, bool absolute, int64_t value) {
  if (closed_ || id < 0 || static_cast<std::size_t>(id) >= signals_.size()) return;
  // A change for a time already written (a sink misuse) is kept at the last time written.
  const uint64_t t = std::max<uint64_t>(at.value(), last_time_);
  if (absolute) order_->set(t, id, static_cast<uint64_t>(value));
  else order_->add(t, id, value);
  // Nothing can be announced for a time before now: what lies before it is final.
  flush_before(sim_now().value());
}

void VcdWriter::set(int id, const sc_core::sc_time& at, uint64_t value) { change(at, id, true, static_cast<int64_t>(value)); }

void VcdWriter::busy(int id, const sc_core::sc_time& begin, const sc_core::sc_time& end, const char*) {
  if (end <= begin) return;
  change(begin, id, false, +1);
  change(end, id, false, -1);
}

void VcdWriter::begin(int id, const sc_core::sc_time& at, const char*) { change(at, id, false, +1); }

void VcdWriter::end(int id, const sc_core::sc_time& at) { change(at, id, false, -1); }

void VcdWriter::write_header() {
  header_written_ = true;
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  out_ << "$date " << date << " $end\n$version scnvme VcdWriter $end\n$timescale "
       << sc_core::sc_get_time_resolution().to_string() << " $end\n";
  // Scopes: signals sorted by path so each scope opens once.
  std::map<std::string, const Signal*, NaturalLess> by_path;
  for (const auto& s : signals_) by_path.emplace(s.path, &s);
  std::vector<std::string> open;
  for (const auto& [path, s] : by_path) {
    std::vector<std::string> parts = split_path(path);
    const std::string leaf = parts.back();
    parts.pop_back();
    std::size_t common = 0;
    while (common < open.size() && common < parts.size() && open[common] == parts[common]) ++common;
    for (std::size_t i = open.size(); i > common; --i) out_ << "$upscope $end\n";
    open.resize(common);
    for (std::size_t i = common; i < parts.size(); ++i) {
      out_ << "$scope module " << parts[i] << " $end\n";
      open.push_back(parts[i]);
    }
    out_ << "$var wire " << s->bits << " " << s->code << " " << leaf;
    if (s->bits > 1) out_ << " [" << s->bits - 1 << ":0]";
    out_ << " $end\n";
  }
  for (std::size_t i = open.size(); i > 0; --i) out_ << "$upscope $end\n";
  out_ << "$enddefinitions $end\n#0\n$dumpvars\n";
  for (const auto& s : signals_) write_value(s, 0);
  out_ << "$end\n";
}

void VcdWriter::write_value(const Signal& s, uint64_t v) {
  if (s.bits == 1) {
    out_ << (v ? '1' : '0') << s.code << '\n';
    return;
  }
  if (s.bits < 64) v = std::min(v, (uint64_t{1} << s.bits) - 1);  // saturates at the declared width
  char bin[66];
  int n = 0;
  do {
    bin[n++] = static_cast<char>('0' + (v & 1));
    v >>= 1;
  } while (v);
  out_ << 'b';
  while (n) out_ << bin[--n];
  out_ << ' ' << s.code << '\n';
}

void VcdWriter::flush_before(uint64_t limit) {
  if (order_->empty() || order_->next_at() >= limit) return;
  if (!header_written_) write_header();
  order_->flush_before(limit, [this](uint64_t at, int id, uint64_t value) {
    if (at != last_time_) out_ << '#' << at << '\n';
    last_time_ = at;
    write_value(signals_[static_cast<std::size_t>(id)], value);
    ++changes_written_;
  });
}

void VcdWriter::close() {
  if (closed_) return;
  if (!header_written_) write_header();
  flush_before(UINT64_MAX);
  closed_ = true;
  out_.close();
}

}  // namespace scnvme
