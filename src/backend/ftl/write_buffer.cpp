// Placement in open blocks, program-unit gathering, die striping and flush padding.
#include "backend/ftl/write_buffer.h"

#include <stdexcept>

namespace scnvme::detail::ftl {

WriteBuffer::WriteBuffer(const Layout& layout, BlockManager& blocks, DieSelector& dies, FtlStats& stats)
    : layout_(layout),
      blocks_(blocks),
      dies_(dies),
      stats_(stats),
      cursors_(size_t{layout.dies} * kStreams),
      open_stream_(layout.total_blocks, 0) {}

Ppa WriteBuffer::append(Stream s, uint32_t die, uint32_t lba, OpPurpose purpose, NandOps* ops) {
  Cursor& c = cursor(s, die);
  const bool slc = is_slc_stream(s);
  if (c.block == kNoBlock) {
    c.block = blocks_.open_block(die, slc);
    if (c.block == kNoBlock) throw std::logic_error("FTL: no free block left on a die (internal reserve exhausted)");
    c.next = c.issued = c.padding = 0;
    open_stream_[c.block] = static_cast<uint8_t>(s);
  }
  const uint32_t offset = c.next++;
  ++c.placed_total;
  blocks_.record(c.block, offset, lba);
  const Ppa p = layout_.ppa(c.block, offset);
  if (c.next - c.issued == layout_.program_unit_units(slc)) issue(c, s, die, purpose, ops);
  return p;
}

void WriteBuffer::flush(Stream s, uint32_t die, OpPurpose purpose, NandOps* ops) {
  Cursor& c = cursor(s, die);
  if (c.block == kNoBlock || c.next == c.issued) return;
  const uint32_t pad = layout_.program_unit_units(is_slc_stream(s)) - (c.next - c.issued);
  c.next += pad;
  c.padding += pad;
  c.placed_total += pad;
  issue(c, s, die, purpose, ops);
}

void WriteBuffer::issue(Cursor& c, Stream s, uint32_t die, OpPurpose purpose, NandOps* ops) {
  const bool slc = is_slc_stream(s);
  const uint32_t units = c.next - c.issued;
  if (ops) {
    NandOp op;
    op.type = NandOpType::Program;
    op.purpose = purpose;
    op.slc = slc;
    op.die = die;
    op.block = layout_.block_in_die(c.block);
    op.page = c.issued / layout_.units_per_page;
    op.pages = slc ? layout_.slc_program_unit_pages : layout_.program_unit_pages;
    op.units = units - c.padding;
    op.padding_units = c.padding;
    ops->push_back(op);
  }
  stats_.nand_units_programmed += units;
  stats_.padding_units += c.padding;
  c.issued = c.next;
  c.issued_total = c.placed_total;
  c.padding = 0;
  if (c.next == layout_.block_units(slc)) {
    blocks_.close(c.block);
    c.block = kNoBlock;
  }
  if (s == Stream::Host || s == Stream::HostSlc) {
    uint32_t& cur = current_die_[static_cast<uint32_t>(s)];
    cur = dies_.next(cur, layout_.dies);
  }
}

bool WriteBuffer::close_early(Stream s, uint32_t die) {
  Cursor& c = cursor(s, die);
  if (c.block == kNoBlock || c.next == 0 || c.next != c.issued) return false;
  blocks_.close(c.block);
  c.block = kNoBlock;
  return true;
}

void WriteBuffer::close_host_streams() {
  for (uint32_t die = 0; die < layout_.dies; ++die) {
    for (const Stream s : {Stream::Host, Stream::HostSlc}) {
      Cursor& c = cursor(s, die);
      if (c.block != kNoBlock) blocks_.close(c.block);
      c.block = kNoBlock;
      c.next = c.issued = c.padding = 0;
      c.issued_total = c.placed_total;
    }
  }
}

bool WriteBuffer::buffered(Ppa p) const {
  const uint32_t gb = layout_.gblock_of(p);
  if (blocks_.state(gb) != BlockState::Open) return false;
  const Cursor& c = cursor(static_cast<Stream>(open_stream_[gb]), layout_.die_of(gb));
  return c.block == gb && layout_.offset_of(p) >= c.issued;
}

uint64_t WriteBuffer::buffered_units() const {
  uint64_t n = 0;
  for (const Cursor& c : cursors_) n += c.placed_total - c.issued_total;
  return n;
}

}  // namespace scnvme::detail::ftl
