/** Hardware profiles: built-ins (read-only) and the user's, with validation and import/export. */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ProfileRecord, ProfileSummary } from '../../../core/contract.ts';
import type { HardwareProfile } from '../../../core/types.ts';
import { validateProfile, type ProfileIssue } from '../../../core/profiles/schema.ts';
import { host } from '../bridge/api.ts';
import { errorMessage, HostError } from '../bridge/types.ts';

export type { ProfileIssue };

/** Issues by dotted field path (`cpu.cores`), the first message per path. */
export function issuesByPath(issues: ProfileIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) if (!(i.path in out)) out[i.path] = i.message;
  return out;
}

/** Local, synchronous validation with the core's schema (the host validates again on save). */
export function checkProfile(p: unknown): ProfileIssue[] {
  const v = validateProfile(p);
  return v.ok ? [] : v.issues;
}

/** A fresh id not in `taken`: `base-copy`, `base-copy-2`, ... (kept within the id's 64 chars). */
export function freshId(base: string, taken: Set<string>): string {
  const stem = base.replace(/-copy(-\d+)?$/, '').slice(0, 50);
  let id = `${stem}-copy`;
  for (let i = 2; taken.has(id); i++) id = `${stem}-copy-${i}`;
  return id;
}

/** A user-editable copy of a profile (built-in flag dropped, new id and name). */
export function duplicateProfile(p: HardwareProfile, taken: Set<string>): HardwareProfile {
  const copy = JSON.parse(JSON.stringify(p)) as HardwareProfile;
  delete copy.builtIn;
  copy.id = freshId(p.id, taken);
  copy.name = `${p.name} (copy)`;
  return copy;
}

const PROFILE_KEYS = ['cpu', 'iommu', 'iova', 'virt', 'device', 'iopf'];

/**
 * Whether parsed JSON looks like a hardware profile at all (an object with at least one of the
 * profile's sections), so that an invalid one is worth opening in the editor to fix; a run bundle,
 * an array or some other JSON is refused instead of showing an empty form full of errors.
 */
export function looksLikeProfile(raw: unknown): raw is Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const o = raw as Record<string, unknown>;
  return PROFILE_KEYS.some((k) => o[k] !== null && typeof o[k] === 'object' && !Array.isArray(o[k]));
}

/** Why a JSON text is not a profile, for the Import message (null when it is one). */
export function notAProfileReason(raw: unknown): string | null {
  if (looksLikeProfile(raw)) return null;
  if (raw && typeof raw === 'object' && (raw as Record<string, unknown>).format === 'iommu-lab-bundle') {
    return 'this is a run bundle, not a profile: import it in History (Import bundle…)';
  }
  return `not a hardware profile: expected a JSON object with id, name and the sections ${PROFILE_KEYS.join(', ')} (as written by Export JSON)`;
}

export const useProfilesStore = defineStore('profiles', () => {
  const list = ref<ProfileSummary[]>([]);
  const records = shallowRef<Record<string, ProfileRecord>>({});
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      list.value = await host('profiles:list', {});
      error.value = null;
    } catch (e) {
      error.value = `Could not list profiles: ${errorMessage(e)}`;
    } finally {
      loading.value = false;
    }
  }

  async function get(id: string, force = false): Promise<ProfileRecord> {
    const have = records.value[id];
    if (have && !force) return have;
    const r = await host('profiles:get', { id });
    records.value = { ...records.value, [id]: r };
    return r;
  }

  function ids(): Set<string> {
    return new Set(list.value.map((p) => p.id));
  }

  /**
   * Saves a user profile. Returns the stored record, or the issues that refused it (checked locally
   * first, then by the host, whose issues win if it disagrees).
   */
  async function save(profile: HardwareProfile, mode: 'upsert' | 'create' = 'upsert'): Promise<{ ok: true; record: ProfileRecord } | { ok: false; issues: ProfileIssue[]; message: string }> {
    const local = checkProfile(profile);
    if (local.length) return { ok: false, issues: local, message: `${local.length} field${local.length > 1 ? 's are' : ' is'} invalid: fix the fields marked in red` };
    try {
      const record = await host('profiles:save', { profile, mode });
      records.value = { ...records.value, [record.id]: record };
      await load();
      return { ok: true, record };
    } catch (e) {
      const issues = e instanceof HostError && e.issues ? e.issues : [];
      return { ok: false, issues, message: errorMessage(e) };
    }
  }

  async function remove(id: string): Promise<void> {
    await host('profiles:delete', { id });
    const next = { ...records.value };
    delete next[id];
    records.value = next;
    await load();
  }

  /** Parses profile JSON text (an import): the profile or what is wrong with it. */
  function parseJson(text: string): { ok: true; profile: HardwareProfile } | { ok: false; message: string; issues: ProfileIssue[] } {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return { ok: false, message: `not valid JSON: ${errorMessage(e)}`, issues: [] };
    }
    // A profile record (profiles:get output) or a bundle holding one is accepted too.
    if (raw && typeof raw === 'object' && 'profile' in (raw as object) && !('cpu' in (raw as object))) raw = (raw as { profile: unknown }).profile;
    const v = validateProfile(raw);
    if (!v.ok) return { ok: false, message: `the profile is invalid: ${v.issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}${v.issues.length > 3 ? ` (+${v.issues.length - 3} more)` : ''}`, issues: v.issues };
    return { ok: true, profile: v.profile };
  }

  return { list, records, loading, error, load, get, ids, save, remove, parseJson };
});
