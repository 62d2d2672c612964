"""The Tron stand-in: the devnet's chain, answered in java-tron's JSON-RPC dialect.

java-tron cannot run here, and TVM runs the same ERC-20/TRC-20 bytecode for transfers, so the
py-evm chain stands in and only the answers change, following Tron's JSON-RPC documentation:

- eth_chainId is Tron mainnet's (0x2b6653dc) unless --chain-id says otherwise;
- a block hash's first 8 bytes are the block number (the rest is py-evm's hash);
- block timestamps are 3 seconds apart;
- block tags: numbers, latest, earliest and finalized; pending and safe are refused;
- eth_call and eth_getBalance answer at latest only;
- logsBloom is all zeros, as java-tron answers it.

How the stand-in differs from a real node is listed in devnet/README.md.
"""
from __future__ import annotations

from typing import Any, Optional

from jsonrpc_http import INVALID_PARAMS, RpcError, parse_hash

TRON_MAINNET_CHAIN_ID = 0x2B6653DC
BLOCK_SECONDS = 3
GENESIS_TIMESTAMP = 1_529_891_469   # Tron mainnet's genesis, 2018-06-25
REFUSED_TAGS = ("pending", "safe")
STATE_METHODS = ("eth_call", "eth_getBalance", "eth_getCode", "eth_getTransactionCount", "eth_getStorageAt")


def tron_hash(evm_hash: str, number: int) -> str:
    """`0x` + the number as 8 bytes big-endian + the last 24 bytes of the py-evm hash."""
    return "0x" + number.to_bytes(8, "big").hex() + evm_hash[2 + 16:]


def number_of(tron_block_hash: bytes) -> int:
    return int.from_bytes(tron_block_hash[:8], "big")


class TronDialect:
    def __init__(self, block_hash_of: Any):
        # block_hash_of(number) -> the canonical py-evm block hash (bytes) at that height, or None
        self._block_hash_of = block_hash_of

    # ---- requests ----------------------------------------------------------------------------

    def check_params(self, method: str, params: Any) -> Any:
        """Refuses what java-tron refuses; maps Tron block hashes back to py-evm's."""
        values = params if isinstance(params, list) else []
        for value in values:
            if isinstance(value, str) and value in REFUSED_TAGS:
                raise RpcError(INVALID_PARAMS, f"TAG {value} not supported")
        if method in STATE_METHODS and len(values) > 1 and values[-1] != "latest":
            raise RpcError(INVALID_PARAMS, "QUANTITY not supported, just support TAG as latest")
        if method == "eth_getBlockByHash" and values:
            return [self._evm_hash(values[0])] + values[1:]
        if method == "eth_getLogs" and values and isinstance(values[0], dict):
            spec = dict(values[0])
            for key in ("fromBlock", "toBlock"):
                if spec.get(key) in REFUSED_TAGS:
                    raise RpcError(INVALID_PARAMS, f"TAG {spec[key]} not supported")
            if "blockHash" in spec:
                spec["blockHash"] = self._evm_hash(spec["blockHash"])
            return [spec] + values[1:]
        return params

    def _evm_hash(self, text: Any) -> str:
        given = parse_hash(text, "block hash")
        evm = self._block_hash_of(number_of(given))
        if evm is None or tron_hash("0x" + evm.hex(), number_of(given)) != "0x" + given.hex():
            return "0x" + bytes(32).hex()   # no such block: py-evm answers as for an unknown hash
        return "0x" + evm.hex()

    # ---- answers -----------------------------------------------------------------------------

    def rewrite(self, result: Any) -> Any:
        """Block hashes number-prefixed, timestamps 3 s apart, wherever they appear."""
        if isinstance(result, list):
            return [self.rewrite(item) for item in result]
        if not isinstance(result, dict):
            return result
        out = {key: self.rewrite(value) for key, value in result.items()}
        if "parentHash" in out and "number" in out:      # a block
            number = int(out["number"], 16)
            out["hash"] = tron_hash(out["hash"], number)
            if number > 0:
                out["parentHash"] = tron_hash(out["parentHash"], number - 1)
            out["timestamp"] = hex(GENESIS_TIMESTAMP + BLOCK_SECONDS * number)
            out["logsBloom"] = "0x" + "00" * 256   # java-tron: "no value", always zeros
        if isinstance(out.get("blockHash"), str) and isinstance(out.get("blockNumber"), str):
            out["blockHash"] = tron_hash(out["blockHash"], int(out["blockNumber"], 16))
        return out


def chain_id_for(requested: Optional[int]) -> int:
    return requested if requested is not None else TRON_MAINNET_CHAIN_ID
