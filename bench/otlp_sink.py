#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector on 127.0.0.1 for measuring trace-export overhead: accepts POST /v1/traces,
counts requests and bytes, answers an empty success. Stops by itself after --seconds (default 600).

    python3 bench/otlp_sink.py --port 4318 --seconds 120
"""
import argparse
import http.server
import signal
import threading


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    exports = 0
    received = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Sink.exports += 1
        Sink.received += len(body)
        self.send_response(200)
        self.send_header("Content-Type", self.headers.get("Content-Type", "application/x-protobuf"))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--seconds", type=int, default=600)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Sink)
    timer = threading.Timer(args.seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    print(f"otlp sink: {Sink.exports} exports, {Sink.received} bytes", flush=True)


if __name__ == "__main__":
    main()
