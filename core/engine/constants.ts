/**
 * The engine's numeric constants, in a module of constants alone. The command line's build
 * (scripts/build-cli.mjs, minifySyntax) writes each one into the code that uses it, as a literal:
 * esbuild inlines a module's top-level constants only when the module has nothing else at its
 * top and no import or export with a path. Left as module variables, every use in the per-IO path
 * was a load from the module context with a type check: ~260 of the ~3,900 machine instructions
 * of a simulated IO (strict, fio 4k randread QD64 on vtd). Only literals here, no expressions.
 */

/** CPU time is accounted per phase; waits on shared locks count as CPU time (the caller spins or is blocked in an exit). */
export const PH_MAP = 0;
export const PH_UNMAP = 1;
export const PH_COPY = 2;
export const PH_INV = 3;
export const PH_FAULT = 4;
export const PH_OTHER = 5;

/** Event kinds (priority orders simultaneous events: completions before new work). */
export const EV_DEV_ARRIVE = 1;
export const EV_DEV_DONE = 2;
export const EV_FQ_TIMER = 4;
export const EV_POOL_EVICT = 5;
export const EV_LOOP = 7;
/** fio drivers, several CPUs: a completion's unmap, and the next submit, start as their own events. */
export const EV_UNMAP_CALL = 8;
export const EV_SUBMIT = 9;
/** A busy CPU became free with deferred work waiting (arg: the CPU); see Machine.deferWhileBusy. */
export const EV_CPU_WAKE = 10;
/** Event kinds are below this: the event queue packs kind, priority and argument into one int32. */
export const EV_KINDS = 64;
/** An event's argument (an IO, slot or CPU index) is under this in magnitude, 2^23: it shares an int32 with kind and priority. */
export const EV_MAX_ARG = 8388608;
/** An event queue push scans back from the tail at most this far; further back it searches (EventQueue.pushFar). */
export const QUEUE_NEAR = 16;
/** fio job files: a submission held back by rate/rate_iops/thinktime; far from the machine's own event kinds. */
export const EV_FIO_SUBMIT = 40;
/**
 * fio job files, several CPUs: a call reaches the IOMMU's locks and queues as its own event, after
 * the CPU work before it (fio's submission, the completion interrupt), so the CPUs' calls are
 * booked in the order they reach them. One CPU needs no such split.
 */
export const EV_FIO_MAP = 41;
export const EV_FIO_UNMAP = 42;
export const EV_FIO_STEP = 43;
/** Trace replay: a captured map and unmap. */
export const EV_TRACE_MAP = 41;
export const EV_TRACE_UNMAP = 42;

/** arm-smmu-v3 CMDQ_BATCH_ENTRIES (BITS_PER_LONG): commands gathered before a batch is issued. */
export const CMDQ_BATCH_ENTRIES = 64;

/** Cost terms of a DMA-API call, indexed as COST_TERMS in core/types.ts. */
export const T_API = 0;
export const T_IOVA_ALLOC = 1;
export const T_IOVA_FREE = 2;
export const T_PTE = 3;
export const T_TABLE = 4;
export const T_CACHE = 5;
export const T_INV_CMD = 6;
export const T_SYNC = 7;
export const T_LOCK = 8;
export const T_TRAP = 9;
export const T_HOST = 10;
export const T_COPY = 11;
export const T_SLOT = 12;
export const T_PAGE_ALLOC = 13;
export const T_FAULT = 14;
export const T_OTHER = 15;
export const N_TERMS = 16;

/** Virtualisation as a small integer for the hot path (Machine.virtKind). */
export const VIRT_NONE = 0;
export const VIRT_VIRTIO = 1;
export const VIRT_NESTED = 2;
export const VIRT_VCMDQ = 3;
export const VIRT_EMULATED = 4;

/**
 * Leaf tables tracked in typed arrays (present, live entries), counted from the top of the IOVA
 * space down, where the allocator hands out IOVAs; tables further down are kept in a Map.
 */
export const TABLE_WINDOW = 65536;

/** IOTLB tags of block entries live above every page number: 2^45. */
export const BLOCK_TAG_BASE = 35184372088832;

/** Latency histograms: SUB sub-buckets per power of two from 2^MIN_EXP us (15.6 ns) to 2^MAX_EXP us (~4.8 hours). */
export const HIST_SUB = 64;
export const HIST_MIN_EXP = -6;
export const HIST_MAX_EXP = 34;
/** (HIST_MAX_EXP - HIST_MIN_EXP) * HIST_SUB + 1. */
export const HIST_BUCKETS = 2561;

/** swiotlb geometry: IO_TLB_SIZE bytes per slot, IO_TLB_SEGSIZE slots per segment. */
export const SWIOTLB_SLOT = 2048;
/** log2 SWIOTLB_SLOT and log2 SWIOTLB_SEG. */
export const SWIOTLB_SLOT_SHIFT = 11;
export const SWIOTLB_SEG_SHIFT = 7;
export const SWIOTLB_SEG = 128;

/** Bounce pool slot protection and state. */
export const PROT_RO = 0; // device reads (DMA_TO_DEVICE)
export const PROT_WO = 1; // device writes (DMA_FROM_DEVICE)
export const PROT_RW = 2;
export const SLOT_FREE = 0;
export const SLOT_CACHED = 1;
export const SLOT_BUSY = 2;

/** fio drivers: progress and cancellation are checked every 2^15 IOs. */
export const PROGRESS_EVERY = 32768;

/** Iotlb: entries of the page -> way hint table (a power of two). */
export const IOTLB_HINTS = 4096;
