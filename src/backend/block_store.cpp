#include "backend/block_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace scnvme::detail {

// --- SparseMemoryStore ---

SparseMemoryStore::SparseMemoryStore(uint64_t blocks, uint32_t data_size, uint16_t metadata_size)
    : BlockStore(blocks, data_size, metadata_size) {
  slots_per_arena_ = std::max<uint32_t>(1, (1u << 20) / slot_bytes());
}

uint8_t* SparseMemoryStore::slot_ptr(uint32_t slot) const {
  return arenas_[slot / slots_per_arena_].get() + static_cast<std::size_t>(slot % slots_per_arena_) * slot_bytes();
}

bool SparseMemoryStore::read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md) {
  if (index_.empty()) {  // nothing written yet: all zeroes, without a lookup per block
    if (data) std::memset(data, 0, count * data_size_);
    if (md) std::memset(md, 0, count * metadata_size_);
    return true;
  }
  for (uint64_t i = 0; i < count; ++i) {
    auto it = index_.find(lba + i);
    uint8_t* d = data ? data + i * data_size_ : nullptr;
    uint8_t* m = md ? md + i * metadata_size_ : nullptr;
    if (it == index_.end()) {
      if (d) std::memset(d, 0, data_size_);
      if (m) std::memset(m, 0, metadata_size_);
      continue;
    }
    const uint8_t* p = slot_ptr(it->second);
    if (d) std::memcpy(d, p, data_size_);
    if (m) std::memcpy(m, p + data_size_, metadata_size_);
  }
  return true;
}

bool SparseMemoryStore::write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t* md) {
  for (uint64_t i = 0; i < count; ++i) {
    auto [it, inserted] = index_.try_emplace(lba + i, 0);
    if (inserted) {
      if (!free_slots_.empty()) {
        it->second = free_slots_.back();
        free_slots_.pop_back();
      } else {
        if (next_slot_ % slots_per_arena_ == 0 && next_slot_ / slots_per_arena_ >= arenas_.size())
          arenas_.emplace_back(new uint8_t[static_cast<std::size_t>(slots_per_arena_) * slot_bytes()]);
        it->second = next_slot_++;
      }
    }
    uint8_t* p = slot_ptr(it->second);
    if (data) std::memcpy(p, data + i * data_size_, data_size_);
    else std::memset(p, 0, data_size_);
    if (metadata_size_) {
      if (md) std::memcpy(p + data_size_, md + i * metadata_size_, metadata_size_);
      else std::memset(p + data_size_, 0, metadata_size_);
    }
  }
  return true;
}

bool SparseMemoryStore::deallocate(uint64_t lba, uint64_t count) {
  if (index_.empty()) return true;
  for (uint64_t i = 0; i < count; ++i) {
    auto it = index_.find(lba + i);
    if (it == index_.end()) continue;
    free_slots_.push_back(it->second);
    index_.erase(it);
  }
  if (index_.empty()) clear();  // give the arenas back
  return true;
}

void SparseMemoryStore::clear() {
  index_.clear();
  arenas_.clear();
  free_slots_.clear();
  free_slots_.shrink_to_fit();
  next_slot_ = 0;
}

uint64_t SparseMemoryStore::memory_bytes() const {
  return static_cast<uint64_t>(arenas_.size()) * slots_per_arena_ * slot_bytes();
}

// --- ImageFileStore ---

uint64_t ImageFileStore::file_blocks(const std::string& path, uint32_t data_size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + ": not a regular file");
  if (st.st_size % data_size)
    throw std::runtime_error(path + ": size " + std::to_string(st.st_size) + " is not a multiple of the block size " +
                             std::to_string(data_size));
  return static_cast<uint64_t>(st.st_size) / data_size;
}

ImageFileStore::ImageFileStore(const std::string& path, uint64_t blocks, uint32_t data_size, bool read_only)
    : BlockStore(blocks, data_size, 0) {
  fd_ = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd_, &st);
  const uint64_t need = blocks * data_size;
  if (static_cast<uint64_t>(st.st_size) < need) {
    if (read_only || ::ftruncate(fd_, static_cast<off_t>(need)) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(path + ": the file holds " + std::to_string(st.st_size) + " bytes, the namespace needs " +
                               std::to_string(need) + (read_only ? " (read-only image)" : ""));
    }
  }
}

ImageFileStore::~ImageFileStore() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
/// Repeats pread/pwrite until `len` bytes moved; false on an error or end of file.
template <typename Io, typename Ptr>
bool full_io(Io io, int fd, Ptr p, uint64_t len, uint64_t off) {
  while (len) {
    const ssize_t n = io(fd, p, len, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<uint64_t>(n);
    off += static_cast<uint64_t>(n);
  }
  return true;
}
bool full_pread(int fd, uint8_t* p, uint64_t len, uint64_t off) { return full_io(::pread, fd, p, len, off); }
bool full_pwrite(int fd, const uint8_t* p, uint64_t len, uint64_t off) { return full_io(::pwrite, fd, p, len, off); }
}  // namespace

bool ImageFileStore::read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t*) {
  return !data || full_pread(fd_, data, count * data_size_, lba * data_size_);
}

bool ImageFileStore::write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t*) {
  if (data) return full_pwrite(fd_, data, count * data_size_, lba * data_size_);
  std::vector<uint8_t> zeroes(static_cast<std::size_t>(std::min<uint64_t>(count, 256)) * data_size_, 0);
  for (uint64_t done = 0; done < count;) {
    const uint64_t n = std::min<uint64_t>(count - done, 256);
    if (!full_pwrite(fd_, zeroes.data(), n * data_size_, (lba + done) * data_size_)) return false;
    done += n;
  }
  return true;
}

bool ImageFileStore::deallocate(uint64_t lba, uint64_t count) { return write(lba, count, nullptr, nullptr); }

// --- DatalessStore ---

bool DatalessStore::read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md) {
  if (md) std::memset(md, 0, count * metadata_size_);
  if (!data) return true;
  if (!pattern_) {
    std::memset(data, 0, count * data_size_);
    return true;
  }
  for (uint64_t i = 0; i < count; ++i)
    for (uint32_t k = 0; k < data_size_ / 8; ++k) {
      const uint64_t w = pattern_word(lba + i, k);
      uint8_t* p = data + i * data_size_ + 8 * k;
      for (int b = 0; b < 8; ++b) p[b] = static_cast<uint8_t>(w >> (8 * b));
    }
  return true;
}

}  // namespace scnvme::detail

namespace scnvme::detail {
void SparseMemoryStore::persist(checkpoint::Archive& a) {
  a.expect(blocks_, "namespace blocks");
  a.expect(data_size_, "namespace data size");
  a.expect(metadata_size_, "namespace metadata size");
  const std::size_t bytes = slot_bytes();
  if (!a.loading()) {
    std::vector<uint64_t> lbas;
    lbas.reserve(index_.size());
    for (const auto& [lba, slot] : index_) lbas.push_back(lba);
    std::sort(lbas.begin(), lbas.end());
    a.count(lbas.size());
    for (uint64_t lba : lbas) {
      a.io(lba);
      a.raw(slot_ptr(index_.at(lba)), bytes);
    }
    return;
  }
  const std::size_t n = a.count(0);
  clear();
  std::vector<uint8_t> block(bytes);
  for (std::size_t i = 0; i < n; ++i) {
    uint64_t lba = 0;
    a.io(lba);
    if (lba >= blocks_) a.fail("block " + std::to_string(lba) + " beyond the namespace's " + std::to_string(blocks_));
    a.raw(block.data(), bytes);
    write(lba, 1, block.data(), block.data() + data_size_);
  }
}
}  // namespace scnvme::detail
