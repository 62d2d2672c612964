#!/usr/bin/env python3
"""Measures how fast fixture_chain.py serves blocks over loopback (one keep-alive connection).

    .venv/bin/python devnet/bench_fixture.py [--blocks 10000] [--prewarm] [--seconds 10]

Starts its own fixture server, then for each mode fetches consecutive blocks from 1 upward until
the range or the time budget runs out, and prints blocks/s and MB/s:
  single-full      eth_getBlockByNumber(n, true), one request per block
  single-receipts  eth_getBlockReceipts(n), one request per block
  batch50-full     50 eth_getBlockByNumber(n, true) calls per HTTP request
  batch50-both     50 blocks + their 50 receipt lists per HTTP request (100 calls)
The client is Python too, so these are lower bounds on what the server sustains.
"""
import argparse
import json
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def start(args):
    cmd = [sys.executable, str(HERE / "fixture_chain.py"), "--port", "0", "--blocks", str(args.blocks)]
    if args.prewarm:
        cmd.append("--prewarm")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 900)
    if not ready:
        proc.kill()
        raise SystemExit("fixture did not start")
    return proc, json.loads(proc.stdout.readline())


def calls_for(mode, n):
    block = {"jsonrpc": "2.0", "method": "eth_getBlockByNumber", "params": [hex(n), True]}
    receipts = {"jsonrpc": "2.0", "method": "eth_getBlockReceipts", "params": [hex(n)]}
    if mode in ("single-full", "batch50-full"):
        return [block]
    if mode == "single-receipts":
        return [receipts]
    return [block, receipts]


class RawHttpClient:
    """Minimal HTTP/1.1 keep-alive POST client on a raw socket.

    http.client costs more per request than the server does; this keeps the client out of the
    measurement as far as Python allows.
    """

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n".encode()
        self.buffer = b""

    def post(self, body):
        self.sock.sendall(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        headers, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in headers.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        chunks, have = [rest], len(rest)
        while have < length:
            chunk = self._recv()
            chunks.append(chunk)
            have += len(chunk)
        body = b"".join(chunks)
        self.buffer = body[length:]
        return body[:length]

    def _recv(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        return chunk


def run(client, mode, first, last, seconds):
    per_request = 50 if mode.startswith("batch") else 1
    n, blocks, nbytes = first, 0, 0
    started = time.perf_counter()
    while n <= last and time.perf_counter() - started < seconds:
        numbers = range(n, min(n + per_request, last + 1))
        calls = [dict(c, id=i) for i, c in enumerate(c for m in numbers for c in calls_for(mode, m))]
        body = json.dumps(calls if per_request > 1 else calls[0]).encode()
        answer = client.post(body)
        assert answer.startswith(b"[" if per_request > 1 else b"{") and b'"error"' not in answer[:200]
        nbytes += len(answer)
        blocks += len(numbers)
        n += len(numbers)
    elapsed = time.perf_counter() - started
    return blocks, nbytes, elapsed, n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--prewarm", action="store_true")
    parser.add_argument("--seconds", type=float, default=10.0, help="time budget per mode")
    args = parser.parse_args()
    proc, info = start(args)
    print(f"fixture ready in {info['startup_seconds']} s (prewarm={args.prewarm}, cached {info['cached_mb']} MB)")
    try:
        host, port = info["rpc_url"].split("//")[1].rstrip("/").split(":")
        client = RawHttpClient(host, int(port))
        next_block = 1
        for mode in ("single-full", "single-receipts", "batch50-full", "batch50-both"):
            first = 1 if args.prewarm else next_block  # without prewarm every mode sees cold blocks
            blocks, nbytes, elapsed, next_block = run(client, mode, first, info["head"], args.seconds)
            print(f"{mode:16s} {blocks:6d} blocks in {elapsed:6.2f} s = {blocks / elapsed:8.0f} blocks/s"
                  f"  ({nbytes / elapsed / 1e6:6.0f} MB/s)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
