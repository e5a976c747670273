"""The NATS facts the chord design (docs/protocol.md §13) rests on, checked on a throwaway nats-server with the bare
client protocol (no client library): a marker published twice under one Nats-Msg-Id is stored once, STREAM.INFO with
subjects_filter gives one subject's message count, and that request stays cheap with many markers in the stream.
Usage: python3 bench/chord-markers.py [markers]   (NATS_SERVER_BIN picks the server; default nats-server on PATH)"""
import socket, json, time, subprocess, tempfile, sys, os
probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
d = tempfile.mkdtemp()
srv = subprocess.Popen([os.environ.get("NATS_SERVER_BIN", "nats-server"), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(50):
        try:
            s = socket.create_connection(("127.0.0.1", port)); break
        except OSError: time.sleep(0.1)
    f = s.makefile("rb")
    print(json.loads(f.readline().decode()[5:])["version"])  # INFO
    s.sendall(b'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\nSUB _INBOX.x.* 1\r\nPING\r\n')
    assert f.readline().startswith(b"PONG")
    n = [0]
    def read_msg():
        while True:
            line = f.readline().decode()
            if line.startswith("PING"): s.sendall(b"PONG\r\n"); continue
            parts = line.split()
            if parts[0] == "MSG":
                size = int(parts[-1]); data = f.read(size + 2)[:-2]; return None, data
            if parts[0] == "HMSG":
                hs, ts = int(parts[-2]), int(parts[-1]); data = f.read(ts + 2)[:-2]; return data[:hs], data[hs:]
            raise Exception(line)
    def req(subject, payload=b"", headers=None):
        n[0] += 1; inbox = f"_INBOX.x.{n[0]}"
        if headers:
            h = b"NATS/1.0\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n"
            s.sendall(f"HPUB {subject} {inbox} {len(h)} {len(h)+len(payload)}\r\n".encode() + h + payload + b"\r\n")
        else:
            s.sendall(f"PUB {subject} {inbox} {len(payload)}\r\n".encode() + payload + b"\r\n")
        return json.loads(read_msg()[1] or b"{}")
    print(req("$JS.API.STREAM.CREATE.TT_CHORDS", json.dumps({"name": "TT_CHORDS", "subjects": ["tt.chord.>"], "storage": "file", "discard": "new"}).encode()).get("config", {}).get("name"))
    for i in [0, 1, 2, 3, 3, 4]:
        r = req("tt.chord.g1", b"%d" % (i * i), {"Nats-Msg-Id": f"g1.{i}", "TT-Chord-Index": str(i)})
        print("g1", i, r)
    for i in range(3):
        req("tt.chord.g2", b"x", {"Nats-Msg-Id": f"g2.{i}"})
    info = req("$JS.API.STREAM.INFO.TT_CHORDS", json.dumps({"subjects_filter": "tt.chord.g1"}).encode())
    print("state", info["state"])
    # many chords' markers in the stream: does a filtered count stay cheap?
    N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    t = time.time()
    for i in range(N):
        req(f"tt.chord.big", b"1", {"Nats-Msg-Id": f"big.{i}"})
        if i % 500 == 0:
            req(f"tt.chord.c{i}", b"1", {"Nats-Msg-Id": f"c{i}.0"})
    pub = time.time() - t
    t = time.time()
    for _ in range(200):
        info = req("$JS.API.STREAM.INFO.TT_CHORDS", json.dumps({"subjects_filter": "tt.chord.big"}).encode())
    print(f"{N} markers published in {pub:.2f}s; STREAM.INFO filtered x200: {(time.time()-t)/200*1000:.2f} ms each; subjects={info['state'].get('subjects')} msgs={info['state']['messages']}")
finally:
    srv.terminate(); srv.wait()
