"""eth_getLogs filter parsing and matching, and the errors real providers answer for limits.

Shared by devnet.py and fixture_chain.py so both answer the same way. Logs are matched as the
JSON-RPC dicts the servers send (lowercase hex strings), so there is one representation only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from jsonrpc_http import (
    INVALID_PARAMS, LIMIT_EXCEEDED, SERVER_ERROR, RpcError, hexdata, invalid_params, parse_address,
    parse_hash, qty,
)


@dataclass
class LogFilter:
    block_hash: Optional[bytes] = None
    from_block: int = 0
    to_block: int = 0
    addresses: Optional[set] = None
    topics: list = field(default_factory=list)   # per position: None (any) or a set of topics

    def matches(self, log: dict) -> bool:
        if self.addresses is not None and log["address"] not in self.addresses:
            return False
        for position, wanted in enumerate(self.topics):
            if wanted is None:
                continue
            if position >= len(log["topics"]) or log["topics"][position] not in wanted:
                return False
        return True


def parse_filter_addresses(value: Any, limit: int) -> Optional[set]:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if len(values) > limit:
        raise RpcError(SERVER_ERROR, "exceed max addresses or topics per search position")
    return {hexdata(parse_address(v, "address")) for v in values} or None


def parse_filter_topics(value: Any, limit: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_params("topics must be an array")
    if len(value) > 4:
        raise invalid_params("exceed max topics")
    positions = []
    for entry in value:
        alternatives = entry if isinstance(entry, list) else [entry]
        if len(alternatives) > limit:
            raise RpcError(SERVER_ERROR, "exceed max addresses or topics per search position")
        # null anywhere in a position (or an empty OR-list) is a wildcard, as in geth.
        if entry is None or not alternatives or any(a is None for a in alternatives):
            positions.append(None)
        else:
            positions.append({hexdata(parse_hash(a, "topic")) for a in alternatives})
    return positions


def range_limit_error(style: str, first: int, limit: int) -> RpcError:
    """The error real providers answer when a getLogs range is too wide (texts verbatim)."""
    suggested_last = first + limit - 1
    if style == "alchemy":
        return RpcError(INVALID_PARAMS,
                        "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block "
                        "range and no limit on the response size, or you can request any block range with a "
                        "cap of 10K logs in the response. Based on your parameters and the response size "
                        f"limit, this block range should work: [0x{first:x}, 0x{suggested_last:x}]")
    if style == "geth":
        return RpcError(SERVER_ERROR, f"exceed maximum block range: {limit}")
    return RpcError(LIMIT_EXCEEDED,
                    f"query returned more than 10000 results. Try with this block range [0x{first:X}, 0x{suggested_last:X}].",
                    {"from": qty(first), "limit": 10000, "to": qty(suggested_last)})


def result_limit_error(style: str, limit: int) -> RpcError:
    if style == "alchemy":
        return RpcError(INVALID_PARAMS,
                        "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block "
                        "range and no limit on the response size, or you can request any block range with a "
                        f"cap of 10K logs in the response. (devnet limit: {limit} logs)")
    return RpcError(LIMIT_EXCEEDED, f"query returned more than {limit} results")




def parse_log_filter(spec: Any, resolve_bound, max_filter_items: int) -> LogFilter:
    """A filter object → LogFilter. `resolve_bound(tag_or_hex)` turns a range bound into a number."""
    if not isinstance(spec, dict):
        raise invalid_params("filter must be an object")
    log_filter = LogFilter(addresses=parse_filter_addresses(spec.get("address"), max_filter_items),
                           topics=parse_filter_topics(spec.get("topics"), max_filter_items))
    if spec.get("blockHash") is not None:
        if spec.get("fromBlock") is not None or spec.get("toBlock") is not None:
            raise invalid_params("cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")
        log_filter.block_hash = parse_hash(spec["blockHash"], "blockHash")
        return log_filter
    bounds = []
    for key in ("fromBlock", "toBlock"):
        value = spec.get(key) or "latest"
        if value == "pending":
            raise invalid_params("pending logs are not supported")
        bounds.append(resolve_bound(value))
    log_filter.from_block, log_filter.to_block = bounds
    if log_filter.from_block > log_filter.to_block:
        raise RpcError(SERVER_ERROR, "invalid block range params")
    return log_filter


def check_range(log_filter: LogFilter, max_range: int, style: str) -> None:
    """Raises the provider-shaped error when the requested range is wider than `max_range` blocks."""
    width = log_filter.to_block - log_filter.from_block + 1
    if max_range and width > max_range:
        raise range_limit_error(style, log_filter.from_block, max_range)
