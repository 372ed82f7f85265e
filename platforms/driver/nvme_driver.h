/*
 * scnvme reference NVMe driver: a bare-metal NVMe host driver written against the HAL only
 * (hal/scnvme_hal.h). It brings a controller up the way an OS driver does (PCI enumeration,
 * BAR sizing and assignment, bus mastering, MSI-X/MSI/INTx, admin queue, CC.EN/CSTS.RDY,
 * Identify, Number of Queues, I/O queue pairs with one vector per CQ), runs I/O with phase tags
 * and batched doorbells, and shuts down with CC.SHN.
 */
#ifndef SCNVME_NVME_DRIVER_H
#define SCNVME_NVME_DRIVER_H

#include <stdint.h>

#include "hal/scnvme_hal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NVME_DRV_MAX_QUEUES 64
#define NVME_DRV_MAX_NAMESPACES 32
#define NVME_DRV_MAX_QUEUE_ENTRIES 4096

typedef enum { NVME_IRQ_AUTO = 0, NVME_IRQ_MSIX, NVME_IRQ_MSI, NVME_IRQ_INTX, NVME_IRQ_POLL } nvme_irq_mode;

typedef struct {
  unsigned io_queues;           /* I/O queue pairs wanted (capped by the controller) */
  unsigned io_queue_entries;    /* entries per I/O queue (capped by CAP.MQES) */
  unsigned admin_queue_entries;
  nvme_irq_mode irq_mode;       /* AUTO: MSI-X, else MSI, else INTx */
  uint64_t command_timeout_ns;
  int use_sgl;                  /* describe I/O data with SGLs when the controller supports them */
} nvme_driver_options;

void nvme_driver_default_options(nvme_driver_options* opt);

typedef struct {
  uint16_t id;
  uint32_t size;
  uint8_t* entries;     /* CPU pointer */
  uint64_t bus;
  uint32_t index;       /* SQ: tail; CQ: head */
  uint32_t doorbell_pending; /* SQ: entries written since the last doorbell */
  uint8_t phase;        /* CQ: expected phase tag */
  unsigned vector;
  uint32_t outstanding; /* SQ: submitted, not completed */
  uint16_t* free_cids;  /* I/O SQ: CIDs not in use (completions arrive in any order) */
  uint32_t free_count;
} nvme_queue;

typedef struct {
  uint16_t cid;
  uint16_t sqid;
  uint16_t sq_head;
  uint16_t status;      /* status field: SC | SCT << 8 | CRD << 9 | M << 13 | DNR << 14 */
  uint32_t dw0;
} nvme_completion;

typedef struct {
  uint32_t nsid;
  uint64_t blocks;
  uint32_t block_size;
} nvme_namespace;

typedef struct {
  scnvme_hal_device* dev;
  nvme_driver_options opt;
  uint64_t bar0;
  uint64_t cap;
  uint32_t version;
  unsigned dstrd;
  uint64_t ready_timeout_ns;
  uint64_t page_size;
  nvme_irq_mode irq;
  unsigned vectors;
  nvme_queue asq, acq;
  nvme_queue sq[NVME_DRV_MAX_QUEUES + 1], cq[NVME_DRV_MAX_QUEUES + 1];
  unsigned io_queues;
  uint16_t next_cid;
  /* Identify Controller */
  char serial[21], model[41], firmware[9];
  uint16_t vid;
  uint8_t mdts;
  uint64_t max_transfer;
  uint32_t nn;
  uint32_t sgls;        /* Identify Controller SGLS */
  int sgl;              /* I/O uses SGLs */
  nvme_namespace ns[NVME_DRV_MAX_NAMESPACES];
  unsigned namespaces;
  /* PRP lists / SGL segments: one slot per (queue, CID) */
  uint8_t* prp_lists;
  uint64_t prp_lists_bus;
  uint64_t list_stride;
  uint16_t* cid_pools;  /* the I/O SQs' free CIDs, io_queue_entries per queue */
  uint64_t cid_pools_bus;
  char error[256];      /* why the last call failed */
} nvme_driver;

/* Full bring-up; 0 on success, -1 with drv->error set. */
int nvme_init(nvme_driver* drv, scnvme_hal_device* dev, const nvme_driver_options* opt);

/* Synchronous admin command: fills CID, waits for its completion. 0 when the command completed
 * (whatever its status, see *cpl), -1 on timeout or controller failure. */
int nvme_admin(nvme_driver* drv, uint8_t sqe[64], nvme_completion* cpl);

/* I/O on queue pair q (1..io_queues): places a Read/Write/Flush SQE, building PRPs (or an SGL) for the buffer
 * at bus address `buf_bus` of `bytes` bytes (physically contiguous). The doorbell is rung by
 * nvme_io_ring (batched). Returns the CID, or -1 when the queue is full. */
int nvme_io_prepare(nvme_driver* drv, unsigned q, uint8_t opcode, uint32_t nsid, uint64_t slba, uint32_t nlb,
                    uint64_t buf_bus, uint64_t bytes);
void nvme_io_ring(nvme_driver* drv, unsigned q);
/* Reaps up to max completions from CQ q; waits (interrupt or poll) up to timeout_ns for the first.
 * Returns the number reaped, or -1 on controller fatal status. */
int nvme_io_reap(nvme_driver* drv, unsigned q, nvme_completion* out, unsigned max, uint64_t timeout_ns);

/* Deletes the I/O queues and shuts down with CC.SHN = normal; 0 on success. */
int nvme_shutdown(nvme_driver* drv);

/* Frees the driver's DMA memory (queues, PRP lists, CID pools). Only once the controller no
 * longer uses it: after nvme_shutdown() or a reset, never after nvme_save_state(). */
void nvme_release(nvme_driver* drv);

/* PCIe Function Level Reset (Device Control "Initiate FLR"), then the 100 ms the function may
 * take before it answers again (PCIe Base 6.6.2). The function returns to its power-on state:
 * BAR0, bus mastering, interrupts and the controller are unconfigured; nvme_init() brings it up
 * again. 0 on success, -1 when the function has no FLR capability or does not come back. */
int nvme_function_level_reset(nvme_driver* drv);

/* --- Driver hand-over without controller reset ---
 * The "keepalive" servicing flow of hypervisor NVMe drivers: the running instance saves its
 * state and stops while the controller stays enabled (CC.EN = 1, no reset, queues and commands
 * in flight untouched); a new instance restores that state and carries on, reaping the
 * completions of the commands its predecessor submitted. The queues, PRP lists and CID pools stay
 * where they are in DMA memory. The state holds bus addresses, no pointers: it may be copied as
 * bytes (to another process, or a file). The caller keeps its own per-command context by CID. */
#define NVME_HANDOVER_MAGIC 0x4E564D48u /* "NVMH" */
#define NVME_HANDOVER_VERSION 1u

typedef struct {
  uint16_t id;
  uint32_t size;
  uint64_t bus;
  uint32_t index;       /* SQ: tail; CQ: head */
  uint8_t phase;        /* CQ: expected phase tag */
  uint32_t vector;
  uint32_t outstanding; /* SQ: submitted, not completed */
  uint32_t free_count;  /* I/O SQ: CIDs free in the pool */
} nvme_queue_state;

typedef struct {
  uint32_t magic, version, bytes; /* NVME_HANDOVER_MAGIC, NVME_HANDOVER_VERSION, sizeof */
  nvme_driver_options opt;
  uint64_t bar0, cap, ready_timeout_ns, page_size, max_transfer, prp_lists_bus, list_stride, cid_pools_bus;
  uint32_t version_reg, dstrd, irq, vectors, io_queues, nn, sgls, sgl, namespaces;
  uint16_t next_cid, vid;
  uint8_t mdts;
  char serial[21], model[41], firmware[9];
  nvme_queue_state asq, acq;
  nvme_queue_state sq[NVME_DRV_MAX_QUEUES + 1], cq[NVME_DRV_MAX_QUEUES + 1];
  nvme_namespace ns[NVME_DRV_MAX_NAMESPACES];
} nvme_handover_state;

/* Rings every doorbell still pending and records the instance's state in *st; afterwards this
 * instance must not be used (nor released). No admin command may be in progress. 0 on success,
 * -1 when the controller is not in a state to hand over (not ready, or CSTS.CFS). */
int nvme_save_state(nvme_driver* drv, nvme_handover_state* st);

/* Builds a new instance on `dev` from a saved state without touching CC: checks that the state
 * is one (magic, version, size), that BAR0 is still where it was with memory space and bus
 * mastering on, that the controller is still enabled and ready (CC.EN, CSTS.RDY, no CSTS.CFS),
 * and maps the queues' memory (scnvme_hal_dma_map). 0 on success, -1 with drv->error set. */
int nvme_restore(nvme_driver* drv, scnvme_hal_device* dev, const nvme_handover_state* st);

const char* nvme_status_string(uint16_t status);

#ifdef __cplusplus
}
#endif

#endif /* SCNVME_NVME_DRIVER_H */
