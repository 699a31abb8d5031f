/** Small dense linear algebra for the fitter (a few dozen unknowns at most). Row-major number[][]. */

export type Matrix = number[][];

export function zeros(r: number, c: number): Matrix {
  return Array.from({ length: r }, () => new Array<number>(c).fill(0));
}

export function transposeTimes(J: Matrix, cols: number[]): Matrix {
  const n = cols.length;
  const A = zeros(n, n);
  for (const row of J) {
    for (let a = 0; a < n; a++) {
      const va = row[cols[a]];
      if (va === 0) continue;
      for (let b = a; b < n; b++) A[a][b] += va * row[cols[b]];
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) A[a][b] = A[b][a];
  return A;
}

export function transposeVec(J: Matrix, cols: number[], r: number[]): number[] {
  return cols.map((c) => J.reduce((s, row, i) => s + row[c] * r[i], 0));
}

/** Solves A x = b by Gaussian elimination with partial pivoting; null when A is singular. */
export function solve(A: Matrix, b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i][k]) > Math.abs(M[p][k])) p = i;
    if (Math.abs(M[p][k]) < 1e-300) return null;
    [M[k], M[p]] = [M[p], M[k]];
    for (let i = k + 1; i < n; i++) {
      const f = M[i][k] / M[k][k];
      if (f === 0) continue;
      for (let j = k; j <= n; j++) M[i][j] -= f * M[k][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i][n];
    for (let j = i + 1; j < n; j++) s -= M[i][j] * x[j];
    x[i] = s / M[i][i];
  }
  return x.every(Number.isFinite) ? x : null;
}

export function inverse(A: Matrix): Matrix | null {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const x = solve(A, e);
    if (!x) return null;
    cols.push(x);
  }
  return A.map((_, i) => cols.map((c) => c[i]));
}

const col = (J: Matrix, c: number) => J.map((row) => row[c]);
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
export const norm = (a: number[]) => Math.sqrt(dot(a, a));

/**
 * Subset selection by column-pivoted Gram-Schmidt (Golub & Van Loan, 5.4.1 and 12.2): repeatedly take
 * the candidate column with the largest part orthogonal to the columns already taken, while that part
 * is at least `tol` of the column's own norm. Returns the taken columns in order and, for each column
 * left out, its least-squares coefficients on the taken ones (what the left-out parameter is confounded with).
 */
export function selectColumns(J: Matrix, candidates: number[], tol: number): { taken: number[]; left: Map<number, Map<number, number>> } {
  const orig = new Map(candidates.map((c) => [c, col(J, c)]));
  const resid = new Map(candidates.map((c) => [c, [...orig.get(c)!]]));
  const basis: number[][] = [];
  const taken: number[] = [];
  const remaining = new Set(candidates);
  for (;;) {
    let best = -1;
    let bestNorm = 0;
    for (const c of remaining) {
      const rn = norm(resid.get(c)!);
      const on = norm(orig.get(c)!);
      if (on > 0 && rn / on >= tol && rn > bestNorm) { best = c; bestNorm = rn; }
    }
    if (best < 0) break;
    const q = resid.get(best)!.map((v) => v / bestNorm);
    basis.push(q);
    taken.push(best);
    remaining.delete(best);
    for (const c of remaining) {
      const r = resid.get(c)!;
      const d = dot(q, r);
      for (let i = 0; i < r.length; i++) r[i] -= d * q[i];
    }
  }
  const left = new Map<number, Map<number, number>>();
  if (remaining.size) {
    const A = transposeTimes(J, taken);
    for (const c of remaining) {
      const coef = solve(A, transposeVec(J, taken, col(J, c))) ?? taken.map(() => 0);
      left.set(c, new Map(taken.map((t, i) => [t, coef[i]])));
    }
  }
  return { taken, left };
}
