import { OutcomeWindow } from '../../../../src/providers/transport/outcome-window.js';

/** The plain model the ring replaces: an array of outcomes, oldest first. */
class ArrayWindow {
  events: Array<{ at: number; error: boolean }> = [];
  push(at: number, error: boolean) {
    this.events.push({ at, error });
  }
  forgetUpTo(oldest: number) {
    this.events = this.events.filter((e) => e.at > oldest);
  }
  get size() {
    return this.events.length;
  }
  get errors() {
    return this.events.filter((e) => e.error).length;
  }
}

describe('OutcomeWindow', () => {
  it('counts outcomes and errors, and forgets those at or before a time', () => {
    const w = new OutcomeWindow();
    w.push(1_000, false);
    w.push(1_001, true);
    w.push(1_002, true);
    w.push(1_003, false);
    expect([w.size, w.errors]).toEqual([4, 2]);
    w.forgetUpTo(1_001);
    expect([w.size, w.errors]).toEqual([2, 1]);
    w.forgetUpTo(999_999);
    expect([w.size, w.errors]).toEqual([0, 0]);
  });

  it('keeps order and counts across wrap-around, growth to tens of thousands and shrinking back', () => {
    const w = new OutcomeWindow();
    const model = new ArrayWindow();
    let now = 1_700_000_000_000;
    // A deterministic pseudo-random load: bursts that grow the ring, quiet spells that shrink it.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 400; round += 1) {
      const burst = round % 100 < 20 ? Math.floor(random() * 2_000) : Math.floor(random() * 40);
      for (let i = 0; i < burst; i += 1) {
        now += Math.floor(random() * 3);
        const error = random() < 0.3;
        w.push(now, error);
        model.push(now, error);
      }
      const oldest = now - Math.floor(random() * 5_000);
      w.forgetUpTo(oldest);
      model.forgetUpTo(oldest);
      expect([w.size, w.errors]).toEqual([model.size, model.errors]);
    }
  });

  it('forgets everything on clear and records again from empty', () => {
    const w = new OutcomeWindow();
    for (let i = 0; i < 5_000; i += 1) w.push(i, i % 2 === 0);
    expect([w.size, w.errors]).toEqual([5_000, 2_500]);
    w.clear();
    expect([w.size, w.errors]).toEqual([0, 0]);
    w.push(10_000, true);
    w.forgetUpTo(9_999);
    expect([w.size, w.errors]).toEqual([1, 1]);
  });
});
