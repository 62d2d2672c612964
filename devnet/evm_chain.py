"""A real EVM chain (py-evm, set up by eth-tester's PyEVMBackend) that mines only on demand.

eth-tester's own "auto-mine off" mode keeps one pending transaction per sender (a second one with
the next nonce fails its dry run), so this module keeps its own mempool of signed transactions
and applies them to the pending block only when asked to mine. Everything else (genesis,
funded accounts, block production, snapshots) is eth-tester's and py-evm's.

Not thread-safe: the server serialises every call behind one lock.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import eth_abi
import vyper
from eth._utils.address import generate_contract_address
from eth_keys.datatypes import PrivateKey
from eth.constants import GENESIS_PARENT_HASH
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_tester.backends.pyevm.main import PyEVMBackend
from eth_utils import ValidationError, keccak

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
DELEGATION_PREFIX = b"\xef\x01\x00"   # EIP-7702 delegation designator: 0xef0100 || address
PRIORITY_FEE = 10**9                  # 1 gwei tip on every devnet transaction
MAX_UINT256 = 2**256 - 1
MAX_SNAPSHOTS = 10_000
MAX_PREFIX_TRANSFERS = 50             # devnet_reorg's prefixTokenTransfers
PREFIX_UNITS = 1_000_000              # each prefix transfer moves 1 USDT (6 decimals)
PREFIX_SENDER_ETH = 10**21            # gas money written into the prefix sender's balance

# Fixed gas limits: generous, so a transaction fails only where a test wants it to.
GAS_ETH = 21_000
GAS_TOKEN = 100_000
GAS_CONTRACT_CALL = 200_000
GAS_DEPLOY = 3_000_000


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def encode_call(signature: str, types: list[str], args: list[Any]) -> bytes:
    return selector(signature) + eth_abi.encode(types, args)


@dataclass
class Contract:
    name: str
    address: bytes
    abi: list
    slots: dict = field(default_factory=dict)   # storage variable name -> slot (vyper's layout)


@dataclass
class MinedBlock:
    number: int
    hash: bytes
    included: list[bytes]
    dropped: list[bytes]


@dataclass
class Snapshot:
    head_hash: bytes
    mempool: list
    rejecting: dict


@dataclass
class ReorgResult:
    fork_number: int
    fork_hash: bytes
    old_blocks: list[tuple[int, bytes]]
    new_blocks: list[tuple[int, bytes]]
    orphaned: list[bytes]
    reincluded: list[bytes]
    dropped: list[bytes] = field(default_factory=list)
    prefix: list[bytes] = field(default_factory=list)   # the prefixTokenTransfers, in block order


class CallFailed(Exception):
    """An eth_call that reverted (revert_data set) or could not run (revert_data None)."""

    def __init__(self, message: str, revert_data: Optional[bytes]):
        super().__init__(message)
        self.revert_data = revert_data


ERROR_STRING_SELECTOR = selector("Error(string)")


def _revert_reason(data: Optional[bytes]) -> str:
    """'execution reverted: <reason>' as geth words it, decoding Error(string) when present."""
    if data and data[:4] == ERROR_STRING_SELECTOR:
        try:
            return "execution reverted: " + eth_abi.decode(["string"], data[4:])[0]
        except Exception:
            pass
    return "execution reverted"


def compile_contract(name: str) -> tuple[bytes, list, dict]:
    """Compiles contracts/<name>.vy from source with the vyper package (no downloaded binary).

    Returns the init code, the ABI and the storage slot of each storage variable.
    """
    source = (CONTRACTS_DIR / f"{name}.vy").read_text()
    output = vyper.compile_code(source, output_formats=["bytecode", "abi", "layout"])
    layout = output["layout"].get("storage_layout", {})
    slots = {var: entry["slot"] for var, entry in layout.items() if isinstance(entry, dict) and "slot" in entry}
    return bytes.fromhex(output["bytecode"][2:]), output["abi"], slots


def hashmap_slot(slot: int, *keys: bytes) -> int:
    """Storage slot of a vyper HashMap entry: keccak256(slot ++ key), nested once per key.

    (vyper puts the slot first; Solidity hashes key ++ slot.) Keys are 20-byte addresses here.
    """
    for key in keys:
        slot = int.from_bytes(keccak(slot.to_bytes(32, "big") + key.rjust(32, b"\x00")), "big")
    return slot


class DevChain:
    def __init__(self, chain_id: int):
        self.backend = PyEVMBackend()
        # setup_tester_chain() builds a fresh chain class per backend, so changing the class
        # attribute affects this chain only. It must happen before any transaction is signed.
        type(self.backend.chain).chain_id = chain_id
        self.chain_id = chain_id
        self.keys: tuple[PrivateKey, ...] = tuple(self.backend.account_keys)
        self.funder = self.keys[0]
        self.contracts: dict[str, Contract] = {}
        self._mempool: list[Any] = []
        # Failing-ETH transactions: tx hash -> the address that rejects ETH while that tx runs.
        self._rejecting: dict[bytes, bytes] = {}
        self._snapshots: dict[int, Snapshot] = {}
        self._snapshot_ids = itertools.count(1)
        # devnet_reorg's prefix transfers: sent by an account of their own (not one of the ten
        # devnet accounts, so no caller's nonces are consumed), moving the funder's USDT with
        # transferFrom to addresses made from a counter that never repeats within a run.
        self.prefix_sender = PrivateKey(keccak(b"gateway-devnet: prefix transfer sender"))
        self._prefix_recipients = itertools.count(1)

    @property
    def chain(self) -> Any:
        return self.backend.chain  # replaced by eth-tester when reverting to genesis

    # -----------------------------------------------------------------------------------------
    # Setup

    def deploy_fixtures(self) -> None:
        """Compiles and deploys the test contracts in one block (block 1).

        Addresses are deterministic (funder nonces 0..4), so they are the same on every run.
        """
        token_code, token_abi, token_slots = compile_contract("Token")
        supply = 10**9 * 10**6  # one billion tokens, 6 decimals
        for name in ("usdt", "lookalike"):
            ctor = eth_abi.encode(["string", "string", "uint8", "uint256"], ["Tether USD", "USDT", 6, supply])
            self._deploy(name, token_code + ctor, token_abi, token_slots)
        for name, source in (("batch", "BatchTransfer"), ("forwarder", "Forwarder"), ("rejector", "Rejector")):
            code, abi, slots = compile_contract(source)
            self._deploy(name, code, abi, slots)
        for token in ("usdt", "lookalike"):
            approve = encode_call("approve(address,uint256)", ["address", "uint256"],
                                  [self.contracts["batch"].address, MAX_UINT256])
            self.submit(self.funder, self.contracts[token].address, 0, approve, GAS_TOKEN)
        mined = self.mine(1)[0]
        failed = [h for h in mined.included if self.receipt_status(h) != 1]
        if failed or len(mined.included) != 7:
            raise RuntimeError(f"fixture deployment failed: {[h.hex() for h in failed]}")

    def _deploy(self, name: str, init_code: bytes, abi: list, slots: dict) -> None:
        sender = self.funder.public_key.to_canonical_address()
        address = generate_contract_address(sender, self.next_nonce(sender))
        self.submit(self.funder, b"", 0, init_code, GAS_DEPLOY)
        self.contracts[name] = Contract(name, address, abi, slots)

    # -----------------------------------------------------------------------------------------
    # Reading

    def head(self) -> Any:
        return self.chain.get_canonical_head()

    def block_by_number(self, number: int) -> Optional[Any]:
        if number < 0 or number > self.head().block_number:
            return None
        return self.chain.get_canonical_block_by_number(number)

    def block_by_hash(self, block_hash: bytes) -> Optional[Any]:
        """Any stored block, canonical or not (nodes keep reorged-out blocks for a while)."""
        try:
            return self.chain.get_block_by_hash(block_hash)
        except Exception:  # py-evm raises HeaderNotFound / BlockNotFound
            return None

    def is_canonical(self, block: Any) -> bool:
        canonical = self.block_by_number(block.number)
        return canonical is not None and canonical.hash == block.hash

    def receipts(self, block: Any) -> tuple:
        return block.get_receipts(self.chain.chaindb)

    def pending_block(self) -> Any:
        """py-evm's pending block: the header of the next block (queued txs are not applied yet)."""
        return self.chain.get_block()

    def pending_transactions(self) -> list:
        return list(self._mempool)

    def pending_transaction(self, tx_hash: bytes) -> Optional[Any]:
        return next((tx for tx in self._mempool if tx.hash == tx_hash), None)

    def find_transaction(self, tx_hash: bytes) -> Optional[tuple[Any, int]]:
        """(canonical block, index) of a mined transaction, or None.

        py-evm's hash index is not rewritten when a reorg drops a transaction, so the answer is
        checked against the canonical block at that height.
        """
        try:
            number, index = self.chain.chaindb.get_transaction_index(tx_hash)
        except Exception:  # TransactionNotFound
            return None
        block = self.block_by_number(number)
        if block is None or index >= len(block.transactions) or block.transactions[index].hash != tx_hash:
            return None
        return block, index

    def receipt_status(self, tx_hash: bytes) -> Optional[int]:
        found = self.find_transaction(tx_hash)
        if found is None:
            return None
        block, index = found
        return 1 if self.receipts(block)[index].state_root == b"\x01" else 0

    def state_at(self, number: int) -> Any:
        """The post-state of canonical block `number`."""
        return self.chain.get_vm(at_header=self.block_by_number(number).header).state

    def pending_state(self) -> Any:
        return self.chain.get_vm().state

    def call(self, sender: bytes, to: bytes, data: bytes, value: int, gas: Optional[int], number: int) -> bytes:
        """eth_call on the post-state of block `number`. Raises CallFailed.

        Like geth, the call is not charged for gas: the sender is credited the gas cost inside a
        state snapshot that is thrown away, so a call "from" an empty address works.
        """
        vm = self.chain.get_vm(at_header=self.block_by_number(number).header)
        state = vm.state
        gas = gas if gas is not None else vm.get_header().gas_limit
        base_fee = state.execution_context.base_fee_per_gas
        unsigned = vm.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id, nonce=state.get_nonce(sender), max_priority_fee_per_gas=0,
            max_fee_per_gas=base_fee, gas=gas, to=to, value=value, data=data, access_list=())
        snapshot = state.snapshot()
        try:
            state.set_balance(sender, state.get_balance(sender) + gas * base_fee)
            computation = state.apply_transaction(SpoofTransaction(unsigned, from_=sender))
        except ValidationError as err:
            raise CallFailed(str(err), None) from err
        finally:
            state.revert(snapshot)
        if computation.is_error:
            error = computation.error
            revert_data = error.args[0] if isinstance(error, Revert) and error.args else None
            raise CallFailed(_revert_reason(revert_data) if isinstance(error, Revert) else str(error), revert_data)
        return computation.output

    # -----------------------------------------------------------------------------------------
    # Sending

    def account_address(self, key: PrivateKey) -> bytes:
        return key.public_key.to_canonical_address()

    def key_for(self, address: bytes) -> Optional[PrivateKey]:
        return next((k for k in self.keys if self.account_address(k) == address), None)

    def next_nonce(self, sender: bytes) -> int:
        """State nonce plus this sender's queued transactions (the mempool is kept gap-free)."""
        queued = sum(1 for tx in self._mempool if tx.sender == sender)
        return self.pending_state().get_nonce(sender) + queued

    def submit(self, key: PrivateKey, to: bytes, value: int, data: bytes, gas: int, legacy: bool = False) -> bytes:
        """Signs a transaction from `key` and queues it until the next mined block."""
        signed = self._sign(key, self.next_nonce(self.account_address(key)), to, value, data, gas, legacy)
        self._mempool.append(signed)
        return signed.hash

    def _sign(self, key: PrivateKey, nonce: int, to: bytes, value: int, data: bytes, gas: int,
              legacy: bool = False) -> Any:
        """A signed transaction priced for the pending block (not queued)."""
        builder = self.chain.get_vm().get_transaction_builder()
        base_fee = self.chain.header.base_fee_per_gas
        max_fee = 2 * base_fee + PRIORITY_FEE  # survives six consecutive full blocks
        if legacy:
            unsigned = builder.create_unsigned_transaction(
                nonce=nonce, gas_price=max_fee, gas=gas, to=to, value=value, data=data)
        else:
            unsigned = builder.new_unsigned_dynamic_fee_transaction(
                chain_id=self.chain_id, nonce=nonce, max_priority_fee_per_gas=PRIORITY_FEE,
                max_fee_per_gas=max_fee, gas=gas, to=to, value=value, data=data, access_list=())
        return unsigned.as_signed_transaction(key, chain_id=self.chain_id)

    def submit_rejected_eth(self, key: PrivateKey, to: bytes, value: int) -> bytes:
        """A top-level ETH transfer to `to` that is mined with status 0.

        A plain transfer to an address without code cannot fail. Since EIP-7702 (Prague) an EOA
        can carry a delegation designator (0xef0100 || target) and then runs the target's code
        when called. The devnet does not hold the deposit address's key to sign an
        authorization, so right before this transaction runs it writes the designator itself
        (pointing at the Rejector contract) into the pending state, and removes it right after.
        The transaction then looks exactly as on mainnet for a delegated address that rejects
        ETH: `to` = the address, value > 0, status 0x0, balance unchanged. No mined block's
        post-state keeps the designator (eth_getCode stays "0x").
        """
        tx_hash = self.submit(key, to, value, b"", GAS_CONTRACT_CALL)
        self._rejecting[tx_hash] = to
        return tx_hash

    # -----------------------------------------------------------------------------------------
    # Mining

    def mine(self, count: int) -> list[MinedBlock]:
        """Mines `count` blocks; the first one takes every queued transaction."""
        blocks = [self._mine_block(self._take_mempool())]
        blocks.extend(self._mine_block([]) for _ in range(count - 1))
        return blocks

    def _take_mempool(self) -> list:
        queued, self._mempool = self._mempool, []
        return queued

    def _mine_block(self, transactions: list) -> MinedBlock:
        included, dropped = [], []
        for tx in transactions:
            try:
                self._apply(tx)
                included.append(tx.hash)
            except ValidationError:
                # e.g. its nonce no longer follows after a reorg dropped an earlier one; a real
                # node would keep it queued forever, the devnet drops it and says so.
                dropped.append(tx.hash)
        block_hash = self.backend.mine_blocks(1)[0]
        return MinedBlock(self.head().block_number, block_hash, included, dropped)

    def _apply(self, tx: Any) -> None:
        """Adds `tx` to the pending block; a failing-ETH transaction runs against a delegated `to`.

        The delegation exists only around that one transaction, so other transactions of the
        same block, and the block's post-state, see the address without code.
        """
        target = self._rejecting.get(tx.hash)
        if target is None:
            self.chain.apply_transaction(tx)
            return
        self._set_pending_code(target, DELEGATION_PREFIX + self.contracts["rejector"].address)
        try:
            self.chain.apply_transaction(tx)
        finally:
            self._set_pending_code(target, b"")

    def _set_pending_code(self, address: bytes, code: bytes) -> None:
        """Writes code into the pending block's state (the next block's pre-state)."""
        self._edit_pending_state(lambda state: state.set_code(address, code))

    def _edit_pending_state(self, edit: Callable[[Any], None]) -> Any:
        """Runs `edit(state)` on the pending block's state and makes the result its pre-state."""
        state = self.pending_state()
        edit(state)
        state.persist()
        self.chain.header = self.chain.header.copy(state_root=state.state_root)
        return state

    def _prefix_transfers(self, count: int) -> list:
        """`count` signed USDT transferFrom(funder, fresh address, 1 USDT) for the pending block.

        They are sent by `prefix_sender`, so the funder's nonce (and any queued or re-included
        funder transaction) is untouched, while the Transfer logs still move the funder's USDT.
        Its gas money and its allowance on the funder's USDT are written into the pending state,
        as a genesis allocation would be (the allowance is unlimited, so it never changes).
        """
        if not count:
            return []
        token = self.contracts["usdt"]
        sender, funder = self.account_address(self.prefix_sender), self.account_address(self.funder)
        allowance_slot = hashmap_slot(token.slots["allowance"], funder, sender)

        def fund(state: Any) -> None:
            state.set_balance(sender, max(state.get_balance(sender), PREFIX_SENDER_ETH))
            state.set_storage(token.address, allowance_slot, MAX_UINT256)

        nonce = self._edit_pending_state(fund).get_nonce(sender)
        transfers = []
        for i in range(count):
            to = keccak(b"gateway-devnet: prefix recipient" + next(self._prefix_recipients).to_bytes(8, "big"))[12:]
            data = encode_call("transferFrom(address,address,uint256)", ["address", "address", "uint256"],
                               [funder, to, PREFIX_UNITS])
            transfers.append(self._sign(self.prefix_sender, nonce + i, token.address, 0, data, GAS_TOKEN))
        return transfers

    # -----------------------------------------------------------------------------------------
    # Snapshots and reorgs

    def snapshot(self) -> int:
        snapshot_id = next(self._snapshot_ids)
        self._snapshots[snapshot_id] = Snapshot(self.head().hash, list(self._mempool), dict(self._rejecting))
        if len(self._snapshots) > MAX_SNAPSHOTS:
            del self._snapshots[min(self._snapshots)]  # the oldest goes; its id then reverts to False
        return snapshot_id

    def revert(self, snapshot_id: int) -> bool:
        snapshot = self._snapshots.get(snapshot_id)
        if snapshot is None:
            return False
        self._set_head(snapshot.head_hash)
        self._mempool = list(snapshot.mempool)
        self._rejecting = dict(snapshot.rejecting)
        self._prune_mempool()
        return True

    def _set_head(self, block_hash: bytes) -> None:
        """Makes a stored block the canonical head and the parent of the next pending block.

        Not eth-tester's revert_to_snapshot: that re-imports the block, i.e. re-executes its
        transactions on its parent's post-state, and the devnet builds blocks whose pre-state
        was edited outside any transaction (the prefix sender's gas money and allowance, a
        failing-ETH transfer's temporary delegation). Re-executing such a block fails ("cannot
        afford txn gas", or a state root mismatch), so a later reorg or revert whose target is
        that block broke. Every stored block's post-state is already in the database: only the
        canonical pointers and the pending header have to move.
        """
        chain = self.chain
        block = chain.get_block_by_hash(block_hash)
        if block.number == 0:
            self.backend.revert_to_snapshot(block_hash)  # rebuilds the chain from genesis; nothing to re-execute
            return
        chaindb = chain.chaindb
        new_canonical, _ = chaindb._set_as_canonical_chain_head(chaindb.db, block.header, GENESIS_PARENT_HASH)
        # Blocks that became canonical again get their transaction lookups back (find_transaction
        # still checks each answer against the canonical block at that height).
        for header in new_canonical:
            for index, tx_hash in enumerate(chaindb.get_block_transaction_hashes(header)):
                chaindb._add_transaction_to_canonical_chain(chaindb.db, tx_hash, header, index)
        chain.header = chain.create_header_from_parent(block.header)

    def _prune_mempool(self) -> list[bytes]:
        """Keeps, per sender, only transactions whose nonces follow the state nonce without a gap."""
        state = self.pending_state()
        expected: dict[bytes, int] = {}
        kept, dropped = [], []
        for tx in self._mempool:
            nonce = expected.get(tx.sender, state.get_nonce(tx.sender))
            if tx.nonce == nonce:
                kept.append(tx)
                expected[tx.sender] = nonce + 1
            else:
                dropped.append(tx.hash)
        self._mempool = kept
        return dropped

    def reorg(self, depth: int, reinclude: Iterable[bytes], prefix_transfers: int = 0,
              reinclude_in: int = 1) -> ReorgResult:
        """Replaces the last `depth` blocks by `depth + 1` new ones (so the new branch is longer).

        Transactions of the orphaned blocks are dropped unless listed in `reinclude`, which may
        also name queued (pending) transactions; listed ones go into new block number
        `reinclude_in` (1 = the first), after `prefix_transfers` fresh USDT transfers mined in
        that same block (see _prefix_transfers), so a replayed transaction can land at another
        height, transaction index and logIndex. Other queued transactions stay queued. Empty
        replacement blocks still get new hashes: each block has a fresh random mixHash
        (prevRandao) and its own timestamp. Raises ValueError before changing anything.
        """
        head = self.head()
        if not 1 <= depth <= head.block_number:
            raise ValueError(f"depth must be between 1 and the head number ({head.block_number})")
        if not 1 <= reinclude_in <= depth + 1:
            raise ValueError(f"reincludeIn must be between 1 and depth + 1 ({depth + 1})")
        if not 0 <= prefix_transfers <= MAX_PREFIX_TRANSFERS:
            raise ValueError(f"prefixTokenTransfers must be between 0 and {MAX_PREFIX_TRANSFERS}")
        fork = self.block_by_number(head.block_number - depth)
        if prefix_transfers and not self.state_at(fork.number).get_code(self.contracts["usdt"].address):
            raise ValueError("prefixTokenTransfers needs the USDT contract at the fork block (deployed in block 1)")
        old_blocks = [self.block_by_number(n) for n in range(fork.number + 1, head.block_number + 1)]
        orphaned = {tx.hash: tx for block in old_blocks for tx in block.transactions}
        chosen = self._choose_reincluded(list(reinclude), orphaned)
        self._set_head(fork.hash)
        before = [self._mine_block([]) for _ in range(reinclude_in - 1)]
        prefix = self._prefix_transfers(prefix_transfers)
        target = self._mine_block(prefix + chosen)
        after = [self._mine_block([]) for _ in range(depth + 1 - reinclude_in)]
        prefix_hashes = [tx.hash for tx in prefix]
        if any(h not in target.included for h in prefix_hashes):
            raise RuntimeError("a prefix transfer could not be included (devnet bug)")
        return ReorgResult(
            fork_number=fork.number, fork_hash=fork.hash,
            old_blocks=[(b.number, b.hash) for b in old_blocks],
            new_blocks=[(b.number, b.hash) for b in [*before, target, *after]],
            orphaned=list(orphaned), reincluded=[h for h in target.included if h not in set(prefix_hashes)],
            dropped=target.dropped + self._prune_mempool(), prefix=prefix_hashes)

    def _choose_reincluded(self, hashes: list[bytes], orphaned: dict[bytes, Any]) -> list:
        unknown = [h for h in hashes if h not in orphaned and self.pending_transaction(h) is None]
        if unknown:
            raise ValueError("not an orphaned or pending transaction: " + ", ".join("0x" + h.hex() for h in unknown))
        chosen = [orphaned.get(h) or self.pending_transaction(h) for h in hashes]
        self._mempool = [tx for tx in self._mempool if tx.hash not in set(hashes)]
        # Per sender, nonces must ascend; sorting by nonce keeps each sender's order.
        return sorted(chosen, key=lambda tx: tx.nonce)
