// Node module-resolution hook: `electron` (and `electron/main`) resolve to the fake module.
const FAKE = new URL('./fake-electron.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === 'electron' || specifier === 'electron/main') return { url: FAKE, shortCircuit: true };
  return next(specifier, context);
}
