/**
 * The GraphiQL page, served whole by the process (no CDN): yoga's own page
 * (@graphql-yoga/render-graphiql) with the graph's GraphiQL plugins (server/graphiql/*.js)
 * loaded between its bundle and its render call, and handed to that call. Yoga's page passes
 * its options as JSON, which cannot carry a plugin's components.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { projectPath } from './project-files.js';

/** Where yoga's page renders GraphiQL: the plugins go in just before. */
const RENDER_CALL = 'YogaGraphiQL.renderYogaGraphiQL(';

/** The page for yoga's `renderGraphiQL` option; `plugins`: file names of server/graphiql/. */
export function graphiqlPage(plugins: readonly string[]): (options?: GraphiQLOptions) => string {
  if (plugins.length === 0) return renderGraphiQL;
  const scripts = plugins.map((name) => readFileSync(join(projectPath('server', 'graphiql'), name), 'utf8')).join('\n');
  // Each plugin script adds itself to `window.graphPlugins`; the render call gets them all.
  const withPlugins = `${scripts}
    const renderWithoutPlugins = YogaGraphiQL.renderYogaGraphiQL;
    YogaGraphiQL.renderYogaGraphiQL = (root, options) => renderWithoutPlugins(root, { ...options, plugins: window.graphPlugins ?? [] });
    ${RENDER_CALL}`;
  return (options) => {
    const page = renderGraphiQL(options);
    // A yoga upgrade that renders otherwise fails here, loudly, not with a GraphiQL that lost its plugins.
    if (!page.includes(RENDER_CALL))
      throw new Error(`@graphql-yoga/render-graphiql no longer calls ${RENDER_CALL}: update server/graphiql-page.ts`);
    return page.replace(RENDER_CALL, () => withPlugins);
  };
}
