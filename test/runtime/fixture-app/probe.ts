/** What the fixture app's functions record, so tests can assert what actually ran. */
export const probe = {
  active: 0,
  maxActive: 0,
  /** Active count seen by each activity as it started. */
  startsAt: [] as number[],
  calls: new Map<string, number>(),
  flakyFailuresLeft: 0,
  flip: false,
  blobs: [] as Array<{ name: string; text: string }>,
  ticks: [] as string[],
  reset(): void {
    this.active = 0;
    this.maxActive = 0;
    this.startsAt = [];
    this.calls.clear();
    this.flakyFailuresLeft = 0;
    this.flip = false;
    this.blobs = [];
    this.ticks = [];
  },
};
