"""py-evm objects → the exact Ethereum JSON-RPC shapes (ethereum/execution-apis schemas).

Quantities are minimal hex ("0x0"), hashes and data are lowercase 0x-hex, addresses lowercase
(as geth answers). Field sets follow what geth returns for a post-merge (Prague) chain.

Deliberately absent: `blockTimestamp` on transactions and logs (a recent spec addition that many
providers do not send yet: a client must not depend on it) and `totalDifficulty` (dropped by geth
after the merge).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import rlp
from eth._utils.address import generate_contract_address

from jsonrpc_http import hexdata, qty

LEGACY, ACCESS_LIST, DYNAMIC_FEE, BLOB, SET_CODE = 0, 1, 2, 3, 4


def address_or_none(raw: bytes) -> Optional[str]:
    return hexdata(raw) if raw else None  # b"" is "no recipient" (contract creation)


def word(number: int) -> str:
    return "0x" + number.to_bytes(32, "big").hex()


def bloom(number: int) -> str:
    return "0x" + number.to_bytes(256, "big").hex()


def tx_type(tx: Any) -> int:
    return tx.type_id if getattr(tx, "type_id", None) is not None else LEGACY


def effective_gas_price(tx: Any, base_fee: int) -> int:
    if tx_type(tx) >= DYNAMIC_FEE:
        return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)
    return tx.gas_price


def _access_list(tx: Any) -> list:
    return [
        {"address": hexdata(address), "storageKeys": [word(key) for key in keys]}
        for address, keys in (tx.access_list or ())
    ]


def _authorization_list(tx: Any) -> list:
    return [
        {
            "chainId": qty(auth.chain_id),
            "address": hexdata(auth.address),
            "nonce": qty(auth.nonce),
            "yParity": qty(auth.y_parity),
            "r": qty(auth.r),
            "s": qty(auth.s),
        }
        for auth in tx.authorization_list
    ]


def _fee_and_signature_fields(tx: Any, base_fee: Optional[int]) -> dict:
    """The type-specific part. `base_fee` is None for a pending transaction."""
    kind = tx_type(tx)
    if kind == LEGACY:
        fields = {"gasPrice": qty(tx.gas_price), "v": qty(tx.v), "r": qty(tx.r), "s": qty(tx.s)}
        if tx.v >= 35:  # EIP-155 replay-protected: v = chainId * 2 + 35 + recovery id
            fields["chainId"] = qty((tx.v - 35) // 2)
        return fields
    fields = {"chainId": qty(tx.chain_id), "accessList": _access_list(tx)}
    if kind == ACCESS_LIST:
        fields["gasPrice"] = qty(tx.gas_price)
    else:
        fields["maxFeePerGas"] = qty(tx.max_fee_per_gas)
        fields["maxPriorityFeePerGas"] = qty(tx.max_priority_fee_per_gas)
        # geth: the effective price once mined, the fee cap while pending.
        fields["gasPrice"] = qty(tx.max_fee_per_gas if base_fee is None else effective_gas_price(tx, base_fee))
    if kind == BLOB:
        fields["maxFeePerBlobGas"] = qty(tx.max_fee_per_blob_gas)
        fields["blobVersionedHashes"] = [hexdata(h) for h in tx.blob_versioned_hashes]
    if kind == SET_CODE:
        fields["authorizationList"] = _authorization_list(tx)
    # Typed transactions carry yParity; clients still commonly read v, so both are sent.
    fields.update({"v": qty(tx.y_parity), "yParity": qty(tx.y_parity), "r": qty(tx.r), "s": qty(tx.s)})
    return fields


def format_transaction(tx: Any, block: Any = None, index: Optional[int] = None) -> dict:
    """A TransactionInfo. Without `block` it is a pending transaction (block fields null)."""
    mined = block is not None
    result = {
        "type": qty(tx_type(tx)),
        "hash": hexdata(tx.hash),
        "nonce": qty(tx.nonce),
        "blockHash": hexdata(block.hash) if mined else None,
        "blockNumber": qty(block.number) if mined else None,
        "transactionIndex": qty(index) if mined else None,
        "from": hexdata(tx.sender),
        "to": address_or_none(tx.to),
        "value": qty(tx.value),
        "gas": qty(tx.gas),
        "input": hexdata(tx.data),
    }
    result.update(_fee_and_signature_fields(tx, block.header.base_fee_per_gas if mined else None))
    return result


def format_block(block: Any, full_transactions: bool, transactions: Optional[Sequence[dict]] = None) -> dict:
    """A Block. `transactions` overrides the block's own (used for the pending block)."""
    header = block.header
    if transactions is None:
        if full_transactions:
            transactions = [format_transaction(tx, block, i) for i, tx in enumerate(block.transactions)]
        else:
            transactions = [hexdata(tx.hash) for tx in block.transactions]
    return {
        "number": qty(header.block_number),
        "hash": hexdata(header.hash),
        "parentHash": hexdata(header.parent_hash),
        "nonce": hexdata(header.nonce),
        "sha3Uncles": hexdata(header.uncles_hash),
        "logsBloom": bloom(header.bloom),
        "transactionsRoot": hexdata(header.transaction_root),
        "stateRoot": hexdata(header.state_root),
        "receiptsRoot": hexdata(header.receipt_root),
        "miner": hexdata(header.coinbase),
        "difficulty": qty(header.difficulty),
        "extraData": hexdata(header.extra_data),
        "size": qty(len(rlp.encode(block))),
        "gasLimit": qty(header.gas_limit),
        "gasUsed": qty(header.gas_used),
        "timestamp": qty(header.timestamp),
        "mixHash": hexdata(header.mix_hash),
        "baseFeePerGas": qty(header.base_fee_per_gas),
        "withdrawalsRoot": hexdata(header.withdrawals_root),
        "withdrawals": [_withdrawal(w) for w in block.withdrawals],
        "blobGasUsed": qty(header.blob_gas_used),
        "excessBlobGas": qty(header.excess_blob_gas),
        "parentBeaconBlockRoot": hexdata(header.parent_beacon_block_root),
        "requestsHash": hexdata(header.requests_hash),
        "uncles": [],
        "transactions": list(transactions),
    }


def format_pending_block(pending: Any, parent: Any, pending_txs: Sequence[Any], full_transactions: bool) -> dict:
    """geth's shape for the "pending" tag: hash, nonce and miner are null."""
    if full_transactions:
        transactions = [format_transaction(tx) for tx in pending_txs]
    else:
        transactions = [hexdata(tx.hash) for tx in pending_txs]
    result = format_block(pending, full_transactions, transactions)
    result.update({"hash": None, "nonce": None, "miner": None, "parentHash": hexdata(parent.hash)})
    return result


def _withdrawal(withdrawal: Any) -> dict:
    return {
        "index": qty(withdrawal.index),
        "validatorIndex": qty(withdrawal.validator_index),
        "address": hexdata(withdrawal.address),
        "amount": qty(withdrawal.amount),
    }


def format_receipts(block: Any, receipts: Sequence[Any]) -> list[dict]:
    """All ReceiptInfo objects of a mined block, in transaction order, with block-wide logIndex."""
    results = []
    previous_cumulative = 0
    log_index = 0
    base_fee = block.header.base_fee_per_gas
    for index, (tx, receipt) in enumerate(zip(block.transactions, receipts)):
        logs = []
        for log in receipt.logs:
            logs.append(_format_log(log, block, tx, index, log_index))
            log_index += 1
        results.append({
            "type": qty(tx_type(tx)),
            "transactionHash": hexdata(tx.hash),
            "transactionIndex": qty(index),
            "blockHash": hexdata(block.hash),
            "blockNumber": qty(block.number),
            "from": hexdata(tx.sender),
            "to": address_or_none(tx.to),
            "cumulativeGasUsed": qty(receipt.gas_used),   # py-evm stores the cumulative figure
            "gasUsed": qty(receipt.gas_used - previous_cumulative),
            "contractAddress": None if tx.to else hexdata(generate_contract_address(tx.sender, tx.nonce)),
            "logs": logs,
            "logsBloom": bloom(receipt.bloom),
            # Post-Byzantium receipts carry status in place of the state root: b"\x01" or b"".
            "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
            "effectiveGasPrice": qty(effective_gas_price(tx, base_fee)),
        })
        previous_cumulative = receipt.gas_used
    return results


def _format_log(log: Any, block: Any, tx: Any, tx_index: int, log_index: int) -> dict:
    return {
        "address": hexdata(log.address),
        "topics": [word(topic) for topic in log.topics],
        "data": hexdata(log.data),
        "blockNumber": qty(block.number),
        "transactionHash": hexdata(tx.hash),
        "transactionIndex": qty(tx_index),
        "blockHash": hexdata(block.hash),
        "logIndex": qty(log_index),
        "removed": False,
    }
