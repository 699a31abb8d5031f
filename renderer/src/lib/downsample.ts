/** Downsampling for long series (pure). */

/** Largest-triangle-three-buckets downsampling of an (x, y) series to at most `threshold` points. */
export function lttb(xs: number[], ys: number[], threshold: number): { x: number[]; y: number[] } {
  const n = Math.min(xs.length, ys.length);
  if (threshold >= n || threshold < 3) return { x: xs.slice(0, n), y: ys.slice(0, n) };
  const outX: number[] = [xs[0]];
  const outY: number[] = [ys[0]];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += xs[j];
      avgY += ys[j];
    }
    const len = Math.max(1, avgEnd - avgStart);
    avgX /= len;
    avgY /= len;
    const rangeStart = Math.floor(i * every) + 1;
    const rangeEnd = Math.floor((i + 1) * every) + 1;
    let maxArea = -1;
    let next = rangeStart;
    for (let j = rangeStart; j < rangeEnd; j++) {
      const area = Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a]));
      if (area > maxArea) {
        maxArea = area;
        next = j;
      }
    }
    outX.push(xs[next]);
    outY.push(ys[next]);
    a = next;
  }
  outX.push(xs[n - 1]);
  outY.push(ys[n - 1]);
  return { x: outX, y: outY };
}
