/** A fake clock for `createStepup({ now })`: tests jump minutes or days without sleeping. */
export function fakeClock(start = Date.UTC(2026, 5, 1, 12, 0, 1)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
