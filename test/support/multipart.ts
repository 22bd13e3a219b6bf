/** Reading a `multipart/mixed` answer (incremental delivery) part by part. */

/** The parts of a multipart/mixed answer as they arrive, each parsed. */
export async function* parts(response: Response): AsyncGenerator<Record<string, unknown>> {
  const boundary = /boundary="?([^";]+)"?/.exec(response.headers.get('content-type') ?? '')?.[1];
  if (boundary === undefined) throw new Error(`not multipart: ${response.headers.get('content-type')}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true });
    for (let end = buffer.indexOf(`--${boundary}`, 1); end !== -1; end = buffer.indexOf(`--${boundary}`, 1)) {
      const part = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const json = part.slice(part.indexOf('\r\n\r\n') + 4).trim();
      if (json.startsWith('{')) yield JSON.parse(json) as Record<string, unknown>;
    }
  }
}
