/**
 * Builds a page script with esbuild for the browser (the `browser` export
 * condition, no Node built-ins: a `node:` import fails the build) and serves
 * it over HTTP on loopback, as a page a user opens would be.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";

/** Bundles `entry` for a browser: one ES module, minified as a site would ship it. */
export async function bundleForBrowser(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    conditions: ["browser"],
    minify: true,
    write: false,
    logLevel: "silent",
    // Dynamic imports (libsodium, loaded on the first CURVE connection) stay in the one file.
    splitting: false,
  });
  return result.outputFiles[0]!.text;
}

/** A loopback HTTP server for one page and its script. */
export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function servePage(script: string, title = "skein"): Promise<PageServer> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><script type="module" src="/page.js"></script></body></html>`;
  const server: Server = createServer((request, response) => {
    if (request.url === "/page.js") {
      response.writeHead(200, { "content-type": "text/javascript" });
      response.end(script);
    } else if (request.url === "/") {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(html);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
