/**
 * After every test: no server process it started logged an uncaught exception or an
 * unhandled rejection (the process survives them, so only its log tells).
 */
import { afterEach, expect } from 'vitest';
import { takeBugLines } from './server-process.js';

afterEach(() => {
  expect(takeBugLines()).toEqual([]);
});
