import { describe, expect, it } from 'vitest';
import { builtInProfile } from '../../core/index.ts';
import { EV_CPU_WAKE, Machine } from '../../core/engine/machine.ts';
import { newEvent } from '../../core/engine/queue.ts';

/** Pops the next event; for a CPU wake-up, hands out what the CPU may run now (as the drivers do). */
function step(m: Machine, ran: Array<[number, number]>, onRun?: (arg: number, t: number) => void): number {
  const ev = newEvent();
  m.queue.pop(ev);
  expect(ev.kind).toBe(EV_CPU_WAKE);
  m.cpuWoke(ev.arg);
  while (m.nextDeferred(ev.arg, ev.time)) {
    ran.push([m.deferredOut.arg, ev.time]);
    onRun?.(m.deferredOut.arg, ev.time);
  }
  return ev.time;
}

describe('work a busy CPU defers', () => {
  it('runs first come, first served, even when the CPU got busier after the first item waited', () => {
    const m = new Machine(builtInProfile('vtd'), 1, 2, false);
    m.cpuFreeAt[0] = 10;
    expect(m.deferWhileBusy(0, 1, 8, 100)).toBe(true);
    // The CPU takes more work before it gets to item 100; item 101 arrives later.
    m.cpuFreeAt[0] = 20;
    expect(m.deferWhileBusy(0, 5, 8, 101)).toBe(true);
    const ran: Array<[number, number]> = [];
    const busy = (_arg: number, t: number) => { m.cpuFreeAt[0] = t + 5; };
    expect(step(m, ran, busy)).toBe(10); // busy until 20: nothing runs, the wake-up moves there
    expect(ran).toEqual([]);
    step(m, ran, busy);
    step(m, ran, busy);
    // Each item used to be its own event re-queued at the free time: 101, queued at 20 first, overtook 100.
    expect(ran).toEqual([[100, 20], [101, 25]]);
    expect(m.queue.size).toBe(0);
  });

  it('keeps one wake-up event per CPU however many items wait', () => {
    const m = new Machine(builtInProfile('vtd'), 1, 4, false);
    m.cpuFreeAt[2] = 50;
    for (let i = 0; i < 100; i++) expect(m.deferWhileBusy(2, i * 0.1, 9, i)).toBe(true);
    expect(m.queue.size).toBe(1);
    const ran: Array<[number, number]> = [];
    // The CPU is free at 50 and each item takes it 1 µs: one item per wake-up, in order.
    for (let k = 0; k < 100; k++) step(m, ran, (_a, t) => { m.cpuFreeAt[2] = t + 1; });
    expect(ran.map(([a]) => a)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ran[99][1]).toBe(149);
    expect(m.queue.size).toBe(0);
  });

  it('lets an item run at once when the CPU is free and nothing waits', () => {
    const m = new Machine(builtInProfile('vtd'), 1, 2, false);
    m.cpuFreeAt[1] = 3;
    expect(m.deferWhileBusy(1, 3, 8, 7)).toBe(false);
    expect(m.queue.size).toBe(0);
  });
});
