// The libzmq side of the interop smoke, run by Node (the `zeromq` package is a
// Node addon): a REP on tcp:// and a CURVE REP on ws://. Prints one JSON line
// with their endpoints and the CURVE server key, answers every request with
// "pong from libzmq: <request>", and exits when its stdin closes.
import * as zmq from "zeromq";

const keys = zmq.curveKeyPair();
const tcp = new zmq.Reply({ linger: 0 });
const ws = new zmq.Reply({ linger: 0, curveServer: true, curveSecretKey: keys.secretKey, curvePublicKey: keys.publicKey });
await tcp.bind("tcp://127.0.0.1:*");
await ws.bind("ws://127.0.0.1:*/libzmq");

async function serve(socket) {
  try {
    for await (const [request] of socket) await socket.send(`pong from libzmq: ${request}`);
  } catch (error) {
    if (error.code !== "EAGAIN" && error.code !== "ETERM") throw error;
  }
}
void serve(tcp);
void serve(ws);
process.stdout.write(`${JSON.stringify({ tcp: tcp.lastEndpoint, ws: ws.lastEndpoint, serverKey: keys.publicKey })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  tcp.close();
  ws.close();
});
