/**
 * The statistics every figure is reported with: each case runs several times
 * on a machine others share, so a figure is its median with the smallest and
 * largest run, and the noise, half the spread between them relative to the
 * median (`±5%` means the runs fell within 5% of the median either way, at
 * most).
 */

/** A figure over several runs. */
export interface Spread {
  readonly runs: ReadonlyArray<number>
  readonly min: number
  readonly median: number
  readonly max: number
  /** (max − min) / 2 / median. */
  readonly noise: number
}

/** The median of some values (the mean of the middle two for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The `fraction` quantile (0.99 for p99) by nearest rank. */
export const quantile = (values: ReadonlyArray<number>, fraction: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!
}

/** The spread of a figure's runs. */
export const spread = (runs: ReadonlyArray<number>): Spread => {
  const min = Math.min(...runs)
  const max = Math.max(...runs)
  const middle = median(runs)
  return { runs, min, median: middle, max, noise: middle === 0 ? 0 : (max - min) / 2 / middle }
}
