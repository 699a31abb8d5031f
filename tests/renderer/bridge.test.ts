import { afterEach, describe, expect, it, vi } from 'vitest';
import { opFunctionName, opHttpPath } from '../../renderer/src/bridge/ops.ts';
import { HostError, unwrapEnvelope } from '../../renderer/src/bridge/types.ts';
import { errorFromBody, HttpBridge } from '../../renderer/src/bridge/http.ts';
import { cleanIpcMessage, IpcBridge } from '../../renderer/src/bridge/ipc.ts';
import { OP_NAMES } from '../../core/contract.ts';

describe('op naming', () => {
  it('maps every contract op to a distinct camelCase preload function', () => {
    expect(opFunctionName('runs:start')).toBe('runsStart');
    expect(opFunctionName('engine:catalog')).toBe('engineCatalog');
    expect(opFunctionName('export:run')).toBe('exportRun');
    expect(opFunctionName('host:info')).toBe('hostInfo');
    expect(opFunctionName('profiles:import-json')).toBe('profilesImportJson');
    const names = OP_NAMES.map(opFunctionName);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][A-Za-z]+$/);
    expect(opHttpPath('runs:start')).toBe('/api/runs:start');
  });
});

describe('envelopes and errors', () => {
  it('unwraps {ok,result} and throws on {ok:false,error}', () => {
    expect(unwrapEnvelope('x', { ok: true, result: 5 })).toBe(5);
    expect(() => unwrapEnvelope('x', { ok: false, error: { code: 'invalid', message: 'bad', issues: [{ path: 'a', message: 'm' }] } })).toThrow(HostError);
    try {
      unwrapEnvelope('x', { ok: false, error: { code: 'invalid', message: 'bad', issues: [{ path: 'a', message: 'm' }] } });
    } catch (e) {
      expect((e as HostError).code).toBe('invalid');
      expect((e as HostError).issues).toEqual([{ path: 'a', message: 'm' }]);
    }
  });
  it('does not mistake results for envelopes', () => {
    const v = { ok: false, issues: [{ path: 'cpu.cores', message: 'too small' }] };
    expect(unwrapEnvelope('profiles:validate', v)).toBe(v);
    const w = { ok: true, profile: { id: 'x' } };
    expect(unwrapEnvelope('profiles:validate', w)).toBe(w);
    expect(unwrapEnvelope('profiles:list', [1, 2])).toEqual([1, 2]);
  });
  it('reads HTTP error bodies and explains a bad token', () => {
    const e = errorFromBody('runs:list', 400, { error: { code: 'invalid', message: 'limit: too big' } }, '');
    expect(e.message).toBe('limit: too big');
    expect(e.code).toBe('invalid');
    const t = errorFromBody('runs:list', 401, { error: { code: 'unauthorized', message: 'missing or wrong token' } }, '');
    expect(t.message).toMatch(/token/);
    expect(t.code).toBe('unauthorized');
    expect(errorFromBody('x', 502, undefined, 'Bad gateway\nmore').message).toBe('Bad gateway');
  });
  it('cleans Electron IPC error prefixes', () => {
    expect(cleanIpcMessage("Error invoking remote method 'iommu-lab:op:runs:start': Error: runs:start: strategies.0: bad")).toBe('runs:start: strategies.0: bad');
  });
});

describe('HttpBridge', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('POSTs JSON with the bearer token and unwraps the envelope', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ ok: true, result: { runId: 'abcd1234' } }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const b = new HttpBridge('tok');
    await expect(b.call('runs:start', { strategies: ['strict'] })).resolves.toEqual({ runId: 'abcd1234' });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/runs:start');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(String(init.body))).toEqual({ strategies: ['strict'] });
  });
  it('turns 4xx bodies and network failures into HostErrors', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'no run abcd' } }), { status: 404 })));
    await expect(new HttpBridge('t').call('runs:get', { runId: 'abcd' })).rejects.toMatchObject({ code: 'not_found', message: 'no run abcd', status: 404 });
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }));
    await expect(new HttpBridge('t').call('runs:get', {})).rejects.toThrow(/cannot reach/);
  });
});

describe('IpcBridge', () => {
  it('calls the named preload function with a plain clone', async () => {
    const runsStart = vi.fn(async (a: unknown) => ({ runId: 'r1', got: a }));
    const b = new IpcBridge({ runsStart });
    const args = { strategies: ['strict'] };
    const r = await b.call<{ got: unknown }>('runs:start', args);
    expect(r.got).toEqual(args);
    expect(r.got).not.toBe(args);
  });
  it('reports a missing preload function and cleans rejected errors', async () => {
    const b = new IpcBridge({ runsGet: async () => {
      throw new Error("Error invoking remote method 'x': Error: runs:get: no run abcd");
    } });
    await expect(b.call('runs:list', {})).rejects.toThrow(/does not provide iommuLab.runsList/);
    await expect(b.call('runs:get', { runId: 'abcd' })).rejects.toThrow(/^runs:get: no run abcd$/);
  });
  it('forwards files and menu events when the preload has them', async () => {
    let fileCb: ((f: { name: string; text: string }) => void) | null = null;
    const b = new IpcBridge({
      onOpenFile: (cb: unknown) => {
        fileCb = cb as typeof fileCb;
        return () => {
          fileCb = null;
        };
      },
      saveFile: async (req: unknown) => ({ saved: true, path: (req as { suggestedName: string }).suggestedName }),
    });
    const got: string[] = [];
    const off = b.onOpenFile((f) => got.push(f.name));
    fileCb!({ name: 'a.fio', text: '' });
    off();
    expect(got).toEqual(['a.fio']);
    expect(fileCb).toBeNull();
    await expect(b.saveFile('x.csv', 'text/csv', 'a,b')).resolves.toEqual({ saved: true, path: 'x.csv' });
    expect(b.onMenu(() => {})).toBeTypeOf('function');
  });
});
