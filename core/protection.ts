import type { Metrics, ProtectionClass } from './types.ts';

/**
 * The one definition of protection (docs/model.md, "Protection"): what the device can reach that
 * the driver did not hand it, and for how long. Three measured quantities, one class, worst wins:
 * standing reach (memory reachable with no mapping behind it) > a stale window after unmap >
 * bytes beyond the buffer inside a live mapping > nothing beyond the buffers.
 */
export function protectionOf(exposure: Metrics['exposure']): ProtectionClass {
  if ((exposure.standingBytes ?? 0) > 0) return 'none';
  if (exposure.staleWindowUs.max > 0) return 'deferred';
  if (exposure.bytesBeyondBuffer > 0) return 'granule';
  return 'full';
}

export const PROTECTION_ORDER: readonly ProtectionClass[] = ['full', 'granule', 'deferred', 'none'];

/** Unprotected strategies take no "best" mark unless the user asks: they are bounds, not choices. */
export function isProtected(c: ProtectionClass): boolean {
  return c !== 'none';
}

export const PROTECTION_TEXT: Record<ProtectionClass, string> = {
  full: 'the device reaches only the buffers handed to it, only while they are mapped',
  granule: 'the device also reaches the rest of each IOMMU granule around a mapped buffer',
  deferred: 'freed buffers stay reachable by the device until the deferred IOTLB flush',
  none: 'the device reaches memory never handed to it, for the whole run',
};
