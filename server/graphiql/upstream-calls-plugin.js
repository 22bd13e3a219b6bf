/* global React, window, Headers, TextDecoder */
/**
 * GraphiQL plugin "Upstream calls": the last answer's upstream calls as a waterfall, one bar
 * per attempt on a shared time axis (ms since the request began), coloured by service, with
 * route, attempt, status or outcome, batch size, cache hit and the concurrency limit, in full
 * (they wrap), the rest on a click; a failed attempt is marked. Retries show as bars of the same call one after another, and the
 * fan-out as bars that overlap. Served with GraphiQL by the process itself (no CDN); it runs
 * in the browser with the React GraphiQL's bundle puts on `globalThis`.
 *
 * It reads the answers where they arrive: GraphiQL's fetcher calls `window.fetch`, which this
 * script wraps to read a copy of every operation's answer (`extensions.upstreamCalls`, and in
 * a `@defer`/`@stream` answer each part's, added up as they come).
 */
// A block of its own: nothing it declares reaches the page's global scope.
{
  const h = React.createElement;
  const SERVICE_COLOURS = {
    personal: '#2563eb',
    professional: '#7c3aed',
    orders: '#059669',
    inventory: '#d97706',
    notifications: '#db2777',
  };
  const CALLS_HEADER = 'x-graph-upstream-calls';

  /** The last answer: `calls` null before the first; `asked` whether its request sent the header. */
  let last = { calls: null, asked: true, streaming: false, answers: 0 };
  const listeners = new Set();
  /** `fresh`: the first drawing of a new answer. `answers` counts them, so that a test can tell a new drawing from the last. */
  const publish = (next, fresh) => {
    last = { ...next, answers: last.answers + (fresh ? 1 : 0) };
    for (const listener of listeners) listener();
  };
  const subscribe = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  const originalFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const response = await originalFetch(input, init);
    const body = typeof init?.body === 'string' ? init.body : '';
    // Operations only: GraphiQL's own schema fetch would wipe the drawing.
    if (body.includes('"query"') && !body.includes('IntrospectionQuery')) {
      const asked = new Headers(init?.headers).get(CALLS_HEADER) === '1';
      read(response.clone(), asked).catch(() => undefined);
    }
    return response;
  };

  async function read(response, asked) {
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('multipart/mixed')) {
      const answer = await response.json();
      publish({ calls: answer?.extensions?.upstreamCalls ?? [], asked, streaming: false }, true);
      return;
    }
    let calls = [];
    publish({ calls, asked, streaming: true }, true);
    for await (const part of multipartParts(response, type)) {
      calls = calls.concat(part?.extensions?.upstreamCalls ?? []);
      publish({ calls, asked, streaming: part?.hasNext === true }, false);
    }
  }

  /** The JSON parts of a multipart/mixed answer, as they arrive. */
  async function* multipartParts(response, type) {
    const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1] ?? '-';
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf(`--${boundary}`, 1); end !== -1; end = buffer.indexOf(`--${boundary}`, 1)) {
        const part = buffer.slice(0, end);
        buffer = buffer.slice(end);
        const json = part.slice(part.indexOf('\r\n\r\n') + 4).trim();
        if (json.startsWith('{')) yield JSON.parse(json);
      }
    }
  }

  const muted = { color: 'hsla(var(--color-neutral), var(--alpha-secondary))' };

  const Icon = function Icon() {
    return h(
      'svg',
      { viewBox: '0 0 24 24', width: '1em', height: '1em', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round' },
      h('path', { d: 'M3 5h7M6 10h10M5 15h5M9 20h12' }),
    );
  };

  const UpstreamCalls = function UpstreamCalls() {
    const answer = React.useSyncExternalStore(subscribe, () => last);
    const panel = (...children) =>
      h(
        'div',
        { className: 'upstream-calls', 'data-answers': answer.answers, 'data-streaming': String(answer.streaming) },
        h('div', { className: 'graphiql-doc-explorer-title' }, 'Upstream calls'),
        ...children,
      );
    const note = (text) => panel(h('p', { style: muted }, text));
    if (answer.calls === null) return note('Run an operation: its upstream calls are drawn here.');
    if (!answer.asked && answer.calls.length === 0)
      return note(`Send the header ${CALLS_HEADER}: 1 to see the upstream calls of an answer.`);
    if (answer.calls.length === 0) return note('This answer made no upstream call.');
    const calls = [...answer.calls].sort((a, b) => a.startMs - b.startMs);
    const end = Math.max(1, ...calls.map((call) => call.startMs + call.durationMs));
    const failed = calls.filter((call) => call.outcome !== 'ok').length;
    const attempts = calls.filter((call) => call.attempt > 0).length;
    const cached = calls.length - attempts;
    const summary =
      `${attempts} attempt${attempts === 1 ? '' : 's'}` +
      (cached > 0 ? `, ${cached} read${cached === 1 ? '' : 's'} answered by the cache` : '') +
      ` in ${Math.round(end)} ms` +
      (failed > 0 ? `, ${failed} failed` : '') +
      ' (click a call for its details)';
    return panel(
      h('p', { style: muted }, summary + (answer.streaming ? ' so far…' : '')),
      h(Axis, { end }),
      ...calls.map((call, index) => h(Bar, { call, end, key: index })),
    );
  };

  const Axis = function Axis({ end }) {
    const ticks = [0, 0.5, 1];
    return h(
      'div',
      {
        style: {
          position: 'relative',
          height: '1.4em',
          marginLeft: 'calc(32% + 0.5em)',
          marginRight: 'calc(26% + 0.5em)',
          fontSize: '0.75em',
          ...muted,
        },
      },
      ...ticks.map((tick) =>
        h(
          'span',
          {
            key: tick,
            style: { position: 'absolute', whiteSpace: 'nowrap', left: `${tick * 100}%`, transform: `translateX(-${tick * 100}%)` },
          },
          `${Math.round(end * tick)} ms`,
        ),
      ),
    );
  };

  const Bar = function Bar({ call, end }) {
    const [open, setOpen] = React.useState(false);
    const ok = call.outcome === 'ok';
    const colour = SERVICE_COLOURS[call.service] ?? '#64748b';
    const flags = [
      call.status === null ? null : `HTTP ${call.status}`,
      ok ? null : call.outcome,
      call.batchSize === null ? null : `batch of ${call.batchSize}`,
      call.cacheHit ? `answered by the cache (${call.cache ?? 'memory'})` : null,
      call.attempt === 0 ? null : `limit ${call.concurrencyLimit}`,
    ].filter((flag) => flag !== null);
    const attempt = call.attempt === 0 ? 'no attempt' : `attempt ${call.attempt}`;
    const details =
      `${call.service} ${call.method} ${call.route}, ${attempt}: ${flags.join(', ')}; ` +
      `started at ${call.startMs} ms, took ${call.durationMs} ms`;
    const status = ok ? (call.status ?? 'ok') : call.outcome === 'status' ? `HTTP ${call.status}` : call.outcome;
    const extras = (call.batchSize === null ? '' : ` · ×${call.batchSize}`) + (call.cacheHit ? ` · cache (${call.cache ?? 'memory'})` : '');
    const toggle = () => setOpen((was) => !was);
    // Routes and statuses wrap rather than being cut short: a row grows as tall as its text.
    const wraps = { overflowWrap: 'anywhere' };
    return h(
      'div',
      {
        className: `upstream-call${ok ? '' : ' upstream-call-failed'}`,
        'data-service': call.service,
        'data-outcome': call.outcome,
        title: details,
        role: 'button',
        tabIndex: 0,
        'aria-expanded': String(open),
        onClick: toggle,
        onKeyDown: (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            toggle();
          }
        },
        style: { margin: '0.3em 0', fontSize: '0.8em', cursor: 'pointer' },
      },
      h(
        'div',
        { style: { display: 'flex', alignItems: 'center', gap: '0.5em' } },
        h(
          'div',
          { className: 'upstream-call-route', style: { width: '32%', ...wraps } },
          h('strong', { style: { color: colour } }, call.service),
          call.attempt > 1 ? h('span', { style: muted }, ` #${call.attempt}`) : null,
          ' ',
          // A route wraps after a slash where it can (<wbr>), anywhere else only where it must.
          ...call.route.split('/').flatMap((part, i) => (i === 0 ? [part] : [h('wbr', { key: i }), `/${part}`])),
        ),
        h(
          'div',
          { style: { position: 'relative', flex: 1, height: '1.3em', background: 'hsla(var(--color-neutral), 0.07)', borderRadius: 3 } },
          h('div', {
            className: 'upstream-call-bar',
            style: {
              position: 'absolute',
              left: `${(call.startMs / end) * 100}%`,
              width: `max(2px, ${(call.durationMs / end) * 100}%)`,
              top: 2,
              bottom: 2,
              borderRadius: 2,
              background: ok ? colour : `repeating-linear-gradient(45deg, #dc2626, #dc2626 4px, ${colour} 4px, ${colour} 8px)`,
              outline: ok ? 'none' : '2px solid #dc2626',
            },
          }),
        ),
        h(
          'div',
          { className: 'upstream-call-status', style: { width: '26%', ...wraps, color: ok ? undefined : '#dc2626' } },
          `${Math.round(call.durationMs)} ms · ${status}${extras}`,
        ),
      ),
      open ? h('div', { className: 'upstream-call-details', style: { ...muted, ...wraps, margin: '0.2em 0 0.5em 0.5em' } }, details) : null,
    );
  };

  window.graphPlugins = [...(window.graphPlugins ?? []), { title: 'Upstream calls', icon: Icon, content: UpstreamCalls }];
}
