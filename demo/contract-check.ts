/**
 * Holds one HTTP exchange of a service to the service's OpenAPI document
 * (contracts/<service>.openapi.yaml): the request's operation, path, query and header parameters
 * and body, and the answer's status, headers and body. Each schema is checked by Ajv as JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1, against the document itself (no copy of a shape).
 *
 * The demo services check themselves with it when asked (`DEMO_CONTRACT_CHECK=on`, which the
 * test suites set), and the tests' fake services check every exchange with it: a service that
 * the graph is tested against is one that follows the documents.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ServiceName } from '../errors/service-name.js';
import { followRef, openApiDocument, pathPattern, type Json } from './openapi-document.js';

// ajv-formats is CommonJS: its function is the module's default export's `default` under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface Exchange {
  readonly method: string;
  /** Path and query as sent, e.g. `/users?ids=u1,u2`. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  /** The request body as received ('' for none). */
  readonly body: string;
  /** The answer; left out, only the request is checked. */
  readonly response?: {
    readonly status: number;
    readonly headers: OutgoingHttpHeaders;
    /** The body as sent (a string), or the value sent as JSON. */
    readonly body: unknown;
  };
}

/** Checks exchanges of one service; each violation is one line: `<service> <METHOD> <path>: <what>`. */
export type ContractCheck = (exchange: Exchange) => string[];

interface Operation {
  readonly pattern: RegExp;
  readonly method: string;
  readonly path: string;
  readonly node: Json;
  readonly pointer: string;
  readonly parameters: Json[];
}

const checks = new Map<ServiceName, ContractCheck>();

/** The check of the service's exchanges, built (its document read, its schemas compiled) once per process. */
export function contractCheck(service: ServiceName): ContractCheck {
  let check = checks.get(service);
  if (check === undefined) checks.set(service, (check = buildCheck(service, openApiDocument(service))));
  return check;
}

function buildCheck(service: ServiceName, document: Json): ContractCheck {
  const id = `urn:contract:${service}`;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, id);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (pointer: string): ValidateFunction => {
    let validate = compiled.get(pointer);
    if (validate === undefined) compiled.set(pointer, (validate = ajv.compile({ $ref: `${id}#${pointer}` })));
    return validate;
  };
  const resolve = (node: Json): [Json, string | undefined] => {
    const followed = followRef(document, node);
    return [followed.node, followed.pointer];
  };
  const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    const pattern = pathPattern(path);
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
      const node = item[method] as Json | undefined;
      if (node === undefined) continue;
      const pointer = `/paths/${escape(path)}/${method}`;
      const parameters = [
        ...((item.parameters ?? []) as Json[]).map((p, i) => ({ p, at: `/paths/${escape(path)}/parameters/${i}` })),
        ...((node.parameters ?? []) as Json[]).map((p, i) => ({ p, at: `${pointer}/parameters/${i}` })),
      ].map(({ p, at }) => {
        const [parameter, refPointer] = resolve(p);
        return { ...parameter, pointer: refPointer ?? at };
      });
      operations.push({ pattern, method: method.toUpperCase(), path, node, pointer, parameters });
    }
  }

  const schemaErrors = (pointer: string, value: unknown): string[] => {
    const validate = validator(pointer);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is not valid'}`);
  };

  return (exchange) => {
    const url = new URL(exchange.target, 'http://service');
    const where = `${service} ${exchange.method} ${url.pathname}`;
    let match: RegExpExecArray | null = null;
    const operation = operations.find((o) => o.method === exchange.method && (match = o.pattern.exec(url.pathname)) !== null);
    if (operation === undefined || match === null) return [`${where}: no such operation in contracts/${service}.openapi.yaml`];
    const violations: string[] = [];
    const report = (what: string) => violations.push(`${where} (${String(operation.node.operationId)}): ${what}`);

    // The request.
    const pathValues = (match as RegExpExecArray).slice(1);
    const pathNames = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const parameter of operation.parameters) {
      const name = String(parameter.name);
      const schemaAt = `${String(parameter.pointer)}/schema`;
      const schema = parameter.schema as Json | undefined;
      let raw: string | undefined;
      if (parameter.in === 'path') raw = safeDecode(pathValues[pathNames.indexOf(name)]);
      else if (parameter.in === 'query') raw = rawQueryValue(url.search, name);
      else if (parameter.in === 'header') raw = headerValue(exchange.headers[name.toLowerCase()]);
      else continue;
      if (raw === undefined) {
        if (parameter.required === true) report(`the ${String(parameter.in)} parameter ${name} is missing`);
        continue;
      }
      for (const error of schemaErrors(schemaAt, parameterValue(raw, schema, parameter)))
        report(`the ${String(parameter.in)} parameter ${name}: ${error}`);
    }
    const [requestBody, requestBodyRef] = resolve((operation.node.requestBody ?? {}) as Json);
    const requestSchemaAt = `${requestBodyRef ?? `${operation.pointer}/requestBody`}/content/application~1json/schema`;
    if (exchange.body === '') {
      if (requestBody.required === true) report('the request has no body');
    } else if (requestBody.content === undefined) report('the request has a body, which this operation does not take');
    else {
      if (!/^application\/json\b/.test(exchange.headers['content-type'] ?? '')) report('the request body is not sent as application/json');
      const body = parseJson(exchange.body);
      if (body === undefined) report('the request body is not JSON');
      else for (const error of schemaErrors(requestSchemaAt, body.value)) report(`the request body: ${error}`);
    }

    // The answer.
    if (exchange.response === undefined) return violations;
    const { status } = exchange.response;
    const responses = operation.node.responses as Json;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
    if (key === undefined) {
      report(`the status ${status} is not documented`);
      return violations;
    }
    const [response, responseRef] = resolve(responses[key] as Json);
    const responseAt = responseRef ?? `${operation.pointer}/responses/${key}`;
    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      const [definition, headerRef] = resolve(header);
      const raw = headerValue(exchange.response.headers[name.toLowerCase()]);
      if (raw === undefined) {
        if (definition.required === true) report(`the answer's ${name} header is missing`);
        continue;
      }
      const at = `${headerRef ?? `${responseAt}/headers/${escape(name)}`}/schema`;
      for (const error of schemaErrors(at, parameterValue(raw, definition.schema as Json | undefined, definition)))
        report(`the answer's ${name} header: ${error}`);
    }
    const sent = exchange.response.body;
    const empty = sent === undefined || sent === '';
    if (response.content === undefined) {
      if (!empty) report(`the ${status} answer has a body, which the document does not give it`);
      return violations;
    }
    if (empty) {
      report(`the ${status} answer has no body`);
      return violations;
    }
    const contentType = headerValue(exchange.response.headers['content-type']) ?? '';
    if (!/^application\/json\b/.test(contentType)) report(`the ${status} answer is not application/json`);
    const body = typeof sent === 'string' ? parseJson(sent) : { value: sent };
    if (body === undefined) report(`the ${status} answer is not JSON`);
    else
      for (const error of schemaErrors(`${responseAt}/content/application~1json/schema`, body.value))
        report(`the ${status} answer: ${error}`);
    return violations;
  };
}

/** A parameter's text as its schema types it: a comma-separated list (`style: form`, `explode: false`), a number. */
function parameterValue(raw: string, schema: Json | undefined, parameter: Json): unknown {
  const encoded = parameter.in === 'query';
  const text = (value: string) => (encoded ? (safeDecode(value) ?? value) : value);
  if (schema?.type === 'array') return parameter.explode === false || !encoded ? raw.split(',').map(text) : [text(raw)];
  const value = text(raw);
  if ((schema?.type === 'integer' || schema?.type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** A query parameter as sent (still percent-encoded, so that an encoded comma stays inside its item); `+` is a space. */
function rawQueryValue(search: string, name: string): string | undefined {
  for (const pair of search.slice(1).split('&')) {
    const at = pair.indexOf('=');
    const key = at === -1 ? pair : pair.slice(0, at);
    if ((safeDecode(key.replaceAll('+', ' ')) ?? key) === name) return at === -1 ? '' : pair.slice(at + 1).replaceAll('+', ' ');
  }
  return undefined;
}

function headerValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function safeDecode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
