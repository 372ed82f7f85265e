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
  uint64_t command_timeout_ns;  /* an I/O command older than this (from nvme_io_prepare) has timed out */
  int use_sgl;                  /* describe I/O data with SGLs when the controller supports them */
  uint64_t recovery_timeout_ns; /* recovery's admin commands (Abort, re-initialisation) and the wait for an
                                   aborted command; 0 (default): command_timeout_ns */
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
  struct nvme_cmd_slot* cmds; /* I/O SQ: per CID, when it was submitted and its state (recovery) */
  uint32_t failed_pending;    /* I/O SQ: commands failed by the driver, not yet returned by nvme_io_reap */
} nvme_queue;

/* Per-CID record of an I/O SQ (lives in DMA memory next to the CID pools, so it survives a
 * hand-over). Internal to the driver. */
typedef struct nvme_cmd_slot {
  uint64_t submit_ns;   /* nvme_io_prepare time */
  uint16_t status;      /* NVME_CMD_FAILED: the driver status nvme_io_reap will return */
  uint8_t state;        /* NVME_CMD_FREE, NVME_CMD_INFLIGHT, NVME_CMD_FAILED */
  uint8_t aborted;      /* an Abort was sent for it */
  uint32_t reserved;
} nvme_cmd_slot;
enum { NVME_CMD_FREE = 0, NVME_CMD_INFLIGHT = 1, NVME_CMD_FAILED = 2 };

typedef struct {
  uint16_t cid;
  uint16_t sqid;
  uint16_t sq_head;
  uint16_t status;      /* status field: SC | SCT << 8 | CRD << 11 | M << 13 | DNR << 14; or a driver status (bit 15) */
  uint32_t dw0;
} nvme_completion;

/* Driver statuses. The NVMe status field is 15 bits (CQE DW3 31:17), so a status with bit 15 set
 * never comes from a controller: these mark commands the driver completed itself, never an NVMe
 * status value. nvme_status_string() names them. */
#define NVME_DRV_STATUS_FLAG 0x8000u
#define NVME_DRV_STATUS_RESET 0x8001u   /* outstanding when recovery reset the controller: not known to have executed */
#define NVME_DRV_STATUS_REMOVED 0x8002u /* the device was removed (its registers read all ones) */
#define NVME_STATUS_IS_DRIVER(status) (((status) & NVME_DRV_STATUS_FLAG) != 0)

/* Recovery statistics (since nvme_init / nvme_restore; a reset does not clear them). */
typedef struct {
  uint64_t timeouts;           /* I/O commands found older than command_timeout_ns by nvme_recover */
  uint64_t admin_timeouts;     /* admin commands that timed out */
  uint64_t aborts_sent;        /* Abort commands submitted */
  uint64_t aborts_succeeded;   /* timed-out commands that completed after their Abort (no reset needed) */
  uint64_t controller_resets;  /* controller resets (CC.EN 1 -> 0) done by recovery, every attempt */
  uint64_t reinit_failures;    /* reset attempts whose re-initialisation failed */
  uint64_t cfs_recoveries;     /* recoveries started by CSTS.CFS */
  uint64_t commands_failed;    /* commands handed back with a driver status (NVME_DRV_STATUS_*) */
  uint64_t polled_completions; /* completions found in the CQ after an interrupt wait timed out (lost interrupt) */
  uint64_t empty_interrupts;   /* interrupts that found no new completion (spurious, or already reaped in a batch) */
} nvme_recovery_stats;

typedef enum { NVME_DRV_LIVE = 0, NVME_DRV_REMOVED, NVME_DRV_DEAD } nvme_driver_state;

/* At most this many consecutive reset + re-initialisation attempts per nvme_recover() call. */
#define NVME_DRV_RESET_ATTEMPTS 3

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
  uint8_t acl;          /* Identify Controller ACL: Abort Command Limit (0's based) */
  nvme_driver_state state;
  int admin_timed_out;  /* an admin command timed out: nvme_recover resets */
  int recovering;       /* admin commands use the recovery timeout */
  nvme_recovery_stats recovery;
  char error[256];      /* why the last call failed */
} nvme_driver;

/* Full bring-up; 0 on success, -1 with drv->error set. */
int nvme_init(nvme_driver* drv, scnvme_hal_device* dev, const nvme_driver_options* opt);

/* Synchronous admin command: fills CID, waits for its completion. 0 when the command completed
 * (whatever its status, see *cpl), -1 on timeout or controller failure (after a timeout or
 * CSTS.CFS, nvme_recover() resets the controller), or when the device is removed or dead. */
int nvme_admin(nvme_driver* drv, uint8_t sqe[64], nvme_completion* cpl);

/* I/O on queue pair q (1..io_queues): places a Read/Write/Flush SQE, building PRPs (or an SGL) for the buffer
 * at bus address `buf_bus` of `bytes` bytes (physically contiguous). The doorbell is rung by
 * nvme_io_ring (batched). Returns the CID, or -1 when the queue is full or the device is removed
 * or dead (drv->state). The command's timeout (command_timeout_ns) runs from here. */
int nvme_io_prepare(nvme_driver* drv, unsigned q, uint8_t opcode, uint32_t nsid, uint64_t slba, uint32_t nlb,
                    uint64_t buf_bus, uint64_t bytes);
void nvme_io_ring(nvme_driver* drv, unsigned q);
/* Reaps up to max completions from CQ q; waits (interrupt or poll) up to timeout_ns for the first.
 * Commands the driver failed itself (driver statuses, see above: after a recovery reset, a removal,
 * or when the driver gave up) come first, each CID once, like any completion. A completion whose
 * interrupt was lost is found by checking the CQ after each 50 us without an interrupt
 * (recovery.polled_completions); interrupts with nothing new are ignored.
 * Returns the number reaped; 0 when nothing completed within timeout_ns (nvme_recover() decides
 * whether a command timed out); -1 on controller fatal status (CSTS.CFS: call nvme_recover()),
 * when this wait finds the device removed (CSTS reads all ones: drv->state becomes
 * NVME_DRV_REMOVED, and the commands outstanding come back from the next calls with
 * NVME_DRV_STATUS_REMOVED), or when the device is removed or the driver dead and nothing is left
 * to return. */
int nvme_io_reap(nvme_driver* drv, unsigned q, nvme_completion* out, unsigned max, uint64_t timeout_ns);

/* --- Recovery (NVMe Base 2.0, 3.7 and 5.1) ---
 * Call after nvme_io_reap() returned 0 (nothing completed within the wait) or -1, or after an
 * admin command failed with a timeout. It looks at the controller and the commands outstanding on
 * every I/O queue, in this order:
 *  1. CSTS reads all ones: the device is gone. Every outstanding command is failed with
 *     NVME_DRV_STATUS_REMOVED, drv->state becomes NVME_DRV_REMOVED, no reset is tried.
 *     Returns NVME_RECOVER_REMOVED.
 *  2. CSTS.CFS, or an admin command timed out: controller reset (step 4).
 *  3. I/O commands older than command_timeout_ns whose completion is not already in their CQ:
 *     each gets an Abort (admin 08h, SQID and CID), waited for up to opt.recovery_timeout_ns, then its
 *     own completion for as long again. When each completes (normally Command Abort Requested,
 *     or whatever status it had when the Abort came too late) returns NVME_RECOVER_ABORTED:
 *     nvme_io_reap() returns those completions. More timed-out commands than the controller's
 *     Abort Command Limit (ACL + 1), an Abort that times out or fails, or a command that still
 *     does not complete lead to step 4. A command is aborted once at most.
 *  4. Controller reset and re-initialisation: every outstanding I/O command is failed with
 *     NVME_DRV_STATUS_RESET (it may or may not have executed); CC.EN 1 -> 0 and CSTS.RDY = 0
 *     within CAP.TO; admin queue, CC.EN = 1 and CSTS.RDY; Identify Controller; Set Features
 *     Number of Queues; the same I/O queue pairs recreated on the same memory (CID pools, PRP
 *     lists and interrupt vectors unchanged). Up to NVME_DRV_RESET_ATTEMPTS attempts, each with
 *     admin commands bounded by opt.recovery_timeout_ns; returns NVME_RECOVER_RESET, or
 *     NVME_RECOVER_FAILED when every attempt failed: drv->state becomes NVME_DRV_DEAD (new
 *     commands are refused; nvme_reset_controller() may try again).
 * Otherwise (nothing timed out yet) NVME_RECOVER_NONE. A workload loop:
 *     n = nvme_io_reap(drv, q, cpl, max, drv->opt.command_timeout_ns);
 *     if (n <= 0 && nvme_recover(drv) < 0) give up (drv->error);  else handle n completions
 * Every CID prepared completes exactly once through nvme_io_reap(), with an NVMe or a driver
 * status. Not for a driver that another thread is using meanwhile. */
typedef enum {
  NVME_RECOVER_NONE = 0,    /* healthy; nothing timed out */
  NVME_RECOVER_ABORTED = 1, /* the timed-out commands completed after Abort */
  NVME_RECOVER_RESET = 2,   /* controller reset and re-initialised; outstanding commands failed */
  NVME_RECOVER_FAILED = -1, /* reset failed NVME_DRV_RESET_ATTEMPTS times: driver dead */
  NVME_RECOVER_REMOVED = -2 /* device removed */
} nvme_recover_result;

int nvme_recover(nvme_driver* drv);
/* Resets and re-initialises the controller now (step 4 above), whatever its state. */
int nvme_reset_controller(nvme_driver* drv);

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
#define NVME_HANDOVER_VERSION 2u /* 2: options.recovery_timeout_ns; per-CID records after the CID pools */

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
