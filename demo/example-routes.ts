/**
 * A service served from its OpenAPI document alone: each operation answers its first success
 * status with the document's example (the media type's `example` or first `examples` entry, else
 * one built from the schema and the examples of its parts). A service the demo has no routes of
 * its own for (a sixth one, just added) is served so, and so are the test fakes of one: writing
 * its examples into the document is all it takes.
 */
import type { DemoResponse, Route } from './demo-server.js';
import { followRef, pathPattern, type Json } from './openapi-document.js';

export function exampleRoutes(document: Json): Route[] {
  const routes: Route[] = [];
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    const pattern = pathPattern(path);
    for (const method of ['get', 'post', 'delete'] as const) {
      const operation = item[method] as Json | undefined;
      if (operation === undefined) continue;
      const answer = exampleAnswer(document, (operation.responses ?? {}) as Json);
      const parameters = [...((item.parameters ?? []) as Json[]), ...((operation.parameters ?? []) as Json[])];
      const idempotent = parameters.some((p) => String((resolve(document, p) as Json).name).toLowerCase() === 'idempotency-key');
      routes.push({
        method: method.toUpperCase() as Route['method'],
        pattern,
        ...(idempotent ? { idempotent } : {}),
        handle: () => answer,
      });
    }
  }
  return routes;
}

function exampleAnswer(document: Json, responses: Json): DemoResponse {
  const status = Object.keys(responses)
    .filter((code) => /^2\d\d$/.test(code))
    .sort()[0];
  if (status === undefined) return { status: 204 };
  const media = ((resolve(document, responses[status]) as Json).content as Record<string, Json> | undefined)?.['application/json'];
  if (media === undefined) return { status: Number(status) };
  const examples = Object.values((media.examples ?? {}) as Record<string, Json>);
  const given = media.example ?? (resolve(document, examples[0]) as Json | undefined)?.value;
  return { status: Number(status), body: given ?? exampleOf(document, media.schema as Json | undefined, 0) };
}

/** A value the schema takes: its example, else one built from its parts. */
function exampleOf(document: Json, raw: Json | undefined, depth: number): unknown {
  if (raw === undefined || depth > 16) return null;
  const schema = resolve(document, raw) as Json;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] as unknown;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as unknown;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const type = types.find((t) => t !== 'null' && t !== undefined);
  switch (type) {
    case 'object':
    case undefined: {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      if (type === undefined && Object.keys(properties).length === 0) return null;
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, exampleOf(document, property, depth + 1)]));
    }
    case 'array':
      return Array.from({ length: Math.max(1, Number(schema.minItems ?? 1)) }, () => exampleOf(document, schema.items as Json, depth + 1));
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
  }
}

function resolve(document: Json, node: unknown): unknown {
  return node === undefined ? undefined : followRef(document, node).node;
}
