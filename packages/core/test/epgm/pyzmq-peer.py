"""libzmq's epgm:// peer for the interop tests (Debian's python3-zmq, built with OpenPGM).

pub ENDPOINT COUNT: sends [b"warmup"] every 50 ms until a line on stdin, then COUNT messages
  [b"n", b"<i>"] (i zero-padded to 1,000 digits, so the run spans many datagrams) and [b"END", b"<COUNT>"], and lingers for repairs until a second line.
sub ENDPOINT TIMEOUT_MS: prints "ready", then one line per message (frames joined by "|"), until END.
"""
import select, sys, time, zmq

role, endpoint, arg = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = zmq.Context()
if role == "pub":
    s = ctx.socket(zmq.PUB)
    s.setsockopt(zmq.RATE, 10000)
    s.setsockopt(zmq.SNDHWM, 0)
    s.connect(endpoint)
    print("ready", flush=True)
    while not select.select([sys.stdin], [], [], 0.05)[0]:
        s.send_multipart([b"warmup"])
    sys.stdin.readline()
    for i in range(arg):
        s.send_multipart([b"n", b"%01000d" % i])  # padded: one message per datagram or so
    s.send_multipart([b"END", b"%d" % arg])
    sys.stdin.readline()
else:
    s = ctx.socket(zmq.SUB)
    # libzmq sizes a receiver's window from its own RATE and RECOVERY_IVL: at the default 100 kbit/s it
    # holds about 80 packets, fewer than a 10 Mbit/s sender sends while a repair is on its way.
    s.setsockopt(zmq.RATE, 10000)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.setsockopt(zmq.RCVHWM, 0)
    s.setsockopt(zmq.RCVTIMEO, arg)
    s.connect(endpoint)
    print("ready", flush=True)
    try:
        while True:
            m = s.recv_multipart()
            print("|".join(f.decode() for f in m), flush=True)
            if m[0] == b"END":
                break
    except zmq.Again:
        print("timeout", flush=True)
s.close(linger=0)
ctx.term()
