/**
 * Whether a service's published OpenAPI document still gives the graph everything it uses.
 *
 * The graph's own document of the service (contracts/<service>.openapi.yaml) says what it uses
 * and nothing more: the operations it calls, the parameters and bodies it sends, the statuses
 * and fields it reads. The published document is compatible when every one of those is still
 * there as the graph uses it. Requests are compared one way (what the graph sends must still be
 * taken: no parameter or field gone, no new required one, no narrower limit), answers the other
 * (what the graph reads must still come: no field gone or renamed, none turned optional or
 * nullable, no changed type, no enum value the graph does not know). What the service adds is
 * never a break. Both documents are compared with their `$ref`s followed (`dereferenced`).
 */
import { shortened } from './shortened.js';

export { dereferenced } from './openapi-source.js';

type Json = Record<string, unknown>;

export interface Break {
  readonly service: string;
  /** `operationId METHOD /path` of the graph's document. */
  readonly operation: string;
  /** Where: `query.ids`, `header.Idempotency-Key`, `$.users[].email` (answer), `body$.items[].quantity` (request). */
  readonly path: string;
  readonly change: string;
}

/** A break as one line: the published document's values in it cut short (a document may hold anything). */
export const formatBreak = (b: Break): string =>
  `${b.service} ${shortened(b.operation, 200)} ${shortened(b.path, 200)}: ${shortened(b.change, 300)}`;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The breaks of `published` against what the graph uses (`ours`), both `dereferenced`; none when compatible. */
export function upstreamBreaks(service: string, ours: Json, published: Json): Break[] {
  const breaks: Break[] = [];
  const theirPaths = (published.paths ?? {}) as Record<string, Json>;
  // Path templates match whatever their parameters are named: `/users/{id}` is `/users/{userId}`.
  const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
  const theirByShape = new Map(Object.entries(theirPaths).map(([path, item]) => [shape(path), { path, item }]));

  for (const [path, ourItem] of Object.entries((ours.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const ourOperation = ourItem[method] as Json | undefined;
      if (ourOperation === undefined) continue;
      const operation = `${String(ourOperation.operationId)} ${method.toUpperCase()} ${path}`;
      const report = (where: string, change: string) => breaks.push({ service, operation, path: where, change });
      const their = theirByShape.get(shape(path));
      const theirOperation = their?.item[method] as Json | undefined;
      if (their === undefined || theirOperation === undefined) {
        report('$', 'the operation is gone (no such path and method in the published document)');
        continue;
      }
      const ourNames = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const theirNames = [...their.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const rename = new Map(ourNames.map((name, i) => [name, theirNames[i]!]));

      // Parameters: what the graph sends must still be taken as it sends it.
      const ourParameters = parametersOf(ourItem, ourOperation);
      const theirParameters = parametersOf(their.item, theirOperation);
      const key = (inWhat: unknown, name: string) => `${String(inWhat)}.${inWhat === 'header' ? name.toLowerCase() : name}`;
      const theirByKey = new Map(theirParameters.map((p) => [key(p.in, String(p.name)), p]));
      const sent = new Set<string>();
      for (const parameter of ourParameters) {
        const name = parameter.in === 'path' ? (rename.get(String(parameter.name)) ?? String(parameter.name)) : String(parameter.name);
        const where = `${String(parameter.in)}.${String(parameter.name)}`;
        sent.add(key(parameter.in, name));
        const theirs = theirByKey.get(key(parameter.in, name));
        if (theirs === undefined) {
          report(where, 'no longer taken (removed or renamed)');
          continue;
        }
        compareSerialization(parameter, theirs, where, report);
        compareSent((parameter.schema ?? {}) as Json, (theirs.schema ?? {}) as Json, where, report);
      }
      for (const parameter of theirParameters)
        if (parameter.required === true && !sent.has(key(parameter.in, String(parameter.name))))
          report(`${String(parameter.in)}.${String(parameter.name)}`, 'a new required parameter the graph does not send');

      // The request body the graph sends.
      const ourBody = jsonSchemaOf(ourOperation.requestBody);
      const theirBody = jsonSchemaOf(theirOperation.requestBody);
      if (ourBody !== undefined) {
        if (theirBody === undefined) report('body$', 'the request body is no longer taken as application/json');
        else compareSent(ourBody, theirBody, 'body$', report);
      } else if (theirBody !== undefined && (theirOperation.requestBody as Json | undefined)?.required === true) {
        report('body$', 'a new required request body the graph does not send');
      }

      // The answers the graph reads.
      const ourResponses = (ourOperation.responses ?? {}) as Json;
      const theirResponses = (theirOperation.responses ?? {}) as Json;
      for (const status of Object.keys(ourResponses)) {
        if (status === 'default') continue;
        const ourSchema = jsonSchemaOf(ourResponses[status]);
        // A success is never answered by `default` (an error's shape): an error status may be.
        const candidates = status.startsWith('2') ? [status, '2XX'] : [status, `${status[0]}XX`, 'default'];
        const theirKey = candidates.find((k) => theirResponses[k] !== undefined);
        if (theirKey === undefined) {
          report(`$`, `the ${status} answer is gone`);
          continue;
        }
        if (ourSchema === undefined) continue;
        const theirSchema = jsonSchemaOf(theirResponses[theirKey]);
        if (theirSchema === undefined) report('$', `the ${status} answer no longer has an application/json body`);
        else compareRead(ourSchema, theirSchema, '$', (where, change) => report(where, `${change} (${status} answer)`));
      }
    }
  }
  return breaks;
}

type Report = (where: string, change: string) => void;

interface Shape {
  readonly types: ReadonlySet<string>;
  readonly nullable: boolean;
  readonly schema: Json;
}

/**
 * A schema's types (without `null`) and whether it is nullable, across 3.1 (`type: [x, 'null']`,
 * `oneOf` with null) and 3.0 (`nullable`).
 */
function shapeOf(raw: Json): Shape {
  const schema = merged(raw);
  const types = new Set<string>();
  let nullable = schema.nullable === true;
  const add = (type: unknown) => {
    for (const t of Array.isArray(type) ? type : type === undefined ? [] : [type]) {
      if (t === 'null') nullable = true;
      else types.add(String(t));
    }
  };
  add(schema.type);
  for (const variant of [...((schema.oneOf ?? []) as Json[]), ...((schema.anyOf ?? []) as Json[])]) {
    const inner = shapeOf(variant);
    if (inner.nullable) nullable = true;
    for (const t of inner.types) types.add(t);
  }
  if (schema.const === null || (Array.isArray(schema.enum) && schema.enum.includes(null))) nullable = true;
  if (types.size === 0 && typeof schema.const === 'string') types.add('string');
  return { types, nullable, schema };
}

/** The schema with its `allOf` merged (properties, required), enough to compare shapes. */
function merged(schema: Json): Json {
  if (!Array.isArray(schema.allOf)) return schema;
  const parts = (schema.allOf as Json[]).map((part) => merged(part));
  return parts.reduce<Json>(
    (all, part) => ({
      ...all,
      ...part,
      properties: { ...((all.properties ?? {}) as Json), ...((part.properties ?? {}) as Json) },
      required: [...((all.required ?? []) as string[]), ...((part.required ?? []) as string[])],
    }),
    { ...schema, allOf: undefined },
  );
}

/** What the graph reads must still come, as it reads it. */
function compareRead(ourRaw: Json, theirRaw: Json, where: string, report: Report, depth = 0): void {
  if (depth > 32) return;
  const our = shapeOf(ourRaw);
  const their = shapeOf(theirRaw);
  if (theirRaw === (false as unknown)) return report(where, 'no value is valid any more (schema false)');
  if (!our.nullable && their.nullable) report(where, 'became nullable');
  // A schema without a type (`{}`, `true`, only `not`) promises nothing: what the graph reads as a type is no longer promised.
  if (our.types.size > 0 && their.types.size === 0) return report(where, `type changed from ${[...our.types].join('|')} to any (no type)`);
  const excluded = excludedTypes(their.schema).filter((t) => our.types.has(t));
  if (excluded.length > 0) return report(where, `no longer a ${excluded.join('|')} (excluded by not)`);
  const changed = [...their.types].filter((t) => !our.types.has(t) && !(t === 'integer' && our.types.has('number')));
  if (our.types.size > 0 && changed.length > 0)
    return report(where, `type changed from ${[...our.types].join('|')} to ${[...their.types].join('|')}`);
  if (our.schema.format === 'int32' && their.schema.format !== 'int32' && their.types.has('integer'))
    report(where, `format changed from int32 to ${typeof their.schema.format === 'string' ? their.schema.format : 'any integer'}`);
  const ourValues = allowedValues(our.schema);
  const theirValues = allowedValues(their.schema);
  if (ourValues !== undefined) {
    if (theirValues === undefined) report(where, `no longer limited to ${ourValues.map(shortValue).join(', ')}`);
    else
      for (const value of theirValues)
        if (!ourValues.includes(value)) report(where, `a value the graph does not know: ${shortValue(value)}`);
  }
  if (our.types.has('object')) {
    const ourProperties = (our.schema.properties ?? {}) as Record<string, Json>;
    const theirProperties = (their.schema.properties ?? {}) as Record<string, Json>;
    const ourRequired = new Set((our.schema.required ?? []) as string[]);
    const theirRequired = new Set((their.schema.required ?? []) as string[]);
    for (const [name, ourProperty] of Object.entries(ourProperties)) {
      const at = `${where}.${name}`;
      const theirProperty = theirProperties[name];
      if (theirProperty === undefined) {
        report(at, 'removed or renamed');
        continue;
      }
      if (ourRequired.has(name) && !theirRequired.has(name)) report(at, 'became optional');
      compareRead(ourProperty, theirProperty, at, report, depth + 1);
    }
  }
  if (our.types.has('array') && our.schema.items !== undefined && their.schema.items !== undefined)
    compareRead(our.schema.items as Json, their.schema.items as Json, `${where}[]`, report, depth + 1);
}

/** What the graph sends must still be taken, as it sends it. */
function compareSent(ourRaw: Json, theirRaw: Json, where: string, report: Report, depth = 0): void {
  if (depth > 32) return;
  const our = shapeOf(ourRaw);
  const their = shapeOf(theirRaw);
  if (theirRaw === (false as unknown)) return report(where, 'no value is taken any more (schema false)');
  if (our.nullable && !their.nullable) report(where, 'no longer takes null');
  const excluded = excludedTypes(their.schema).filter((t) => our.types.has(t));
  if (excluded.length > 0) return report(where, `no longer takes a ${excluded.join('|')} (excluded by not)`);
  const refused = [...our.types].filter(
    (t) => their.types.size > 0 && !their.types.has(t) && !(t === 'integer' && their.types.has('number')),
  );
  if (refused.length > 0) return report(where, `type changed from ${[...our.types].join('|')} to ${[...their.types].join('|')}`);
  const narrower = (keyword: string, larger: (a: number, b: number) => boolean, what: string) => {
    const ourLimit = our.schema[keyword];
    const theirLimit = their.schema[keyword];
    if (typeof theirLimit === 'number' && (typeof ourLimit !== 'number' || larger(ourLimit, theirLimit)))
      report(where, `${what} narrowed from ${typeof ourLimit === 'number' ? ourLimit : 'none'} to ${theirLimit}`);
  };
  narrower('maxItems', (a, b) => a > b, 'at most this many items:');
  narrower('minItems', (a, b) => a < b, 'at least this many items:');
  narrower('maxLength', (a, b) => a > b, 'at most this long:');
  narrower('minLength', (a, b) => a < b, 'at least this long:');
  narrower('maximum', (a, b) => a > b, 'at most:');
  narrower('minimum', (a, b) => a < b, 'at least:');
  const ourValues = allowedValues(our.schema);
  const theirValues = allowedValues(their.schema);
  if (theirValues !== undefined) {
    if (ourValues === undefined) report(where, `now limited to ${theirValues.map(shortValue).join(', ')}`);
    else for (const value of ourValues) if (!theirValues.includes(value)) report(where, `no longer takes ${String(value)}`);
  }
  if (our.types.has('object')) {
    const ourProperties = (our.schema.properties ?? {}) as Record<string, Json>;
    const theirProperties = (their.schema.properties ?? {}) as Record<string, Json>;
    const closed = their.schema.additionalProperties === false;
    for (const [name, ourProperty] of Object.entries(ourProperties)) {
      const theirProperty = theirProperties[name];
      if (theirProperty === undefined) {
        if (closed || Object.keys(theirProperties).length > 0) report(`${where}.${name}`, 'no longer taken (removed or renamed)');
        continue;
      }
      compareSent(ourProperty, theirProperty, `${where}.${name}`, report, depth + 1);
    }
    const ourRequired = new Set((our.schema.required ?? []) as string[]);
    for (const name of (their.schema.required ?? []) as string[])
      if (!ourRequired.has(name)) report(`${where}.${name}`, 'a new required field the graph does not send');
  }
  if (our.types.has('array') && our.schema.items !== undefined && their.schema.items !== undefined)
    compareSent(our.schema.items as Json, their.schema.items as Json, `${where}[]`, report, depth + 1);
}

/** The types a schema's `not` excludes (`{"not": {"type": "string"}}`). */
function excludedTypes(schema: Json): string[] {
  const not = schema.not as Json | undefined;
  if (typeof not !== 'object' || not === null) return [];
  const keys = Object.keys(not).filter((key) => key !== 'description' && key !== 'title');
  // Only a `not` that is a bare type excludes the whole type; a narrower one (`not: {const: x}`) does not.
  if (keys.length !== 1 || keys[0] !== 'type') return [];
  return [...shapeOf(not).types];
}

/**
 * How a parameter's value is written into the request (OpenAPI 3, "Style Values"): the style
 * (its default by place), `explode` (which changes only arrays and objects), `allowReserved` and a
 * `content` media type instead of a schema. The graph keeps writing it its way: any change is a break.
 */
function compareSerialization(ours: Json, theirs: Json, where: string, report: Report): void {
  const place = String(ours.in);
  const defaultStyle = place === 'query' || place === 'cookie' ? 'form' : 'simple';
  const style = (p: Json) => (typeof p.style === 'string' ? p.style : defaultStyle);
  const explode = (p: Json) => (typeof p.explode === 'boolean' ? p.explode : style(p) === 'form');
  const composite = shapeOf((ours.schema ?? {}) as Json).types;
  if (style(ours) !== style(theirs)) report(where, `written differently: style ${style(ours)} became ${shortValue(style(theirs))}`);
  else if ((composite.has('array') || composite.has('object')) && explode(ours) !== explode(theirs))
    report(where, `written differently: explode ${String(explode(ours))} became ${String(explode(theirs))}`);
  if ((ours.allowReserved === true) !== (theirs.allowReserved === true))
    report(
      where,
      `written differently: allowReserved ${String(ours.allowReserved === true)} became ${String(theirs.allowReserved === true)}`,
    );
  const mediaType = (p: Json) => (typeof p.content === 'object' && p.content !== null ? Object.keys(p.content).join(',') : 'none');
  if (mediaType(ours) !== mediaType(theirs))
    report(where, `written differently: content ${mediaType(ours)} became ${shortValue(mediaType(theirs))}`);
}

const shortValue = (value: unknown) => shortened(String(value), 60);

function allowedValues(schema: Json): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum.filter((value) => value !== null) : undefined;
}

function parametersOf(item: Json, operation: Json): Json[] {
  const all = [...((item.parameters ?? []) as Json[]), ...((operation.parameters ?? []) as Json[])];
  // An operation's parameter overrides the path's of the same name and place.
  const byKey = new Map(all.map((p) => [`${String(p.in)}.${String(p.name).toLowerCase()}`, p]));
  return [...byKey.values()];
}

/** The application/json schema of a request body or response object. */
function jsonSchemaOf(node: unknown): Json | undefined {
  const content = (node as Json | undefined)?.content as Record<string, Json> | undefined;
  if (content === undefined) return undefined;
  const json = Object.entries(content).find(([type]) => /^application\/(.+\+)?json\b/.test(type))?.[1];
  return json?.schema as Json | undefined;
}
