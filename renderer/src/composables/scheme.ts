import { onBeforeUnmount, ref } from 'vue';

/** Follows prefers-color-scheme. */
export function useDark() {
  const mq = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const dark = ref(!!mq?.matches);
  const on = (e: MediaQueryListEvent) => {
    dark.value = e.matches;
  };
  mq?.addEventListener('change', on);
  onBeforeUnmount(() => mq?.removeEventListener('change', on));
  return dark;
}
