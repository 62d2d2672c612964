# pragma version ~=0.4.3
"""
@title An account that rejects every call and every ETH transfer
@notice A transaction sending ETH here is mined with receipt status 0 and moves no ETH.
        The devnet also uses this code as the EIP-7702 delegation target that makes a plain
        deposit address reject ETH for one block (see devnet_failingEthTransfer).
"""


@external
@payable
def __default__():
    raise "devnet: this account rejects ETH"
