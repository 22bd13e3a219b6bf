// urql against the graph: partial answers arrive as data plus error, @defer works as it is.
import { Client, fetchExchange } from '@urql/core';

export function createUrqlClient(url: string): Client {
  // urql keeps partial data by design: `result.data` and `result.error` side by side.
  // It reads multipart answers (@defer, @stream) itself: nothing to set up.
  return new Client({ url, exchanges: [fetchExchange], preferGetMethod: false });
}
