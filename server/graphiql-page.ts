/**
 * The GraphiQL page, served whole by the process (no CDN): yoga's GraphiQL bundle
 * (@graphql-yoga/render-graphiql), as its own page renders it, with the graph's GraphiQL
 * plugins (server/graphiql/*.js) loaded between the bundle and the render, and handed to it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { projectPath } from './project-files.js';

/** The page for yoga's `renderGraphiQL` option; `plugins`: file names of server/graphiql/. */
export function graphiqlPage(plugins: readonly string[]): (options?: GraphiQLOptions) => string {
  const scripts = plugins.map((name) => readFileSync(join(projectPath('server', 'graphiql'), name), 'utf8')).join('\n');
  return (options) =>
    /* HTML */ `<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>${escapeHtml(options?.title ?? 'GraphiQL')}</title>
          <link rel="icon" href="${favicon}" />
          <style>
            ${css}
          </style>
        </head>
        <body id="body" class="no-focus-outline">
          <noscript>You need to enable JavaScript to run this app.</noscript>
          <div id="root"></div>
          <script>
            function prepareBlob(workerContent) {
              return URL.createObjectURL(new Blob([workerContent], { type: 'application/javascript' }));
            }
            const workers = {
              editorWorkerService: prepareBlob(${JSON.stringify(editorWorkerService)}),
              json: prepareBlob(${JSON.stringify(jsonWorker)}),
              graphql: prepareBlob(${JSON.stringify(graphqlWorker)}),
            };
            self['MonacoEnvironment'] = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
            ${js};
            ${scripts};
            YogaGraphiQL.renderYogaGraphiQL(window.document.querySelector('#root'), {
              ...${scriptJson(options ?? {})},
              plugins: window.graphPlugins ?? [],
            });
          </script>
        </body>
      </html>`;
}

/** JSON that cannot end the script element it is written in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
