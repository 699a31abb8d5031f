// `node --import ./tests/e2e/register-fake-electron.mjs ...`: resolve `electron` to the fake module.
import { register } from 'node:module';
register('./fake-electron-hooks.mjs', import.meta.url);
