import { roundTripSuite } from './calibrate-roundtrip.ts';

// Built-in profiles at even registry positions; the odd ones run in a second file, on the other core.
roundTripSuite((i) => i % 2 === 0);
