import { BindLimits, RecentCount } from '../../../src/exchange/bind-limits';

const MIN = 60_000;
const HOUR = 60 * MIN;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('BindLimits', () => {
  it('caps a client per hour, then lets it bind again in the next hour window', () => {
    const c = clock();
    const l = new BindLimits({ perHour: 3, perDay: 0, globalPerHour: 0 }, c.now);
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([undefined, undefined, undefined]);
    expect(l.take('a')).toBe('client_hour');
    expect(l.take('b')).toBeUndefined(); // another client is not held
    c.advance(HOUR - 1);
    expect(l.take('a')).toBe('client_hour');
    c.advance(1);
    expect(l.take('a')).toBeUndefined();
  });

  it('caps a client per day across hours', () => {
    const c = clock();
    const l = new BindLimits({ perHour: 2, perDay: 5, globalPerHour: 0 }, c.now);
    const got = [];
    for (let h = 0; h < 4; h++) {
      got.push(l.take('a'), l.take('a'));
      c.advance(HOUR);
    }
    expect(got.filter((x) => x === undefined)).toHaveLength(5);
    expect(got.slice(5)).toEqual(['client_day', 'client_day', 'client_day']);
    c.advance(20 * HOUR);
    expect(l.take('a')).toBeUndefined();
  });

  it('gives a failed bind back', () => {
    const l = new BindLimits({ perHour: 1, perDay: 0, globalPerHour: 0 });
    expect(l.take('a')).toBeUndefined();
    l.giveBack('a');
    expect(l.take('a')).toBeUndefined();
    expect(l.take('a')).toBe('client_hour');
  });

  it('pauses everyone at the global rate and resumes as the last hour’s binds age out', () => {
    const c = clock();
    const l = new BindLimits({ perHour: 0, perDay: 0, globalPerHour: 4 }, c.now);
    for (let i = 0; i < 4; i++) {
      expect(l.take(`c${i}`)).toBeUndefined();
      c.advance(10 * MIN);
    }
    expect(l.paused()).toBe(true);
    expect(l.take('new')).toBe('global');
    c.advance(21 * MIN); // the first bind is now more than an hour old
    expect(l.paused()).toBe(false);
    expect(l.lastHour()).toBe(3);
    expect(l.take('new')).toBeUndefined();
  });

  it('0 turns every cap off', () => {
    const l = new BindLimits({ perHour: 0, perDay: 0, globalPerHour: 0 });
    for (let i = 0; i < 1000; i++) expect(l.take('a')).toBeUndefined();
    expect(l.lastHour()).toBe(1000);
  });
});

describe('RecentCount', () => {
  it('counts the last hour in one-minute buckets', () => {
    const r = new RecentCount();
    const t = 50 * HOUR;
    r.add(t);
    r.add(t + 30 * MIN, 2);
    expect(r.count(t + 59 * MIN)).toBe(3);
    expect(r.count(t + 61 * MIN)).toBe(2);
    expect(r.count(t + 2 * HOUR)).toBe(0);
  });
});
