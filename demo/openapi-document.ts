/**
 * The services' OpenAPI documents as the demo and the contract check read them
 * (contracts/<service>.openapi.yaml): the document, its local `$ref`s followed, a path template
 * as a pattern.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type Json = Record<string, unknown>;

/** The project root (the folder with contracts/), from demo/ or from dist/demo/. */
function projectRootUrl(): URL {
  const here = new URL('.', import.meta.url);
  return existsSync(new URL('../contracts', here)) ? new URL('../', here) : new URL('../../', here);
}

const documents = new Map<string, Json>();

/** The OpenAPI document of the service `name` (contracts/<name>.openapi.yaml), read once. */
export function openApiDocument(name: string): Json {
  let document = documents.get(name);
  if (document === undefined) {
    const file = new URL(`contracts/${name}.openapi.yaml`, projectRootUrl());
    documents.set(name, (document = parseYaml(readFileSync(file, 'utf8')) as Json));
  }
  return document;
}

/** `node` with its local `$ref`s followed, and the JSON pointer of where they led (none when `node` was no reference). */
export function followRef(document: Json, node: unknown): { node: Json; pointer: string | undefined } {
  let current = node as Json;
  let pointer: string | undefined;
  for (let hops = 0; hops < 16; hops++) {
    const ref = current.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) break;
    pointer = ref.slice(1);
    current = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Json | undefined)?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], document) as Json;
  }
  return { node: current, pointer };
}

/** A path template (`/users/{id}`) as a pattern that captures each parameter's segment. */
export function pathPattern(template: string): RegExp {
  return new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
}
