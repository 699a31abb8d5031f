/** The engine catalog (strategies with parameters, workload kinds, sweep keys, metric defs). */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { EngineCatalog } from '../../../core/contract.ts';
import { host } from '../bridge/api.ts';
import { errorMessage } from '../bridge/types.ts';

export const useCatalogStore = defineStore('catalog', () => {
  const catalog = shallowRef<EngineCatalog | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let pending: Promise<EngineCatalog | null> | null = null;

  function load(force = false): Promise<EngineCatalog | null> {
    if (catalog.value && !force) return Promise.resolve(catalog.value);
    if (pending) return pending;
    loading.value = true;
    pending = host('engine:catalog', {})
      .then((c) => {
        catalog.value = Object.freeze(c) as EngineCatalog;
        error.value = null;
        return c;
      })
      .catch((e) => {
        error.value = `Could not load the engine catalog: ${errorMessage(e)}`;
        return null;
      })
      .finally(() => {
        loading.value = false;
        pending = null;
      });
    return pending;
  }

  return { catalog, error, loading, load };
});
