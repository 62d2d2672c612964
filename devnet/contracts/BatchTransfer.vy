# pragma version ~=0.4.3
"""
@title Two token transfers in one transaction
@notice Pulls two amounts from the caller to one recipient (disperse-style, via transferFrom),
        so one transaction carries two Transfer logs to the same address with different
        logIndex values. A watcher keyed on (txHash) alone instead of (txHash, logIndex) loses
        the second deposit. The caller must have approved this contract on the token first.
        transferToTwo pulls two amounts to two different recipients in one transaction.
"""

interface ERC20:
    def transferFrom(_from: address, _to: address, _value: uint256) -> bool: nonpayable


@external
def transferTwice(token: address, to: address, first: uint256, second: uint256):
    assert extcall ERC20(token).transferFrom(msg.sender, to, first)
    assert extcall ERC20(token).transferFrom(msg.sender, to, second)


@external
def transferToTwo(token: address, first_to: address, second_to: address, first: uint256, second: uint256):
    """
    @notice One transaction, two Transfer logs from the caller: `first` to `first_to`, then `second` to `second_to`.
    """
    assert extcall ERC20(token).transferFrom(msg.sender, first_to, first)
    assert extcall ERC20(token).transferFrom(msg.sender, second_to, second)
