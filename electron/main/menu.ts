import { app, Menu, type MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  /** File > Open… (profiles, run bundles, .fio job files). */
  open(): void;
  /** Sends a command to the renderer (see renderer/src/bridge/ops.ts: onMenu). */
  command(name: string): void;
  /** Help > Show Run Database in Folder. */
  showDatabase(): void;
}

const isMac = process.platform === 'darwin';

/** Menu commands sent to the renderer. The renderer ignores the ones it does not know. */
export const MENU_COMMANDS = [
  'nav:profiles', 'nav:experiment', 'nav:comparison', 'nav:history', 'nav:diff', 'nav:calibrate',
  'run', 'cancel',
  'export:chart-png', 'export:chart-svg', 'export:table-csv', 'export:table-md', 'export:bundle',
  'profile:new', 'profile:import',
] as const;

/** The native menu: the usual roles and shortcuts, plus File, Export, Run, View and Help. */
export function buildMenu(actions: MenuActions): Menu {
  const cmd = (label: string, name: (typeof MENU_COMMANDS)[number], accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => actions.command(name),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        cmd('New Profile', 'profile:new', 'CmdOrCtrl+N'),
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Run',
      submenu: [cmd('Run Experiment', 'run', 'CmdOrCtrl+Enter'), cmd('Cancel Run', 'cancel', 'CmdOrCtrl+.')],
    },
    {
      label: 'E&xport',
      submenu: [
        cmd('Chart as PNG…', 'export:chart-png', 'CmdOrCtrl+Shift+P'),
        cmd('Chart as SVG…', 'export:chart-svg', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        cmd('Table as CSV…', 'export:table-csv', 'CmdOrCtrl+Shift+C'),
        cmd('Table as Markdown…', 'export:table-md', 'CmdOrCtrl+Shift+M'),
        { type: 'separator' },
        cmd('Run Bundle (JSON)…', 'export:bundle', 'CmdOrCtrl+Shift+E'),
      ],
    },
    {
      label: '&View',
      submenu: [
        cmd('Profiles', 'nav:profiles', 'CmdOrCtrl+1'),
        cmd('Experiment', 'nav:experiment', 'CmdOrCtrl+2'),
        cmd('Comparison', 'nav:comparison', 'CmdOrCtrl+3'),
        cmd('History', 'nav:history', 'CmdOrCtrl+4'),
        cmd('Diff', 'nav:diff', 'CmdOrCtrl+5'),
        cmd('Calibrate', 'nav:calibrate', 'CmdOrCtrl+6'),
        { type: 'separator' },
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Show Run Database in Folder', click: () => actions.showDatabase() },
        ...(isMac ? [] : [{ type: 'separator' as const }, { role: 'about' as const }]),
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
