// Checkpoint files (scnvme/checkpoint.h): the serializer, its header and bounds checks.
#include "scnvme/checkpoint.h"

#include <fstream>
#include <istream>
#include <iterator>
#include <ostream>
#include <sstream>

#include "sim_now.h"

namespace scnvme::checkpoint {

namespace {
constexpr char kMagic[8] = {'S', 'C', 'N', 'V', 'M', 'E', 'C', 'K'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 8 + 8 + 8;

uint64_t fnv1a(const std::string& s, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

void put64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t get64(const std::string& in, std::size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}
uint64_t resolution_bits() {
  const double r = sc_core::sc_get_time_resolution().to_seconds();
  uint64_t u;
  std::memcpy(&u, &r, 8);
  return u;
}
}  // namespace

// --- Archive ---------------------------------------------------------------------------------------

void Archive::io(std::string& s) {
  std::size_t n = count(s.size());
  if (loading_) s.resize(n);
  if (n) raw(&s[0], n);
}

void Archive::io(std::mt19937_64& rng) {
  std::ostringstream os;
  os << rng;
  std::string state = os.str();
  io(state);
  if (loading_) {
    std::istringstream is(state);
    is >> rng;
    if (!is) fail("bad random generator state");
  }
}

void Archive::io(sc_core::sc_time& t) {
  uint64_t v = t.value();
  io(v);
  if (loading_) t = sc_core::sc_get_time_resolution() * static_cast<double>(v);
  if (loading_ && t.value() != v) fail("a time of " + std::to_string(v) + " resolution units cannot be represented");
}

void Archive::io(std::vector<bool>& v) {
  std::size_t n = count(v.size());
  if (loading_) v.assign(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    bool b = v[i];
    io(b);
    v[i] = b;
  }
}

std::size_t Archive::count(std::size_t n) {
  uint64_t v = n;
  io(v);
  if (loading_ && v > remaining()) fail("a count of " + std::to_string(v) + " exceeds the " + std::to_string(remaining()) + " bytes left");
  return static_cast<std::size_t>(v);
}

// --- Writer ----------------------------------------------------------------------------------------

Writer::Writer() : Archive(false), time_(sim_now().value()) {}

void Writer::raw(void* data, std::size_t n) { payload_.append(static_cast<const char*>(data), n); }

void Writer::begin(const std::string& tag) {
  if (tag.empty() || tag.size() > 255) fail("bad section tag \"" + tag + "\"");
  payload_.push_back(static_cast<char>(tag.size()));
  payload_ += tag;
  open_.push_back(payload_.size());
  put64(payload_, 0);  // patched by end()
}

void Writer::end() {
  if (open_.empty()) fail("end() without begin()");
  const std::size_t at = open_.back();
  open_.pop_back();
  const uint64_t len = payload_.size() - at - 8;
  for (int i = 0; i < 8; ++i) payload_[at + i] = static_cast<char>(len >> (8 * i));
}

void Writer::fail(const std::string& why) const { throw CheckpointError("writing: " + why); }

void Writer::finish(std::ostream& out) const {
  if (!open_.empty()) fail(std::to_string(open_.size()) + " section(s) left open");
  std::string head(kMagic, sizeof kMagic);
  for (int i = 0; i < 4; ++i) head.push_back(static_cast<char>(kFormatVersion >> (8 * i)));
  put64(head, resolution_bits());
  put64(head, time_);
  put64(head, payload_.size());
  std::string tail;
  put64(tail, fnv1a(payload_, fnv1a(head)));
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  out.write(payload_.data(), static_cast<std::streamsize>(payload_.size()));
  out.write(tail.data(), static_cast<std::streamsize>(tail.size()));
  out.flush();
  if (!out) throw CheckpointError("writing the file failed");
}

// --- Reader ----------------------------------------------------------------------------------------

Reader::Reader(std::istream& in, std::string name) : Archive(true), name_(std::move(name)) {
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("the file cannot be read");
  if (file.size() < 8 || file.compare(0, 8, kMagic, 8) != 0) fail("not a scnvme checkpoint (bad magic)");
  if (file.size() < kHeaderBytes) fail("truncated header (" + std::to_string(file.size()) + " bytes)");
  uint32_t version = 0;
  for (int i = 0; i < 4; ++i) version |= static_cast<uint32_t>(static_cast<unsigned char>(file[8 + i])) << (8 * i);
  if (version != kFormatVersion)
    fail("format version " + std::to_string(version) + "; this build reads version " + std::to_string(kFormatVersion));
  if (get64(file, 12) != resolution_bits()) {
    double r;
    const uint64_t bits = get64(file, 12);
    std::memcpy(&r, &bits, 8);
    fail("saved with a SystemC time resolution of " + std::to_string(r) + " s; this simulation uses " +
         sc_core::sc_get_time_resolution().to_string());
  }
  time_ = get64(file, 20);
  const uint64_t len = get64(file, 28);
  if (file.size() - kHeaderBytes < 8 || len != file.size() - kHeaderBytes - 8)
    fail("truncated or extended: the header announces " + std::to_string(len) + " payload bytes, the file holds " +
         std::to_string(file.size() < kHeaderBytes + 8 ? 0 : file.size() - kHeaderBytes - 8));
  payload_ = file.substr(kHeaderBytes, len);
  if (fnv1a(payload_, fnv1a(file.substr(0, kHeaderBytes))) != get64(file, kHeaderBytes + len)) fail("corrupt (hash mismatch)");
}

void Reader::raw(void* data, std::size_t n) {
  if (n > limit() - pos_) {
    fail(open_.empty() ? "truncated: reading past the end of the payload"
                       : "section \"" + open_.back().first + "\" ends before its contents (another model version?)");
  }
  std::memcpy(data, payload_.data() + pos_, n);
  pos_ += n;
}

bool Reader::next_is(const std::string& tag) const {
  if (pos_ >= limit()) return false;
  const std::size_t n = static_cast<unsigned char>(payload_[pos_]);
  return n == tag.size() && pos_ + 1 + n <= limit() && payload_.compare(pos_ + 1, n, tag) == 0;
}

void Reader::begin(const std::string& tag) {
  uint8_t n = 0;
  if (pos_ >= limit()) fail("missing section \"" + tag + "\"");
  raw(&n, 1);
  std::string found(n, '\0');
  if (n) raw(&found[0], n);
  if (found != tag) fail("expected section \"" + tag + "\", found \"" + found + "\"");
  uint64_t len = 0;
  io(len);
  if (len > limit() - pos_) fail("section \"" + tag + "\" is longer (" + std::to_string(len) + " bytes) than what holds it");
  open_.emplace_back(tag, pos_ + static_cast<std::size_t>(len));
}

void Reader::end() {
  if (open_.empty()) fail("end() without begin()");
  if (pos_ != open_.back().second)
    fail("section \"" + open_.back().first + "\" has " + std::to_string(open_.back().second - pos_) +
         " bytes left unread (another model version?)");
  open_.pop_back();
}

void Reader::fail(const std::string& why) const {
  std::string where;
  if (!open_.empty()) where = " (in section \"" + open_.back().first + "\", payload byte " + std::to_string(pos_) + ")";
  throw CheckpointError((name_.empty() ? "" : name_ + ": ") + why + where);
}

sc_core::sc_time Reader::time() const { return sc_core::sc_get_time_resolution() * static_cast<double>(time_); }

sc_core::sc_time file_time(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path + ": cannot open the file");
  return Reader(in, path).time();
}

}  // namespace scnvme::checkpoint
