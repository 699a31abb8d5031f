/**
 * Channel names of the preload ↔ main IPC (pure: imported by the sandboxed preload and the main process).
 */
/** One channel per contract op, plus the shell's own. */
export const IPC_PREFIX = 'iommu-lab:';
export const opChannel = (op: string): string => `${IPC_PREFIX}op:${op}`;
export const CH_SAVE_FILE = `${IPC_PREFIX}save-file`;
export const CH_OPEN_FILE = `${IPC_PREFIX}open-file`;
/** main → renderer events. */
export const EV_OPEN_FILE = `${IPC_PREFIX}event:open-file`;
export const EV_MENU = `${IPC_PREFIX}event:menu`;
