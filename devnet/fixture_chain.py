#!/usr/bin/env python3
"""A fast synthetic Ethereum JSON-RPC server for benchmarks (no EVM, nothing executes).

It serves a deterministic (seeded) chain of --blocks blocks, each with --txs-per-block
transactions: random ETH transfers, USDT transfers to random addresses (with Transfer logs),
and a few deposits to watched addresses (ETH transfers, USDT transfers, and now and then a
failed ETH transfer with receipt status 0). The same seed and options always give byte-identical
answers, so a benchmark can be rerun and its result compared.

    .venv/bin/python devnet/fixture_chain.py --port 0 [--blocks 10000] [--txs-per-block 150]
        [--watched-file addrs.txt] [--seed 1] [--manifest expected.jsonl]

Methods: eth_chainId, net_version, eth_blockNumber, eth_getBlockByNumber, eth_getBlockByHash,
eth_getBlockReceipts, eth_getTransactionByHash, eth_getTransactionReceipt, eth_getLogs, batches,
and fixture_expectedDeposits / fixture_watchedAddresses to check a scanner's result.

Hashes are not real Keccak hashes of the content (no client can recompute them anyway without
the full trie data); they are unique, deterministic and correctly linked (parentHash). Logs
blooms are real, so a client that skips blocks by logsBloom behaves as on mainnet.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import threading
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eth_hash.auto import keccak  # noqa: E402

from jsonrpc_http import (  # noqa: E402
    METHOD_NOT_FOUND, SERVER_ERROR, Call, JsonRpcApp, RawJson, RpcError, RpcHttpServer, get_param,
    invalid_params, parse_hash, parse_quantity, serve_until_signalled,
)
from log_filters import check_range, parse_log_filter, result_limit_error  # noqa: E402

MAINNET_USDT = bytes.fromhex("dac17f958d2ee523a2206206994597c13d831ec7")
TRANSFER_TOPIC = keccak(b"Transfer(address,address,uint256)")
TRANSFER_SELECTOR = bytes.fromhex("a9059cbb")
GENESIS_TIMESTAMP = 1_700_000_000
SLOT_SECONDS = 12
GAS_LIMIT = 30_000_000
BASE_FEE = 7 * 10**9
EMPTY_BLOOM = "0x" + "00" * 256
EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
ZERO_HASH = "0x" + "00" * 32
MAX_WATCHED = 10_000_000
MAX_BLOCKS = 1_000_000

# Per-kind gas used, close to mainnet figures.
GAS_ETH = 21_000
GAS_USDT = 46_109


# ---------------------------------------------------------------------------------------------
# What each block contains


@dataclass(frozen=True)
class Special:
    """A transaction whose content a deposit watcher cares about."""

    kind: str          # eth_deposit | eth_failed | usdt_deposit | usdt_transfer
    sender: bytes
    recipient: bytes
    amount: int        # wei for ETH, token units (6 decimals) for USDT


@dataclass(frozen=True)
class Shape:
    txs_per_block: int
    eth_deposits: int        # per block
    usdt_deposits: int       # per block
    usdt_transfers: int      # per block, to random (unwatched) addresses
    failed_every: int        # one status-0 ETH transfer to a watched address every N blocks (0 = never)

    def specials_per_block(self) -> int:
        return self.eth_deposits + self.usdt_deposits + self.usdt_transfers + (1 if self.failed_every else 0)


hx = hex  # minimal hex quantity ("0x0"); an alias, because this is the hottest call here


def word_hex(raw: bytes) -> str:
    return "0x" + raw.rjust(32, b"\x00").hex()


def bloom_bits(value: bytes) -> int:
    """The three bloom bits of one address or topic (yellow paper, M3:2048)."""
    digest = keccak(value)
    bits = 0
    for i in (0, 2, 4):
        bits |= 1 << (((digest[i] << 8) | digest[i + 1]) & 2047)
    return bits


def bloom_hex(bits: int) -> str:
    return "0x" + bits.to_bytes(256, "big").hex()


class SyntheticChain:
    """Deterministic block contents, rendered to JSON bytes on demand (and cached)."""

    def __init__(self, seed: int, blocks: int, shape: Shape, watched: list[bytes], chain_id: int,
                 usdt: bytes, cache_bytes: int, tron: bool = False):
        if shape.specials_per_block() > shape.txs_per_block:
            raise ValueError("more deposits/transfers per block than transactions per block")
        self.seed = seed
        self.head = blocks
        self.shape = shape
        self.watched = watched
        self.chain_id = chain_id
        self.chain_id_hex = hx(chain_id)
        self.usdt = usdt
        self._usdt_bloom = bloom_bits(usdt) | bloom_bits(TRANSFER_TOPIC)
        self.block_hashes = [self._digest(b"block", n) for n in range(blocks + 1)]
        if tron:   # Tron's block hashes begin with the block number (8 bytes, big-endian)
            self.block_hashes = [n.to_bytes(8, "big") + h[8:] for n, h in enumerate(self.block_hashes)]
        self.number_by_hash = {h: n for n, h in enumerate(self.block_hashes)}
        self._cache = ByteBoundedCache(cache_bytes)

    def _digest(self, label: bytes, n: int, size: int = 32) -> bytes:
        return hashlib.blake2b(label + self.seed.to_bytes(8, "big") + n.to_bytes(8, "big"), digest_size=size).digest()

    # -- plan: which transactions matter (cheap, independent of the filler) ----------------------

    def plan(self, n: int) -> dict[int, Special]:
        if n == 0:
            return {}  # genesis has no transactions
        rng = random.Random(int.from_bytes(self._digest(b"plan", n, 8), "big"))
        shape = self.shape
        kinds = (["eth_deposit"] * shape.eth_deposits + ["usdt_deposit"] * shape.usdt_deposits
                 + ["usdt_transfer"] * shape.usdt_transfers)
        if shape.failed_every and n % shape.failed_every == 0:
            kinds.append("eth_failed")
        indices = sorted(rng.sample(range(shape.txs_per_block), len(kinds)))
        rng.shuffle(kinds)
        return {index: self._special(kind, rng) for index, kind in zip(indices, kinds)}

    def _special(self, kind: str, rng: random.Random) -> Special:
        sender = rng.randbytes(20)
        watched = kind != "usdt_transfer" and self.watched
        recipient = rng.choice(self.watched) if watched else rng.randbytes(20)
        if kind.startswith("usdt"):
            amount = rng.randrange(1, 50_000) * 10**6 + rng.randrange(10**6)
        else:
            amount = rng.randrange(1, 10**6) * 10**12  # 0.000001 .. 1 ETH
        return Special(kind, sender, recipient, amount)

    def tx_hash(self, n: int, index: int, filler: bytes) -> bytes:
        # 24 random bytes, then the block number and index: lookups by hash need no index.
        return filler[:24] + n.to_bytes(4, "big") + index.to_bytes(4, "big")

    # -- rendering --------------------------------------------------------------------------------

    def cached_bytes(self) -> int:
        return self._cache.used

    def cached_blocks(self) -> int:
        return len(self._cache)

    def rendered(self, n: int) -> "RenderedBlock":
        return self._cache.get_or_make(n, lambda: self._render(n))

    def _render(self, n: int) -> "RenderedBlock":
        plan = self.plan(n)
        count = self.shape.txs_per_block if n else 0
        filler = random.Random(int.from_bytes(self._digest(b"fill", n, 8), "big")).randbytes(FILLER_BYTES * count)
        block_hash = "0x" + self.block_hashes[n].hex()
        number = hx(n)
        txs, hashes, receipts, logs = [], [], [], []
        block_bloom, cumulative = 0, 0
        for index in range(count):
            chunk = filler[index * FILLER_BYTES:(index + 1) * FILLER_BYTES]
            tx = _TxFields.make(self, n, index, chunk, plan.get(index))
            cumulative += tx.gas_used
            tx_logs, bits = [], 0
            if tx.special is not None and tx.special.kind.startswith("usdt"):
                tx_logs, bits = self._logs_of(tx, block_hash, number, index, len(logs))
                block_bloom |= bits
                logs.extend(tx_logs)
            hashes.append(tx.hash)
            txs.append(tx.render(block_hash, number, index, self.chain_id_hex).encode())
            receipts.append(tx.render_receipt(block_hash, number, index, cumulative, tx_logs, bits).encode())
        header = self._render_header(n, cumulative, block_bloom, count).encode() + b',"transactions":'
        return RenderedBlock(
            full=JsonArray(txs, prefix=header, suffix=b"}"),
            hashes_only=header + b"[" + b",".join(b'"' + h.encode() + b'"' for h in hashes) + b"]}",
            receipts=JsonArray(receipts),
            tx_hashes=[bytes.fromhex(h[2:]) for h in hashes],
            logs=logs)

    def _logs_of(self, tx: "_TxFields", block_hash: str, number: str, tx_index: int, first_index: int):
        """The Transfer log of a USDT transaction, and its bloom bits."""
        special = tx.special
        log = {
            "address": "0x" + self.usdt.hex(),
            "topics": ["0x" + TRANSFER_TOPIC.hex(), word_hex(special.sender), word_hex(special.recipient)],
            "data": word_hex(special.amount.to_bytes(32, "big")),
            "blockNumber": number, "transactionHash": tx.hash, "transactionIndex": hx(tx_index),
            "blockHash": block_hash, "logIndex": hx(first_index), "removed": False,
        }
        bits = self._usdt_bloom | bloom_bits(special.sender.rjust(32, b"\x00")) | bloom_bits(special.recipient.rjust(32, b"\x00"))
        return [RenderedLog(log, json.dumps(log, separators=(",", ":")).encode())], bits

    def _render_header(self, n: int, gas_used: int, bits: int, tx_count: int) -> str:
        parent = self.block_hashes[n - 1] if n else bytes(32)
        fields = {
            "number": hx(n), "hash": "0x" + self.block_hashes[n].hex(), "parentHash": "0x" + parent.hex(),
            "nonce": "0x0000000000000000", "sha3Uncles": EMPTY_UNCLES, "logsBloom": bloom_hex(bits),
            "transactionsRoot": "0x" + self._digest(b"txroot", n).hex(),
            "stateRoot": "0x" + self._digest(b"state", n).hex(),
            "receiptsRoot": "0x" + self._digest(b"rcroot", n).hex(),
            "miner": "0x" + self._digest(b"miner", n % 64, 20).hex(), "difficulty": "0x0",
            "extraData": "0x", "size": hx(600 + 110 * tx_count), "gasLimit": hx(GAS_LIMIT),
            "gasUsed": hx(gas_used), "timestamp": hx(GENESIS_TIMESTAMP + SLOT_SECONDS * n),
            "mixHash": "0x" + self._digest(b"mix", n).hex(), "baseFeePerGas": hx(BASE_FEE),
            "withdrawalsRoot": "0x" + self._digest(b"wdroot", n).hex(), "withdrawals": [],
            "blobGasUsed": "0x0", "excessBlobGas": "0x0", "parentBeaconBlockRoot": ZERO_HASH,
            "requestsHash": ZERO_HASH, "uncles": [],
        }
        return json.dumps(fields, separators=(",", ":"))[:-1]  # left open for "transactions"

    # -- answers ------------------------------------------------------------------------------------

    def block_json(self, n: int, full: bool) -> bytes:
        block = self.rendered(n)
        return block.full.encoded if full else block.hashes_only

    def receipts_json(self, n: int) -> bytes:
        return self.rendered(n).receipts.encoded

    def locate_tx(self, tx_hash: bytes) -> Optional[tuple[int, int]]:
        n, index = int.from_bytes(tx_hash[24:28], "big"), int.from_bytes(tx_hash[28:], "big")
        if not 1 <= n <= self.head or index >= self.shape.txs_per_block:
            return None
        return (n, index) if self.rendered(n).tx_hashes[index] == tx_hash else None

    def logs(self, n: int) -> list["RenderedLog"]:
        return self.rendered(n).logs

    def expected_deposits(self, first: int, last: int) -> list[dict]:
        """What a correct watcher credits (and must not credit) in blocks first..last."""
        out = []
        for n in range(max(first, 1), min(last, self.head) + 1):
            specials = self.plan(n)
            block = None
            log_index = 0
            for index in sorted(specials):
                special = specials[index]
                if special.kind == "usdt_transfer":
                    log_index += 1
                    continue
                block = block or self.rendered(n)
                entry = {"blockNumber": n, "transactionHash": "0x" + block.tx_hashes[index].hex(),
                         "transactionIndex": index, "to": "0x" + special.recipient.hex(), "amount": str(special.amount)}
                if special.kind == "usdt_deposit":
                    entry.update(asset="USDT", logIndex=log_index, status=1)
                    log_index += 1
                else:
                    entry.update(asset="ETH", status=0 if special.kind == "eth_failed" else 1)
                out.append(entry)
        return out


FILLER_BYTES = 24 + 20 + 20 + 32 + 32 + 8   # hash, from, to, r, s, value


@dataclass
class RenderedLog:
    fields: dict       # for filtering (address, topics)
    encoded: bytes


class JsonArray:
    """A JSON array encoded once, as one bytes object (answers are served without copying
    parts together), plus where each element starts, so one element can be sliced out."""

    __slots__ = ("encoded", "_starts")

    def __init__(self, items: list[bytes], prefix: bytes = b"", suffix: bytes = b""):
        self.encoded = prefix + b"[" + b",".join(items) + b"]" + suffix
        starts, position = array("I"), len(prefix) + 1
        for item in items:
            starts.append(position)
            position += len(item) + 1
        starts.append(position)  # sentinel: one past the last element's comma
        self._starts = starts

    def item(self, index: int) -> bytes:
        return self.encoded[self._starts[index]:self._starts[index + 1] - 1]


@dataclass
class RenderedBlock:
    full: JsonArray            # the block with full transactions (the array is "transactions")
    hashes_only: bytes         # the block with transaction hashes
    receipts: JsonArray
    tx_hashes: list[bytes]
    logs: list[RenderedLog]

    def size(self) -> int:
        """Approximate memory held (encoded bytes; logs are held as a dict and as bytes)."""
        return (len(self.full.encoded) + len(self.hashes_only) + len(self.receipts.encoded)
                + 33 * len(self.tx_hashes) + sum(len(log.encoded) * 2 for log in self.logs))


class _TxFields:
    """One synthetic type-2 transaction, rendered with string templates (much faster than dicts)."""

    __slots__ = ("hash", "sender", "to", "value", "gas", "gas_used", "input", "r", "s", "y", "nonce", "status", "special")

    TX = ('{"type":"0x2","hash":"%s","nonce":"%s","blockHash":"%s","blockNumber":"%s","transactionIndex":"%s",'
          '"from":"%s","to":"%s","value":"%s","gas":"%s","input":"%s","chainId":"%s","accessList":[],'
          '"maxFeePerGas":"%s","maxPriorityFeePerGas":"%s","gasPrice":"%s","v":"%s","yParity":"%s","r":"%s","s":"%s"}')
    RECEIPT = ('{"type":"0x2","transactionHash":"%s","transactionIndex":"%s","blockHash":"%s","blockNumber":"%s",'
               '"from":"%s","to":"%s","cumulativeGasUsed":"%s","gasUsed":"%s","contractAddress":null,"logs":[%s],'
               '"logsBloom":"%s","status":"%s","effectiveGasPrice":"%s"}')
    MAX_FEE = hx(2 * BASE_FEE)
    TIP = hx(10**9)
    PRICE = hx(BASE_FEE + 10**9)

    @classmethod
    def make(cls, chain: SyntheticChain, n: int, index: int, chunk: bytes, special: Optional[Special]) -> "_TxFields":
        tx = cls()
        tx.hash = "0x" + chain.tx_hash(n, index, chunk).hex()
        tx.r, tx.s = hx(int.from_bytes(chunk[64:96], "big") or 1), hx(int.from_bytes(chunk[96:128], "big") or 1)
        tx.y = "0x1" if chunk[0] & 1 else "0x0"
        tx.nonce = hx(chunk[1])
        tx.special = special
        tx.status = "0x1"
        if special is None:
            tx.sender, tx.to = "0x" + chunk[24:44].hex(), "0x" + chunk[44:64].hex()
            tx.value, tx.gas, tx.gas_used, tx.input = hx(int.from_bytes(chunk[128:136], "big")), "0x5208", GAS_ETH, "0x"
        elif special.kind.startswith("usdt"):
            tx.sender, tx.to, tx.value, tx.gas, tx.gas_used = "0x" + special.sender.hex(), "0x" + chain.usdt.hex(), "0x0", hx(65_000), GAS_USDT
            tx.input = "0x" + (TRANSFER_SELECTOR + special.recipient.rjust(32, b"\x00") + special.amount.to_bytes(32, "big")).hex()
        else:
            tx.sender, tx.to, tx.value, tx.gas, tx.input = "0x" + special.sender.hex(), "0x" + special.recipient.hex(), hx(special.amount), "0x5208", "0x"
            tx.gas_used = GAS_ETH
            if special.kind == "eth_failed":
                # A recipient that reverts (a contract wallet) makes a status-0 transaction.
                tx.gas, tx.gas_used, tx.status = hx(100_000), 23_400, "0x0"
        return tx

    def render(self, block_hash: str, number: str, index: int, chain_id: str) -> str:
        return self.TX % (self.hash, self.nonce, block_hash, number, hx(index), self.sender, self.to,
                          self.value, self.gas, self.input, chain_id, self.MAX_FEE, self.TIP, self.PRICE, self.y,
                          self.y, self.r, self.s)

    def render_receipt(self, block_hash: str, number: str, index: int, cumulative: int, logs: list, bits: int) -> str:
        return self.RECEIPT % (self.hash, hx(index), block_hash, number, self.sender, self.to,
                               hx(cumulative), hx(self.gas_used), ",".join(log.encoded.decode() for log in logs),
                               bloom_hex(bits) if bits else EMPTY_BLOOM, self.status, self.PRICE)


class ByteBoundedCache:
    """LRU of rendered blocks, bounded by their encoded size. Thread-safe."""

    def __init__(self, capacity_bytes: int):
        self.capacity = capacity_bytes
        self.used = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get_or_make(self, key: Any, make) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = make()  # outside the lock: two threads may render the same block, harmlessly
        size = value.size()
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, size)
                self.used += size
            while self.used > self.capacity and len(self._items) > 1:
                _, (_, evicted) = self._items.popitem(last=False)
                self.used -= evicted
        return value


# ---------------------------------------------------------------------------------------------
# JSON-RPC


class FixtureServer(JsonRpcApp):
    def __init__(self, chain: SyntheticChain, max_log_range: int, max_log_results: int,
                 log_limit_style: str, block_receipts: bool):
        self.chain = chain
        self.max_log_range = max_log_range
        self.max_log_results = max_log_results
        self.log_limit_style = log_limit_style
        self.methods = {
            "eth_chainId": lambda p: hx(chain.chain_id),
            "net_version": lambda p: str(chain.chain_id),
            "eth_blockNumber": lambda p: hx(chain.head),
            "eth_syncing": lambda p: False,
            "eth_getBlockByNumber": self.get_block_by_number,
            "eth_getBlockByHash": self.get_block_by_hash,
            "eth_getTransactionByHash": self.get_transaction,
            "eth_getTransactionReceipt": self.get_receipt,
            "eth_getLogs": self.get_logs,
            "fixture_expectedDeposits": self.expected_deposits,
            "fixture_watchedAddresses": lambda p: ["0x" + a.hex() for a in chain.watched],
        }
        if block_receipts:  # --no-block-receipts exercises a client's per-receipt fallback
            self.methods["eth_getBlockReceipts"] = self.get_block_receipts

    def dispatch(self, call: Call, context: Any) -> Any:
        handler = self.methods.get(call.method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"the method {call.method} does not exist/is not available")
        return handler(call.params)

    def block_number(self, value: Any) -> Optional[int]:
        """Tag or hex → a block number, or None when past the head. Every block is final here."""
        if value in ("latest", "safe", "finalized"):
            return self.chain.head
        if value == "earliest":
            return 0
        if value == "pending":
            return None
        if isinstance(value, str) and value.startswith("0x"):
            number = parse_quantity(value, "block number")
            return number if number <= self.chain.head else None
        raise invalid_params(f"invalid block number or tag {value!r}")

    @staticmethod
    def full_flag(params: list) -> bool:
        full = get_param(params, 1, "hydrated")
        if not isinstance(full, bool):
            raise invalid_params("invalid hydrated: expected true or false")
        return full

    def get_block_by_number(self, params: list) -> Any:
        number = self.block_number(get_param(params, 0, "block"))
        full = self.full_flag(params)
        return None if number is None else RawJson(self.chain.block_json(number, full))

    def get_block_by_hash(self, params: list) -> Any:
        number = self.chain.number_by_hash.get(parse_hash(get_param(params, 0, "block hash"), "block hash"))
        full = self.full_flag(params)
        return None if number is None else RawJson(self.chain.block_json(number, full))

    def get_block_receipts(self, params: list) -> Any:
        value = get_param(params, 0, "block")
        if isinstance(value, dict):
            value = value.get("blockHash") or value.get("blockNumber")
        if isinstance(value, str) and len(value) == 66:
            number = self.chain.number_by_hash.get(parse_hash(value, "block hash"))
        else:
            number = self.block_number(value)
        return None if number is None else RawJson(self.chain.receipts_json(number))

    def _located(self, params: list) -> Optional[tuple[int, int]]:
        return self.chain.locate_tx(parse_hash(get_param(params, 0, "transaction hash"), "transaction hash"))

    def get_transaction(self, params: list) -> Any:
        found = self._located(params)
        return None if found is None else RawJson(self.chain.rendered(found[0]).full.item(found[1]))

    def get_receipt(self, params: list) -> Any:
        found = self._located(params)
        return None if found is None else RawJson(self.chain.rendered(found[0]).receipts.item(found[1]))

    def get_logs(self, params: list) -> Any:
        def bound(value: Any) -> int:
            number = self.block_number(value)
            return self.chain.head + 1 if number is None else number  # past the head: empty

        log_filter = parse_log_filter(get_param(params, 0, "filter"), bound, 1000)
        if log_filter.block_hash is not None:
            number = self.chain.number_by_hash.get(log_filter.block_hash)
            if number is None:
                raise RpcError(SERVER_ERROR, "unknown block")
            numbers = range(number, number + 1)
        else:
            check_range(log_filter, self.max_log_range, self.log_limit_style)
            numbers = range(log_filter.from_block, min(log_filter.to_block, self.chain.head) + 1)
        matched = [log.encoded for n in numbers for log in self.chain.logs(n) if log_filter.matches(log.fields)]
        if self.max_log_results and len(matched) > self.max_log_results:
            raise result_limit_error(self.log_limit_style, self.max_log_results)
        return RawJson(b"[" + b",".join(matched) + b"]")

    def expected_deposits(self, params: list) -> list:
        """[{"fromBlock": hex, "toBlock": hex}] → the deposits a correct watcher reports there."""
        spec = get_param(params, 0, "range", required=False, default={}) or {}
        first = parse_quantity(spec.get("fromBlock", "0x0"), "fromBlock")
        last = parse_quantity(spec.get("toBlock", hx(self.chain.head)), "toBlock")
        if last - first > 100_000:
            raise invalid_params("at most 100000 blocks per call")
        return self.chain.expected_deposits(first, last)


# ---------------------------------------------------------------------------------------------
# Command line


def load_watched(path: Optional[str], seed: int, count: int) -> list[bytes]:
    """One 0x address per line (blank lines and # comments skipped), or `count` seeded ones."""
    if path is None:
        rng = random.Random(seed ^ 0x5EED)
        return [rng.randbytes(20) for _ in range(count)]
    addresses = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not (line.startswith("0x") and len(line) == 42):
            raise SystemExit(f"{path}:{number}: not a 0x address: {line!r}")
        addresses.append(bytes.fromhex(line[2:]))
        if len(addresses) > MAX_WATCHED:
            raise SystemExit(f"{path}: more than {MAX_WATCHED} addresses")
    if not addresses:
        raise SystemExit(f"{path}: no addresses")
    return addresses


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8546, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--blocks", type=int, default=10_000, help="head block number (blocks 1..N hold transactions)")
    parser.add_argument("--txs-per-block", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain-id", type=int, default=None, help="1, or Tron mainnet's 0x2b6653dc with --tron")
    parser.add_argument("--tron", action="store_true",
                        help="Tron's shapes where the watcher sees them: its chain id and number-prefixed block hashes")
    parser.add_argument("--watched-file", help="deposit recipients, one 0x address per line")
    parser.add_argument("--watched-count", type=int, default=1000, help="seeded recipients when no --watched-file")
    parser.add_argument("--eth-deposits-per-block", type=int, default=2)
    parser.add_argument("--usdt-deposits-per-block", type=int, default=1)
    parser.add_argument("--usdt-transfers-per-block", type=int, default=20, help="USDT transfers to unwatched addresses")
    parser.add_argument("--failed-deposit-every", type=int, default=50,
                        help="a status-0 ETH transfer to a watched address every N blocks (0 = never)")
    parser.add_argument("--usdt", default="0x" + MAINNET_USDT.hex(), help="token contract address (mainnet USDT)")
    parser.add_argument("--max-log-range", type=int, default=0, help="eth_getLogs: max blocks per query (0 = no limit)")
    parser.add_argument("--max-log-results", type=int, default=0, help="eth_getLogs: max logs per answer (0 = no limit)")
    parser.add_argument("--log-limit-style", choices=("infura", "alchemy", "geth"), default="infura")
    parser.add_argument("--no-block-receipts", action="store_true", help="answer eth_getBlockReceipts with -32601")
    parser.add_argument("--cache-mb", type=int, default=3072, help="memory for rendered blocks (about 0.25 MB each)")
    parser.add_argument("--prewarm", action="store_true", help="render every block before announcing readiness")
    parser.add_argument("--manifest", help="write the expected deposits (JSON lines) to this file")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.chain_id is None:
        args.chain_id = 0x2B6653DC if args.tron else 1
    if not 1 <= args.blocks <= MAX_BLOCKS or not 1 <= args.txs_per_block <= 100_000:
        parser.error(f"--blocks must be between 1 and {MAX_BLOCKS}, --txs-per-block between 1 and 100000")
    return args


def build_chain(args: argparse.Namespace) -> SyntheticChain:
    shape = Shape(args.txs_per_block, args.eth_deposits_per_block, args.usdt_deposits_per_block,
                  args.usdt_transfers_per_block, args.failed_deposit_every)
    watched = load_watched(args.watched_file, args.seed, args.watched_count)
    try:
        return SyntheticChain(args.seed, args.blocks, shape, watched, args.chain_id,
                              bytes.fromhex(args.usdt.removeprefix("0x")), args.cache_mb * 1024 * 1024, tron=args.tron)
    except ValueError as err:
        raise SystemExit(str(err))


def main(argv: list[str]) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    chain = build_chain(args)
    if args.manifest:
        with open(args.manifest, "w") as out:
            for entry in chain.expected_deposits(1, chain.head):
                out.write(json.dumps(entry) + "\n")
    if args.prewarm:
        for n in range(chain.head + 1):
            chain.rendered(n)
        if chain.cached_blocks() < chain.head + 1:
            print(f"fixture_chain: --cache-mb {args.cache_mb} holds {chain.cached_blocks()} of "
                  f"{chain.head + 1} blocks; the rest will be rendered again on use", file=sys.stderr)
    app = FixtureServer(chain, args.max_log_range, args.max_log_results, args.log_limit_style, not args.no_block_receipts)
    server = RpcHttpServer("127.0.0.1", args.port, app, verbose=args.verbose)
    print(json.dumps({
        "rpc_url": server.url, "chain_id": args.chain_id, "usdt": "0x" + chain.usdt.hex(), "head": chain.head,
        "txs_per_block": args.txs_per_block, "watched_count": len(chain.watched), "seed": args.seed,
        "transfer_topic": "0x" + TRANSFER_TOPIC.hex(), "cached_mb": round(chain.cached_bytes() / 2**20),
        "pid": os.getpid(), "startup_seconds": round(time.monotonic() - started, 2),
    }), flush=True)
    serve_until_signalled(server)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
