import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';

describe('LatencyHistogram', () => {
  it('gives percentiles within 3% of the exact ones', () => {
    const histogram = new LatencyHistogram();
    const values = Array.from({ length: 10_000 }, (_, index) => 0.05 + (index * 7919) % 10_000 / 10); // 0.05 … 1000 ms
    for (const value of values) histogram.recordMs(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const fraction of [0.5, 0.9, 0.99, 0.999]) {
      const exact = sorted[Math.ceil(fraction * sorted.length) - 1]!;
      expect(Math.abs(histogram.percentileMs(fraction) - exact) / exact).toBeLessThan(0.03);
    }
    expect(histogram.count).toBe(10_000);
    expect(histogram.summary().maxMs).toBeCloseTo(999.95, 6);
  });

  it('keeps the exact maximum, clamps absurd values, and is empty after reset', () => {
    const histogram = new LatencyHistogram();
    histogram.recordMs(0);
    histogram.recordMs(12.3456);
    expect(histogram.percentileMs(1)).toBeCloseTo(12.3456, 3);
    histogram.recordMs(1e12);
    expect(histogram.summary().maxMs).toBeCloseTo(2147483.647, 0);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.percentileMs(0.5)).toBeNaN();
  });

  it('merges another histogram', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let index = 0; index < 99; index++) a.recordMs(1);
    b.recordMs(500);
    a.add(b);
    expect(a.count).toBe(100);
    expect(a.percentileMs(0.5)).toBeCloseTo(1, 1);
    expect(a.summary().maxMs).toBe(500);
  });
});
