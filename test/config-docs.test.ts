/**
 * The defaults have one place, the code that reads the environment (server/config.ts). What
 * the configuration tables of docs/configuration.md, the README's main settings and the settings
 * types' `@default`s say is checked against it, variable by variable, so that none can drift from
 * what the server does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declaredSettings } from '../server/config.js';
import { SERVICE_NAMES } from '../errors/service-name.js';

const root = new URL('..', import.meta.url);
const declared = declaredSettings();

/** `<SERVICE>_<NAME>`: the per-service overrides, documented once as `<NAME>`. */
const OVERRIDE = new RegExp(`^(${SERVICE_NAMES.map((s) => s.toUpperCase()).join('|')})_(?!API_URL$)`);

/** A default as the documentation writes it: `unset`, `on`/`off`, or the value. */
function documented(name: string): string {
  const value = declared.get(name);
  return value === undefined ? 'unset' : `${value as string | number | boolean}`;
}

/** `REQUEST_TIMEOUT_MS + 5000`, a default computed from another's, as a value. */
function evaluate(text: string): string {
  const sum = /^`?([A-Z_]+)`? \+ (\d+)$/.exec(text);
  return sum === null ? text : String(Number(declared.get(sum[1]!)) + Number(sum[2]));
}

/** Variable → the default the tables of a page (or of one of its sections) give it. */
function tableDefaults(page: string, heading?: string): Map<string, string> {
  const text = readFileSync(new URL(page, root), 'utf8');
  const start = heading === undefined ? 0 : text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${page} has no section "${heading}"`);
  const end = heading === undefined ? -1 : text.indexOf('\n## ', start + 1);
  const section = end < 0 ? text.slice(start) : text.slice(start, end);
  const found = new Map<string, string>();
  let prefix = '';
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const [names, defaults] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
    // `<SERVICE>_API_URL`: one variable per service of errors/service-name.ts.
    const variables = [...names!.matchAll(/`([^`]+)`/g)]
      .map((match) => match[1]!)
      .flatMap((name) => (name === '<SERVICE>_API_URL' ? SERVICE_NAMES.map((service) => `${service.toUpperCase()}_API_URL`) : [name]));
    // The per-service table's header names its rows `<NAME>`: UPSTREAM_<NAME> for every service.
    if (variables[0] === '<NAME>') {
      prefix = 'UPSTREAM_';
      continue;
    }
    const computed = /^`[A-Z_]+` \+ \d+$/.test(defaults!) ? [defaults!] : [];
    const values = computed.length > 0 ? computed : [...defaults!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    if (values.length === 0) values.push(defaults!.split(/[ ,:]/)[0]!);
    variables.forEach((variable, i) =>
      found.set(prefix + variable, evaluate(values.length === variables.length ? values[i]! : values[0]!)),
    );
  }
  return found;
}

/** Variable → the `@default` of the settings type that documents it. */
function jsdocDefaults(): Map<string, string> {
  const files = [
    'server/config.ts',
    'datasources/upstream-settings.ts',
    'place-order/order-settings.ts',
    'security/authentication.ts',
    'security/exposure.ts',
    'security/cors.ts',
    'security/operation-limits.ts',
    'security/rate-limit.ts',
  ];
  const found = new Map<string, string>();
  for (const file of files) {
    for (const [, text, variable] of readFileSync(new URL(file, root), 'utf8').matchAll(/@default (.+?) \(`([A-Z_]+)`/g)) {
      // A quoted default is taken whole (a list of origins has commas and colons of its own).
      const quoted = /^"([^"]*)"/.exec(text!)?.[1];
      const value = quoted ?? text!.split(/[,:]/)[0]!.trim();
      found.set(variable!, evaluate(value === 'true' ? 'on' : value === 'false' ? 'off' : value));
    }
  }
  return found;
}

describe('the documented defaults', () => {
  const variables = [...declared.keys()].filter((name) => !OVERRIDE.test(name)).sort();

  it('docs/configuration.md lists every variable the server reads, with the default it applies, and no other', () => {
    const page = tableDefaults('docs/configuration.md');
    expect([...page.keys()].sort()).toEqual(variables);
    for (const name of variables) expect({ name, default: page.get(name) }).toEqual({ name, default: documented(name) });
  });

  it("the README's main settings are settings the server reads, with the default it applies", () => {
    const main = tableDefaults('README.md', 'Main settings');
    expect(main.size).toBeGreaterThanOrEqual(8);
    for (const [name, value] of main) expect({ name, default: value }).toEqual({ name, default: documented(name) });
  });

  it('each settings type documents the default the server applies', () => {
    const jsdoc = jsdocDefaults();
    // Every setting that has a default has its @default (the URLs have none to give).
    expect(jsdoc.size).toBeGreaterThanOrEqual(50);
    for (const [name, value] of jsdoc) expect({ name, default: value }).toEqual({ name, default: documented(name) });
  });
});
