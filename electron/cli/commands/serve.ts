/**
 * `iommu-lab serve [--port N] [--db PATH] [--rebuild]`: the web mode. Builds the renderer when
 * renderer/dist is missing or stale, then serves it and the host contract (POST /api/<op>) on
 * 127.0.0.1, protected by a random token. Prints exactly one line on stdout:
 *   Listening on http://127.0.0.1:PORT/?token=TOKEN
 * Everything else (build output, request log with --verbose) goes to stderr.
 */
import path from 'node:path';
import { InputError } from '../../../core/errors.ts';
import { OP_NAMES } from '../../../core/contract.ts';
import { checkFlags, flag, hasFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { packageRoot } from '../../host/paths.ts';

export const DEFAULT_PORT = 5178;
const PROJECT_ROOT = packageRoot(import.meta.url);

export function parsePort(v: string | undefined): number {
  if (v === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new InputError('--port', v, 'an integer 0-65535 (0 picks a free port)');
  return Number(v);
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: `Serve the app as a local web app on 127.0.0.1 (token-protected; default port ${DEFAULT_PORT}, 0 = any free port).`,
  usage: 'serve [--port N] [--db PATH] [--rebuild] [--verbose]',
  booleanFlags: ['rebuild', 'verbose'],
  async run(args, io) {
    checkFlags(args, ['port', 'db', 'rebuild', 'verbose', 'help'], 'serve');
    if (hasFlag(args, 'help')) {
      io.out(`usage: iommu-lab ${this.usage}\n`);
      return 0;
    }
    if (args.positionals.length) throw new InputError('serve argument', args.positionals[0], 'no positional arguments');
    const port = parsePort(flag(args, 'port'));
    const dbFlag = flag(args, 'db');
    const dbPath = dbFlag ? path.resolve(dbFlag) : undefined;
    const verbose = hasFlag(args, 'verbose');

    // Loaded here, not at the top: node:http's ESM facade loads undici, which every other
    // command (help included) would pay for at start-up.
    const [{ ensureRendererBuilt }, { createHostService }, { startWebServer }] = await Promise.all([
      import('../../server/build-renderer.ts'), import('../../host/service.ts'), import('../../server/server.ts'),
    ]);
    const rendererDir = await ensureRendererBuilt(PROJECT_ROOT, io.err, hasFlag(args, 'rebuild'));
    const host = createHostService({ dbPath, warmWorkers: true });
    let server;
    try {
      server = await startWebServer({
        host: { ops: OP_NAMES, dispatch: (op, raw) => host.dispatch(op, raw) },
        rendererDir,
        port,
        log: verbose ? (line) => io.err(`${line}\n`) : undefined,
      });
    } catch (e) {
      await host.close();
      throw e;
    }
    io.out(`${server.banner}\n`);

    // Serve until SIGINT/SIGTERM, then stop accepting, let the store close cleanly and exit 0.
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await host.close();
    return 0;
  },
};

export const serveCommands: CliCommand[] = [serveCommand];
