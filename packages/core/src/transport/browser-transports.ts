/**
 * The transports of the browser entry: ws:// and wss:// over the WebSocket
 * API join the transport table (inproc:// is built in). No tcp:// or
 * ipc://: a page has no sockets but WebSockets. Imported for its effect by
 * src/browser.ts.
 */
import { registerTransport } from "./transport.js";
import { browserWs, browserWss } from "./ws/browser-websocket.js";

registerTransport(browserWs);
registerTransport(browserWss);
