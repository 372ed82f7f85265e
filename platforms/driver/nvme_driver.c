/* scnvme reference NVMe driver (see nvme_driver.h). Uses only the HAL. */
#include "driver/nvme_driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* --- register and structure layout (NVMe Base 2.0; PCI Local Bus 3.0) --- */
enum {
  REG_CAP = 0x00, REG_VS = 0x08, REG_INTMS = 0x0C, REG_INTMC = 0x10, REG_CC = 0x14, REG_CSTS = 0x1C,
  REG_AQA = 0x24, REG_ASQ = 0x28, REG_ACQ = 0x30, REG_CRTO = 0x68, REG_DOORBELL = 0x1000
};
enum { CC_EN = 1u << 0, CC_SHN_NORMAL = 1u << 14, CC_IOSQES = 6u << 16, CC_IOCQES = 4u << 20 };
enum { CSTS_RDY = 1u << 0, CSTS_CFS = 1u << 1, CSTS_SHST_MASK = 3u << 2, CSTS_SHST_COMPLETE = 2u << 2 };
enum { PCI_VENDOR = 0x00, PCI_COMMAND = 0x04, PCI_CLASS = 0x09, PCI_BAR0 = 0x10, PCI_BAR1 = 0x14, PCI_CAP_PTR = 0x34 };
enum { PCI_CMD_MEM = 1u << 1, PCI_CMD_BUS_MASTER = 1u << 2, PCI_CMD_INTX_DISABLE = 1u << 10 };
enum { CAP_MSI = 0x05, CAP_PCIE = 0x10, CAP_MSIX = 0x11 };
enum { ADM_DELETE_SQ = 0x00, ADM_CREATE_SQ = 0x01, ADM_DELETE_CQ = 0x04, ADM_CREATE_CQ = 0x05, ADM_IDENTIFY = 0x06,
       ADM_ABORT = 0x08, ADM_SET_FEATURES = 0x09 };
enum { FEAT_NUM_QUEUES = 0x07 };

static void fail(nvme_driver* drv, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(drv->error, sizeof drv->error, fmt, ap);
  va_end(ap);
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_ERROR, "%s", drv->error);
}

static uint32_t rd32(nvme_driver* drv, uint32_t off) { return scnvme_hal_mmio_read32(drv->dev, drv->bar0 + off); }
static uint64_t rd64(nvme_driver* drv, uint32_t off) { return scnvme_hal_mmio_read64(drv->dev, drv->bar0 + off); }
static void wr32(nvme_driver* drv, uint32_t off, uint32_t v) { scnvme_hal_mmio_write32(drv->dev, drv->bar0 + off, v); }
static void wr64(nvme_driver* drv, uint32_t off, uint64_t v) { scnvme_hal_mmio_write64(drv->dev, drv->bar0 + off, v); }

static void put16(uint8_t* p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t* p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static uint64_t get64(const uint8_t* p) { return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32); }

void nvme_driver_default_options(nvme_driver_options* opt) {
  opt->io_queues = 4;
  opt->io_queue_entries = 256;
  opt->admin_queue_entries = 32;
  opt->irq_mode = NVME_IRQ_AUTO;
  opt->command_timeout_ns = 30ull * 1000 * 1000 * 1000;
  opt->use_sgl = 0;
  opt->recovery_timeout_ns = 0;
}

const char* nvme_status_string(uint16_t status) {
  if (NVME_STATUS_IS_DRIVER(status)) {
    switch (status) {
      case NVME_DRV_STATUS_RESET: return "Failed by the driver: controller reset during recovery";
      case NVME_DRV_STATUS_REMOVED: return "Failed by the driver: device removed";
      default: return "Failed by the driver";
    }
  }
  const unsigned sct = (status >> 8) & 7, sc = status & 0xFF;
  if (sct == 0) {
    switch (sc) {
      case 0x00: return "Successful Completion";
      case 0x01: return "Invalid Command Opcode";
      case 0x02: return "Invalid Field in Command";
      case 0x04: return "Data Transfer Error";
      case 0x06: return "Internal Error";
      case 0x07: return "Command Abort Requested";
      case 0x08: return "Command Aborted due to SQ Deletion";
      case 0x0B: return "Invalid Namespace or Format";
      case 0x0C: return "Command Sequence Error";
      case 0x0D: return "Invalid SGL Segment Descriptor";
      case 0x0E: return "Invalid Number of SGL Descriptors";
      case 0x0F: return "Data SGL Length Invalid";
      case 0x10: return "Metadata SGL Length Invalid";
      case 0x11: return "SGL Descriptor Type Invalid";
      case 0x13: return "PRP Offset Invalid";
      case 0x20: return "Namespace is Write Protected";
      case 0x80: return "LBA Out of Range";
      case 0x81: return "Capacity Exceeded";
      case 0x82: return "Namespace Not Ready";
      default: break;
    }
  } else if (sct == 1) {
    switch (sc) {
      case 0x00: return "Completion Queue Invalid";
      case 0x01: return "Invalid Queue Identifier";
      case 0x02: return "Invalid Queue Size";
      case 0x08: return "Invalid Interrupt Vector";
      case 0x09: return "Invalid Log Page";
      case 0x0C: return "Invalid Queue Deletion";
      default: break;
    }
  } else if (sct == 2) {
    switch (sc) {
      case 0x80: return "Write Fault";
      case 0x81: return "Unrecovered Read Error";
      case 0x85: return "Compare Failure";
      case 0x86: return "Access Denied";
      default: break;
    }
  }
  return "other status";
}

/* --- queues --- */

static int queue_alloc(nvme_driver* drv, nvme_queue* q, uint16_t id, uint32_t size, uint32_t entry_size) {
  memset(q, 0, sizeof *q);
  q->id = id;
  q->size = size;
  q->phase = 1;
  q->entries = (uint8_t*)scnvme_hal_dma_alloc(drv->dev, (size_t)size * entry_size, drv->page_size, &q->bus);
  if (!q->entries) {
    fail(drv, "out of DMA memory for queue %u (%u entries)", id, size);
    return -1;
  }
  return 0;
}

static uint32_t sq_doorbell(nvme_driver* drv, uint16_t qid) { return REG_DOORBELL + (2u * qid) * (4u << drv->dstrd); }
static uint32_t cq_doorbell(nvme_driver* drv, uint16_t qid) { return REG_DOORBELL + (2u * qid + 1u) * (4u << drv->dstrd); }

static void sq_place(nvme_driver* drv, nvme_queue* sq, const uint8_t sqe[64]) {
  memcpy(sq->entries + 64u * sq->index, sqe, 64);
  if (scnvme_hal_log_enabled(drv->dev, SCNVME_HAL_LOG_DEBUG))
    scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_DEBUG, "SQ%u[%u] opcode 0x%02x CID %u NSID %u CDW10 0x%08x", sq->id, sq->index,
                   sqe[0], get16(sqe + 2), get32(sqe + 4), get32(sqe + 40));
  sq->index = (sq->index + 1) % sq->size;
  ++sq->doorbell_pending;
  ++sq->outstanding;
}

static void sq_ring(nvme_driver* drv, nvme_queue* sq) {
  if (!sq->doorbell_pending) return;
  scnvme_hal_wmb();  /* SQEs visible before the doorbell */
  wr32(drv, sq_doorbell(drv, sq->id), sq->index);
  sq->doorbell_pending = 0;
}

/* Takes the next CQE if its phase tag says it is new. */
static int cq_take(nvme_driver* drv, nvme_queue* cq, nvme_completion* out) {
  const uint8_t* e = cq->entries + 16u * cq->index;
  if ((e[14] & 1) != cq->phase) return 0;
  scnvme_hal_rmb();
  out->dw0 = get32(e);
  out->sq_head = get16(e + 8);
  out->sqid = get16(e + 10);
  out->cid = get16(e + 12);
  out->status = (uint16_t)(get16(e + 14) >> 1);
  if (scnvme_hal_log_enabled(drv->dev, SCNVME_HAL_LOG_DEBUG))
    scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_DEBUG, "CQ%u[%u] SQ%u CID %u head %u status 0x%04x (%s) DW0 0x%08x", cq->id,
                   cq->index, out->sqid, out->cid, out->sq_head, out->status, nvme_status_string(out->status), out->dw0);
  cq->index = (cq->index + 1) % cq->size;
  if (cq->index == 0) cq->phase ^= 1;
  return 1;
}

/* Whether the CQ holds a new entry for (sqid, cid), without taking anything. */
static int cq_holds(const nvme_queue* cq, uint16_t sqid, uint16_t cid) {
  uint32_t i = cq->index;
  uint8_t phase = cq->phase;
  for (uint32_t k = 0; k < cq->size; ++k) {
    const uint8_t* e = cq->entries + 16u * i;
    if ((e[14] & 1) != phase) return 0;
    scnvme_hal_rmb();
    if (get16(e + 10) == sqid && get16(e + 12) == cid) return 1;
    if (++i == cq->size) {
      i = 0;
      phase ^= 1;
    }
  }
  return 0;
}

enum { WAIT_REMOVED = -2, WAIT_CFS = -1, WAIT_TIMEOUT = 0, WAIT_GOT = 1, WAIT_FAILED_PENDING = 2 };

/* CSTS: WAIT_REMOVED when it reads all ones (surprise removal), WAIT_CFS, else 0. */
static int csts_check(nvme_driver* drv) {
  const uint32_t csts = rd32(drv, REG_CSTS);
  if (csts == 0xFFFFFFFFu) return WAIT_REMOVED;
  return (csts & CSTS_CFS) ? WAIT_CFS : 0;
}

/* Waits for the next CQE on cq: interrupts where configured (re-checking the queue so a missed
 * edge costs only a slice), polling otherwise. WAIT_GOT, WAIT_TIMEOUT, WAIT_CFS, WAIT_REMOVED, or
 * WAIT_FAILED_PENDING when the driver failed commands of `sq` (may be NULL) meanwhile. CSTS is
 * read (an MMIO round trip) only when a slice passed without an interrupt, as a failed controller
 * posts nothing. The CQ is checked before every wait, so a CQE whose interrupt was lost is found
 * one slice later (counted in recovery.polled_completions); an interrupt that brings nothing new
 * (spurious, or for a CQE already reaped in a batch) is counted and ignored. */
static int cq_wait(nvme_driver* drv, nvme_queue* cq, const nvme_queue* sq, nvme_completion* out, uint64_t timeout_ns) {
  const uint64_t end = scnvme_hal_now_ns(drv->dev) + timeout_ns;
  const uint64_t slice = 50000;
  int missed = 0, interrupted = 0;
  for (;;) {
    if (cq_take(drv, cq, out)) {
      if (missed) ++drv->recovery.polled_completions;
      return WAIT_GOT;
    }
    if (interrupted) ++drv->recovery.empty_interrupts;
    interrupted = 0;
    if (sq && sq->failed_pending) return WAIT_FAILED_PENDING;
    const uint64_t now = scnvme_hal_now_ns(drv->dev);
    if (now >= end) break;
    const uint64_t step = end - now < slice ? end - now : slice;
    if (drv->irq == NVME_IRQ_POLL) {
      scnvme_hal_delay_ns(drv->dev, step < 1000 ? step : 1000);
    } else if (scnvme_hal_irq_wait(drv->dev, cq->vector, step) == 0) {
      interrupted = 1;
      missed = 0;
    } else {
      missed = 1;
      const int s = csts_check(drv);
      if (s) return s;
    }
  }
  return csts_check(drv);
}

static uint64_t admin_timeout(const nvme_driver* drv) {
  if (drv->recovering && drv->opt.recovery_timeout_ns) return drv->opt.recovery_timeout_ns;
  return drv->opt.command_timeout_ns;
}

static void device_removed(nvme_driver* drv);

/* -1 with drv->error set (not logged again: device_removed / recovery said it) when the driver
 * cannot use the device any more. */
static int refuse_when_not_live(nvme_driver* drv) {
  if (drv->state == NVME_DRV_LIVE) return 0;
  snprintf(drv->error, sizeof drv->error, "%s", drv->state == NVME_DRV_REMOVED ? "device removed" : "controller dead: recovery gave up");
  return -1;
}

int nvme_admin(nvme_driver* drv, uint8_t sqe[64], nvme_completion* cpl) {
  if (refuse_when_not_live(drv)) return -1;
  const uint16_t cid = drv->next_cid++;
  put16(sqe + 2, cid);
  sq_place(drv, &drv->asq, sqe);
  sq_ring(drv, &drv->asq);
  for (;;) {
    const int r = cq_wait(drv, &drv->acq, NULL, cpl, admin_timeout(drv));
    if (r <= 0) {
      if (r == WAIT_REMOVED) {
        device_removed(drv);
        fail(drv, "device removed (CSTS reads all ones) during admin opcode 0x%02x CID %u", sqe[0], cid);
      } else if (r == WAIT_CFS) {
        fail(drv, "controller fatal status (CSTS.CFS) during admin opcode 0x%02x CID %u", sqe[0], cid);
      } else {
        drv->admin_timed_out = 1;
        ++drv->recovery.admin_timeouts;
        fail(drv, "admin opcode 0x%02x CID %u timed out", sqe[0], cid);
      }
      return -1;
    }
    wr32(drv, cq_doorbell(drv, 0), drv->acq.index);
    --drv->asq.outstanding;
    if (cpl->cid == cid) return 0;
    scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_WARN, "unexpected admin completion CID %u", cpl->cid);
  }
}

static int admin_simple(nvme_driver* drv, uint8_t opcode, uint32_t nsid, uint64_t prp1, uint32_t cdw10, uint32_t cdw11,
                        nvme_completion* cpl) {
  uint8_t sqe[64];
  memset(sqe, 0, sizeof sqe);
  sqe[0] = opcode;
  put32(sqe + 4, nsid);
  put64(sqe + 24, prp1);
  put32(sqe + 40, cdw10);
  put32(sqe + 44, cdw11);
  if (nvme_admin(drv, sqe, cpl)) return -1;
  if (cpl->status != 0) {
    fail(drv, "admin opcode 0x%02x (CDW10 0x%x) failed: %s (status 0x%04x)", opcode, cdw10, nvme_status_string(cpl->status),
         cpl->status);
    return -1;
  }
  return 0;
}

/* --- PCI --- */

static unsigned find_capability(nvme_driver* drv, uint8_t id) {
  unsigned ptr = scnvme_hal_cfg_read8(drv->dev, PCI_CAP_PTR) & 0xFC;
  for (int guard = 0; ptr && guard < 48; ++guard) {
    if (scnvme_hal_cfg_read8(drv->dev, ptr) == id) return ptr;
    ptr = scnvme_hal_cfg_read8(drv->dev, ptr + 1) & 0xFC;
  }
  return 0;
}

static int pci_setup(nvme_driver* drv) {
  scnvme_hal_device* dev = drv->dev;
  const uint32_t class_code = scnvme_hal_cfg_read32(dev, 0x08) >> 8;
  if (class_code != 0x010802) {
    fail(drv, "function is not an NVMe controller (class code 0x%06x)", class_code);
    return -1;
  }
  /* Size BAR0 (64-bit memory BAR) and place it at the start of the platform's window. */
  const uint32_t lo = scnvme_hal_cfg_read32(dev, PCI_BAR0);
  if ((lo & 0x7) != 0x4) {
    fail(drv, "BAR0 is not a 64-bit memory BAR (0x%08x)", lo);
    return -1;
  }
  scnvme_hal_cfg_write16(dev, PCI_COMMAND, 0);
  scnvme_hal_cfg_write32(dev, PCI_BAR0, 0xFFFFFFFFu);
  scnvme_hal_cfg_write32(dev, PCI_BAR1, 0xFFFFFFFFu);
  const uint64_t mask = ((uint64_t)scnvme_hal_cfg_read32(dev, PCI_BAR1) << 32) | (scnvme_hal_cfg_read32(dev, PCI_BAR0) & ~0xFull);
  const uint64_t size = ~mask + 1;
  uint64_t base = 0, window = 0;
  scnvme_hal_mmio_window(dev, &base, &window);
  base = (base + size - 1) & ~(size - 1);
  if (size == 0 || size > window) {
    fail(drv, "BAR0 of 0x%llx bytes does not fit the MMIO window", (unsigned long long)size);
    return -1;
  }
  scnvme_hal_cfg_write32(dev, PCI_BAR0, (uint32_t)base);
  scnvme_hal_cfg_write32(dev, PCI_BAR1, (uint32_t)(base >> 32));
  drv->bar0 = base;
  scnvme_hal_cfg_write16(dev, PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_BUS_MASTER | PCI_CMD_INTX_DISABLE);
  /* PCI Express: use the largest payload the function supports (the reference platform's root
   * port takes any); keep the read request size at its 512-byte default. */
  const unsigned pcie = find_capability(drv, CAP_PCIE);
  if (pcie) {
    const unsigned mps = scnvme_hal_cfg_read32(dev, pcie + 4) & 7;
    const uint16_t devctl = scnvme_hal_cfg_read16(dev, pcie + 8);
    scnvme_hal_cfg_write16(dev, pcie + 8, (uint16_t)((devctl & ~(7u << 5)) | (mps << 5)));
  }
  scnvme_hal_log(dev, SCNVME_HAL_LOG_INFO, "PCI %04x:%04x, BAR0 %llu KiB at 0x%llx, memory space and bus mastering on",
                 scnvme_hal_cfg_read16(dev, 0x00), scnvme_hal_cfg_read16(dev, 0x02), (unsigned long long)(size >> 10),
                 (unsigned long long)base);
  return 0;
}

/* Vectors wanted: one for the admin CQ plus one per I/O CQ. */
static int irq_setup(nvme_driver* drv, unsigned wanted) {
  scnvme_hal_device* dev = drv->dev;
  const unsigned msix = find_capability(drv, CAP_MSIX), msi = find_capability(drv, CAP_MSI);
  const unsigned hal_max = scnvme_hal_max_vectors(dev);
  nvme_irq_mode mode = drv->opt.irq_mode;
  if (mode == NVME_IRQ_AUTO) mode = msix ? NVME_IRQ_MSIX : (msi ? NVME_IRQ_MSI : NVME_IRQ_INTX);
  if ((mode == NVME_IRQ_MSIX && !msix) || (mode == NVME_IRQ_MSI && !msi)) {
    fail(drv, "requested %s, but the function has no such capability", mode == NVME_IRQ_MSIX ? "MSI-X" : "MSI");
    return -1;
  }
  drv->irq = mode;
  if (mode == NVME_IRQ_MSIX) {
    const uint16_t ctrl = scnvme_hal_cfg_read16(dev, msix + 2);
    unsigned n = (ctrl & 0x7FF) + 1u;
    const uint32_t table = scnvme_hal_cfg_read32(dev, msix + 4);
    if ((table & 7) != 0) {
      fail(drv, "MSI-X table in BAR%u: only BAR0 is mapped", table & 7);
      return -1;
    }
    if (n > wanted) n = wanted;
    if (n > hal_max) n = hal_max;
    for (unsigned v = 0; v < n; ++v) {
      uint64_t addr;
      uint32_t data;
      scnvme_hal_msi_message(dev, v, &addr, &data);
      const uint64_t e = drv->bar0 + (table & ~7u) + 16ull * v;
      scnvme_hal_mmio_write32(dev, e + 0, (uint32_t)addr);
      scnvme_hal_mmio_write32(dev, e + 4, (uint32_t)(addr >> 32));
      scnvme_hal_mmio_write32(dev, e + 8, data);
      scnvme_hal_mmio_write32(dev, e + 12, 0); /* unmask */
    }
    scnvme_hal_cfg_write16(dev, msix + 2, (uint16_t)(1u << 15)); /* enable, function unmasked */
    drv->vectors = n;
  } else if (mode == NVME_IRQ_MSI) {
    const uint16_t ctrl = scnvme_hal_cfg_read16(dev, msi + 2);
    unsigned log2 = 0;
    while ((1u << log2) < wanted && log2 < ((ctrl >> 1) & 7u)) ++log2;
    while ((1u << log2) > hal_max && log2 > 0) --log2;
    uint64_t addr;
    uint32_t data;
    scnvme_hal_msi_message(dev, 0, &addr, &data);
    scnvme_hal_cfg_write32(dev, msi + 4, (uint32_t)addr);
    scnvme_hal_cfg_write32(dev, msi + 8, (uint32_t)(addr >> 32));
    scnvme_hal_cfg_write16(dev, msi + 12, (uint16_t)data);
    scnvme_hal_cfg_write16(dev, msi + 2, (uint16_t)((log2 << 4) | 1u));
    drv->vectors = 1u << log2;
  } else {
    const uint16_t cmd = scnvme_hal_cfg_read16(dev, PCI_COMMAND);
    scnvme_hal_cfg_write16(dev, PCI_COMMAND, (uint16_t)(cmd & ~PCI_CMD_INTX_DISABLE));
    drv->vectors = 1;
    if (mode == NVME_IRQ_POLL) scnvme_hal_cfg_write16(dev, PCI_COMMAND, (uint16_t)(cmd | PCI_CMD_INTX_DISABLE));
  }
  static const char* const names[] = {"auto", "MSI-X", "MSI", "INTx", "polling"};
  scnvme_hal_log(dev, SCNVME_HAL_LOG_INFO, "interrupts: %s, %u vector(s)", names[mode], drv->vectors);
  return 0;
}

/* --- bring-up --- */

static void copy_string(char* dst, const uint8_t* src, unsigned len) {
  memcpy(dst, src, len);
  dst[len] = '\0';
  for (int i = (int)len - 1; i >= 0 && dst[i] == ' '; --i) dst[i] = '\0';
}

static int identify(nvme_driver* drv) {
  uint64_t bus;
  uint8_t* buf = (uint8_t*)scnvme_hal_dma_alloc(drv->dev, 4096, drv->page_size, &bus);
  nvme_completion cpl;
  if (!buf) {
    fail(drv, "out of DMA memory for Identify");
    return -1;
  }
  int rc = admin_simple(drv, ADM_IDENTIFY, 0, bus, 0x01, 0, &cpl);
  if (rc == 0) {
    drv->vid = get16(buf + 0);
    copy_string(drv->serial, buf + 4, 20);
    copy_string(drv->model, buf + 24, 40);
    copy_string(drv->firmware, buf + 64, 8);
    drv->mdts = buf[77];
    drv->acl = buf[258];
    drv->nn = get32(buf + 516);
    drv->sgls = get32(buf + 536);
    drv->sgl = drv->opt.use_sgl && (drv->sgls & 3) == 1;
    const uint64_t min_page = 4096ull << ((drv->cap >> 48) & 0xF);
    drv->max_transfer = drv->mdts ? (min_page << drv->mdts) : (2ull << 20);
    if (drv->max_transfer > (drv->page_size / 8) * drv->page_size) drv->max_transfer = (drv->page_size / 8) * drv->page_size;
    scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_INFO, "controller \"%s\" serial \"%s\" firmware \"%s\", MDTS %u, %u namespace IDs",
                   drv->model, drv->serial, drv->firmware, drv->mdts, drv->nn);
    rc = admin_simple(drv, ADM_IDENTIFY, 0, bus, 0x02, 0, &cpl);
  }
  if (rc == 0) {
    uint32_t ids[NVME_DRV_MAX_NAMESPACES];
    unsigned n = 0;
    for (unsigned i = 0; i < 1024 && n < NVME_DRV_MAX_NAMESPACES; ++i) {
      const uint32_t id = get32(buf + 4 * i);
      if (!id) break;
      ids[n++] = id;
    }
    drv->namespaces = 0;
    for (unsigned i = 0; i < n && rc == 0; ++i) {
      rc = admin_simple(drv, ADM_IDENTIFY, ids[i], bus, 0x00, 0, &cpl);
      if (rc) break;
      nvme_namespace* ns = &drv->ns[drv->namespaces++];
      ns->nsid = ids[i];
      ns->blocks = get64(buf + 0);
      const unsigned flbas = buf[26] & 0xF;
      ns->block_size = 1u << buf[128 + 4 * flbas + 2];
      scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_INFO, "namespace %u: %llu blocks of %u bytes (%.1f GiB)", ns->nsid,
                     (unsigned long long)ns->blocks, ns->block_size,
                     (double)ns->blocks * ns->block_size / (1024.0 * 1024.0 * 1024.0));
    }
  }
  scnvme_hal_dma_free(drv->dev, buf);
  return rc;
}

/* The CID pools (2 bytes per CID) and, after them, the per-CID records: one DMA block. */
static size_t cid_pools_bytes(uint32_t entries, unsigned queues) { return ((size_t)2u * entries * queues + 15u) & ~(size_t)15u; }
static size_t cid_block_bytes(uint32_t entries, unsigned queues) {
  return cid_pools_bytes(entries, queues) + sizeof(nvme_cmd_slot) * entries * queues;
}
static nvme_cmd_slot* cmd_slots(nvme_driver* drv, uint32_t entries, unsigned queues, unsigned q) {
  return (nvme_cmd_slot*)((uint8_t*)drv->cid_pools + cid_pools_bytes(entries, queues)) + (size_t)(q - 1) * entries;
}

/* Creates I/O CQ q and SQ q on the memory the queue structures already describe. */
static int create_queue_pair(nvme_driver* drv, unsigned q) {
  nvme_completion cpl;
  const nvme_queue* cq = &drv->cq[q];
  const nvme_queue* sq = &drv->sq[q];
  const uint32_t ien = drv->irq == NVME_IRQ_POLL ? 0 : 2u;
  if (admin_simple(drv, ADM_CREATE_CQ, 0, cq->bus, ((cq->size - 1) << 16) | q, ((uint32_t)cq->vector << 16) | ien | 1u, &cpl))
    return -1;
  return admin_simple(drv, ADM_CREATE_SQ, 0, sq->bus, ((sq->size - 1) << 16) | q, (q << 16) | 1u, &cpl);
}

/* Set Features Number of Queues asking for `want` pairs; *granted: what the controller allows. */
static int set_queue_count(nvme_driver* drv, unsigned want, unsigned* nsqa, unsigned* ncqa) {
  nvme_completion cpl;
  if (admin_simple(drv, ADM_SET_FEATURES, 0, 0, FEAT_NUM_QUEUES, ((want - 1) << 16) | (want - 1), &cpl)) return -1;
  *nsqa = (cpl.dw0 & 0xFFFF) + 1u;
  *ncqa = (cpl.dw0 >> 16) + 1u;
  return 0;
}

static int create_io_queues(nvme_driver* drv) {
  unsigned want = drv->opt.io_queues ? drv->opt.io_queues : 1;
  if (want > NVME_DRV_MAX_QUEUES) want = NVME_DRV_MAX_QUEUES;
  unsigned nsqa, ncqa;
  if (set_queue_count(drv, want, &nsqa, &ncqa)) return -1;
  unsigned n = want;
  if (n > nsqa) n = nsqa;
  if (n > ncqa) n = ncqa;
  uint32_t entries = drv->opt.io_queue_entries;
  const uint32_t mqes = (uint32_t)(drv->cap & 0xFFFF) + 1u;
  if (entries > mqes) entries = mqes;
  if (entries > NVME_DRV_MAX_QUEUE_ENTRIES) entries = NVME_DRV_MAX_QUEUE_ENTRIES;
  if (entries < 2) entries = 2;
  /* PRP lists or SGL segments: one slot per (queue, CID), sized for the largest transfer (an SGL
   * needs 16 bytes per page, a PRP list 8). */
  const uint64_t list_bytes = (drv->max_transfer / drv->page_size + 1) * (drv->sgl ? 16 : 8);
  uint64_t stride = 16;
  while (stride < list_bytes) stride <<= 1;
  drv->list_stride = stride;
  drv->prp_lists = (uint8_t*)scnvme_hal_dma_alloc(drv->dev, (size_t)(stride * entries * n), drv->page_size, &drv->prp_lists_bus);
  if (!drv->prp_lists) {
    fail(drv, "out of DMA memory for PRP lists");
    return -1;
  }
  /* CIDs: a pool per queue (a CID is free again when its completion is reaped; the controller
   * completes commands in any order, so the SQ slot cannot serve as the CID). */
  uint16_t* cids = (uint16_t*)scnvme_hal_dma_alloc(drv->dev, cid_block_bytes(entries, n), 64, &drv->cid_pools_bus);
  if (!cids) {
    fail(drv, "out of memory for CID pools");
    return -1;
  }
  drv->cid_pools = cids;
  for (unsigned q = 1; q <= n; ++q) {
    nvme_queue* cq = &drv->cq[q];
    nvme_queue* sq = &drv->sq[q];
    if (queue_alloc(drv, cq, (uint16_t)q, entries, 16) || queue_alloc(drv, sq, (uint16_t)q, entries, 64)) return -1;
    sq->free_cids = cids + (size_t)(q - 1) * entries;
    sq->free_count = 0;
    for (uint32_t c = entries - 1; c-- > 0;) sq->free_cids[sq->free_count++] = (uint16_t)c; /* 0 first; size - 1 in use at most */
    sq->cmds = cmd_slots(drv, entries, n, q);
    cq->vector = drv->irq == NVME_IRQ_POLL ? 0 : (drv->vectors > 1 ? 1 + (q - 1) % (drv->vectors - 1) : 0);
    if (create_queue_pair(drv, q)) return -1;
  }
  drv->io_queues = n;
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_INFO, "%u I/O queue pair(s) of %u entries (controller allows %u/%u), data by %s", n,
                 entries, nsqa, ncqa, drv->sgl ? "SGLs" : "PRPs");
  return 0;
}

/* CC.EN = 1 (admin queue registers already programmed) and CSTS.RDY within CAP.TO. */
static int enable_controller(nvme_driver* drv) {
  scnvme_hal_device* dev = drv->dev;
  wr32(drv, REG_CC, CC_EN | CC_IOSQES | CC_IOCQES);
  const uint64_t t0 = scnvme_hal_now_ns(dev);
  for (;;) {
    const uint32_t csts = rd32(drv, REG_CSTS);
    if (csts == 0xFFFFFFFFu) {
      device_removed(drv);
      fail(drv, "device removed (CSTS reads all ones) while enabling");
      return -1;
    }
    if (csts & CSTS_CFS) {
      fail(drv, "controller fatal status while enabling (CSTS 0x%x)", csts);
      return -1;
    }
    if (csts & CSTS_RDY) break;
    if (scnvme_hal_now_ns(dev) - t0 > drv->ready_timeout_ns) {
      fail(drv, "CSTS.RDY not set within CAP.TO (%llu ms)", (unsigned long long)(drv->ready_timeout_ns / 1000000));
      return -1;
    }
    scnvme_hal_delay_ns(dev, 1000);
  }
  scnvme_hal_log(dev, SCNVME_HAL_LOG_INFO, "controller ready after %.1f us", (scnvme_hal_now_ns(dev) - t0) / 1000.0);
  return 0;
}

int nvme_init(nvme_driver* drv, scnvme_hal_device* dev, const nvme_driver_options* opt) {
  memset(drv, 0, sizeof *drv);
  drv->dev = dev;
  if (opt) drv->opt = *opt;
  else nvme_driver_default_options(&drv->opt);
  drv->next_cid = 1;
  drv->page_size = 4096;
  if (pci_setup(drv)) return -1;

  drv->cap = rd64(drv, REG_CAP);
  drv->version = rd32(drv, REG_VS);
  drv->dstrd = (unsigned)((drv->cap >> 32) & 0xF);
  uint64_t timeout_500ms = (drv->cap >> 24) & 0xFF;
  if ((drv->cap >> 59) & 1) { /* CRWMS: CRTO.CRWMT may be larger */
    const uint64_t crwmt = rd32(drv, REG_CRTO) & 0xFFFF;
    if (crwmt > timeout_500ms) timeout_500ms = crwmt;
  }
  drv->ready_timeout_ns = timeout_500ms * 500000000ull;
  if (((drv->cap >> 48) & 0xF) != 0) {
    fail(drv, "controller's minimum page size is larger than 4 KiB (CAP.MPSMIN %u)", (unsigned)((drv->cap >> 48) & 0xF));
    return -1;
  }
  if (!((drv->cap >> 37) & 1)) {
    fail(drv, "controller does not support the NVM command set (CAP.CSS 0x%x)", (unsigned)((drv->cap >> 37) & 0xFF));
    return -1;
  }
  scnvme_hal_log(dev, SCNVME_HAL_LOG_INFO, "NVMe %u.%u.%u, CAP 0x%016llx (MQES %u, DSTRD %u, TO %llu ms)", drv->version >> 16,
                 (drv->version >> 8) & 0xFF, drv->version & 0xFF, (unsigned long long)drv->cap, (unsigned)(drv->cap & 0xFFFF) + 1,
                 drv->dstrd, (unsigned long long)(drv->ready_timeout_ns / 1000000));

  /* Reset a controller that is already enabled. */
  if (rd32(drv, REG_CC) & CC_EN) {
    wr32(drv, REG_CC, 0);
  }
  if (scnvme_hal_poll32(dev, drv->bar0 + REG_CSTS, CSTS_RDY, 0, 1000, drv->ready_timeout_ns)) {
    fail(drv, "CSTS.RDY did not clear within CAP.TO");
    return -1;
  }
  const uint32_t aq = drv->opt.admin_queue_entries < 2 ? 2 : (drv->opt.admin_queue_entries > 4096 ? 4096 : drv->opt.admin_queue_entries);
  if (queue_alloc(drv, &drv->asq, 0, aq, 64) || queue_alloc(drv, &drv->acq, 0, aq, 16)) return -1;
  wr32(drv, REG_AQA, ((aq - 1) << 16) | (aq - 1));
  wr64(drv, REG_ASQ, drv->asq.bus);
  wr64(drv, REG_ACQ, drv->acq.bus);
  if (irq_setup(drv, drv->opt.io_queues + 1)) return -1;
  drv->acq.vector = 0;
  if (enable_controller(drv)) return -1;
  if (identify(drv)) return -1;
  return create_io_queues(drv);
}

/* --- I/O --- */

int nvme_io_prepare(nvme_driver* drv, unsigned q, uint8_t opcode, uint32_t nsid, uint64_t slba, uint32_t nlb, uint64_t buf_bus,
                    uint64_t bytes) {
  if (refuse_when_not_live(drv)) return -1;
  nvme_queue* sq = &drv->sq[q];
  if (q == 0 || q > drv->io_queues || sq->outstanding >= sq->size - 1 || sq->free_count == 0) return -1;
  const uint16_t cid = sq->free_cids[--sq->free_count]; /* unique among this queue's outstanding commands */
  nvme_cmd_slot* slot = &sq->cmds[cid];
  slot->submit_ns = scnvme_hal_now_ns(drv->dev);
  slot->state = NVME_CMD_INFLIGHT;
  slot->status = 0;
  slot->aborted = 0;
  uint8_t sqe[64];
  memset(sqe, 0, sizeof sqe);
  sqe[0] = opcode;
  put16(sqe + 2, cid);
  put32(sqe + 4, nsid);
  if (bytes && drv->sgl) {
    /* SGL: one Data Block descriptor when the buffer fits a page, else a Last Segment of one Data
     * Block per page-sized piece. */
    const uint64_t ps = drv->page_size;
    const uint64_t first = ps - (buf_bus & (ps - 1));
    sqe[1] = (uint8_t)(sqe[1] | (1u << 6)); /* PSDT 01b: SGL for data, MPTR a contiguous buffer */
    if (bytes <= first) {
      put64(sqe + 24, buf_bus);
      put32(sqe + 32, (uint32_t)bytes);
      sqe[39] = 0x00; /* Data Block */
    } else {
      const uint64_t slot = (uint64_t)(q - 1) * sq->size + cid;
      uint8_t* list = drv->prp_lists + drv->list_stride * slot;
      uint64_t done = 0, n = 0;
      while (done < bytes) {
        const uint64_t len = n == 0 ? first : (bytes - done < ps ? bytes - done : ps);
        memset(list + 16 * n, 0, 16);
        put64(list + 16 * n, buf_bus + done);
        put32(list + 16 * n + 8, (uint32_t)len);
        done += len;
        ++n;
      }
      put64(sqe + 24, drv->prp_lists_bus + drv->list_stride * slot);
      put32(sqe + 32, (uint32_t)(16 * n));
      sqe[39] = 0x30; /* Last Segment */
    }
  } else if (bytes) {
    const uint64_t ps = drv->page_size;
    const uint64_t first = ps - (buf_bus & (ps - 1));
    put64(sqe + 24, buf_bus);
    if (bytes > first) {
      const uint64_t rest = bytes - first;
      const uint64_t second = buf_bus + first;
      if (rest <= ps) {
        put64(sqe + 32, second);
      } else {
        const uint64_t slot = (uint64_t)(q - 1) * sq->size + cid;
        uint8_t* list = drv->prp_lists + drv->list_stride * slot;
        const uint64_t pages = (rest + ps - 1) / ps;
        for (uint64_t i = 0; i < pages; ++i) put64(list + 8 * i, second + i * ps);
        put64(sqe + 32, drv->prp_lists_bus + drv->list_stride * slot);
      }
    }
  }
  if (opcode != 0x00) {
    put64(sqe + 40, slba);
    put32(sqe + 48, (nlb - 1) & 0xFFFF);
  }
  sq_place(drv, sq, sqe);
  return cid;
}

void nvme_io_ring(nvme_driver* drv, unsigned q) { sq_ring(drv, &drv->sq[q]); }

/* Hands out the commands of SQ q the driver failed itself, each CID once. */
static unsigned take_failed(nvme_driver* drv, unsigned q, nvme_completion* out, unsigned max) {
  nvme_queue* sq = &drv->sq[q];
  unsigned n = 0;
  for (uint32_t cid = 0; cid < sq->size && n < max && sq->failed_pending; ++cid) {
    nvme_cmd_slot* slot = &sq->cmds[cid];
    if (slot->state != NVME_CMD_FAILED) continue;
    memset(&out[n], 0, sizeof out[n]);
    out[n].cid = (uint16_t)cid;
    out[n].sqid = (uint16_t)q;
    out[n].status = slot->status;
    slot->state = NVME_CMD_FREE;
    --sq->failed_pending;
    sq->free_cids[sq->free_count++] = (uint16_t)cid;
    ++n;
  }
  return n;
}

int nvme_io_reap(nvme_driver* drv, unsigned q, nvme_completion* out, unsigned max, uint64_t timeout_ns) {
  if (q == 0 || q > drv->io_queues) {
    fail(drv, "nvme_io_reap: no I/O queue %u", q);
    return -1;
  }
  nvme_queue* cq = &drv->cq[q];
  nvme_queue* sq = &drv->sq[q];
  if (max == 0) return 0;
  unsigned n = take_failed(drv, q, out, max);
  if (n) return (int)n;
  if (refuse_when_not_live(drv)) return -1;
  const int r = cq_wait(drv, cq, sq, &out[0], timeout_ns);
  if (r == WAIT_REMOVED) { /* -1 now (callers stop); the failed commands come with the next calls */
    device_removed(drv);
    fail(drv, "device removed (CSTS reads all ones) while waiting on CQ %u", q);
    return -1;
  }
  if (r == WAIT_CFS) {
    fail(drv, "controller fatal status (CSTS.CFS) while waiting on CQ %u", q);
    return -1;
  }
  if (r == WAIT_FAILED_PENDING) return (int)take_failed(drv, q, out, max);
  if (r == WAIT_TIMEOUT) return 0;
  n = 1;
  while (n < max && cq_take(drv, cq, &out[n])) ++n;
  wr32(drv, cq_doorbell(drv, (uint16_t)q), cq->index);
  for (unsigned i = 0; i < n; ++i) {
    if (sq->outstanding) --sq->outstanding;
    /* (a CID the controller invented, or one not outstanding, is not taken back) */
    if (out[i].cid < sq->size - 1 && sq->cmds[out[i].cid].state == NVME_CMD_INFLIGHT) {
      sq->cmds[out[i].cid].state = NVME_CMD_FREE;
      sq->free_cids[sq->free_count++] = out[i].cid;
    }
  }
  return (int)n;
}

int nvme_shutdown(nvme_driver* drv) {
  nvme_completion cpl;
  for (unsigned q = 1; q <= drv->io_queues; ++q)
    if (admin_simple(drv, ADM_DELETE_SQ, 0, 0, q, 0, &cpl)) return -1;
  for (unsigned q = 1; q <= drv->io_queues; ++q)
    if (admin_simple(drv, ADM_DELETE_CQ, 0, 0, q, 0, &cpl)) return -1;
  drv->io_queues = 0;
  wr32(drv, REG_CC, (rd32(drv, REG_CC) & ~(3u << 14)) | CC_SHN_NORMAL);
  if (scnvme_hal_poll32(drv->dev, drv->bar0 + REG_CSTS, CSTS_SHST_MASK, CSTS_SHST_COMPLETE, 1000, 10ull * 1000 * 1000 * 1000)) {
    fail(drv, "shutdown did not complete (CSTS 0x%x)", rd32(drv, REG_CSTS));
    return -1;
  }
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_INFO, "shutdown complete");
  return 0;
}

/* --- recovery (see nvme_recover in nvme_driver.h) --- */

/* Every command outstanding on the I/O queues becomes a driver-failed completion with `status`;
 * the queues count nothing in flight any more. */
static void fail_outstanding(nvme_driver* drv, uint16_t status) {
  for (unsigned q = 1; q <= drv->io_queues; ++q) {
    nvme_queue* sq = &drv->sq[q];
    for (uint32_t cid = 0; cid < sq->size; ++cid) {
      nvme_cmd_slot* slot = &sq->cmds[cid];
      if (slot->state != NVME_CMD_INFLIGHT) continue;
      slot->state = NVME_CMD_FAILED;
      slot->status = status;
      ++sq->failed_pending;
      ++drv->recovery.commands_failed;
    }
    sq->outstanding = 0;
    sq->doorbell_pending = 0;
  }
}

static void device_removed(nvme_driver* drv) {
  if (drv->state == NVME_DRV_REMOVED) return;
  drv->state = NVME_DRV_REMOVED;
  fail_outstanding(drv, NVME_DRV_STATUS_REMOVED);
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_ERROR, "device removed (CSTS reads all ones): outstanding commands failed, no reset");
}

static uint64_t recovery_timeout(const nvme_driver* drv) {
  return drv->opt.recovery_timeout_ns ? drv->opt.recovery_timeout_ns : drv->opt.command_timeout_ns;
}

/* Waits up to timeout_ns for the completion of (q, cid) to be in CQ q, taking nothing:
 * WAIT_GOT, WAIT_TIMEOUT, WAIT_CFS or WAIT_REMOVED. */
static int wait_in_cq(nvme_driver* drv, unsigned q, uint16_t cid, uint64_t timeout_ns) {
  const nvme_queue* cq = &drv->cq[q];
  const uint64_t end = scnvme_hal_now_ns(drv->dev) + timeout_ns;
  for (;;) {
    if (cq_holds(cq, (uint16_t)q, cid)) return WAIT_GOT;
    const uint64_t now = scnvme_hal_now_ns(drv->dev);
    if (now >= end) return csts_check(drv);
    const uint64_t step = end - now < 50000 ? end - now : 50000;
    if (drv->irq == NVME_IRQ_POLL) {
      scnvme_hal_delay_ns(drv->dev, step < 1000 ? step : 1000);
    } else if (scnvme_hal_irq_wait(drv->dev, cq->vector, step) != 0) {
      const int s = csts_check(drv);
      if (s) return s;
    }
  }
}

/* Abort (admin 08h) for command cid of SQ q, then its completion. 0 when it completed. */
static int abort_command(nvme_driver* drv, unsigned q, uint16_t cid) {
  nvme_cmd_slot* slot = &drv->sq[q].cmds[cid];
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_WARN, "I/O SQ %u CID %u timed out after %.3f ms: sending Abort", q, cid,
                 (scnvme_hal_now_ns(drv->dev) - slot->submit_ns) / 1e6);
  uint8_t sqe[64];
  memset(sqe, 0, sizeof sqe);
  sqe[0] = ADM_ABORT;
  put32(sqe + 40, (uint32_t)q | ((uint32_t)cid << 16));
  slot->aborted = 1;
  ++drv->recovery.aborts_sent;
  nvme_completion cpl;
  if (nvme_admin(drv, sqe, &cpl)) return -1;  /* timed out, CFS or removed: drv->error says which */
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_INFO, "Abort of SQ %u CID %u: %s (status 0x%04x), %s", q, cid,
                 nvme_status_string(cpl.status), cpl.status, (cpl.dw0 & 1) ? "not aborted" : "aborted");
  const int w = wait_in_cq(drv, q, cid, recovery_timeout(drv));
  if (w == WAIT_GOT) {
    ++drv->recovery.aborts_succeeded;
    return 0;
  }
  if (w == WAIT_REMOVED) device_removed(drv);
  fail(drv, "SQ %u CID %u did not complete after its Abort (%s, status 0x%04x)", q, cid, nvme_status_string(cpl.status),
       cpl.status);
  return -1;
}

/* Clears a queue for re-creation on the same memory (CID pools and records stay). */
static void queue_clear(nvme_queue* q, uint32_t entry_size) {
  memset(q->entries, 0, (size_t)q->size * entry_size);
  q->index = 0;
  q->phase = 1;
  q->doorbell_pending = 0;
  q->outstanding = 0;
}

/* One controller reset and re-initialisation: 0, or -1 with drv->error set. */
static int reset_once(nvme_driver* drv) {
  scnvme_hal_device* dev = drv->dev;
  const uint32_t cc = rd32(drv, REG_CC);
  if (cc == 0xFFFFFFFFu) {
    device_removed(drv);
    fail(drv, "device removed (registers read all ones) during controller reset");
    return -1;
  }
  wr32(drv, REG_CC, cc & ~(CC_EN | (3u << 14)));
  const uint64_t t0 = scnvme_hal_now_ns(dev);
  for (;;) {
    const uint32_t csts = rd32(drv, REG_CSTS);
    if (csts == 0xFFFFFFFFu) {
      device_removed(drv);
      fail(drv, "device removed (CSTS reads all ones) during controller reset");
      return -1;
    }
    if (!(csts & CSTS_RDY)) break;
    if (scnvme_hal_now_ns(dev) - t0 > drv->ready_timeout_ns) {
      fail(drv, "CSTS.RDY did not clear within CAP.TO during controller reset");
      return -1;
    }
    scnvme_hal_delay_ns(dev, 1000);
  }
  queue_clear(&drv->asq, 64);
  queue_clear(&drv->acq, 16);
  wr32(drv, REG_AQA, ((drv->asq.size - 1) << 16) | (drv->acq.size - 1));
  wr64(drv, REG_ASQ, drv->asq.bus);
  wr64(drv, REG_ACQ, drv->acq.bus);
  if (enable_controller(drv)) return -1;

  /* Identify Controller: still the same controller? */
  uint64_t bus;
  uint8_t* buf = (uint8_t*)scnvme_hal_dma_alloc(dev, 4096, drv->page_size, &bus);
  if (!buf) {
    fail(drv, "out of DMA memory for Identify");
    return -1;
  }
  nvme_completion cpl;
  int rc = admin_simple(drv, ADM_IDENTIFY, 0, bus, 0x01, 0, &cpl);
  if (rc == 0) {
    char serial[21];
    copy_string(serial, buf + 4, 20);
    if (strcmp(serial, drv->serial) != 0)
      scnvme_hal_log(dev, SCNVME_HAL_LOG_WARN, "serial number changed across the reset (\"%s\", was \"%s\")", serial, drv->serial);
    drv->acl = buf[258];
  }
  scnvme_hal_dma_free(dev, buf);
  if (rc) return -1;

  unsigned nsqa, ncqa;
  if (set_queue_count(drv, drv->io_queues, &nsqa, &ncqa)) return -1;
  if (nsqa < drv->io_queues || ncqa < drv->io_queues) {
    fail(drv, "after the reset the controller allows %u/%u I/O queues, %u were in use", nsqa, ncqa, drv->io_queues);
    return -1;
  }
  for (unsigned q = 1; q <= drv->io_queues; ++q) {
    queue_clear(&drv->cq[q], 16);
    queue_clear(&drv->sq[q], 64);
    if (create_queue_pair(drv, q)) return -1;
  }
  return 0;
}

/* Step 4 of nvme_recover: fail what is outstanding, then reset and re-initialise, bounded. */
static int reset_and_reinit(nvme_driver* drv, const char* reason) {
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_WARN, "resetting the controller: %s", reason);
  fail_outstanding(drv, NVME_DRV_STATUS_RESET);
  drv->recovering = 1;
  for (unsigned attempt = 1; attempt <= NVME_DRV_RESET_ATTEMPTS; ++attempt) {
    ++drv->recovery.controller_resets;
    const int rc = reset_once(drv);
    if (drv->state == NVME_DRV_REMOVED) {
      drv->recovering = 0;
      return NVME_RECOVER_REMOVED;
    }
    if (rc == 0) {
      drv->recovering = 0;
      drv->admin_timed_out = 0;
      scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_WARN, "controller reset and re-initialised (attempt %u): %u I/O queue pair(s)",
                     attempt, drv->io_queues);
      return NVME_RECOVER_RESET;
    }
    ++drv->recovery.reinit_failures;
    scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_WARN, "reset attempt %u of %u failed: %s", attempt, NVME_DRV_RESET_ATTEMPTS,
                   drv->error);
  }
  drv->recovering = 0;
  drv->state = NVME_DRV_DEAD;
  char last[sizeof drv->error];
  memcpy(last, drv->error, sizeof last);
  fail(drv, "controller dead: %u reset attempts failed (last: %s)", NVME_DRV_RESET_ATTEMPTS, last);
  return NVME_RECOVER_FAILED;
}

int nvme_reset_controller(nvme_driver* drv) {
  if (drv->state == NVME_DRV_REMOVED) {
    fail(drv, "device removed");
    return NVME_RECOVER_REMOVED;
  }
  drv->state = NVME_DRV_LIVE;
  return reset_and_reinit(drv, "requested");
}

int nvme_recover(nvme_driver* drv) {
  if (drv->state == NVME_DRV_REMOVED) {
    fail(drv, "device removed");
    return NVME_RECOVER_REMOVED;
  }
  if (drv->state == NVME_DRV_DEAD) {
    fail(drv, "controller dead: recovery gave up");
    return NVME_RECOVER_FAILED;
  }
  const int s = csts_check(drv);
  if (s == WAIT_REMOVED) {
    device_removed(drv);
    fail(drv, "device removed (CSTS reads all ones)");
    return NVME_RECOVER_REMOVED;
  }
  if (s == WAIT_CFS) {
    ++drv->recovery.cfs_recoveries;
    return reset_and_reinit(drv, "controller fatal status (CSTS.CFS)");
  }
  if (drv->admin_timed_out) return reset_and_reinit(drv, "an admin command timed out");

  /* I/O commands past their timeout whose completion is not already waiting in their CQ. */
  enum { MAX_ABORTS = 256 };
  struct { uint16_t q, cid; } late[MAX_ABORTS + 1];
  unsigned n = 0;
  int again = 0; /* one was aborted before and still has not completed */
  const uint64_t now = scnvme_hal_now_ns(drv->dev);
  for (unsigned q = 1; q <= drv->io_queues; ++q) {
    const nvme_queue* sq = &drv->sq[q];
    for (uint32_t cid = 0; cid < sq->size; ++cid) {
      const nvme_cmd_slot* slot = &sq->cmds[cid];
      if (slot->state != NVME_CMD_INFLIGHT || now - slot->submit_ns < drv->opt.command_timeout_ns) continue;
      if (cq_holds(&drv->cq[q], (uint16_t)q, (uint16_t)cid)) continue;
      if (slot->aborted) again = 1;
      if (n <= MAX_ABORTS) {
        late[n].q = (uint16_t)q;
        late[n].cid = (uint16_t)cid;
      }
      ++n;
    }
  }
  if (n == 0) return NVME_RECOVER_NONE;
  drv->recovery.timeouts += n;
  if (again) return reset_and_reinit(drv, "a command still did not complete after its Abort");
  if (n > (unsigned)drv->acl + 1u) {
    char why[96];
    snprintf(why, sizeof why, "%u commands timed out, more than the Abort Command Limit (%u)", n, drv->acl + 1u);
    return reset_and_reinit(drv, why);
  }
  drv->recovering = 1;
  for (unsigned i = 0; i < n; ++i) {
    if (abort_command(drv, late[i].q, late[i].cid) == 0) continue;
    drv->recovering = 0;
    if (drv->state == NVME_DRV_REMOVED) return NVME_RECOVER_REMOVED;
    const int st = csts_check(drv);
    if (st == WAIT_REMOVED) {
      device_removed(drv);
      return NVME_RECOVER_REMOVED;
    }
    if (st == WAIT_CFS) ++drv->recovery.cfs_recoveries;
    char why[sizeof drv->error + 32];
    snprintf(why, sizeof why, "Abort did not help (%s)", drv->error);
    return reset_and_reinit(drv, why);
  }
  drv->recovering = 0;
  return NVME_RECOVER_ABORTED;
}

/* --- release, FLR, hand-over --- */

void nvme_release(nvme_driver* drv) {
  for (unsigned q = 1; q <= NVME_DRV_MAX_QUEUES; ++q) {
    scnvme_hal_dma_free(drv->dev, drv->sq[q].entries);
    scnvme_hal_dma_free(drv->dev, drv->cq[q].entries);
    drv->sq[q].entries = drv->cq[q].entries = NULL;
  }
  scnvme_hal_dma_free(drv->dev, drv->asq.entries);
  scnvme_hal_dma_free(drv->dev, drv->acq.entries);
  scnvme_hal_dma_free(drv->dev, drv->prp_lists);
  scnvme_hal_dma_free(drv->dev, drv->cid_pools);
  drv->asq.entries = drv->acq.entries = NULL;
  drv->prp_lists = NULL;
  drv->cid_pools = NULL;
  drv->io_queues = 0;
}

int nvme_function_level_reset(nvme_driver* drv) {
  scnvme_hal_device* dev = drv->dev;
  const unsigned pcie = find_capability(drv, CAP_PCIE);
  if (!pcie || !((scnvme_hal_cfg_read32(dev, pcie + 4) >> 28) & 1)) { /* Device Capabilities: FLR capable */
    fail(drv, "the function does not support Function Level Reset");
    return -1;
  }
  const uint16_t devctl = scnvme_hal_cfg_read16(dev, pcie + 8);
  scnvme_hal_cfg_write16(dev, pcie + 8, (uint16_t)(devctl | (1u << 15)));
  scnvme_hal_delay_ns(dev, 100ull * 1000 * 1000);
  if (scnvme_hal_cfg_read16(dev, PCI_VENDOR) == 0xFFFF) {
    fail(drv, "the function did not come back within 100 ms of the Function Level Reset");
    return -1;
  }
  drv->bar0 = 0;
  drv->io_queues = 0;
  scnvme_hal_log(dev, SCNVME_HAL_LOG_INFO, "function level reset done");
  return 0;
}

static void save_queue(const nvme_queue* q, nvme_queue_state* s) {
  s->id = q->id;
  s->size = q->size;
  s->bus = q->bus;
  s->index = q->index;
  s->phase = q->phase;
  s->vector = q->vector;
  s->outstanding = q->outstanding;
  s->free_count = q->free_count;
}

static int restore_queue(nvme_driver* drv, nvme_queue* q, const nvme_queue_state* s, uint32_t entry_size, const char* what) {
  memset(q, 0, sizeof *q);
  q->id = s->id;
  q->size = s->size;
  q->bus = s->bus;
  q->index = s->index;
  q->phase = s->phase;
  q->vector = s->vector;
  q->outstanding = s->outstanding;
  q->free_count = s->free_count;
  if (s->size < 2 || s->size > NVME_DRV_MAX_QUEUE_ENTRIES || s->index >= s->size || s->phase > 1 || s->outstanding >= s->size) {
    fail(drv, "hand-over state: %s %u is inconsistent (size %u, index %u, phase %u, outstanding %u)", what, s->id, s->size, s->index,
         s->phase, s->outstanding);
    return -1;
  }
  q->entries = (uint8_t*)scnvme_hal_dma_map(drv->dev, s->bus, (size_t)s->size * entry_size);
  if (!q->entries) {
    fail(drv, "hand-over state: %s %u at bus address 0x%llx is not allocated DMA memory", what, s->id, (unsigned long long)s->bus);
    return -1;
  }
  return 0;
}

int nvme_save_state(nvme_driver* drv, nvme_handover_state* st) {
  const uint32_t csts = rd32(drv, REG_CSTS);
  if (!(csts & CSTS_RDY) || (csts & CSTS_CFS)) {
    fail(drv, "cannot hand over: the controller is not ready (CSTS 0x%x)", csts);
    return -1;
  }
  for (unsigned q = 1; q <= drv->io_queues; ++q) sq_ring(drv, &drv->sq[q]);
  memset(st, 0, sizeof *st);
  st->magic = NVME_HANDOVER_MAGIC;
  st->version = NVME_HANDOVER_VERSION;
  st->bytes = (uint32_t)sizeof *st;
  st->opt = drv->opt;
  st->bar0 = drv->bar0;
  st->cap = drv->cap;
  st->ready_timeout_ns = drv->ready_timeout_ns;
  st->page_size = drv->page_size;
  st->max_transfer = drv->max_transfer;
  st->prp_lists_bus = drv->prp_lists_bus;
  st->list_stride = drv->list_stride;
  st->cid_pools_bus = drv->cid_pools_bus;
  st->version_reg = drv->version;
  st->dstrd = drv->dstrd;
  st->irq = (uint32_t)drv->irq;
  st->vectors = drv->vectors;
  st->io_queues = drv->io_queues;
  st->nn = drv->nn;
  st->sgls = drv->sgls;
  st->sgl = (uint32_t)drv->sgl;
  st->namespaces = drv->namespaces;
  st->next_cid = drv->next_cid;
  st->vid = drv->vid;
  st->mdts = drv->mdts;
  memcpy(st->serial, drv->serial, sizeof st->serial);
  memcpy(st->model, drv->model, sizeof st->model);
  memcpy(st->firmware, drv->firmware, sizeof st->firmware);
  save_queue(&drv->asq, &st->asq);
  save_queue(&drv->acq, &st->acq);
  for (unsigned q = 1; q <= drv->io_queues; ++q) {
    save_queue(&drv->sq[q], &st->sq[q]);
    save_queue(&drv->cq[q], &st->cq[q]);
  }
  memcpy(st->ns, drv->ns, sizeof st->ns);
  unsigned outstanding = 0;
  for (unsigned q = 1; q <= drv->io_queues; ++q) outstanding += drv->sq[q].outstanding;
  scnvme_hal_log(drv->dev, SCNVME_HAL_LOG_INFO, "state saved for hand-over: %u I/O queue pair(s), %u command(s) in flight",
                 drv->io_queues, outstanding);
  return 0;
}

int nvme_restore(nvme_driver* drv, scnvme_hal_device* dev, const nvme_handover_state* st) {
  memset(drv, 0, sizeof *drv);
  drv->dev = dev;
  if (st->magic != NVME_HANDOVER_MAGIC || st->version != NVME_HANDOVER_VERSION || st->bytes != sizeof *st) {
    fail(drv, "not a hand-over state of this driver (magic 0x%08x, version %u, %u bytes; expected 0x%08x, %u, %u)", st->magic,
         st->version, st->bytes, NVME_HANDOVER_MAGIC, NVME_HANDOVER_VERSION, (unsigned)sizeof *st);
    return -1;
  }
  if (st->io_queues > NVME_DRV_MAX_QUEUES || st->namespaces > NVME_DRV_MAX_NAMESPACES || st->irq > NVME_IRQ_POLL) {
    fail(drv, "hand-over state: %u I/O queues, %u namespaces, interrupt mode %u out of range", st->io_queues, st->namespaces, st->irq);
    return -1;
  }
  drv->opt = st->opt;
  drv->bar0 = st->bar0;
  drv->cap = st->cap;
  drv->ready_timeout_ns = st->ready_timeout_ns;
  drv->page_size = st->page_size;
  drv->max_transfer = st->max_transfer;
  drv->prp_lists_bus = st->prp_lists_bus;
  drv->list_stride = st->list_stride;
  drv->cid_pools_bus = st->cid_pools_bus;
  drv->version = st->version_reg;
  drv->dstrd = st->dstrd;
  drv->irq = (nvme_irq_mode)st->irq;
  drv->vectors = st->vectors;
  drv->nn = st->nn;
  drv->sgls = st->sgls;
  drv->sgl = (int)st->sgl;
  drv->namespaces = st->namespaces;
  drv->next_cid = st->next_cid;
  drv->vid = st->vid;
  drv->mdts = st->mdts;
  memcpy(drv->serial, st->serial, sizeof drv->serial);
  memcpy(drv->model, st->model, sizeof drv->model);
  memcpy(drv->firmware, st->firmware, sizeof drv->firmware);
  memcpy(drv->ns, st->ns, sizeof drv->ns);

  /* The function must still be configured as the predecessor left it. */
  const uint64_t bar = ((uint64_t)scnvme_hal_cfg_read32(dev, PCI_BAR1) << 32) | (scnvme_hal_cfg_read32(dev, PCI_BAR0) & ~0xFull);
  const uint16_t cmd = scnvme_hal_cfg_read16(dev, PCI_COMMAND);
  if (bar != drv->bar0 || (cmd & (PCI_CMD_MEM | PCI_CMD_BUS_MASTER)) != (PCI_CMD_MEM | PCI_CMD_BUS_MASTER)) {
    fail(drv, "hand-over: BAR0 0x%llx (saved 0x%llx) or PCI Command 0x%04x changed since the state was saved",
         (unsigned long long)bar, (unsigned long long)drv->bar0, cmd);
    return -1;
  }
  const uint32_t cc = rd32(drv, REG_CC), csts = rd32(drv, REG_CSTS);
  if (!(cc & CC_EN) || !(csts & CSTS_RDY) || (csts & CSTS_CFS)) {
    fail(drv, "hand-over: the controller is no longer enabled and ready (CC 0x%x, CSTS 0x%x)", cc, csts);
    return -1;
  }
  if (restore_queue(drv, &drv->asq, &st->asq, 64, "admin SQ") || restore_queue(drv, &drv->acq, &st->acq, 16, "admin CQ")) return -1;
  if (st->io_queues) {
    const uint32_t entries = st->sq[1].size;
    drv->cid_pools = (uint16_t*)scnvme_hal_dma_map(dev, st->cid_pools_bus, cid_block_bytes(entries, st->io_queues));
    const uint64_t lists = st->list_stride * entries * st->io_queues;
    drv->prp_lists = (uint8_t*)scnvme_hal_dma_map(dev, st->prp_lists_bus, (size_t)lists);
    if (!drv->cid_pools || !drv->prp_lists) {
      fail(drv, "hand-over state: the CID pools (0x%llx) or PRP lists (0x%llx) are not allocated DMA memory",
           (unsigned long long)st->cid_pools_bus, (unsigned long long)st->prp_lists_bus);
      return -1;
    }
  }
  for (unsigned q = 1; q <= st->io_queues; ++q) {
    if (restore_queue(drv, &drv->sq[q], &st->sq[q], 64, "SQ") || restore_queue(drv, &drv->cq[q], &st->cq[q], 16, "CQ")) return -1;
    if (st->sq[q].size != st->sq[1].size || st->sq[q].free_count >= st->sq[q].size) {
      fail(drv, "hand-over state: SQ %u's size or free CID count is inconsistent", q);
      return -1;
    }
    nvme_queue* sq = &drv->sq[q];
    sq->free_cids = drv->cid_pools + (size_t)(q - 1) * sq->size;
    sq->cmds = cmd_slots(drv, sq->size, st->io_queues, q);
    for (uint32_t cid = 0; cid < sq->size; ++cid) sq->failed_pending += sq->cmds[cid].state == NVME_CMD_FAILED;
  }
  drv->io_queues = st->io_queues;
  unsigned outstanding = 0;
  for (unsigned q = 1; q <= drv->io_queues; ++q) outstanding += drv->sq[q].outstanding;
  scnvme_hal_log(dev, SCNVME_HAL_LOG_INFO, "took the controller over: %u I/O queue pair(s), %u command(s) in flight",
                 drv->io_queues, outstanding);
  return 0;
}
