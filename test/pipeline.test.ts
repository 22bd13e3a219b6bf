/**
 * The request pipeline's order rules (server/pipeline.ts): a stage that reads what an earlier one
 * hands it says so, and a list that breaks such a rule does not start. The graph's own list is
 * checked by every test that starts a graph; here, that the check bites.
 */
import { describe, expect, it } from 'vitest';
import { pluginsInOrder, type Stage } from '../server/pipeline.js';

const stage = (name: string, after?: string[]): Stage => ({
  name,
  acts: ['parse'],
  why: `${name} reads what the earlier ones stored`,
  plugins: [{}],
  ...(after === undefined ? {} : { after }),
});

describe('the request pipeline', () => {
  it('takes stages in an order that keeps their rules, plugins in that order', () => {
    const first = {};
    const second = {};
    const plugins = pluginsInOrder([
      { ...stage('authentication'), plugins: [first] },
      { ...stage('rate limit', ['authentication']), plugins: [second] },
    ]);
    expect(plugins).toHaveLength(2);
    expect(plugins[0]).toBe(first);
    expect(plugins[1]).toBe(second);
  });

  it('refuses a stage before one it must follow, saying why', () => {
    expect(() => pluginsInOrder([stage('rate limit', ['authentication']), stage('authentication')])).toThrow(
      'request pipeline: "rate limit" must come after "authentication": rate limit reads what the earlier ones stored',
    );
  });

  it('refuses a rule naming a stage that is not there', () => {
    expect(() => pluginsInOrder([stage('telemetry', ['error modes'])])).toThrow('"telemetry" follows "error modes", which is not in it');
  });
});
