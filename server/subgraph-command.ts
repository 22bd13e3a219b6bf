/**
 * `npm run subgraph`: prints the subgraph SDL (what `_service { sdl }` answers) for a router's
 * composition, e.g. `npm run -s subgraph > users-orders.graphql` and then
 * `rover supergraph compose`, Hive's `hive schema:publish`, or Cosmo's `wgc subgraph publish`.
 */
import { subgraphSdl } from './subgraph.js';

process.stdout.write(`${subgraphSdl()}\n`);
