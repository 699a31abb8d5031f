import { roundTripSuite } from './calibrate-roundtrip.ts';

// Built-in profiles at odd registry positions (see calibrate-roundtrip-even.test.ts).
roundTripSuite((i) => i % 2 === 1);
