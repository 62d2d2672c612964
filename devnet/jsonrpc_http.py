"""JSON-RPC 2.0 over HTTP for the test chains (stdlib only), shared by devnet.py and fixture_chain.py.

What this module owns:
  * the HTTP transport: POST with a Content-Length, a hard body-size limit (413 past it),
    keep-alive (HTTP/1.1) so benchmarks measure the chain and not TCP handshakes;
  * the JSON-RPC envelope: single calls, batches (array in, array out, at most MAX_BATCH calls,
    like geth's BatchRequestLimit), notifications, and the standard error codes;
  * strict parsing of Ethereum hex parameters, modelled on geth's hexutil: a quantity with a
    leading zero ("0x01") or an empty "0x" is rejected, so a client bug that a real node would
    reject is caught here too rather than silently accepted.

What it does not own: the methods. An app subclasses JsonRpcApp and implements `dispatch`.
"""
from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

# JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification §5.1) and the Ethereum ones
# used by real nodes and providers.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000          # geth's default code for an error without its own code
LIMIT_EXCEEDED = -32005        # Infura: "query returned more than 10000 results"
EXECUTION_REVERTED = 3         # geth: eth_call that reverted

MAX_BATCH = 1000                       # geth's default BatchRequestLimit
MAX_BODY_BYTES = 5 * 1024 * 1024       # geth's maxRequestContentLength (5 MiB)


class RpcError(Exception):
    """An error answer for one call. `data` is optional and passed through as-is."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict:
        err = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, message)


class RawJson:
    """A result that is already encoded JSON, spliced into the answer verbatim.

    The fixture server pre-renders blocks and receipts once; re-encoding them on every request
    would cost more than serving them.
    """

    __slots__ = ("encoded",)

    def __init__(self, encoded: bytes):
        self.encoded = encoded


# ---------------------------------------------------------------------------------------------
# Hex parameter parsing (geth hexutil semantics)

_QUANTITY = re.compile(r"^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$")
_DATA = re.compile(r"^0x([0-9a-fA-F]{2})*$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
MAX_UINT256 = 2**256 - 1


def parse_quantity(value: Any, name: str = "quantity") -> int:
    if not isinstance(value, str) or not _QUANTITY.match(value):
        raise invalid_params(f"invalid {name}: expected a hex quantity without leading zeros, got {value!r}")
    number = int(value, 16)
    if number > MAX_UINT256:
        raise invalid_params(f"invalid {name}: larger than 256 bits")
    return number


def parse_count(value: Any, name: str, default: int, maximum: int) -> int:
    """A small count given either as a JSON number or as a hex quantity (control methods)."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise invalid_params(f"invalid {name}: {value!r}")
    number = value if isinstance(value, int) else parse_quantity(value, name)
    if not 0 <= number <= maximum:
        raise invalid_params(f"invalid {name}: must be between 0 and {maximum}, got {number}")
    return number


def parse_data(value: Any, name: str = "data") -> bytes:
    if not isinstance(value, str) or not _DATA.match(value):
        raise invalid_params(f"invalid {name}: expected 0x-prefixed hex bytes, got {value!r}")
    return bytes.fromhex(value[2:])


def parse_address(value: Any, name: str = "address") -> bytes:
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise invalid_params(f"invalid {name}: expected a 20-byte 0x address, got {value!r}")
    return bytes.fromhex(value[2:])


def parse_hash(value: Any, name: str = "hash") -> bytes:
    if not isinstance(value, str) or not _HASH.match(value):
        raise invalid_params(f"invalid {name}: expected a 32-byte 0x hash, got {value!r}")
    return bytes.fromhex(value[2:])


def get_param(params: list, index: int, name: str, required: bool = True, default: Any = None) -> Any:
    if index < len(params):
        return params[index]
    if required:
        raise invalid_params(f"missing value for required argument {index} ({name})")
    return default


# Encoders: the exact JSON-RPC encodings (execution-apis base-types.yaml).
def qty(number: int) -> str:
    return hex(number)  # hex(0) == "0x0"; never leading zeros


def hexdata(raw: bytes) -> str:
    return "0x" + raw.hex()


# ---------------------------------------------------------------------------------------------
# The JSON-RPC envelope


@dataclass
class Call:
    """One parsed request object. `error` is set when the object itself is malformed."""

    id: Any = None
    method: str = ""
    params: list = field(default_factory=list)
    is_notification: bool = False
    error: Optional[RpcError] = None


def parse_call(obj: Any) -> Call:
    if not isinstance(obj, dict):
        return Call(error=RpcError(INVALID_REQUEST, "invalid request"))
    call_id = obj.get("id")
    if isinstance(call_id, bool) or not isinstance(call_id, (str, int, float, type(None))):
        return Call(error=RpcError(INVALID_REQUEST, "invalid request: id must be a string, number or null"))
    if obj.get("jsonrpc") != "2.0":
        return Call(id=call_id, error=RpcError(INVALID_REQUEST, 'invalid request: "jsonrpc" must be "2.0"'))
    method = obj.get("method")
    if not isinstance(method, str):
        return Call(id=call_id, error=RpcError(INVALID_REQUEST, "invalid request: method must be a string"))
    params = obj.get("params", [])
    if params is None:
        params = []
    if isinstance(params, dict):
        # Named parameters are allowed by JSON-RPC; the control methods take one object.
        params = [params]
    if not isinstance(params, list):
        return Call(id=call_id, error=RpcError(INVALID_PARAMS, "params must be an array"))
    return Call(id=call_id, method=method, params=params, is_notification="id" not in obj)


Parts = list  # of bytes: an answer kept in pieces, written with one scatter-gather send


def encode_answer(call_id: Any, result: Any = None, error: Optional[RpcError] = None) -> Parts:
    """One response object as parts. A RawJson result is not copied: large pre-rendered blocks
    go to the socket as they are (building one big bytes object per answer costs more than the
    rest of the request: fresh memory for each multi-megabyte batch answer page-faults)."""
    head = b'{"jsonrpc":"2.0","id":' + json.dumps(call_id).encode()
    if error is not None:
        return [head + b',"error":' + json.dumps(error.to_json(), separators=(",", ":")).encode() + b"}"]
    if isinstance(result, RawJson):
        return [head + b',"result":', result.encoded, b"}"]
    return [head + b',"result":' + json.dumps(result, separators=(",", ":")).encode() + b"}"]


@dataclass
class HttpAnswer:
    status: int
    body: Any                      # bytes, or Parts
    content_type: str = "application/json"

    def parts(self) -> Parts:
        return self.body if isinstance(self.body, list) else [self.body]

    def bytes(self) -> bytes:
        return b"".join(self.parts())


class JsonRpcApp:
    """Envelope handling; subclasses implement `dispatch(call)` and may override `execute`."""

    max_batch = MAX_BATCH

    def dispatch(self, call: Call, context: Any) -> Any:  # pragma: no cover - abstract
        """Returns the call's result (JSON-able or RawJson) or raises RpcError."""
        raise NotImplementedError

    def handle_http(self, body: bytes) -> HttpAnswer:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self._single_error(RpcError(PARSE_ERROR, "parse error"))
        if isinstance(document, list):
            if not document:
                return self._single_error(RpcError(INVALID_REQUEST, "empty batch"))
            if len(document) > self.max_batch:
                # geth answers one error object, not an array, for an oversized batch.
                return self._single_error(RpcError(INVALID_REQUEST, "batch too large"))
            calls = [parse_call(obj) for obj in document]
            return self.execute(calls, is_batch=True)
        return self.execute([parse_call(document)], is_batch=False)

    def execute(self, calls: list[Call], is_batch: bool) -> HttpAnswer:
        return self.render(calls, [self.answer(call) for call in calls], is_batch)

    def answer(self, call: Call, context: Any = None) -> Parts:
        """Runs one call and encodes its answer (errors included). `context` goes to dispatch."""
        if call.error is not None:
            return encode_answer(call.id, error=call.error)
        try:
            return encode_answer(call.id, result=self.dispatch(call, context))
        except RpcError as err:
            return encode_answer(call.id, error=err)
        except Exception as exc:  # a bug in a handler must answer, not kill the connection
            return encode_answer(call.id, error=RpcError(INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}"))

    def render(self, calls: list[Call], answers: list[Parts], is_batch: bool) -> HttpAnswer:
        kept = [answer for call, answer in zip(calls, answers) if not call.is_notification or call.error]
        if not is_batch:
            return HttpAnswer(200, kept[0] if kept else b"")
        if not kept:
            return HttpAnswer(200, b"")  # a batch of notifications gets no answer at all
        parts = [b"["]
        for index, answer in enumerate(kept):
            if index:
                parts.append(b",")
            parts.extend(answer)
        parts.append(b"]")
        return HttpAnswer(200, parts)

    @staticmethod
    def _single_error(error: RpcError) -> HttpAnswer:
        return HttpAnswer(200, encode_answer(None, error=error))


# ---------------------------------------------------------------------------------------------
# HTTP transport


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive: every answer carries a Content-Length
    server: "RpcHttpServer"

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self._reply(HttpAnswer(411, b"Content-Length required\n", "text/plain"), close=True)
            return
        length = int(length_header)
        if length > self.server.max_body_bytes:
            # Read (and discard) a moderately oversized body so the client can see the 413 rather
            # than a broken pipe; a huge one is not worth reading: drop the connection.
            if length <= 4 * self.server.max_body_bytes:
                self._discard(length)
            self._reply(HttpAnswer(413, b"request body too large\n", "text/plain"), close=True)
            return
        body = self.rfile.read(length)
        self._reply(self.server.app.handle_http(body))

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                return
            length -= len(chunk)

    def do_GET(self) -> None:  # noqa: N802
        self._reply(HttpAnswer(405, b"use POST with a JSON-RPC body\n", "text/plain"))

    def _reply(self, answer: HttpAnswer, close: bool = False) -> None:
        parts = [memoryview(part) for part in answer.parts() if part]
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(sum(len(part) for part in parts)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            _send_parts(self.connection, parts)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout fired during an injected delay): not our error.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)


def _send_parts(sock: socket.socket, parts: list) -> None:
    """sendall() for a list of buffers, with scatter-gather sendmsg (no joining copy)."""
    first = 0
    while first < len(parts):
        sent = sock.sendmsg(parts[first:first + _IOV_BATCH])
        while sent and first < len(parts):
            size = len(parts[first])
            if sent >= size:
                sent -= size
                first += 1
            else:
                parts[first] = parts[first][sent:]
                sent = 0


_IOV_BATCH = 512   # below IOV_MAX (1024 on Linux)


class RpcHttpServer(ThreadingHTTPServer):
    """One thread per connection; the app serialises access to its state itself."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: JsonRpcApp, max_body_bytes: int = MAX_BODY_BYTES, verbose: bool = False):
        super().__init__((host, port), _Handler)
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.verbose = verbose

    def server_bind(self) -> None:
        # Small JSON answers must not wait for Nagle's algorithm on keep-alive connections.
        super().server_bind()
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


def serve_until_signalled(server: RpcHttpServer, on_stop: Callable[[], None] = lambda: None) -> None:
    """Serves until SIGINT/SIGTERM, or until the process that started it is gone (a test run that
    ended without stopping it: no server outlives its harness), then shuts down cleanly (exit 0)."""
    import os
    import signal

    stop = threading.Event()
    parent = os.getppid()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    thread = threading.Thread(target=server.serve_forever, name="rpc-http", daemon=True)
    thread.start()
    # Once a second: an orphan is re-parented (to init or a subreaper), so its parent id changes.
    while not stop.wait(1.0):
        if os.getppid() != parent:
            break
    on_stop()
    server.shutdown()
    server.server_close()
