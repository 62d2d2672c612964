"""Smoke tests for devnet.py: every standard method and every devnet_ control, over real HTTP.

One devnet process serves the module; each test runs between devnet_snapshot and devnet_revert
(and resets faults and settings), so tests do not see each other's blocks.

    nice -n 10 .venv/bin/python -m pytest devnet -q
"""
from __future__ import annotations

import http.client
import json
import os
import re
import select
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

HERE = Path(__file__).resolve().parent
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
QUANTITY = re.compile(r"^0x(0|[1-9a-f][0-9a-f]*)$")
HASH = re.compile(r"^0x[0-9a-f]{64}$")
ADDRESS = re.compile(r"^0x[0-9a-f]{40}$")
DATA = re.compile(r"^0x([0-9a-f]{2})*$")
STARTUP_TIMEOUT = 120  # seconds; a cold start on a busy 2-core machine takes a few


# ---------------------------------------------------------------------------------------------
# Harness


class RpcClient:
    """A keep-alive JSON-RPC client; `call` raises RpcFailure on an error answer."""

    def __init__(self, url: str, timeout: float = 30.0):
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.timeout = timeout
        self._conn = None
        self._ids = iter(range(1, 10**9))

    def post(self, body: bytes, timeout: float | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            conn.request("POST", "/", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def raw(self, payload, timeout: float | None = None):
        status, body = self.post(json.dumps(payload).encode(), timeout)
        assert status == 200, (status, body)
        return json.loads(body) if body else None

    def request(self, method: str, *params) -> dict:
        return self.raw({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)})

    def call(self, method: str, *params):
        answer = self.request(method, *params)
        if "error" in answer:
            raise RpcFailure(answer["error"])
        return answer["result"]


class RpcFailure(Exception):
    def __init__(self, error: dict):
        super().__init__(f"{error['code']}: {error['message']}")
        self.code = error["code"]
        self.message = error["message"]
        self.data = error.get("data")


def start_devnet(*args: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, str(HERE / "devnet.py"), "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], STARTUP_TIMEOUT)
    line = proc.stdout.readline() if ready else ""
    if not line:
        proc.kill()
        raise RuntimeError(f"devnet did not start: {proc.stderr.read()}")
    return proc, json.loads(line)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def devnet():
    proc, info = start_devnet()
    yield info
    stop(proc)
    assert proc.returncode == 0, "devnet should exit cleanly on SIGTERM"


@pytest.fixture
def rpc(devnet):
    client = RpcClient(devnet["rpc_url"])
    snapshot = client.call("devnet_snapshot")
    yield client
    client.call("devnet_fault", {"mode": "none"})
    client.call("devnet_configure", {"maxLogRange": 0, "maxLogResults": 0, "logLimitStyle": "infura",
                                     "shuffleBatches": False, "safeLag": 32, "finalizedLag": 64})
    assert client.call("devnet_revert", snapshot) is True


def fresh_address() -> str:
    return "0x" + os.urandom(20).hex()


def word(address: str) -> str:
    return "0x" + address[2:].rjust(64, "0")


def head(rpc: RpcClient) -> int:
    return int(rpc.call("eth_blockNumber"), 16)


def balance(rpc: RpcClient, address: str, block="latest") -> int:
    return int(rpc.call("eth_getBalance", address, block), 16)


def token_balance(rpc: RpcClient, token: str, address: str, block="latest") -> int:
    data = "0x70a08231" + word(address)[2:]  # balanceOf(address)
    return int(rpc.call("eth_call", {"to": token, "data": data}, block), 16)


def assert_encodings(obj: dict, quantities=(), hashes=(), addresses=(), data=()) -> None:
    for key in quantities:
        assert QUANTITY.match(obj[key]), (key, obj[key])
    for key in hashes:
        assert HASH.match(obj[key]), (key, obj[key])
    for key in addresses:
        assert obj[key] is None or ADDRESS.match(obj[key]), (key, obj[key])
    for key in data:
        assert DATA.match(obj[key]), (key, obj[key])


# ---------------------------------------------------------------------------------------------
# Identity, encodings, tags


def test_startup_line_names_everything_a_harness_needs(devnet):
    for key in ("usdt", "lookalike", "batch_transfer", "forwarder", "rejector", "funder"):
        assert ADDRESS.match(devnet[key]), key
    assert devnet["chain_id"] == 1337
    assert devnet["head"] == 1  # block 1 holds the contract deployments
    assert devnet["rpc_url"].startswith("http://127.0.0.1:")
    assert devnet["usdt"] != devnet["lookalike"]


def test_identity_methods(rpc, devnet):
    assert rpc.call("eth_chainId") == "0x539"
    assert rpc.call("net_version") == "1337"
    assert rpc.call("eth_syncing") is False
    assert QUANTITY.match(rpc.call("eth_blockNumber"))
    accounts = rpc.call("devnet_accounts")
    assert len(accounts) == 10 and accounts[0]["address"] == devnet["funder"]
    assert accounts[0]["role"] == "funder" and int(accounts[0]["balance"], 16) > 10**23


def test_tokens_look_alike_but_live_at_different_addresses(rpc, devnet):
    for token in (devnet["usdt"], devnet["lookalike"]):
        decimals = rpc.call("eth_call", {"to": token, "data": "0x313ce567"}, "latest")  # decimals()
        assert int(decimals, 16) == 6
        symbol = bytes.fromhex(rpc.call("eth_call", {"to": token, "data": "0x95d89b41"}, "latest")[2:])
        assert b"USDT" in symbol
        assert len(rpc.call("eth_getCode", token, "latest")) > 100


def test_blocks_by_tag_number_and_hash(rpc):
    rpc.call("devnet_mine", 70)
    top = head(rpc)
    latest = rpc.call("eth_getBlockByNumber", "latest", False)
    assert int(latest["number"], 16) == top
    assert rpc.call("eth_getBlockByNumber", "earliest", False)["number"] == "0x0"
    assert int(rpc.call("eth_getBlockByNumber", "safe", False)["number"], 16) == top - 32
    assert int(rpc.call("eth_getBlockByNumber", "finalized", False)["number"], 16) == top - 64
    pending = rpc.call("eth_getBlockByNumber", "pending", False)
    assert int(pending["number"], 16) == top + 1 and pending["hash"] is None
    assert rpc.call("eth_getBlockByNumber", hex(top + 1), False) is None
    by_hash = rpc.call("eth_getBlockByHash", latest["hash"], False)
    assert by_hash == latest
    assert rpc.call("eth_getBlockByHash", "0x" + "ab" * 32, False) is None
    parent = rpc.call("eth_getBlockByNumber", hex(top - 1), False)
    assert latest["parentHash"] == parent["hash"]
    assert_encodings(latest, quantities=("number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "size"),
                     hashes=("hash", "parentHash", "stateRoot", "transactionsRoot", "receiptsRoot"),
                     addresses=("miner",))
    assert len(latest["logsBloom"]) == 2 + 512


def test_invalid_params_and_unknown_methods(rpc):
    with pytest.raises(RpcFailure) as unknown:
        rpc.call("eth_mining")
    assert unknown.value.code == -32601
    for bad in ("0x01", "0x", "12", "latestt"):  # leading zero, empty, no prefix, bad tag
        with pytest.raises(RpcFailure) as invalid:
            rpc.call("eth_getBlockByNumber", bad, False)
        assert invalid.value.code == -32602, bad
    with pytest.raises(RpcFailure) as missing:
        rpc.call("eth_getBlockByNumber", "latest")
    assert missing.value.code == -32602
    with pytest.raises(RpcFailure) as beyond:
        rpc.call("eth_getBalance", fresh_address(), hex(head(rpc) + 5))
    assert beyond.value.code == -32000 and "header not found" in beyond.value.message


# ---------------------------------------------------------------------------------------------
# Deposits


def test_eth_deposit_is_pending_until_mined_then_confirmed(rpc, devnet):
    deposit = fresh_address()
    start = head(rpc)
    tx_hash = rpc.call("devnet_sendEth", deposit, hex(10**18))
    pending = rpc.call("eth_getTransactionByHash", tx_hash)
    assert pending["blockHash"] is None and pending["blockNumber"] is None
    assert rpc.call("eth_getTransactionReceipt", tx_hash) is None
    assert tx_hash in rpc.call("eth_getBlockByNumber", "pending", False)["transactions"]
    assert head(rpc) == start, "nothing is mined without devnet_mine"

    assert rpc.call("devnet_mine", 12) == hex(start + 12)
    receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1" and receipt["blockNumber"] == hex(start + 1)
    assert receipt["to"] == deposit and receipt["from"] == devnet["funder"]
    assert_encodings(receipt, quantities=("blockNumber", "transactionIndex", "gasUsed", "cumulativeGasUsed",
                                          "effectiveGasPrice", "status", "type"),
                     hashes=("transactionHash", "blockHash"), addresses=("from", "to", "contractAddress"))
    tx = rpc.call("eth_getTransactionByHash", tx_hash)
    assert tx["value"] == hex(10**18) and tx["blockHash"] == receipt["blockHash"] and tx["type"] == "0x2"
    assert_encodings(tx, quantities=("nonce", "gas", "value", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice",
                                     "chainId", "v", "r", "s", "yParity"),
                     hashes=("hash", "blockHash"), addresses=("from", "to"), data=("input",))
    block = rpc.call("eth_getBlockByNumber", hex(start + 1), True)
    assert [t["hash"] for t in block["transactions"]] == [tx_hash]
    assert block["transactions"][0] == tx
    assert balance(rpc, deposit, hex(start)) == 0
    assert balance(rpc, deposit, hex(start + 1)) == 10**18
    assert balance(rpc, deposit) == 10**18
    assert balance(rpc, deposit, {"blockHash": block["hash"]}) == 10**18


def test_legacy_transaction_encoding(rpc):
    tx_hash = rpc.call("devnet_sendEth", fresh_address(), "0x1", {"type": "0x0"})
    rpc.call("devnet_mine")
    tx = rpc.call("eth_getTransactionByHash", tx_hash)
    assert tx["type"] == "0x0" and "maxFeePerGas" not in tx
    assert int(tx["v"], 16) in (1337 * 2 + 35, 1337 * 2 + 36)  # EIP-155
    assert tx["chainId"] == "0x539"


def test_several_pending_transactions_from_one_sender(rpc):
    hashes = [rpc.call("devnet_sendEth", fresh_address(), hex(i + 1)) for i in range(3)]
    hashes.append(rpc.call("devnet_sendToken", fresh_address(), "0x5"))
    rpc.call("devnet_mine")
    receipts = rpc.call("eth_getBlockReceipts", "latest")
    assert [r["transactionHash"] for r in receipts] == hashes
    assert all(r["status"] == "0x1" for r in receipts)
    assert [r["logs"][0]["logIndex"] for r in receipts if r["logs"]] == ["0x0"]


def test_usdt_deposit_and_lookalike_are_told_apart_by_address(rpc, devnet):
    deposit = fresh_address()
    real = rpc.call("devnet_sendToken", deposit, hex(25_000_000), "usdt")
    fake = rpc.call("devnet_sendToken", deposit, hex(99_000_000), "lookalike")
    rpc.call("devnet_mine")
    number = hex(head(rpc))
    by_recipient = {"fromBlock": number, "toBlock": number, "topics": [TRANSFER, None, [word(deposit)]]}
    both = rpc.call("eth_getLogs", by_recipient)
    assert {log["transactionHash"] for log in both} == {real, fake}
    only_usdt = rpc.call("eth_getLogs", {**by_recipient, "address": devnet["usdt"]})
    assert [log["transactionHash"] for log in only_usdt] == [real]
    assert only_usdt[0]["data"] == "0x" + hex(25_000_000)[2:].rjust(64, "0")
    assert only_usdt[0]["topics"][1] == word(devnet["funder"]) and only_usdt[0]["removed"] is False
    assert_encodings(only_usdt[0], quantities=("blockNumber", "transactionIndex", "logIndex"),
                     hashes=("transactionHash", "blockHash"), addresses=("address",), data=("data",))
    as_list = rpc.call("eth_getLogs", {**by_recipient, "address": [devnet["usdt"], devnet["lookalike"]]})
    assert len(as_list) == 2
    other_recipient = rpc.call("eth_getLogs", {**by_recipient, "topics": [TRANSFER, None, word(fresh_address())]})
    assert other_recipient == []
    by_block_hash = rpc.call("eth_getLogs", {"blockHash": both[0]["blockHash"], "address": devnet["lookalike"]})
    assert [log["transactionHash"] for log in by_block_hash] == [fake]
    assert token_balance(rpc, devnet["usdt"], deposit) == 25_000_000
    assert token_balance(rpc, devnet["usdt"], deposit, hex(int(number, 16) - 1)) == 0


def test_two_transfer_logs_in_one_transaction(rpc, devnet):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_sendTokenTwice", deposit, hex(1_000_000), hex(2_500_000))
    rpc.call("devnet_mine")
    receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1"
    logs = [log for log in receipt["logs"] if log["topics"][0] == TRANSFER]
    assert len(logs) == 2
    assert {log["transactionHash"] for log in logs} == {tx_hash}
    assert logs[0]["logIndex"] != logs[1]["logIndex"]
    assert [int(log["data"], 16) for log in logs] == [1_000_000, 2_500_000]
    assert all(log["address"] == devnet["usdt"] and log["topics"][2] == word(deposit) for log in logs)
    assert token_balance(rpc, devnet["usdt"], deposit) == 3_500_000


def test_two_transfer_logs_to_two_recipients_in_one_transaction(rpc, devnet):
    first_to, second_to = fresh_address(), fresh_address()
    before = [token_balance(rpc, devnet["usdt"], a) for a in (first_to, second_to)]
    tx_hash = rpc.call("devnet_sendTokenToTwo", first_to, second_to, hex(1_250_000), hex(3_000_000))
    rpc.call("devnet_mine")
    receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1"
    logs = [log for log in receipt["logs"] if log["topics"][0] == TRANSFER]
    assert len(logs) == 2
    assert all(log["address"] == devnet["usdt"] and log["transactionHash"] == tx_hash for log in logs)
    assert all(log["topics"][1] == word(devnet["funder"]) for log in logs)
    assert [log["topics"][2] for log in logs] == [word(first_to), word(second_to)]
    assert [int(log["data"], 16) for log in logs] == [1_250_000, 3_000_000]
    assert int(logs[0]["logIndex"], 16) < int(logs[1]["logIndex"], 16)
    assert token_balance(rpc, devnet["usdt"], first_to) == before[0] + 1_250_000
    assert token_balance(rpc, devnet["usdt"], second_to) == before[1] + 3_000_000


def test_failing_eth_transfer_to_a_deposit_address_has_status_0(rpc):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_failingEthTransfer", deposit, hex(5 * 10**17))
    rpc.call("devnet_mine")
    tx = rpc.call("eth_getTransactionByHash", tx_hash)
    receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert tx["to"] == deposit and int(tx["value"], 16) == 5 * 10**17
    assert receipt["status"] == "0x0" and receipt["logs"] == []
    assert balance(rpc, deposit) == 0, "a reverted transaction moves no ETH"
    assert rpc.call("eth_getCode", deposit, "latest") == "0x", "the temporary delegation is gone"
    # After that block the address takes ETH again.
    ok = rpc.call("devnet_sendEth", deposit, "0x7")
    rpc.call("devnet_mine")
    assert rpc.call("eth_getTransactionReceipt", ok)["status"] == "0x1"
    assert balance(rpc, deposit) == 7


def test_failing_and_succeeding_transfer_to_one_address_in_one_block(rpc, devnet):
    deposit = fresh_address()
    failing = rpc.call("devnet_failingEthTransfer", deposit, "0x64")
    ok = rpc.call("devnet_sendEth", deposit, "0x5", {"from": rpc.call("devnet_accounts")[3]["address"]})
    rpc.call("devnet_mine")
    receipts = {r["transactionHash"]: r for r in rpc.call("eth_getBlockReceipts", "latest")}
    assert receipts[failing]["status"] == "0x0" and receipts[ok]["status"] == "0x1"
    assert balance(rpc, deposit) == 5, "only the failing transaction sees the rejecting delegation"


def test_failing_eth_transfer_to_the_rejector_contract(rpc, devnet):
    tx_hash = rpc.call("devnet_failingEthTransfer", devnet["rejector"], "0x64")
    rpc.call("devnet_mine")
    assert rpc.call("eth_getTransactionReceipt", tx_hash)["status"] == "0x0"
    assert balance(rpc, devnet["rejector"]) == 0


def test_failing_usdt_transfer_has_status_0_and_no_log(rpc, devnet):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_failingTokenTransfer", deposit, hex(10**6))
    rpc.call("devnet_mine")
    receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x0" and receipt["logs"] == [] and receipt["to"] == devnet["usdt"]
    tx = rpc.call("eth_getTransactionByHash", tx_hash)
    assert tx["input"].startswith("0xa9059cbb" + word(deposit)[2:])  # transfer(deposit, amount)
    assert token_balance(rpc, devnet["usdt"], deposit) == 0


def test_internal_eth_transfer_is_invisible_to_a_top_level_scan(rpc, devnet):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_contractSendEth", deposit, hex(3 * 10**17))
    rpc.call("devnet_mine")
    block = rpc.call("eth_getBlockByNumber", "latest", True)
    assert [tx["hash"] for tx in block["transactions"]] == [tx_hash]
    assert all(tx["to"] != deposit for tx in block["transactions"])
    assert block["transactions"][0]["to"] == devnet["forwarder"]
    assert rpc.call("eth_getTransactionReceipt", tx_hash)["status"] == "0x1"
    assert balance(rpc, deposit) == 3 * 10**17


# ---------------------------------------------------------------------------------------------
# Reorgs, snapshots


def test_reorg_replaces_blocks_at_the_same_heights(rpc):
    deposit = fresh_address()
    rpc.call("devnet_mine", 2)
    tx_hash = rpc.call("devnet_sendEth", deposit, hex(10**18))
    rpc.call("devnet_mine", 3)
    top = head(rpc)
    before = {n: rpc.call("eth_getBlockByNumber", hex(n), False)["hash"] for n in range(top - 3, top + 1)}
    assert rpc.call("eth_getTransactionReceipt", tx_hash)["blockNumber"] == hex(top - 2)

    result = rpc.call("devnet_reorg", 3)
    assert result["oldHead"]["hash"] == before[top]
    assert int(result["newHead"]["number"], 16) == top + 1, "the new branch is one block longer"
    assert result["forkBlock"]["hash"] == before[top - 3]
    assert tx_hash in result["orphanedTxs"] and result["reincludedTxs"] == []
    after = {n: rpc.call("eth_getBlockByNumber", hex(n), False)["hash"] for n in range(top - 3, top + 1)}
    assert after[top - 3] == before[top - 3]
    for n in range(top - 2, top + 1):
        assert after[n] != before[n], f"height {n} must have a new hash"
    assert [r["newHash"] for r in result["replaced"]] == [after[n] for n in range(top - 2, top + 1)]
    assert rpc.call("eth_getBlockByNumber", hex(top - 2), False)["parentHash"] == before[top - 3]
    # The deposit vanished from the canonical chain.
    assert rpc.call("eth_getTransactionReceipt", tx_hash) is None
    assert rpc.call("eth_getTransactionByHash", tx_hash) is None
    assert balance(rpc, deposit) == 0
    # The orphaned block is still retrievable by hash, as on a real node.
    assert rpc.call("eth_getBlockByHash", before[top - 2], False)["hash"] == before[top - 2]


def test_reorg_can_reinclude_a_transaction_in_a_different_block(rpc):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_sendToken", deposit, hex(7_000_000))
    rpc.call("devnet_mine", 2)
    old_receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    result = rpc.call("devnet_reorg", 2, [tx_hash])
    assert result["reincludedTxs"] == [tx_hash] and result["prefixTxs"] == []
    new_receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert result["reincluded"] == [{"hash": tx_hash, "blockNumber": new_receipt["blockNumber"],
                                     "blockHash": new_receipt["blockHash"], "transactionIndex": "0x0"}]
    assert new_receipt["status"] == "0x1"
    assert new_receipt["blockNumber"] == old_receipt["blockNumber"]
    assert new_receipt["blockHash"] != old_receipt["blockHash"]
    assert new_receipt["logs"][0]["blockHash"] == new_receipt["blockHash"]


def test_reorg_drops_queued_transactions_whose_nonce_no_longer_follows(rpc, devnet):
    first = rpc.call("devnet_sendEth", fresh_address(), "0x1")
    rpc.call("devnet_mine")
    queued = rpc.call("devnet_sendEth", fresh_address(), "0x2")  # nonce follows `first`
    unrelated = rpc.call("devnet_sendEth", fresh_address(), "0x3", {"from": rpc.call("devnet_accounts")[2]["address"]})
    result = rpc.call("devnet_reorg", 1)  # `first` is orphaned and not re-included
    assert first in result["orphanedTxs"] and queued in result["droppedTxs"]
    assert rpc.call("eth_getTransactionByHash", queued) is None
    assert rpc.call("eth_getTransactionByHash", unrelated)["blockHash"] is None, "still pending"
    nonce = int(rpc.call("eth_getTransactionCount", devnet["funder"], "latest"), 16)
    assert int(rpc.call("eth_getTransactionCount", devnet["funder"], "pending"), 16) == nonce


def test_reorg_keeps_a_reincluded_failing_transfer_failing(rpc):
    deposit = fresh_address()
    failing = rpc.call("devnet_failingEthTransfer", deposit, "0x64")
    rpc.call("devnet_mine")
    rpc.call("devnet_reorg", 1, [failing])
    assert rpc.call("eth_getTransactionReceipt", failing)["status"] == "0x0"
    assert balance(rpc, deposit) == 0


def test_reorg_rejects_unknown_transactions_and_bad_depths(rpc):
    with pytest.raises(RpcFailure) as unknown:
        rpc.call("devnet_reorg", 1, ["0x" + "12" * 32])
    assert unknown.value.code == -32602
    with pytest.raises(RpcFailure) as too_deep:
        rpc.call("devnet_reorg", head(rpc) + 1)
    assert too_deep.value.code == -32602


def test_reorg_prefix_token_transfers_move_a_replayed_transfer_to_another_index(rpc, devnet):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_sendToken", deposit, hex(7_000_000))  # from the funder
    rpc.call("devnet_mine", 2)
    old = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert old["transactionIndex"] == "0x0" and old["logs"][0]["logIndex"] == "0x0"
    queued = rpc.call("devnet_sendEth", fresh_address(), "0x1")  # the funder's next nonce
    funder_usdt = token_balance(rpc, devnet["usdt"], devnet["funder"])

    result = rpc.call("devnet_reorg", 2, [tx_hash], {"prefixTokenTransfers": 3})
    new = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert new["status"] == "0x1" and new["blockNumber"] == old["blockNumber"]
    assert new["transactionIndex"] == "0x3" and new["logs"][0]["logIndex"] == "0x3"
    assert new["logs"][0]["topics"] == old["logs"][0]["topics"] and new["logs"][0]["data"] == old["logs"][0]["data"]
    assert result["reincluded"] == [{"hash": tx_hash, "blockNumber": new["blockNumber"],
                                     "blockHash": new["blockHash"], "transactionIndex": "0x3"}]
    block = rpc.call("eth_getBlockByNumber", new["blockNumber"], False)
    assert block["transactions"] == result["prefixTxs"] + [tx_hash], "the prefix comes first, in the same block"
    recipients = set()
    for index, prefix_hash in enumerate(result["prefixTxs"]):
        receipt = rpc.call("eth_getTransactionReceipt", prefix_hash)
        assert receipt["status"] == "0x1" and receipt["transactionIndex"] == hex(index)
        [log] = receipt["logs"]
        assert log["address"] == devnet["usdt"] and log["topics"][0] == TRANSFER and log["logIndex"] == hex(index)
        assert log["topics"][1] == word(devnet["funder"]), "the funder's USDT moves"
        assert receipt["from"] not in [a["address"] for a in rpc.call("devnet_accounts")], "no caller's nonce is used"
        recipients.add(log["topics"][2])
    assert len(recipients) == 3 and word(deposit) not in recipients
    assert token_balance(rpc, devnet["usdt"], deposit) == 7_000_000
    assert token_balance(rpc, devnet["usdt"], devnet["funder"]) == funder_usdt - 3 * 1_000_000
    # The funder's queued transaction still follows its nonce: it stays queued and mines.
    assert queued not in result["droppedTxs"]
    assert rpc.call("eth_getTransactionByHash", queued)["blockHash"] is None
    rpc.call("devnet_mine")
    assert rpc.call("eth_getTransactionReceipt", queued)["status"] == "0x1"
    # Fresh recipients every time.
    again = rpc.call("devnet_reorg", 1, [], {"prefixTokenTransfers": 2})
    later = {rpc.call("eth_getTransactionReceipt", h)["logs"][0]["topics"][2] for h in again["prefixTxs"]}
    assert len(later) == 2 and not later & recipients


def test_reorg_reinclude_in_replays_at_another_height(rpc, devnet):
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_sendToken", deposit, hex(1_000_000))
    rpc.call("devnet_mine", 3)
    old = rpc.call("eth_getTransactionReceipt", tx_hash)
    mined_in = int(old["blockNumber"], 16)
    result = rpc.call("devnet_reorg", 3, [tx_hash], {"reincludeIn": 3})  # fork = mined_in - 1
    new = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert new["blockNumber"] == hex(mined_in + 2) and new["transactionIndex"] == "0x0"
    assert result["reincluded"][0]["blockNumber"] == hex(mined_in + 2)
    for number in (mined_in, mined_in + 1):  # the first two new blocks are empty
        assert rpc.call("eth_getBlockByNumber", hex(number), False)["transactions"] == []
    assert head(rpc) == mined_in + 3 and token_balance(rpc, devnet["usdt"], deposit) == 1_000_000
    assert token_balance(rpc, devnet["usdt"], deposit, hex(mined_in + 1)) == 0, "not there before its new height"
    # Both options together: the prefix goes into the block that replays the transaction.
    result = rpc.call("devnet_reorg", 4, [tx_hash], {"reincludeIn": 5, "prefixTokenTransfers": 2})
    new = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert new["blockNumber"] == result["newHead"]["number"] and new["transactionIndex"] == "0x2"
    assert new["logs"][0]["logIndex"] == "0x2"
    assert result["reincluded"] == [{"hash": tx_hash, "blockNumber": result["newHead"]["number"],
                                     "blockHash": result["newHead"]["hash"], "transactionIndex": "0x2"}]
    assert len(result["prefixTxs"]) == 2


def test_reorg_prefix_transfers_after_empty_replacement_blocks(rpc, devnet):
    """reincludeIn >= 2 mines empty blocks before the prefix sender is funded in the pending state."""
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_sendToken", deposit, hex(2_000_000))
    rpc.call("devnet_mine", 3)
    mined_in = int(rpc.call("eth_getTransactionReceipt", tx_hash)["blockNumber"], 16)
    result = rpc.call("devnet_reorg", 3, [tx_hash], {"prefixTokenTransfers": 2, "reincludeIn": 2})
    new = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert new["status"] == "0x1" and new["blockNumber"] == hex(mined_in + 1) and new["transactionIndex"] == "0x2"
    assert rpc.call("eth_getBlockByNumber", hex(mined_in), False)["transactions"] == []
    block = rpc.call("eth_getBlockByNumber", new["blockNumber"], False)
    assert block["transactions"] == result["prefixTxs"] + [tx_hash]
    for prefix_hash in result["prefixTxs"]:
        assert rpc.call("eth_getTransactionReceipt", prefix_hash)["status"] == "0x1"
    assert token_balance(rpc, devnet["usdt"], deposit) == 2_000_000
    # Two reorgs in a row: reincludeIn 1, then reincludeIn 2 (the prefix sender already has a nonce).
    for reinclude_in in (1, 2, 3):
        top = head(rpc)
        depth = top - int(new["blockNumber"], 16) + 1  # the fork is just below the transfer
        result = rpc.call("devnet_reorg", depth, [tx_hash], {"prefixTokenTransfers": 1, "reincludeIn": reinclude_in})
        new = rpc.call("eth_getTransactionReceipt", tx_hash)
        assert new["status"] == "0x1" and new["transactionIndex"] == "0x1", reinclude_in
        assert int(new["blockNumber"], 16) == top - depth + reinclude_in, reinclude_in
        [prefix_hash] = result["prefixTxs"]
        assert rpc.call("eth_getTransactionReceipt", prefix_hash)["status"] == "0x1"
        assert head(rpc) == top + 1
    rpc.call("devnet_mine")  # the chain still mines on top
    assert token_balance(rpc, devnet["usdt"], deposit) == 2_000_000


def test_reorg_and_revert_onto_blocks_built_on_an_edited_pre_state(rpc, devnet):
    """Blocks with prefix transfers or a failing ETH transfer ran on a pre-state the devnet wrote
    outside any transaction; a reorg whose fork is such a block, or a revert to one, must not
    try to re-execute it."""
    deposit = fresh_address()
    tx_hash = rpc.call("devnet_sendToken", deposit, hex(3_000_000))
    rpc.call("devnet_mine", 2)
    result = rpc.call("devnet_reorg", 2, [tx_hash], {"prefixTokenTransfers": 2, "reincludeIn": 2})
    prefix_block = int(rpc.call("eth_getTransactionReceipt", tx_hash)["blockNumber"], 16)
    snapshot = rpc.call("devnet_snapshot")   # its head is the last new block, above the prefix block
    rpc.call("devnet_mine", 2)
    again = rpc.call("devnet_reorg", head(rpc) - prefix_block, [], {"prefixTokenTransfers": 1, "reincludeIn": 2})
    assert again["forkBlock"]["number"] == hex(prefix_block)
    assert rpc.call("eth_getTransactionReceipt", tx_hash)["status"] == "0x1", "the fork keeps its transactions"
    assert rpc.call("eth_getTransactionReceipt", again["prefixTxs"][0])["status"] == "0x1"
    failing = rpc.call("devnet_failingEthTransfer", fresh_address(), "0x64")
    rpc.call("devnet_mine", 2)
    failing_block = int(rpc.call("eth_getTransactionReceipt", failing)["blockNumber"], 16)
    rpc.call("devnet_reorg", head(rpc) - failing_block, [], {"prefixTokenTransfers": 1})
    assert rpc.call("eth_getTransactionReceipt", failing)["status"] == "0x0"
    # Back to the snapshot: the first reorg's branch is canonical again, transactions included.
    assert rpc.call("devnet_revert", snapshot) is True
    assert head(rpc) == prefix_block + 1
    receipt = rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt["blockNumber"] == hex(prefix_block) and receipt["transactionIndex"] == "0x2"
    assert [rpc.call("eth_getTransactionReceipt", h)["status"] for h in result["prefixTxs"]] == ["0x1", "0x1"]
    assert rpc.call("eth_getTransactionReceipt", again["prefixTxs"][0]) is None
    rpc.call("devnet_mine")
    assert token_balance(rpc, devnet["usdt"], deposit) == 3_000_000


def test_reorg_options_are_validated_before_anything_changes(rpc):
    tx_hash = rpc.call("devnet_sendEth", fresh_address(), "0x1")
    rpc.call("devnet_mine", 2)
    top, receipt = head(rpc), rpc.call("eth_getTransactionReceipt", tx_hash)
    bad_options = ({"reincludeIn": 0}, {"reincludeIn": 5}, {"prefixTokenTransfers": 51},
                   {"prefixTokenTransfers": -1}, {"prefixTokenTransfers": "0x01"}, {"prefixTokenTransfers": True},
                   {"prefix": 1}, "fast", [1])
    for options in bad_options:
        with pytest.raises(RpcFailure) as rejected:
            rpc.call("devnet_reorg", 3, [tx_hash], options)
        assert rejected.value.code == -32602, options
    with pytest.raises(RpcFailure) as before_usdt:  # the fork would be block 0: no USDT there yet
        rpc.call("devnet_reorg", top, [], {"prefixTokenTransfers": 1})
    assert before_usdt.value.code == -32602
    assert head(rpc) == top and rpc.call("eth_getTransactionReceipt", tx_hash) == receipt
    # null options, or an empty object, are the two-parameter form.
    assert rpc.call("devnet_reorg", 1, None, None)["reincluded"] == []
    assert rpc.call("devnet_reorg", 1, [], {})["prefixTxs"] == []


def test_snapshot_and_revert(rpc):
    start = head(rpc)
    snapshot = rpc.call("devnet_snapshot")
    tx_hash = rpc.call("devnet_sendEth", fresh_address(), "0x1")
    rpc.call("devnet_mine", 5)
    assert head(rpc) == start + 5
    assert rpc.call("devnet_revert", snapshot) is True
    assert head(rpc) == start
    assert rpc.call("eth_getTransactionReceipt", tx_hash) is None
    assert rpc.call("devnet_revert", "0x999") is False


# ---------------------------------------------------------------------------------------------
# eth_getLogs limits and filters


def test_get_logs_range_limit_answers_like_a_provider(rpc, devnet):
    rpc.call("devnet_mine", 30)
    top = head(rpc)
    rpc.call("devnet_configure", {"maxLogRange": 10})
    ok = {"fromBlock": hex(top - 9), "toBlock": hex(top), "address": devnet["usdt"]}
    assert rpc.call("eth_getLogs", ok) == []
    with pytest.raises(RpcFailure) as infura:
        rpc.call("eth_getLogs", {**ok, "fromBlock": hex(top - 10)})
    assert infura.value.code == -32005 and infura.value.message.startswith("query returned more than 10000 results")
    assert infura.value.data["from"] == hex(top - 10) and infura.value.data["to"] == hex(top - 1)
    rpc.call("devnet_configure", {"logLimitStyle": "alchemy"})
    with pytest.raises(RpcFailure) as alchemy:
        rpc.call("eth_getLogs", {**ok, "fromBlock": "0x1", "toBlock": "latest"})
    assert alchemy.value.code == -32602 and alchemy.value.message.startswith("Log response size exceeded")
    rpc.call("devnet_configure", {"logLimitStyle": "geth"})
    with pytest.raises(RpcFailure) as geth:
        rpc.call("eth_getLogs", {"fromBlock": "earliest", "toBlock": "latest"})
    assert geth.value.code == -32000 and geth.value.message == "exceed maximum block range: 10"


def test_get_logs_result_limit_and_bad_filters(rpc, devnet):
    for _ in range(3):
        rpc.call("devnet_sendToken", fresh_address(), "0x1")
    rpc.call("devnet_mine")
    latest = {"fromBlock": "latest", "toBlock": "latest", "address": devnet["usdt"]}
    assert len(rpc.call("eth_getLogs", latest)) == 3
    rpc.call("devnet_configure", {"maxLogResults": 2})
    with pytest.raises(RpcFailure) as too_many:
        rpc.call("eth_getLogs", latest)
    assert too_many.value.code == -32005
    with pytest.raises(RpcFailure) as both:
        rpc.call("eth_getLogs", {"blockHash": "0x" + "00" * 32, "fromBlock": "0x1"})
    assert both.value.code == -32602
    with pytest.raises(RpcFailure) as backwards:
        rpc.call("eth_getLogs", {"fromBlock": "0x5", "toBlock": "0x1"})
    assert backwards.value.message == "invalid block range params"
    with pytest.raises(RpcFailure) as wide_or:
        rpc.call("eth_getLogs", {"address": [fresh_address() for _ in range(1001)]})
    assert "exceed max addresses or topics" in wide_or.value.message


def test_block_receipts_by_number_tag_and_hash(rpc):
    tx_hash = rpc.call("devnet_sendEth", fresh_address(), "0x1")
    rpc.call("devnet_mine")
    block = rpc.call("eth_getBlockByNumber", "latest", False)
    by_tag = rpc.call("eth_getBlockReceipts", "latest")
    assert by_tag == rpc.call("eth_getBlockReceipts", block["number"])
    assert by_tag == rpc.call("eth_getBlockReceipts", block["hash"])
    assert by_tag == rpc.call("eth_getBlockReceipts", {"blockHash": block["hash"]})
    assert [r["transactionHash"] for r in by_tag] == [tx_hash]
    assert rpc.call("eth_getBlockReceipts", hex(int(block["number"], 16) + 1)) is None


# ---------------------------------------------------------------------------------------------
# Batches and transport


def test_batch_answers_are_matched_by_id(rpc):
    batch = [
        {"jsonrpc": "2.0", "id": "a", "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": 7, "method": "eth_blockNumber", "params": []},
        {"jsonrpc": "2.0", "id": 8, "method": "eth_nope", "params": []},
        {"jsonrpc": "2.0", "id": 9, "method": "eth_getBlockByNumber", "params": ["0x01", False]},
        {"jsonrpc": "2.0", "method": "eth_chainId"},  # a notification gets no answer
        {"id": 10, "method": "eth_chainId"},           # not JSON-RPC 2.0
    ]
    answers = {a["id"]: a for a in rpc.raw(batch)}
    assert set(answers) == {"a", 7, 8, 9, 10}
    assert answers["a"]["result"] == "0x539"
    assert answers[8]["error"]["code"] == -32601
    assert answers[9]["error"]["code"] == -32602
    assert answers[10]["error"]["code"] == -32600

    rpc.call("devnet_configure", {"shuffleBatches": True})
    reversed_answers = rpc.raw(batch[:2])
    assert [a["id"] for a in reversed_answers] == [7, "a"]


def test_batch_limits_and_malformed_bodies(rpc):
    call = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}
    assert len(rpc.raw([call] * 1000)) == 1000
    too_large = rpc.raw([call] * 1001)
    assert too_large["error"] == {"code": -32600, "message": "batch too large"}
    assert rpc.raw([])["error"]["code"] == -32600
    status, body = rpc.post(b"{not json")
    assert status == 200 and json.loads(body)["error"]["code"] == -32700
    status, _ = rpc.post(b" " * (5 * 1024 * 1024 + 1))
    assert status == 413


# ---------------------------------------------------------------------------------------------
# Fault injection


def test_fault_error_hits_the_next_n_matching_calls_only(rpc):
    rpc.call("devnet_fault", {"mode": "error", "count": 2, "methods": ["eth_blockNumber"],
                              "code": -32000, "message": "header not found"})
    assert rpc.call("eth_chainId") == "0x539", "other methods are not affected"
    for _ in range(2):
        with pytest.raises(RpcFailure) as injected:
            rpc.call("eth_blockNumber")
        assert injected.value.code == -32000 and injected.value.message == "header not found"
    assert QUANTITY.match(rpc.call("eth_blockNumber"))
    assert rpc.call("devnet_faults") == []


def test_fault_error_inside_a_batch(rpc):
    rpc.call("devnet_fault", {"mode": "error", "count": 1, "methods": ["eth_getBlockByNumber"]})
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_getBlockByNumber", "params": [hex(i % 2), False]}
             for i in range(3)]
    answers = {a["id"]: a for a in rpc.raw(batch)}
    assert answers[0]["error"]["code"] == -32603, "only the first matching call is faulted"
    assert answers[1]["result"]["number"] == "0x1" and answers[2]["result"]["number"] == "0x0"


def test_fault_timeout_answers_after_the_client_gave_up(rpc):
    rpc.call("devnet_fault", {"mode": "timeout", "count": 1, "seconds": 2, "methods": ["eth_blockNumber"]})
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}).encode()
    with pytest.raises(socket.timeout):
        rpc.post(body, timeout=0.3)
    # The delayed request does not hold the chain: other calls are served meanwhile.
    assert rpc.call("eth_chainId") == "0x539"
    assert QUANTITY.match(rpc.call("eth_blockNumber")), "the fault was used up"


def test_fault_stale_head_freezes_the_node_view(rpc):
    frozen = head(rpc)
    rpc.call("devnet_fault", {"mode": "stale_head", "count": 3})
    rpc.call("devnet_mine", 5)  # control methods are never faulted
    assert head(rpc) == frozen
    assert int(rpc.call("eth_getBlockByNumber", "latest", False)["number"], 16) == frozen
    assert rpc.call("eth_getBlockByNumber", hex(frozen + 1), False) is None
    assert head(rpc) == frozen + 5, "three stale answers, then the real head"


def test_fault_unindexed_logs_empties_range_queries_only(rpc):
    tx = rpc.call("devnet_sendToken", fresh_address(), "0x5")
    rpc.call("devnet_mine")
    receipt = rpc.call("eth_getTransactionReceipt", tx)
    number, block_hash = receipt["blockNumber"], receipt["blockHash"]
    token = receipt["logs"][0]["address"]
    rpc.call("devnet_fault", {"mode": "unindexed_logs", "count": 2})
    assert rpc.call("eth_getLogs", {"address": token, "fromBlock": number, "toBlock": number}) == []
    by_hash = rpc.call("eth_getLogs", {"address": token, "blockHash": block_hash})
    assert [log["transactionHash"] for log in by_hash] == [tx], "a query by blockHash is answered in full"
    assert rpc.call("eth_getLogs", {"address": token, "fromBlock": number, "toBlock": number}) == []
    assert len(rpc.call("eth_getLogs", {"address": token, "fromBlock": number, "toBlock": number})) == 1, "used up"


def test_duplicate_logs_setting_answers_each_log_twice(rpc):
    tx = rpc.call("devnet_sendToken", fresh_address(), "0x5")
    rpc.call("devnet_mine")
    receipt = rpc.call("eth_getTransactionReceipt", tx)
    query = {"address": receipt["logs"][0]["address"], "blockHash": receipt["blockHash"]}
    rpc.call("devnet_configure", {"duplicateLogs": True})
    try:
        assert [log["logIndex"] for log in rpc.call("eth_getLogs", query)] == ["0x0", "0x0"]
    finally:
        rpc.call("devnet_configure", {"duplicateLogs": False})
    assert len(rpc.call("eth_getLogs", query)) == 1


def test_fault_http_status(rpc):
    rpc.call("devnet_fault", {"mode": "http", "status": 429, "count": 1})
    status, body = rpc.post(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode())
    assert status == 429
    assert rpc.call("eth_chainId") == "0x539"


def test_fault_none_clears_and_bad_specs_are_rejected(rpc):
    rpc.call("devnet_fault", {"mode": "error", "count": -1})
    with pytest.raises(RpcFailure):
        rpc.call("eth_chainId")
    assert rpc.call("devnet_fault", {"mode": "none"}) == []
    assert rpc.call("eth_chainId") == "0x539"
    for bad in ({"mode": "explode"}, {"mode": "error", "count": 0}, {"mode": "error", "methods": ["devnet_mine"]},
                {"mode": "timeout", "seconds": 10_000}):
        with pytest.raises(RpcFailure) as rejected:
            rpc.call("devnet_fault", bad)
        assert rejected.value.code == -32602, bad


# ---------------------------------------------------------------------------------------------
# The lagging endpoint (devnet_lagView)


def lag_view(rpc: RpcClient, lag: int) -> RpcClient:
    answer = rpc.call("devnet_lagView", lag)
    assert answer["lag"] == lag and re.match(r"^http://127\.0\.0\.1:\d+/$", answer["url"])
    return RpcClient(answer["url"])


def test_lag_view_serves_the_same_chain_behind_the_head(rpc, devnet):
    deposit = fresh_address()
    early = rpc.call("devnet_sendToken", deposit, "0x5")
    rpc.call("devnet_mine", 10)
    top = head(rpc)
    lag = lag_view(rpc, 4)
    assert lag.port != RpcClient(devnet["rpc_url"]).port
    assert head(lag) == top - 4
    assert lag.call("eth_chainId") == "0x539"
    assert lag.call("eth_getBlockByNumber", "latest", True) == rpc.call("eth_getBlockByNumber", hex(top - 4), True)
    assert lag.call("eth_getBlockByNumber", hex(top - 3), False) is None
    assert lag.call("eth_getBlockByNumber", "pending", False) is None
    assert lag.call("eth_getBlockByNumber", "safe", False)["number"] == hex(max(0, top - 4 - 32))
    top_hash = rpc.call("eth_getBlockByNumber", hex(top), False)["hash"]
    assert lag.call("eth_getBlockByHash", top_hash, False) is None
    assert lag.call("eth_getBlockReceipts", hex(top)) is None
    assert lag.call("eth_getBlockReceipts", "latest") == rpc.call("eth_getBlockReceipts", hex(top - 4))
    assert lag.call("eth_getTransactionReceipt", early) == rpc.call("eth_getTransactionReceipt", early)

    late = rpc.call("devnet_sendToken", deposit, "0x6")
    rpc.call("devnet_mine")
    assert rpc.call("eth_getTransactionReceipt", late)["status"] == "0x1"
    assert lag.call("eth_getTransactionReceipt", late) is None
    assert lag.call("eth_getTransactionByHash", late) is None
    logs = {"fromBlock": "0x1", "toBlock": hex(top + 1), "address": devnet["usdt"], "topics": [TRANSFER, None, word(deposit)]}
    assert [log["transactionHash"] for log in rpc.call("eth_getLogs", logs)] == [early, late]
    assert [log["transactionHash"] for log in lag.call("eth_getLogs", logs)] == [early], "clipped to the lagged head"
    late_block = rpc.call("eth_getTransactionReceipt", late)["blockHash"]
    with pytest.raises(RpcFailure) as unknown:
        lag.call("eth_getLogs", {"blockHash": late_block})
    assert unknown.value.code == -32000
    with pytest.raises(RpcFailure) as not_yet:
        lag.call("eth_getBalance", deposit, hex(top + 1))
    assert not_yet.value.message == "header not found"

    in_sync = lag_view(rpc, 0)
    assert in_sync.port == lag.port, "the same listener, re-aimed"
    assert head(lag) == head(rpc) and lag.call("eth_getTransactionReceipt", late)["blockHash"] == late_block
    lag_view(rpc, 1000)
    assert head(lag) == 0 and lag.call("eth_getBlockByNumber", "latest", False)["number"] == "0x0"


def test_lag_view_has_no_control_methods_and_shares_faults(rpc):
    lag = lag_view(rpc, 2)
    top = head(rpc)
    for method, params in (("devnet_mine", [5]), ("devnet_lagView", [0]), ("devnet_snapshot", []), ("devnet_info", [])):
        with pytest.raises(RpcFailure) as unknown:
            lag.call(method, *params)
        assert unknown.value.code == -32601, method
    assert head(rpc) == top and head(lag) == max(0, top - 2)

    rpc.call("devnet_fault", {"mode": "error", "count": 1, "methods": ["eth_blockNumber"],
                              "code": -32000, "message": "header not found"})
    with pytest.raises(RpcFailure) as injected:
        lag.call("eth_blockNumber")
    assert injected.value.message == "header not found"
    assert head(rpc) == top, "the rule was used up by the lagging endpoint's call"

    rpc.call("devnet_fault", {"mode": "stale_head", "count": 1})
    rpc.call("devnet_mine", 5)
    assert head(lag) == top, "a stale_head fault lowers the lagged head further (min of both)"
    assert head(lag) == top + 3

    rpc.call("devnet_fault", {"mode": "http", "status": 503, "count": 1})
    status, _ = lag.post(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode())
    assert status == 503
    rpc.call("devnet_configure", {"shuffleBatches": True})
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in range(3)]
    answers = lag.raw(batch)
    assert [a["id"] for a in answers] == [2, 1, 0] and {a["result"] for a in answers} == {hex(top + 3)}


def test_lag_view_shows_the_new_chain_after_a_reorg(rpc):
    rpc.call("devnet_mine", 10)
    top = head(rpc)
    lag = lag_view(rpc, 3)
    heights = range(top - 6, top - 2)   # the lagged view's last four blocks
    seen = {n: lag.call("eth_getBlockByNumber", hex(n), True)["hash"] for n in heights}
    receipts_before = lag.call("eth_getBlockReceipts", hex(top - 3))
    result = rpc.call("devnet_reorg", 6)   # replaces top-5 .. top
    assert head(lag) == top + 1 - 3
    for n in heights:
        now = rpc.call("eth_getBlockByNumber", hex(n), False)["hash"]
        assert lag.call("eth_getBlockByNumber", hex(n), True)["hash"] == now
        assert lag.call("eth_getBlockByNumber", hex(n), False)["hash"] == now
        assert (now == seen[n]) == (n == top - 6), f"height {n}: only the fork block keeps its hash"
    assert lag.call("eth_getBlockReceipts", hex(top - 3)) == rpc.call("eth_getBlockReceipts", hex(top - 3))
    assert lag.call("eth_getBlockReceipts", hex(top - 3)) == receipts_before == [], "empty blocks, other hashes"
    assert lag.call("eth_getBlockByNumber", "latest", False)["hash"] == result["replaced"][-3]["newHash"]
    # Reorged-out blocks are still found by hash, as on the main endpoint.
    assert lag.call("eth_getBlockByHash", seen[top - 3], False)["hash"] == seen[top - 3]


def test_lag_view_rejects_bad_lags(rpc):
    for bad in ([1001], [-1], ["0x01"], [True], [None], []):
        with pytest.raises(RpcFailure) as rejected:
            rpc.call("devnet_lagView", *bad)
        assert rejected.value.code == -32602, bad
    assert lag_view(rpc, 0).call("eth_chainId") == "0x539"
    assert rpc.call("devnet_lagView", "0xa")["lag"] == 10


def test_lag_view_stops_with_the_devnet():
    proc, info = start_devnet()
    try:
        lag = lag_view(RpcClient(info["rpc_url"]), 1)
        assert head(lag) == 0
    finally:
        stop(proc)
    assert proc.returncode == 0
    with pytest.raises(ConnectionRefusedError):
        lag.call("eth_blockNumber")


# ---------------------------------------------------------------------------------------------
# Chain id 1


def test_chain_id_1():
    proc, info = start_devnet("--chain-id", "1")
    try:
        rpc = RpcClient(info["rpc_url"])
        assert rpc.call("eth_chainId") == "0x1" and rpc.call("net_version") == "1"
        tx_hash = rpc.call("devnet_sendToken", fresh_address(), "0x1")
        rpc.call("devnet_mine")
        assert rpc.call("eth_getTransactionByHash", tx_hash)["chainId"] == "0x1"
        assert rpc.call("eth_getTransactionReceipt", tx_hash)["status"] == "0x1"
    finally:
        stop(proc)
