#include "backend/media_store.h"

#include <cstring>

namespace scnvme::detail {

void MediaStore::read(uint64_t lba, uint64_t count, uint8_t* out) const {
  for (uint64_t i = 0; i < count; ++i, out += block_size_) {
    auto it = data_.find(lba + i);
    if (it == data_.end()) std::memset(out, 0, block_size_);
    else std::memcpy(out, it->second.get(), block_size_);
  }
}

void MediaStore::write(uint64_t lba, uint64_t count, const uint8_t* in) {
  for (uint64_t i = 0; i < count; ++i, in += block_size_) {
    auto& block = data_[lba + i];
    if (!block) block.reset(new uint8_t[block_size_]);
    std::memcpy(block.get(), in, block_size_);
  }
}

void MediaStore::deallocate(uint64_t lba, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) data_.erase(lba + i);
}

}  // namespace scnvme::detail
