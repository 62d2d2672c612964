"""Tests for fixture_chain.py: consistency, determinism and the deposit manifest.

    nice -n 10 .venv/bin/python -m pytest devnet -q
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from eth_hash.auto import keccak

from test_devnet import HERE, RpcClient, RpcFailure, stop

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
BLOCKS = 200


def start_fixture(*args: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, str(HERE / "fixture_chain.py"), "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # the fixture starts in well under a second
    if not line:
        proc.kill()
        raise RuntimeError(f"fixture did not start: {proc.stderr.read()}")
    return proc, json.loads(line)


@pytest.fixture(scope="module")
def watched(tmp_path_factory) -> list[str]:
    return ["0x" + os.urandom(20).hex() for _ in range(25)]


@pytest.fixture(scope="module")
def fixture(tmp_path_factory, watched):
    directory = tmp_path_factory.mktemp("fixture")
    watched_file = directory / "watched.txt"
    watched_file.write_text("# deposit addresses\n" + "\n".join(watched) + "\n")
    manifest = directory / "expected.jsonl"
    proc, info = start_fixture("--blocks", str(BLOCKS), "--txs-per-block", "30", "--seed", "7",
                               "--watched-file", str(watched_file), "--failed-deposit-every", "10",
                               "--max-log-range", "100", "--manifest", str(manifest))
    info["manifest"] = [json.loads(line) for line in manifest.read_text().splitlines()]
    info["watched_file"] = str(watched_file)
    yield info
    stop(proc)


@pytest.fixture
def rpc(fixture) -> RpcClient:
    return RpcClient(fixture["rpc_url"])


def bloom_has(bloom_hex: str, value: bytes) -> bool:
    bloom = int(bloom_hex, 16)
    digest = keccak(value)
    return all(bloom >> (((digest[i] << 8) | digest[i + 1]) & 2047) & 1 for i in (0, 2, 4))


def test_head_and_identity(rpc, fixture):
    assert fixture["head"] == BLOCKS
    assert rpc.call("eth_blockNumber") == hex(BLOCKS)
    assert rpc.call("eth_chainId") == "0x1"
    assert rpc.call("eth_getBlockByNumber", hex(BLOCKS + 1), False) is None


def test_blocks_link_up_and_agree_across_methods(rpc):
    previous = rpc.call("eth_getBlockByNumber", "0x0", False)
    for n in range(1, 12):
        block = rpc.call("eth_getBlockByNumber", hex(n), True)
        assert block["parentHash"] == previous["hash"]
        assert len(block["transactions"]) == 30
        assert rpc.call("eth_getBlockByHash", block["hash"], True) == block
        hashes = rpc.call("eth_getBlockByNumber", hex(n), False)["transactions"]
        assert hashes == [tx["hash"] for tx in block["transactions"]]
        previous = block
    assert rpc.call("eth_getBlockByNumber", "latest", False)["number"] == hex(BLOCKS)


def test_receipts_logs_and_blooms_are_consistent(rpc, fixture):
    for n in (1, 2, 50):
        block = rpc.call("eth_getBlockByNumber", hex(n), True)
        receipts = rpc.call("eth_getBlockReceipts", hex(n))
        assert [r["transactionHash"] for r in receipts] == [tx["hash"] for tx in block["transactions"]]
        cumulative = [int(r["cumulativeGasUsed"], 16) for r in receipts]
        assert cumulative == sorted(cumulative) and cumulative[-1] == int(block["gasUsed"], 16)
        logs = [log for r in receipts for log in r["logs"]]
        assert [int(log["logIndex"], 16) for log in logs] == list(range(len(logs)))
        assert rpc.call("eth_getLogs", {"blockHash": block["hash"]}) == logs
        assert rpc.call("eth_getLogs", {"fromBlock": hex(n), "toBlock": hex(n)}) == logs
        for log in logs:
            assert log["address"] == fixture["usdt"] and log["topics"][0] == TRANSFER
            for value in (bytes.fromhex(log["address"][2:]), *(bytes.fromhex(t[2:]) for t in log["topics"])):
                assert bloom_has(block["logsBloom"], value)
        tx = block["transactions"][3]
        assert rpc.call("eth_getTransactionByHash", tx["hash"]) == tx
        assert rpc.call("eth_getTransactionReceipt", tx["hash"]) == receipts[3]
    assert rpc.call("eth_getTransactionReceipt", "0x" + "11" * 32) is None


def test_manifest_matches_the_chain(rpc, fixture, watched):
    manifest = fixture["manifest"]
    assert manifest == rpc.call("fixture_expectedDeposits", {"fromBlock": "0x1", "toBlock": hex(BLOCKS)})
    kinds = {(entry["asset"], entry["status"]) for entry in manifest}
    assert kinds == {("ETH", 1), ("ETH", 0), ("USDT", 1)}
    assert sum(1 for e in manifest if e["asset"] == "ETH" and e["status"] == 0) == BLOCKS // 10
    for entry in manifest[:40]:
        assert entry["to"] in watched
        receipt = rpc.call("eth_getTransactionReceipt", entry["transactionHash"])
        assert int(receipt["status"], 16) == entry["status"]
        if entry["asset"] == "ETH":
            tx = rpc.call("eth_getTransactionByHash", entry["transactionHash"])
            assert tx["to"] == entry["to"] and int(tx["value"], 16) == int(entry["amount"])
        else:
            log = next(log for log in receipt["logs"] if int(log["logIndex"], 16) == entry["logIndex"])
            assert log["topics"][2] == "0x" + entry["to"][2:].rjust(64, "0")
            assert int(log["data"], 16) == int(entry["amount"])


def test_recipient_filter_finds_exactly_the_usdt_deposits(rpc, fixture, watched):
    topics = [TRANSFER, None, ["0x" + a[2:].rjust(64, "0") for a in watched]]
    found = rpc.call("eth_getLogs", {"fromBlock": "0x1", "toBlock": hex(100), "address": fixture["usdt"], "topics": topics})
    expected = [(e["transactionHash"], e["logIndex"]) for e in fixture["manifest"]
                if e["asset"] == "USDT" and e["blockNumber"] <= 100]
    assert [(log["transactionHash"], int(log["logIndex"], 16)) for log in found] == expected


def test_get_logs_range_limit(rpc):
    with pytest.raises(RpcFailure) as limited:
        rpc.call("eth_getLogs", {"fromBlock": "0x1", "toBlock": hex(101)})
    assert limited.value.code == -32005


def test_batches(rpc):
    batch = [{"jsonrpc": "2.0", "id": n, "method": "eth_getBlockByNumber", "params": [hex(n), False]}
             for n in range(1, 51)]
    answers = rpc.raw(batch)
    assert sorted(a["id"] for a in answers) == list(range(1, 51))
    assert all(a["result"]["number"] == hex(a["id"]) for a in answers)


def test_same_seed_same_bytes_and_fallback_switch(fixture):
    proc, info = start_fixture("--blocks", str(BLOCKS), "--txs-per-block", "30", "--seed", "7",
                               "--watched-file", fixture["watched_file"], "--failed-deposit-every", "10",
                               "--no-block-receipts")
    try:
        other = RpcClient(info["rpc_url"])
        with pytest.raises(RpcFailure) as missing:
            other.call("eth_getBlockReceipts", "0x3")
        assert missing.value.code == -32601
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": ["0x3", True]}).encode()
        # Same seed, shape and watched list: byte-identical answers.
        assert RpcClient(fixture["rpc_url"]).post(body) == other.post(body)
    finally:
        stop(proc)
