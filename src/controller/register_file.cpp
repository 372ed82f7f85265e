#include "controller/register_file.h"

#include <algorithm>
#include <stdexcept>

namespace scnvme::detail {

void RegisterFile::add(RegisterSpec spec) {
  if (spec.width != 4 && spec.width != 8) throw std::logic_error("register width must be 4 or 8: " + spec.name);
  for (const auto& r : regs_)
    if (spec.offset < r.spec.offset + r.spec.width && r.spec.offset < spec.offset + spec.width)
      throw std::logic_error("register " + spec.name + " overlaps " + r.spec.name);
  const uint64_t reset = spec.reset;
  regs_.push_back(Reg{std::move(spec), reset});
  std::sort(regs_.begin(), regs_.end(), [](const Reg& a, const Reg& b) { return a.spec.offset < b.spec.offset; });
}

RegisterFile::Reg* RegisterFile::find(uint32_t offset) {
  for (auto& r : regs_)
    if (offset >= r.spec.offset && offset < r.spec.offset + r.spec.width) return &r;
  return nullptr;
}
const RegisterFile::Reg* RegisterFile::find(uint32_t offset) const {
  return const_cast<RegisterFile*>(this)->find(offset);
}

namespace {
bool byte_enabled(unsigned i, const uint8_t* be, unsigned be_len) {
  return be == nullptr || be_len == 0 || be[i % be_len] != 0;
}
}  // namespace

void RegisterFile::read(uint32_t offset, uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) {
  unsigned i = 0;
  while (i < len) {
    const uint32_t off = offset + i;
    Reg* r = find(off);
    if (!r) {
      if (byte_enabled(i, be, be_len)) data[i] = 0;
      ++i;
      continue;
    }
    const uint64_t v = r->spec.on_read ? r->spec.on_read(r->value) : r->value;
    for (; i < len && offset + i < r->spec.offset + r->spec.width; ++i)
      if (byte_enabled(i, be, be_len)) data[i] = static_cast<uint8_t>(v >> (8 * (offset + i - r->spec.offset)));
  }
}

void RegisterFile::peek(uint32_t offset, uint8_t* data, unsigned len) const {
  for (unsigned i = 0; i < len; ++i) {
    const Reg* r = find(offset + i);
    if (!r) {
      data[i] = 0;
      continue;
    }
    const uint64_t v = r->spec.on_read ? r->spec.on_read(r->value) : r->value;
    data[i] = static_cast<uint8_t>(v >> (8 * (offset + i - r->spec.offset)));
  }
}

void RegisterFile::write(uint32_t offset, const uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) {
  unsigned i = 0;
  bool unbacked = false;  // an enabled byte fell where no register is
  while (i < len) {
    Reg* r = find(offset + i);
    if (!r) {
      unbacked = unbacked || byte_enabled(i, be, be_len);
      ++i;
      continue;
    }
    uint64_t written = 0, covered = 0;
    for (; i < len && offset + i < r->spec.offset + r->spec.width; ++i) {
      if (!byte_enabled(i, be, be_len)) continue;
      const unsigned shift = 8 * (offset + i - r->spec.offset);
      written |= static_cast<uint64_t>(data[i]) << shift;
      covered |= 0xFFull << shift;
    }
    if (!covered) continue;
    const uint64_t old = r->value;
    if (on_ignored_write) {
      const uint64_t writable = r->spec.rw_mask | r->spec.w1c_mask | r->spec.w1s_mask;
      const uint64_t stray = written & covered & ~writable & ~old;
      if (!writable && !r->spec.on_write) on_ignored_write(&r->spec, offset, written, covered);
      else if (writable && stray) on_ignored_write(&r->spec, offset, written, stray);
    }
    uint64_t v = old;
    v = (v & ~(r->spec.rw_mask & covered)) | (written & r->spec.rw_mask & covered);
    v &= ~(written & r->spec.w1c_mask & covered);
    v |= written & r->spec.w1s_mask & covered;
    r->value = v;
    if (r->spec.on_write) r->spec.on_write(old, v, written, covered);
  }
  if (unbacked && on_ignored_write) {
    uint64_t bytes = 0;
    for (unsigned b = 0; b < len && b < 8; ++b) bytes |= static_cast<uint64_t>(data[b]) << (8 * b);
    on_ignored_write(nullptr, offset, bytes, ~0ull);
  }
}

const RegisterSpec* RegisterFile::spec_at(uint32_t offset) const {
  const Reg* r = find(offset);
  return r ? &r->spec : nullptr;
}

uint64_t RegisterFile::value(uint32_t offset) const {
  const Reg* r = find(offset);
  return r ? r->value : 0;
}

void RegisterFile::set(uint32_t offset, uint64_t v) {
  if (Reg* r = find(offset)) r->value = v;
}

void RegisterFile::set_bits(uint32_t offset, uint64_t mask, bool on) {
  if (Reg* r = find(offset)) r->value = on ? (r->value | mask) : (r->value & ~mask);
}

void RegisterFile::reset() {
  for (auto& r : regs_)
    if (!r.spec.keep_on_reset) r.value = r.spec.reset;
}

void RegisterFile::reset_all() {
  for (auto& r : regs_) r.value = r.spec.reset;
}

}  // namespace scnvme::detail
