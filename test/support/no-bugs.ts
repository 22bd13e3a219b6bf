/**
 * After every test: no server process it started logged an uncaught exception, an unhandled
 * rejection or a demo service's contract violation (the process survives them, so only its log
 * tells), and no fake or in-process demo service stepped outside its OpenAPI document.
 */
import { afterEach, expect } from 'vitest';
import { takeViolations } from './contract-violations.js';
import { takeBugLines } from './server-process.js';

afterEach(() => {
  expect(takeBugLines()).toEqual([]);
  expect(takeViolations(), 'exchanges outside contracts/*.openapi.yaml').toEqual([]);
});
