// Checkpoint files: a small versioned binary format for saving a simulation's state at a quiescent
// point and resuming it in another process (Controller::save_checkpoint / restore_checkpoint; a
// platform adds its own sections: host memory, its driver's state, a workload's state).
//
// File: "SCNVMECK" | u32 format version | f64 SystemC time resolution (s) | u64 simulation time
// (resolution units) | u64 payload length | payload | u64 FNV-1a hash of header and payload. All integers
// are little-endian. The payload is a sequence of sections: u8 tag length, tag, u64 body length,
// body; sections nest. A component describes its state once, with Archive::io(), and the same code
// saves (Writer) and loads (Reader) it.
//
// Every read is bounds-checked: a truncated, corrupt or mismatched file throws CheckpointError with
// the reason (bad magic, other format version, other time resolution, hash mismatch, a section
// other than the one expected, a section read past its end or not read to its end); it never
// crashes or allocates more than the file holds.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iosfwd>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <systemc>

namespace scnvme {

/// A checkpoint could not be written (the model is not at a quiescent point) or read (truncated,
/// corrupt, another format version, another configuration, another simulation time).
class CheckpointError : public std::runtime_error {
 public:
  explicit CheckpointError(const std::string& what) : std::runtime_error("checkpoint: " + what) {}
};

namespace checkpoint {

constexpr uint32_t kFormatVersion = 3;  // 2: the FTL's power-loss counters and unprogrammed-unit log, the FLR count; 3: scnvme-sim's latency histograms

class Archive;

namespace detail {
template <typename T, typename = void>
struct has_persist : std::false_type {};
template <typename T>
struct has_persist<T, std::void_t<decltype(std::declval<T&>().persist(std::declval<Archive&>()))>> : std::true_type {};
}  // namespace detail

/// Describes state once for saving and loading: `a.io(x)` writes x (Writer) or reads it into x
/// (Reader). Arithmetic types, enums, strings, sc_time, the standard containers and types with a
/// member `void persist(Archive&)` (or a free `persist(Archive&, T&)` found by ADL) are supported.
class Archive {
 public:
  virtual ~Archive() = default;
  bool loading() const { return loading_; }

  template <typename T>
  void io(T& v) {
    if constexpr (std::is_enum_v<T>) {
      auto u = static_cast<std::underlying_type_t<T>>(v);
      io(u);
      v = static_cast<T>(u);
    } else if constexpr (std::is_same_v<T, bool>) {
      uint8_t b = v ? 1 : 0;
      raw(&b, 1);
      if (loading_ && b > 1) fail("a boolean holds " + std::to_string(b));
      v = b != 0;
    } else if constexpr (std::is_integral_v<T>) {
      uint8_t b[sizeof(T)];
      if (!loading_)
        for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
      raw(b, sizeof(T));
      if (loading_) {
        uint64_t u = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<uint64_t>(b[i]) << (8 * i);
        v = static_cast<T>(u);
      }
    } else if constexpr (std::is_same_v<T, double>) {
      uint64_t u;
      std::memcpy(&u, &v, 8);
      io(u);
      std::memcpy(&v, &u, 8);
    } else if constexpr (detail::has_persist<T>::value) {
      v.persist(*this);
    } else {
      persist(*this, v);
    }
  }
  void io(std::string& s);
  void io(sc_core::sc_time& t);
  void io(std::vector<bool>& v);
  /// A generator's complete state (its textual form, which the standard defines).
  void io(std::mt19937_64& rng);
  template <typename T>
  void io(std::vector<T>& v) {
    std::size_t n = count(v.size());
    if (loading_) v.resize(n);
    for (auto& e : v) io(e);
  }
  template <typename T>
  void io(std::deque<T>& v) {
    std::size_t n = count(v.size());
    if (loading_) v.resize(n);
    for (auto& e : v) io(e);
  }
  template <typename T, std::size_t N>
  void io(std::array<T, N>& v) {
    for (auto& e : v) io(e);
  }
  template <typename A, typename B>
  void io(std::pair<A, B>& p) {
    io(p.first);
    io(p.second);
  }
  template <typename K, typename V, typename C>
  void io(std::map<K, V, C>& m) {
    std::size_t n = count(m.size());
    if (!loading_) {
      for (auto& [k, v] : m) {
        K key = k;
        io(key);
        io(v);
      }
      return;
    }
    m.clear();
    for (std::size_t i = 0; i < n; ++i) {
      K key{};
      io(key);
      io(m[key]);
    }
  }
  template <typename T, typename C>
  void io(std::set<T, C>& s) {
    std::size_t n = count(s.size());
    if (!loading_) {
      for (T e : s) io(e);
      return;
    }
    s.clear();
    for (std::size_t i = 0; i < n; ++i) {
      T e{};
      io(e);
      s.insert(e);
    }
  }

  /// `n` bytes as they are.
  virtual void raw(void* data, std::size_t n) = 0;
  /// A container's element count: written, or read and checked against the bytes left (every
  /// element takes at least one byte), so a corrupt count cannot make a huge allocation.
  std::size_t count(std::size_t n);

  /// Opens a section named `tag` (1..255 characters); Reader: the next section must be `tag`.
  virtual void begin(const std::string& tag) = 0;
  /// Closes the innermost section; Reader: it must have been read to its end.
  virtual void end() = 0;

  /// A value that must be the same when loading (a configuration field, a size): saved, or read
  /// and compared; a difference throws CheckpointError naming `what` and both values.
  template <typename T>
  void expect(const T& value, const std::string& what) {
    T v = value;
    io(v);
    if (loading_ && !(v == value)) fail(what + " differs: " + text(v) + " in the checkpoint, " + text(value) + " now");
  }

  /// Throws CheckpointError with `why` and where in the file it happened.
  [[noreturn]] virtual void fail(const std::string& why) const = 0;

 protected:
  explicit Archive(bool loading) : loading_(loading) {}
  virtual std::size_t remaining() const = 0;

 private:
  template <typename T>
  static std::string text(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) return "\"" + v + "\"";
    else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
    else if constexpr (std::is_arithmetic_v<T>) return std::to_string(v);
    else return "(another value)";
  }
  bool loading_;
};

/// Collects a checkpoint in memory; finish() writes the file.
class Writer : public Archive {
 public:
  /// Records the current simulation time as the checkpoint's time.
  Writer();
  void raw(void* data, std::size_t n) override;
  void begin(const std::string& tag) override;
  void end() override;
  [[noreturn]] void fail(const std::string& why) const override;
  /// Writes header, payload and hash (every section must be closed). Throws CheckpointError when
  /// the stream fails.
  void finish(std::ostream& out) const;

 protected:
  std::size_t remaining() const override { return SIZE_MAX; }

 private:
  std::string payload_;
  std::vector<std::size_t> open_;  // offsets of the open sections' length fields
  uint64_t time_;
};

/// Reads a whole checkpoint and checks its header and hash at construction.
class Reader : public Archive {
 public:
  /// Throws CheckpointError for a file that is not a valid checkpoint of this format version and
  /// SystemC time resolution. `name` (a file name) prefixes the messages.
  explicit Reader(std::istream& in, std::string name = "");
  void raw(void* data, std::size_t n) override;
  void begin(const std::string& tag) override;
  void end() override;
  [[noreturn]] void fail(const std::string& why) const override;
  /// The simulation time the checkpoint was taken at.
  sc_core::sc_time time() const;
  /// True when the next thing to read is a section named `tag` (optional sections).
  bool next_is(const std::string& tag) const;
  /// True when everything (at the current nesting level) has been read.
  bool at_end() const { return pos_ == limit(); }

 protected:
  std::size_t remaining() const override { return limit() - pos_; }

 private:
  std::size_t limit() const { return open_.empty() ? payload_.size() : open_.back().second; }
  std::string name_;
  std::string payload_;
  std::size_t pos_ = 0;
  std::vector<std::pair<std::string, std::size_t>> open_;  // tag, end offset
  uint64_t time_ = 0;
};

/// The simulation time stored in a checkpoint file (for a resuming process, which must advance
/// its simulation there before restoring). Throws CheckpointError like Reader.
sc_core::sc_time file_time(const std::string& path);

}  // namespace checkpoint
}  // namespace scnvme
