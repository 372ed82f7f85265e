#include "controller/prp_walker.h"

#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;

spec::Status walk_prp(DmaPort& dma, uint64_t prp1, uint64_t prp2, uint64_t length, uint64_t page_size,
                      std::vector<DmaSegment>& out, DmaTimeline* timeline) {
  out.clear();
  if (length == 0) return st::kSuccess;
  uint64_t entries = 1;
  struct Count {  // entries walked, charged on the timeline however the walk ends
    DmaTimeline* t;
    uint64_t& n;
    ~Count() {
      if (t) t->list_entries += n;
    }
  } count{timeline, entries};
  if (prp1 & 0x3) return st::kPrpOffsetInvalid;  // PRP entries are dword aligned
  const uint64_t first = std::min<uint64_t>(length, page_size - (prp1 & (page_size - 1)));
  out.push_back({prp1, first});
  uint64_t remaining = length - first;
  if (remaining == 0) return st::kSuccess;
  if (remaining <= page_size) {
    // PRP2 is the second (and last) data page.
    ++entries;
    if (prp2 & (page_size - 1)) return st::kPrpOffsetInvalid;
    out.push_back({prp2, remaining});
    return st::kSuccess;
  }
  // PRP2 points to a PRP list; a list may start at an offset inside its page, and the last entry
  // of a full list page chains to the next list page.
  if (prp2 & 0x3) return st::kPrpOffsetInvalid;
  uint64_t list = prp2;
  std::vector<uint8_t> page;
  while (remaining > 0) {
    const uint64_t entries_in_page = (page_size - (list & (page_size - 1))) / 8;
    // A list starting in the last dword of a page: its first entry would cross the page.
    if (entries_in_page == 0) return st::kPrpOffsetInvalid;
    const uint64_t pages_needed = (remaining + page_size - 1) / page_size;
    const bool chain = pages_needed > entries_in_page;
    const uint64_t to_read = chain ? entries_in_page : pages_needed;
    page.resize(to_read * 8);
    if (!dma.read(list, page.data(), page.size(), timeline)) return st::kDataTransferError;
    entries += to_read;
    const uint64_t data_entries = chain ? to_read - 1 : to_read;
    for (uint64_t i = 0; i < data_entries; ++i) {
      const uint64_t entry = spec::get_le64(page.data() + 8 * i);
      if (entry & (page_size - 1)) return st::kPrpOffsetInvalid;
      const uint64_t len = std::min(remaining, page_size);
      if (!out.empty() && out.back().address + out.back().length == entry) out.back().length += len;
      else out.push_back({entry, len});
      remaining -= len;
    }
    if (chain) {
      // A PRP List pointer inside a list has a zero offset (only the one in the command may
      // have an offset), so every list page after the first holds page_size / 8 entries and the
      // walk makes progress: a chain pointing back at itself ends when the data is covered.
      list = spec::get_le64(page.data() + 8 * (to_read - 1));
      if (list & (page_size - 1)) return st::kPrpOffsetInvalid;
    }
  }
  return st::kSuccess;
}

}  // namespace scnvme::detail
