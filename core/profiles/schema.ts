import { z } from 'zod';
import { InputError } from '../errors.ts';
import type { HardwareProfile } from '../types.ts';
import { BUILT_IN_PROFILES } from './builtin.ts';

/**
 * Range builders shared by every profile field: the schema's ranges are the engine's, so a profile
 * that validates can be simulated (no 5e-324 B/s bandwidth making every IO take forever, no
 * "power of two" above 2^30 slipping through a 32-bit bit trick).
 */
/** A rate or size that divides: at least `min` (not merely > 0), at most `max`. */
export const positiveIn = (min: number, max: number) => z.number().finite().min(min).max(max);
/** A cost that may be zero. */
export const nonNegativeIn = (max: number) => z.number().finite().min(0).max(max);
/** An integer power of two in [min, max]; exact for every safe integer. */
export const powerOfTwo = (min: number, max: number) =>
  z.number().int().min(min).max(max).refine((v) => v > 0 && Number.isSafeInteger(v) && 2 ** Math.round(Math.log2(v)) === v, { message: 'must be a power of two' });

/** Rates: 1 KB/s is slower than any DMA device or memcpy the model describes; below it times overflow. */
const pos = (max: number) => positiveIn(1e3, max); // rates only: times take positiveIn or nonneg
const nonneg = nonNegativeIn;
const nsCost = nonneg(1e9).nullable();
const pow2 = powerOfTwo;

export const profileSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, . _ - (1-64 chars)'),
  name: z.string().min(1).max(200),
  description: z.string().max(4000),
  sources: z.array(z.string().max(2000)).max(50),
  builtIn: z.boolean().optional(),
  cpu: z.object({
    cores: z.number().int().min(1).max(1024),
    pageSizeBytes: pow2(4096, 64 * 1024),
    memcpyBytesPerSec: pos(1e12),
    dmaCoherent: z.boolean(),
    cacheMaintenanceNsPerByte: nonneg(100),
    submitOverheadUs: nonneg(1e6),
    completionOverheadUs: nonneg(1e6),
    pageAllocUs: nonneg(1e6),
    memoryBytes: z.number().int().min(64 * 1024 * 1024).max(2 ** 50),
    dmaApiNs: nonneg(1e6).default(40),
    copySetupNs: nonneg(1e6).default(50),
    slotFindNs: nonneg(1e6).default(60),
    slotFreeNs: nonneg(1e6).default(80),
    dynAllocUs: nonneg(1e6).default(1.5),
    dynFreeUs: nonneg(1e6).default(0.5),
    flushQueueAddNs: nonneg(1e6).default(30),
    pinnedPageBytes: pow2(4096, 2 ** 30).default(4096),
    costJitterFraction: nonneg(0.9),
    cacheLineBytes: pow2(16, 1024).default(64),
    pageFreeUs: nonneg(1e6).default(0.15),
    userBufferRunPages: z.number().int().min(1).max(1 << 18).default(512),
  }).strict(),
  iommu: z.object({
    granuleBytes: pow2(4096, 64 * 1024),
    blockSizesBytes: z.array(pow2(8192, 2 ** 40)).max(8),
    pageTableLevels: z.number().int().min(1).max(6),
    leafTableSpanBytes: pow2(8192, 2 ** 40),
    mapCallNs: nonneg(1e9),
    unmapCallNs: nonneg(1e9),
    pteWriteNs: nonneg(1e9),
    pteClearNs: nonneg(1e9),
    tableAllocUs: nonneg(1e6),
    freesEmptyTables: z.boolean(),
    freesCoveredTables: z.boolean().default(false),
    pteBytes: pow2(4, 16).default(8),
    pteLineTransferNs: nonneg(1e6).default(0),
    coherentWalk: z.boolean(),
    pteCacheCleanNs: nonneg(1e9),
    pteCleanByRange: z.boolean().default(false),
    cachesInvalidPtes: z.boolean(),
    iotlbEntries: z.number().int().min(1).max(1 << 20),
    iotlbWays: z.number().int().min(1).max(64),
    iotlbMissWalkNs: nonneg(1e9),
    invalidation: z.object({
      byAddressNs: nsCost,
      byRangeNs: nsCost,
      byRangePerPageNs: nonneg(1e9),
      byRangeMaxPages: z.number().int().min(1).max(2 ** 40),
      domainNs: nsCost,
      streamNs: nsCost,
      walkCacheByAddressNs: nsCost,
      walkCacheAllNs: nsCost,
      syncNs: nonneg(1e9),
      syncEachPage: z.boolean(),
      hardwareQueue: z.boolean().default(false),
      queues: z.number().int().min(1).max(4096).default(1),
      insertNs: nonneg(1e6).default(0),
      syncLatencyNs: nonneg(1e9).default(0),
      contentionNsPerCpu: nonneg(1e6).default(0),
      maxPerPageCmds: z.number().int().min(1).max(2 ** 30).nullable().default(null),
    }).strict(),
    iovaBits: z.number().int().min(20).max(64),
  }).strict(),
  iova: z.object({
    rcacheMagazineSize: z.number().int().min(0).max(1 << 16),
    rcacheMaxPages: z.number().int().min(0).max(1 << 16),
    rcacheDepotMagazines: z.number().int().min(0).max(1 << 16),
    rcacheHitNs: nonneg(1e9),
    treeAllocNs: nonneg(1e9),
    treeFreeNs: nonneg(1e9),
    sizeAligned: z.boolean(),
  }).strict(),
  virt: z.object({
    enabled: z.boolean(),
    mode: z.enum(['virtio', 'nested', 'vcmdq', 'emulated']).default('virtio'),
    trapUs: nonneg(1e6),
    requestUs: nonneg(1e6),
    hostMapPerPageUs: nonneg(1e6),
    hostUnmapPerPageUs: nonneg(1e6),
    hostInvPerCmdUs: nonneg(1e6).default(0),
    hostSyncUs: nonneg(1e6).default(0),
    bigLock: z.boolean(),
    wakeUs: nonneg(1e6).default(0),
    wakeIdleUs: positiveIn(1e-3, 1e7).default(1),
    wakeMinIdleUs: nonneg(1e7).default(0),
    guestIrqUs: nonneg(1e6).default(0),
  }).strict(),
  device: z.object({
    name: z.string().min(1).max(200),
    bandwidthBytesPerSec: pos(1e13),
    readLatencyUs: nonneg(1e7),
    writeLatencyUs: nonneg(1e7),
    parallelism: z.number().int().min(1).max(1 << 16),
    latencyJitterFraction: nonneg(1),
    sessionSetupUs: nonneg(1e9),
    sendOverheadUs: nonneg(1e7),
    guestSendOverheadUs: nonneg(1e7),
  }).strict(),
  iopf: z.object({
    faultReportUs: nonneg(1e6),
    faultHandlerUs: nonneg(1e6),
    pinMapPerPageUs: nonneg(1e6),
    pageResponseUs: nonneg(1e6),
    svaFaultPerPageUs: nonneg(1e6),
  }).strict(),
}).strict().superRefine((p, ctx) => {
  if (p.iommu.granuleBytes < p.cpu.pageSizeBytes && p.iommu.granuleBytes !== p.cpu.pageSizeBytes) {
    // A granule smaller than the CPU page is legal (the kernel maps several IOMMU pages per CPU page).
  }
  const inv = p.iommu.invalidation;
  if (!p.virt.enabled && inv.byAddressNs === null && inv.byRangeNs === null && inv.domainNs === null && inv.streamNs === null) {
    ctx.addIssue({ code: 'custom', path: ['iommu', 'invalidation'], message: 'at least one invalidation kind must have a cost (byAddressNs, byRangeNs, domainNs or streamNs)' });
  }
  if (p.iommu.leafTableSpanBytes < p.iommu.granuleBytes) {
    ctx.addIssue({ code: 'custom', path: ['iommu', 'leafTableSpanBytes'], message: 'must be at least granuleBytes' });
  }
});

export interface ProfileIssue {
  path: string;
  message: string;
}

export type ProfileValidation = { ok: true; profile: HardwareProfile } | { ok: false; issues: ProfileIssue[] };

/**
 * Profiles written before engine 2.0 had `invalidation.serialised` (one lock for commands and
 * sync, or none) instead of the queue model: translate it to the same behaviour (a driver lock,
 * one for all CPUs or one per CPU). Other new fields take their documented defaults.
 */
function upgradeProfile(input: unknown): unknown {
  const inv = (input as { iommu?: { invalidation?: Record<string, unknown> } } | null)?.iommu?.invalidation;
  if (!inv || typeof inv !== 'object' || !('serialised' in inv)) return input;
  const copy = JSON.parse(JSON.stringify(input)) as { iommu: { invalidation: Record<string, unknown> } };
  const { serialised, ...rest } = copy.iommu.invalidation;
  copy.iommu.invalidation = { ...rest, hardwareQueue: false, queues: serialised === false ? 4096 : 1 };
  return copy;
}

export function validateProfile(input: unknown): ProfileValidation {
  const r = profileSchema.safeParse(upgradeProfile(input));
  if (r.success) return { ok: true, profile: r.data as HardwareProfile };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  };
}

/** Validated profile or an InputError naming the first bad field. */
export function parseProfile(input: unknown): HardwareProfile {
  const v = validateProfile(input);
  if (v.ok) return v.profile;
  const first = v.issues[0];
  const value = first.path.split('.').reduce<any>((o, k) => (o == null ? o : o[k]), input);
  throw new InputError(`profile ${first.path}`, value === undefined ? '(missing)' : value, first.message);
}

export function builtInProfile(id: string): HardwareProfile {
  const p = BUILT_IN_PROFILES.find((x) => x.id === id);
  if (!p) throw new InputError('profile', id, BUILT_IN_PROFILES.map((x) => x.id).join(', '));
  return JSON.parse(JSON.stringify(p)) as HardwareProfile;
}

for (const p of BUILT_IN_PROFILES) {
  const v = validateProfile(p);
  if (!v.ok) throw new Error(`built-in profile ${p.id} is invalid: ${JSON.stringify(v.issues)}`);
}
