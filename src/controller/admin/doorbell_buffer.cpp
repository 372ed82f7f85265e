// Doorbell Buffer Config (NVMe Base 2.0, 5.8): shadow doorbells and EventIdx buffers, as drivers
// of emulated and virtualised controllers use them to avoid MMIO. For every I/O queue the host
// writes its new SQ tail / CQ head into the Shadow Doorbell buffer and rings the MMIO doorbell only
// when the value passes the EventIdx the controller left there. So the controller reads the shadow
// values itself whenever it would otherwise stop (the fetcher before it sleeps; a completion that
// finds its CQ full), and, before stopping, writes EventIdx = the value it has seen, so that the
// host's next update rings. Entries sit at the doorbell's offset from 1000h in both buffers. The
// admin queue keeps its MMIO doorbells.
#include "controller/controller_impl.h"
#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;

void ControllerImpl::admin_doorbell_buffer_config(Command& cmd) {
  if (!cfg.doorbell_buffer_config) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  const uint64_t shadow = cmd.sqe.prp1(), eventidx = cmd.sqe.prp2();
  const uint64_t page = page_size();
  if (shadow == 0 || (shadow & (page - 1))) return cmd.fail(st::kInvalidField, 24);
  if (eventidx == 0 || (eventidx & (page - 1))) return cmd.fail(st::kInvalidField, 32);
  dbbuf.shadow = shadow;
  dbbuf.eventidx = eventidx;
  dbbuf.enabled = true;
}

uint64_t ControllerImpl::dbbuf_entry(uint16_t qid, bool is_cq) const {
  return (2ull * qid + (is_cq ? 1 : 0)) * (4ull << cfg.doorbell_stride);
}

bool ControllerImpl::read_shadow_doorbell(uint16_t qid, bool is_cq, uint32_t& value) {
  uint8_t b[4];
  if (!dma.read(dbbuf.shadow + dbbuf_entry(qid, is_cq), b, 4)) return false;
  value = spec::get_le32(b);
  return true;
}

void ControllerImpl::write_event_index(uint16_t qid, bool is_cq, uint32_t value) {
  uint8_t b[4];
  spec::put_le32(b, value);
  dma.write(dbbuf.eventidx + dbbuf_entry(qid, is_cq), b, 4);
}

bool ControllerImpl::poll_shadow_doorbells() {
  if (!dbbuf.enabled) return false;
  const uint64_t e = epoch;
  bool found = false;
  for (uint16_t qid = 1; qid < sq_id_limit && e == epoch; ++qid) {
    if (!sqs[qid].valid || sqs[qid].deleting) continue;
    uint32_t tail = 0;
    if (!read_shadow_doorbell(qid, false, tail) || e != epoch || !sqs[qid].valid) continue;
    if (tail != sqs[qid].tail) apply_doorbell(qid, false, tail);
    // Ring me at the next update: EventIdx = what was seen; then look once more, as the host may
    // have updated the shadow in between without ringing.
    write_event_index(qid, false, sqs[qid].tail);
    if (e != epoch || !sqs[qid].valid) continue;
    if (read_shadow_doorbell(qid, false, tail) && e == epoch && sqs[qid].valid && tail != sqs[qid].tail)
      apply_doorbell(qid, false, tail);
    found = found || !sqs[qid].empty();
  }
  return found;
}

void ControllerImpl::refresh_cq_head(uint16_t cqid) {
  if (!dbbuf.enabled || cqid == 0) return;
  const uint64_t e = epoch;
  uint32_t head = 0;
  if (!read_shadow_doorbell(cqid, true, head) || e != epoch || !cqs[cqid].valid) return;
  if (head != cqs[cqid].head) apply_doorbell(cqid, true, head);
  if (!cqs[cqid].full()) return;
  write_event_index(cqid, true, cqs[cqid].head);  // the host's next head update rings
  if (e == epoch && cqs[cqid].valid && read_shadow_doorbell(cqid, true, head) && e == epoch && head != cqs[cqid].head)
    apply_doorbell(cqid, true, head);
}

}  // namespace scnvme::detail
