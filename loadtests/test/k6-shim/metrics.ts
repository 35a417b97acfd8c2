/** Test shim of `k6/metrics`: every sample lands in a registry the test reads. */
export const samples = new Map<string, number[]>();

class Metric {
  constructor(readonly name: string) {
    if (!samples.has(name)) samples.set(name, []);
  }

  add(value: number | boolean): void {
    samples.get(this.name)!.push(Number(value));
  }
}

export class Trend extends Metric {}
export class Counter extends Metric {}
export class Gauge extends Metric {}
export class Rate extends Metric {}
