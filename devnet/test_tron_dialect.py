"""The Tron stand-in (devnet.py --tron): java-tron's JSON-RPC dialect over the devnet chain."""
from __future__ import annotations

import pytest

from test_devnet import RpcClient, RpcFailure, fresh_address, start_devnet, stop


@pytest.fixture(scope="module")
def tron():
    proc, info = start_devnet("--tron")
    yield RpcClient(info["rpc_url"])
    stop(proc)


def test_chain_id_is_tron_mainnets(tron):
    assert tron.call("eth_chainId") == "0x2b6653dc"


def test_block_hashes_start_with_the_number_and_link(tron):
    tron.call("devnet_mine", 2)
    top = int(tron.call("eth_blockNumber"), 16)
    block = tron.call("eth_getBlockByNumber", hex(top), False)
    parent = tron.call("eth_getBlockByNumber", hex(top - 1), False)
    assert int(block["hash"][2:18], 16) == top
    assert block["parentHash"] == parent["hash"]
    assert int(block["timestamp"], 16) - int(parent["timestamp"], 16) == 3
    assert block["logsBloom"] == "0x" + "00" * 256
    assert tron.call("eth_getBlockByHash", block["hash"], False)["number"] == hex(top)


def test_logs_and_receipts_carry_the_same_block_hash(tron):
    tx = tron.call("devnet_sendToken", fresh_address(), "0x5")
    tron.call("devnet_mine")
    receipt = tron.call("eth_getTransactionReceipt", tx)
    block = tron.call("eth_getBlockByNumber", receipt["blockNumber"], False)
    assert receipt["blockHash"] == block["hash"] == receipt["logs"][0]["blockHash"]
    by_hash = tron.call("eth_getLogs", {"address": receipt["logs"][0]["address"], "blockHash": block["hash"]})
    assert [log["transactionHash"] for log in by_hash] == [tx]
    assert by_hash[0]["blockHash"] == block["hash"]


def test_pending_and_safe_tags_and_historic_state_are_refused(tron):
    for tag in ("pending", "safe"):
        with pytest.raises(RpcFailure):
            tron.call("eth_getBlockByNumber", tag, False)
    with pytest.raises(RpcFailure):
        tron.call("eth_getBalance", fresh_address(), "0x1")
    assert tron.call("eth_getBalance", fresh_address(), "latest") == "0x0"
    assert tron.call("eth_getBlockByNumber", "finalized", False) is not None
