/**
 * Property tests draw a fresh seed on every local run, which keeps finding new cases (the page
 * fault handler booked on no core, a transient mistaken for a steady state). Under CI=true they
 * draw from one fixed seed (FC_SEED overrides it), so a run on a clean clone passes or fails on
 * the code alone; a property that names its own seed keeps it. A failure prints the seed and the
 * path to replay it either way.
 */
import fc from 'fast-check';

if (process.env.CI) fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });
