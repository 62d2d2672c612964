#!/usr/bin/env python3
"""Local Ethereum devnet for the gateway's tests: a real EVM (py-evm via eth-tester) over JSON-RPC.

Blocks are mined only when a test asks (devnet_mine); contracts are compiled from
devnet/contracts/*.vy at startup; test controls (devnet_*) send deposits of every awkward kind,
force reorgs, inject node faults and serve a lagging second endpoint (devnet_lagView). See
devnet/README.md for the methods and examples.

    .venv/bin/python devnet/devnet.py --port 8545 [--chain-id 1337] [--max-log-range N]

Prints one JSON line on stdout when ready ({"rpc_url": ..., "usdt": ..., ...}), then serves until
SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jsonrpc_http import (  # noqa: E402
    EXECUTION_REVERTED, METHOD_NOT_FOUND, SERVER_ERROR,
    Call, HttpAnswer, JsonRpcApp, RpcError, RpcHttpServer, encode_answer, get_param, hexdata, invalid_params,
    parse_address, parse_count, parse_data, parse_hash, parse_quantity, qty, serve_until_signalled,
)
from log_filters import check_range, parse_log_filter, result_limit_error  # noqa: E402
from evm_chain import (  # noqa: E402
    GAS_CONTRACT_CALL, GAS_ETH, GAS_TOKEN, MAX_PREFIX_TRANSFERS, CallFailed, DevChain, encode_call,
)
from rpc_format import format_block, format_pending_block, format_receipts, format_transaction  # noqa: E402
from tron_dialect import TronDialect, chain_id_for  # noqa: E402

TAGS = ("latest", "earliest", "pending", "safe", "finalized")
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
MAX_MINE = 10_000            # blocks per devnet_mine call
MAX_REORG_DEPTH = 1_000
MAX_LAG_BLOCKS = 1_000       # devnet_lagView
REORG_OPTIONS = ("prefixTokenTransfers", "reincludeIn")
MAX_FAULT_SECONDS = 600.0
CACHE_BLOCKS = 4096          # formatted blocks/receipts kept (keyed by hash: immutable)


# ---------------------------------------------------------------------------------------------
# Settings that tests may change at run time (devnet_configure)


@dataclass
class Settings:
    max_log_range: int = 0           # 0 = unlimited; else ranges wider than N blocks fail
    max_log_results: int = 0         # 0 = unlimited; else more than N logs fail (Infura: 10000)
    log_limit_style: str = "infura"  # which provider's error text: infura | alchemy | geth
    max_filter_items: int = 1000     # geth --rpc.logquerylimit: addresses / OR-topics per position
    safe_lag: int = 32               # "safe" = head - safe_lag (about one epoch on mainnet)
    finalized_lag: int = 64          # "finalized" = head - finalized_lag (about two epochs)
    shuffle_batches: bool = False    # answer batches in reverse order (clients must match by id)
    duplicate_logs: bool = False     # eth_getLogs answers every log twice, as some providers have

    FIELDS = {
        "maxLogRange": ("max_log_range", int), "maxLogResults": ("max_log_results", int),
        "logLimitStyle": ("log_limit_style", str), "maxFilterItems": ("max_filter_items", int),
        "safeLag": ("safe_lag", int), "finalizedLag": ("finalized_lag", int),
        "shuffleBatches": ("shuffle_batches", bool), "duplicateLogs": ("duplicate_logs", bool),
    }

    def update(self, changes: dict) -> None:
        for key, value in changes.items():
            if key not in self.FIELDS:
                raise invalid_params(f"unknown setting {key!r}; known: {sorted(self.FIELDS)}")
            attr, kind = self.FIELDS[key]
            if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise invalid_params(f"{key} must be a non-negative integer")
            if kind is bool and not isinstance(value, bool):
                raise invalid_params(f"{key} must be true or false")
            if attr == "log_limit_style" and value not in ("infura", "alchemy", "geth"):
                raise invalid_params("logLimitStyle must be infura, alchemy or geth")
            setattr(self, attr, value)

    def to_json(self) -> dict:
        return {key: getattr(self, attr) for key, (attr, _) in self.FIELDS.items()}


# ---------------------------------------------------------------------------------------------
# Fault injection


@dataclass
class FaultRule:
    mode: str                       # error | timeout | stale_head | http | unindexed_logs
    remaining: int                  # calls left to affect; -1 = until cleared
    methods: Optional[frozenset]    # None = every standard (non-devnet_) method
    code: int = -32603
    message: str = "devnet injected fault"
    seconds: float = 30.0
    status: int = 503
    frozen_head: int = 0

    def matches(self, call: Call) -> bool:
        if self.mode == "unindexed_logs" and not is_range_log_query(call):
            return False   # it empties range queries only, and only they use it up
        return self.remaining != 0 and (self.methods is None or call.method in self.methods)

    def to_json(self) -> dict:
        return {"mode": self.mode, "remaining": self.remaining,
                "methods": sorted(self.methods) if self.methods is not None else None,
                "code": self.code, "message": self.message, "seconds": self.seconds,
                "status": self.status, "frozenHead": qty(self.frozen_head)}


def is_range_log_query(call: Call) -> bool:
    """An eth_getLogs by block range, not by blockHash (EIP-234)."""
    params = call.params if isinstance(call.params, list) else []
    spec = params[0] if params and isinstance(params[0], dict) else {}
    return call.method == "eth_getLogs" and "blockHash" not in spec


@dataclass
class FaultPlan:
    """What the faults do to one HTTP request, decided before any call runs."""

    per_call: list                   # FaultRule or None for each call
    delay: float = 0.0
    http_status: Optional[int] = None


class FaultInjector:
    MODES = ("error", "timeout", "stale_head", "http", "unindexed_logs", "none")

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, spec: dict, head: int) -> list[dict]:
        mode = spec.get("mode")
        if mode not in self.MODES:
            raise invalid_params(f"mode must be one of {self.MODES}")
        with self._lock:
            if mode == "none":
                self._rules.clear()
                return []
            self._rules.append(self._rule_from(spec, mode, head))
            return [rule.to_json() for rule in self._rules]

    @staticmethod
    def _rule_from(spec: dict, mode: str, head: int) -> FaultRule:
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < -1 or count == 0:
            raise invalid_params("count must be a positive integer, or -1 for 'until cleared'")
        methods = spec.get("methods")
        if methods is not None and (not isinstance(methods, list) or not all(isinstance(m, str) for m in methods)):
            raise invalid_params("methods must be a list of method names")
        if methods and any(m.startswith("devnet_") for m in methods):
            raise invalid_params("devnet_ control methods cannot be faulted")
        seconds = spec.get("seconds", 30.0)
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_FAULT_SECONDS:
            raise invalid_params(f"seconds must be between 0 and {MAX_FAULT_SECONDS}")
        frozen = spec.get("head")
        frozen_head = head if frozen is None else parse_count(frozen, "head", 0, head)
        code, message, status = spec.get("code", -32603), spec.get("message", "devnet injected fault"), spec.get("status", 503)
        if isinstance(code, bool) or not isinstance(code, int):
            raise invalid_params("code must be an integer")
        if not isinstance(message, str):
            raise invalid_params("message must be a string")
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise invalid_params("status must be an HTTP error status (400-599)")
        return FaultRule(mode=mode, remaining=count, methods=frozenset(methods) if methods else None, code=code,
                         message=message, seconds=float(seconds), status=status, frozen_head=frozen_head)

    def plan(self, calls: list[Call]) -> FaultPlan:
        """Consumes one use of the first matching rule per affected call."""
        plan = FaultPlan(per_call=[None] * len(calls))
        with self._lock:
            for i, call in enumerate(calls):
                if call.error is not None or call.method.startswith("devnet_"):
                    continue
                rule = next((r for r in self._rules if r.matches(call)), None)
                if rule is None:
                    continue
                if rule.remaining > 0:
                    rule.remaining -= 1
                plan.per_call[i] = rule
                if rule.mode == "timeout":
                    plan.delay = max(plan.delay, rule.seconds)
                elif rule.mode == "http":
                    plan.http_status = rule.status
            self._rules = [r for r in self._rules if r.remaining != 0]
        return plan

    def active(self) -> list[dict]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]


# ---------------------------------------------------------------------------------------------
# Small bounded cache


class LruCache:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = make()
        self._items[key] = value
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return value


# ---------------------------------------------------------------------------------------------
# The devnet


@dataclass
class View:
    """The chain as one call sees it: `head` is lowered by a stale_head fault or by the lag of
    the lagging endpoint, which also has no control methods (`controls` False)."""

    head: int
    controls: bool = True


class LaggingEndpoint(JsonRpcApp):
    """The app of devnet_lagView's listener: the devnet's own chain, seen `lag` blocks behind.

    Everything goes through Devnet.execute (same lock, same fault rules, same settings): the
    lag only lowers the head of the View each call is answered from, exactly as a stale_head
    fault does. Nothing is cached by block number, so after a reorg or a revert this endpoint
    shows the new canonical chain at every height it can see.
    """

    def __init__(self, devnet: "Devnet"):
        self.devnet = devnet
        self.lag = 0

    def execute(self, calls: list[Call], is_batch: bool) -> HttpAnswer:
        return self.devnet.execute(calls, is_batch, endpoint=self)


class Devnet(JsonRpcApp):
    def __init__(self, chain_id: int, settings: Settings, verbose: bool = False, tron: bool = False):
        self.chain = DevChain(chain_id)
        # --tron: java-tron's JSON-RPC dialect over the same chain (see tron_dialect.py).
        self.tron: Optional[TronDialect] = None
        if tron:
            self.tron = TronDialect(lambda n: (lambda b: b.hash if b is not None else None)(self.chain.block_by_number(n)))
        self.chain.deploy_fixtures()
        self.settings = settings
        self.verbose = verbose
        self.faults = FaultInjector()
        self._lock = threading.Lock()            # py-evm is not thread-safe
        self._stopping = threading.Event()       # wakes injected timeouts at shutdown
        self._blocks = LruCache(CACHE_BLOCKS)
        self._receipts = LruCache(CACHE_BLOCKS)
        self._lag_server: Optional[RpcHttpServer] = None   # started by the first devnet_lagView
        self.methods: dict[str, Callable[[list, View], Any]] = {
            name[len("rpc_"):]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")
        }

    def stop(self) -> None:
        self._stopping.set()   # devnet_lagView starts no listener from now on
        server, self._lag_server = self._lag_server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    # -----------------------------------------------------------------------------------------
    # Envelope: faults, one lock per request, optional reversed batches

    def execute(self, calls: list[Call], is_batch: bool, endpoint: Optional[LaggingEndpoint] = None) -> HttpAnswer:
        """Answers one HTTP request of the main listener, or of the lagging one (`endpoint`)."""
        plan = self.faults.plan(calls)
        if plan.delay:
            # The injected fault itself: answer late so the client's timeout fires first.
            self._stopping.wait(plan.delay)
        if plan.http_status is not None:
            return HttpAnswer(plan.http_status, f"devnet injected HTTP {plan.http_status}\n".encode(), "text/plain")
        with self._lock:
            lag = endpoint.lag if endpoint is not None else 0   # one lag for the whole batch
            answers = [self._answer_with_fault(call, rule, lag, endpoint is None)
                       for call, rule in zip(calls, plan.per_call)]
        if is_batch and self.settings.shuffle_batches:
            calls, answers = calls[::-1], answers[::-1]
        return self.render(calls, answers, is_batch)

    def _answer_with_fault(self, call: Call, rule: Optional[FaultRule], lag: int = 0, controls: bool = True) -> list:
        if rule is not None and rule.mode == "error":
            call = Call(id=call.id, method=call.method, is_notification=call.is_notification,
                        error=RpcError(rule.code, rule.message))
        if rule is not None and rule.mode == "unindexed_logs" and is_range_log_query(call):
            # A load-balanced backend that has the blocks but has not indexed their logs yet
            # answers a range query with nothing at all, not an error. A query by blockHash
            # (EIP-234) still answers: it goes to a backend that knows the block, or fails.
            return encode_answer(call.id, result=[])
        head = max(0, self._head() - lag)
        if rule is not None and rule.mode == "stale_head":
            head = min(head, rule.frozen_head)  # after a revert the real head may be lower still
        return self.answer(call, View(head, controls))

    def dispatch(self, call: Call, context: View) -> Any:
        handler = self.methods.get(call.method)
        if handler is None or (call.method.startswith("devnet_") and not context.controls):
            raise RpcError(METHOD_NOT_FOUND, f"the method {call.method} does not exist/is not available")
        if self.tron is None or call.method.startswith("devnet_"):
            return handler(call.params, context)
        return self.tron.rewrite(handler(self.tron.check_params(call.method, call.params), context))

    # -----------------------------------------------------------------------------------------
    # Block parameters

    def _head(self) -> int:
        return self.chain.head().block_number

    def resolve_tag_or_number(self, value: Any, view: View) -> Any:
        """A block number (possibly above the head), or the string "pending"."""
        if value == "latest":
            return view.head
        if value == "earliest":
            return 0
        if value == "pending":
            return "pending"
        if value == "safe":
            return max(0, view.head - self.settings.safe_lag)
        if value == "finalized":
            return max(0, view.head - self.settings.finalized_lag)
        if isinstance(value, str) and value.startswith("0x"):
            return parse_quantity(value, "block number")
        raise invalid_params(f"invalid block number or tag {value!r}; tags: {TAGS}")

    def block_for_state(self, value: Any, view: View) -> int:
        """Block parameter of state queries (number, tag, or an EIP-1898 object) → a mined number."""
        if isinstance(value, dict):
            if "blockHash" in value:
                block = self.chain.block_by_hash(parse_hash(value["blockHash"], "blockHash"))
                if block is None or block.number > view.head:
                    raise RpcError(SERVER_ERROR, "header for hash not found")
                if value.get("requireCanonical") and not self.chain.is_canonical(block):
                    raise RpcError(SERVER_ERROR, "hash is not currently canonical")
                return block.number
            value = value.get("blockNumber")
        number = self.resolve_tag_or_number(value, view)
        if number == "pending":
            return view.head  # pending transactions are not applied before mining: same state
        if number > view.head:
            raise RpcError(SERVER_ERROR, "header not found")
        return number

    def visible_block(self, number: int, view: View) -> Optional[Any]:
        return self.chain.block_by_number(number) if number <= view.head else None

    def visible_block_by_hash(self, block_hash: bytes, view: View) -> Optional[Any]:
        block = self.chain.block_by_hash(block_hash)
        return block if block is not None and block.number <= view.head else None

    # -----------------------------------------------------------------------------------------
    # Cached formatting (formatted objects are keyed by block hash, so reorgs cannot stale them)

    def formatted_block(self, block: Any, full: bool) -> dict:
        return self._blocks.get_or_make((block.hash, full), lambda: format_block(block, full))

    def formatted_receipts(self, block: Any) -> list[dict]:
        return self._receipts.get_or_make(block.hash, lambda: format_receipts(block, self.chain.receipts(block)))

    # -----------------------------------------------------------------------------------------
    # Standard methods

    def rpc_web3_clientVersion(self, params: list, view: View) -> str:
        return "gateway-devnet/py-evm"

    def rpc_eth_chainId(self, params: list, view: View) -> str:
        return qty(self.chain.chain_id)

    def rpc_net_version(self, params: list, view: View) -> str:
        return str(self.chain.chain_id)

    def rpc_eth_syncing(self, params: list, view: View) -> bool:
        return False

    def rpc_eth_blockNumber(self, params: list, view: View) -> str:
        return qty(view.head)

    def rpc_eth_getBlockByNumber(self, params: list, view: View) -> Optional[dict]:
        number = self.resolve_tag_or_number(get_param(params, 0, "block"), view)
        full = self._parse_bool(get_param(params, 1, "hydrated"), "hydrated")
        if number == "pending":
            return self._pending_block(full, view)
        block = self.visible_block(number, view)
        return None if block is None else self.formatted_block(block, full)

    def _pending_block(self, full: bool, view: View) -> Optional[dict]:
        if view.head != self._head():
            return None  # a lagging node has no idea of the pending block
        return format_pending_block(self.chain.pending_block(), self.chain.head(),
                                    self.chain.pending_transactions(), full)

    def rpc_eth_getBlockByHash(self, params: list, view: View) -> Optional[dict]:
        block = self.visible_block_by_hash(parse_hash(get_param(params, 0, "block hash"), "block hash"), view)
        full = self._parse_bool(get_param(params, 1, "hydrated"), "hydrated")
        return None if block is None else self.formatted_block(block, full)

    def rpc_eth_getTransactionByHash(self, params: list, view: View) -> Optional[dict]:
        tx_hash = parse_hash(get_param(params, 0, "transaction hash"), "transaction hash")
        pending = self.chain.pending_transaction(tx_hash)
        if pending is not None:
            return format_transaction(pending)
        found = self.chain.find_transaction(tx_hash)
        if found is None or found[0].number > view.head:
            return None
        block, index = found
        return self.formatted_block(block, True)["transactions"][index]

    def rpc_eth_getTransactionReceipt(self, params: list, view: View) -> Optional[dict]:
        tx_hash = parse_hash(get_param(params, 0, "transaction hash"), "transaction hash")
        found = self.chain.find_transaction(tx_hash)
        if found is None or found[0].number > view.head:
            return None  # pending or unknown: no receipt yet
        block, index = found
        return self.formatted_receipts(block)[index]

    def rpc_eth_getBlockReceipts(self, params: list, view: View) -> Optional[list]:
        value = get_param(params, 0, "block")
        if isinstance(value, dict):
            value = value.get("blockHash") or value.get("blockNumber")
        if isinstance(value, str) and len(value) == 66:
            block = self.visible_block_by_hash(parse_hash(value, "block hash"), view)
        else:
            number = self.resolve_tag_or_number(value, view)
            block = None if number == "pending" else self.visible_block(number, view)
        return None if block is None else self.formatted_receipts(block)

    def rpc_eth_getLogs(self, params: list, view: View) -> list:
        settings = self.settings
        log_filter = parse_log_filter(get_param(params, 0, "filter"),
                                      lambda bound: self.resolve_tag_or_number(bound, view),
                                      settings.max_filter_items)
        if log_filter.block_hash is not None:
            block = self.visible_block_by_hash(log_filter.block_hash, view)
            if block is None:
                raise RpcError(SERVER_ERROR, "unknown block")
            blocks = [block]
        else:
            check_range(log_filter, settings.max_log_range, settings.log_limit_style)
            last = min(log_filter.to_block, view.head)  # a range past the head is clamped to it
            blocks = [self.chain.block_by_number(n) for n in range(log_filter.from_block, last + 1)]
        logs = [log for block in blocks for receipt in self.formatted_receipts(block)
                for log in receipt["logs"] if log_filter.matches(log)]
        if settings.max_log_results and len(logs) > settings.max_log_results:
            raise result_limit_error(settings.log_limit_style, settings.max_log_results)
        if settings.duplicate_logs:   # erigontech/erigon#16339: each log twice, in order
            logs = [log for log in logs for _ in (0, 1)]
        return logs

    def rpc_eth_getBalance(self, params: list, view: View) -> str:
        address = parse_address(get_param(params, 0, "address"))
        number = self.block_for_state(get_param(params, 1, "block", required=False, default="latest"), view)
        return qty(self.chain.state_at(number).get_balance(address))

    def rpc_eth_getTransactionCount(self, params: list, view: View) -> str:
        address = parse_address(get_param(params, 0, "address"))
        block = get_param(params, 1, "block", required=False, default="latest")
        if block == "pending":
            return qty(self.chain.next_nonce(address))
        return qty(self.chain.state_at(self.block_for_state(block, view)).get_nonce(address))

    def rpc_eth_getCode(self, params: list, view: View) -> str:
        address = parse_address(get_param(params, 0, "address"))
        number = self.block_for_state(get_param(params, 1, "block", required=False, default="latest"), view)
        return hexdata(self.chain.state_at(number).get_code(address))

    def rpc_eth_call(self, params: list, view: View) -> str:
        tx = get_param(params, 0, "transaction")
        if not isinstance(tx, dict) or "to" not in tx:
            raise invalid_params("transaction must be an object with a 'to' address")
        number = self.block_for_state(get_param(params, 1, "block", required=False, default="latest"), view)
        sender = parse_address(tx["from"], "from") if tx.get("from") else b"\x00" * 20
        data = parse_data(tx.get("input") or tx.get("data") or "0x", "input")
        value = parse_quantity(tx["value"], "value") if tx.get("value") else 0
        gas = parse_quantity(tx["gas"], "gas") if tx.get("gas") else None
        try:
            return hexdata(self.chain.call(sender, parse_address(tx["to"], "to"), data, value, gas, number))
        except CallFailed as failure:
            if failure.revert_data is None:
                raise RpcError(SERVER_ERROR, str(failure))
            raise RpcError(EXECUTION_REVERTED, str(failure), hexdata(failure.revert_data))

    @staticmethod
    def _parse_bool(value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise invalid_params(f"invalid {name}: expected true or false")
        return value

    # -----------------------------------------------------------------------------------------
    # Test controls

    def _amount(self, params: list, index: int, name: str) -> int:
        value = get_param(params, index, name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        return parse_quantity(value, name)

    def _token(self, params: list, index: int) -> bytes:
        name = get_param(params, index, "token", required=False, default="usdt")
        if name not in ("usdt", "lookalike"):
            raise invalid_params("token must be 'usdt' or 'lookalike'")
        return self.chain.contracts[name].address

    def _sender(self, options: Any):
        """Options object {"from": address, "type": "0x0"|"0x2"} → (key, legacy)."""
        if options is None:
            return self.chain.funder, False
        if not isinstance(options, dict):
            raise invalid_params("options must be an object")
        key = self.chain.funder
        if options.get("from") is not None:
            key = self.chain.key_for(parse_address(options["from"], "from"))
            if key is None:
                raise invalid_params("from must be one of devnet_accounts")
        tx_type = options.get("type", "0x2")
        if tx_type not in ("0x0", "0x2"):
            raise invalid_params("type must be 0x0 (legacy) or 0x2 (EIP-1559)")
        return key, tx_type == "0x0"

    def rpc_devnet_mine(self, params: list, view: View) -> str:
        count = parse_count(get_param(params, 0, "count", required=False), "count", 1, MAX_MINE)
        if count:
            self.chain.mine(count)
        return qty(self._head())

    def rpc_devnet_sendEth(self, params: list, view: View) -> str:
        to = parse_address(get_param(params, 0, "to"), "to")
        key, legacy = self._sender(get_param(params, 2, "options", required=False))
        return hexdata(self.chain.submit(key, to, self._amount(params, 1, "wei"), b"", GAS_ETH, legacy))

    def rpc_devnet_sendToken(self, params: list, view: View) -> str:
        to = parse_address(get_param(params, 0, "to"), "to")
        units = self._amount(params, 1, "units")
        key, legacy = self._sender(get_param(params, 3, "options", required=False))
        data = encode_call("transfer(address,uint256)", ["address", "uint256"], [to, units])
        return hexdata(self.chain.submit(key, self._token(params, 2), 0, data, GAS_TOKEN, legacy))

    def rpc_devnet_sendTokenTwice(self, params: list, view: View) -> str:
        to = parse_address(get_param(params, 0, "to"), "to")
        first, second = self._amount(params, 1, "units1"), self._amount(params, 2, "units2")
        token = self._token(params, 3)
        data = encode_call("transferTwice(address,address,uint256,uint256)",
                           ["address", "address", "uint256", "uint256"], [token, to, first, second])
        return hexdata(self.chain.submit(self.chain.funder, self.chain.contracts["batch"].address, 0,
                                         data, GAS_CONTRACT_CALL))

    def rpc_devnet_sendTokenToTwo(self, params: list, view: View) -> str:
        first_to = parse_address(get_param(params, 0, "to1"), "to1")
        second_to = parse_address(get_param(params, 1, "to2"), "to2")
        first, second = self._amount(params, 2, "units1"), self._amount(params, 3, "units2")
        token = self._token(params, 4)
        # The funder approved the batch contract for MAX_UINT256 on both tokens at deployment
        # (DevChain.deploy_fixtures), so this transferFrom pair is covered like transferTwice.
        data = encode_call("transferToTwo(address,address,address,uint256,uint256)",
                           ["address", "address", "address", "uint256", "uint256"],
                           [token, first_to, second_to, first, second])
        return hexdata(self.chain.submit(self.chain.funder, self.chain.contracts["batch"].address, 0,
                                         data, GAS_CONTRACT_CALL))

    def rpc_devnet_contractSendEth(self, params: list, view: View) -> str:
        to = parse_address(get_param(params, 0, "to"), "to")
        data = encode_call("forward(address)", ["address"], [to])
        return hexdata(self.chain.submit(self.chain.funder, self.chain.contracts["forwarder"].address,
                                         self._amount(params, 1, "wei"), data, GAS_CONTRACT_CALL))

    def rpc_devnet_failingEthTransfer(self, params: list, view: View) -> str:
        to = parse_address(get_param(params, 0, "to"), "to")
        wei = self._amount(params, 1, "wei")
        if to == self.chain.contracts["rejector"].address:  # always reverts by itself
            return hexdata(self.chain.submit(self.chain.funder, to, wei, b"", GAS_CONTRACT_CALL))
        if self.chain.pending_state().get_code(to):
            raise invalid_params("to already has code; use an address without code, or the rejector contract")
        return hexdata(self.chain.submit_rejected_eth(self.chain.funder, to, wei))

    def rpc_devnet_failingTokenTransfer(self, params: list, view: View) -> str:
        """transfer(to, units) from the token-less account: reverts, status 0, no Transfer log."""
        to = parse_address(get_param(params, 0, "to"), "to")
        units = self._amount(params, 1, "units")
        token = self._token(params, 2)
        empty = self.chain.keys[-1]
        balance_call = encode_call("balanceOf(address)", ["address"], [self.chain.account_address(empty)])
        balance = int.from_bytes(self.chain.call(b"\x00" * 20, token, balance_call, 0, None, self._head()), "big")
        if units <= balance:
            raise invalid_params(f"units must exceed the sender's token balance ({balance}) to fail")
        data = encode_call("transfer(address,uint256)", ["address", "uint256"], [to, units])
        return hexdata(self.chain.submit(empty, token, 0, data, GAS_TOKEN))

    def rpc_devnet_snapshot(self, params: list, view: View) -> str:
        return qty(self.chain.snapshot())

    def rpc_devnet_revert(self, params: list, view: View) -> bool:
        snapshot_id = get_param(params, 0, "snapshot id")
        return self.chain.revert(parse_count(snapshot_id, "snapshot id", 0, 2**31))

    def rpc_devnet_reorg(self, params: list, view: View) -> dict:
        depth = parse_count(get_param(params, 0, "depth"), "depth", 1, MAX_REORG_DEPTH)
        hashes = get_param(params, 1, "replacementTxs", required=False, default=None) or []
        if not isinstance(hashes, list):
            raise invalid_params("replacementTxs must be an array of transaction hashes")
        options = self._reorg_options(get_param(params, 2, "options", required=False, default=None), depth)
        old_head = self.chain.head()
        try:
            result = self.chain.reorg(depth, [parse_hash(h, "transaction hash") for h in hashes], **options)
        except ValueError as err:
            raise invalid_params(str(err))
        new_head = self.chain.head()
        new_by_number = dict(result.new_blocks)
        placed = []
        for tx_hash in result.reincluded:
            block, index = self.chain.find_transaction(tx_hash)
            placed.append({"hash": hexdata(tx_hash), "blockNumber": qty(block.number),
                           "blockHash": hexdata(block.hash), "transactionIndex": qty(index)})
        return {
            "oldHead": {"number": qty(old_head.block_number), "hash": hexdata(old_head.hash)},
            "newHead": {"number": qty(new_head.block_number), "hash": hexdata(new_head.hash)},
            "forkBlock": {"number": qty(result.fork_number), "hash": hexdata(result.fork_hash)},
            "replaced": [{"number": qty(n), "oldHash": hexdata(h), "newHash": hexdata(new_by_number[n])}
                         for n, h in result.old_blocks],
            "orphanedTxs": [hexdata(h) for h in result.orphaned],
            "reincludedTxs": [hexdata(h) for h in result.reincluded],
            "reincluded": placed,
            "prefixTxs": [hexdata(h) for h in result.prefix],
            "droppedTxs": [hexdata(h) for h in result.dropped],
        }

    @staticmethod
    def _reorg_options(options: Any, depth: int) -> dict:
        """devnet_reorg's third parameter → keyword arguments of DevChain.reorg."""
        if options is None:
            return {}
        if not isinstance(options, dict):
            raise invalid_params('options must be an object, e.g. {"prefixTokenTransfers": 2, "reincludeIn": 1}')
        unknown = sorted(set(options) - set(REORG_OPTIONS))
        if unknown:
            raise invalid_params(f"unknown reorg option(s) {unknown}; known: {list(REORG_OPTIONS)}")
        prefix = parse_count(options.get("prefixTokenTransfers"), "prefixTokenTransfers", 0, MAX_PREFIX_TRANSFERS)
        reinclude_in = parse_count(options.get("reincludeIn"), "reincludeIn", 1, depth + 1)
        if reinclude_in < 1:
            raise invalid_params(f"invalid reincludeIn: must be between 1 and depth + 1 ({depth + 1}), got 0")
        return {"prefix_transfers": prefix, "reinclude_in": reinclude_in}

    def rpc_devnet_lagView(self, params: list, view: View) -> dict:
        """Starts (once) or re-aims the lagging listener; see LaggingEndpoint."""
        value = get_param(params, 0, "lagBlocks")
        if value is None:
            raise invalid_params("missing value for required argument 0 (lagBlocks)")
        lag = parse_count(value, "lagBlocks", 0, MAX_LAG_BLOCKS)
        if self._lag_server is None:
            if self._stopping.is_set():
                raise RpcError(SERVER_ERROR, "the devnet is stopping")
            server = RpcHttpServer("127.0.0.1", 0, LaggingEndpoint(self), verbose=self.verbose)
            threading.Thread(target=server.serve_forever, name="rpc-http-lag", daemon=True).start()
            self._lag_server = server
        self._lag_server.app.lag = lag
        return {"url": self._lag_server.url, "lag": lag}

    def rpc_devnet_fault(self, params: list, view: View) -> list:
        spec = get_param(params, 0, "fault")
        if not isinstance(spec, dict):
            raise invalid_params('expected an object, e.g. {"mode": "error", "count": 1}')
        return self.faults.add(spec, self._head())

    def rpc_devnet_faults(self, params: list, view: View) -> list:
        return self.faults.active()

    def rpc_devnet_configure(self, params: list, view: View) -> dict:
        changes = get_param(params, 0, "settings", required=False, default={})
        if not isinstance(changes, dict):
            raise invalid_params("settings must be an object")
        self.settings.update(changes)
        return self.settings.to_json()

    def rpc_devnet_accounts(self, params: list, view: View) -> list:
        state = self.chain.pending_state()
        roles = {0: "funder", len(self.chain.keys) - 1: "token-less (devnet_failingTokenTransfer)"}
        return [{"address": hexdata(self.chain.account_address(key)),
                 "privateKey": "0x" + key.to_bytes().hex(),
                 "balance": qty(state.get_balance(self.chain.account_address(key))),
                 "role": roles.get(i, "spare")}
                for i, key in enumerate(self.chain.keys)]

    def rpc_devnet_info(self, params: list, view: View) -> dict:
        return self.info()

    def info(self) -> dict:
        contracts = self.chain.contracts
        return {
            "chain_id": self.chain.chain_id,
            "usdt": hexdata(contracts["usdt"].address),
            "lookalike": hexdata(contracts["lookalike"].address),
            "batch_transfer": hexdata(contracts["batch"].address),
            "forwarder": hexdata(contracts["forwarder"].address),
            "rejector": hexdata(contracts["rejector"].address),
            "funder": hexdata(self.chain.account_address(self.chain.funder)),
            "accounts": [hexdata(self.chain.account_address(k)) for k in self.chain.keys],
            "head": self._head(),
            "transfer_topic": TRANSFER_TOPIC,
            "settings": self.settings.to_json(),
        }


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8545, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--chain-id", type=int, default=None, help="chain id (1337 default, 0x2b6653dc with --tron; 1 = mainnet's)")
    parser.add_argument("--tron", action="store_true", help="answer in java-tron's JSON-RPC dialect (see tron_dialect.py)")
    parser.add_argument("--max-log-range", type=int, default=0, help="eth_getLogs: max blocks per query (0 = no limit)")
    parser.add_argument("--max-log-results", type=int, default=0, help="eth_getLogs: max logs per answer (0 = no limit)")
    parser.add_argument("--log-limit-style", choices=("infura", "alchemy", "geth"), default="infura",
                        help="whose error text the getLogs limits answer with")
    parser.add_argument("--safe-lag", type=int, default=32, help='"safe" tag = head minus this many blocks')
    parser.add_argument("--finalized-lag", type=int, default=64, help='"finalized" tag = head minus this many blocks')
    parser.add_argument("--shuffle-batches", action="store_true", help="answer batches in reverse order")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request on stderr")
    args = parser.parse_args(argv)
    if args.chain_id is None:
        args.chain_id = chain_id_for(None) if args.tron else 1337
    if args.chain_id <= 0:
        parser.error("--chain-id must be positive")
    return args


def main(argv: list[str]) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    settings = Settings(max_log_range=args.max_log_range, max_log_results=args.max_log_results,
                        log_limit_style=args.log_limit_style, safe_lag=args.safe_lag,
                        finalized_lag=args.finalized_lag, shuffle_batches=args.shuffle_batches)
    devnet = Devnet(args.chain_id, settings, verbose=args.verbose, tron=args.tron)
    server = RpcHttpServer("127.0.0.1", args.port, devnet, verbose=args.verbose)
    ready = {"rpc_url": server.url, **devnet.info(), "pid": os.getpid(),
             "startup_seconds": round(time.monotonic() - started, 2)}
    print(json.dumps(ready), flush=True)
    serve_until_signalled(server, on_stop=devnet.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
