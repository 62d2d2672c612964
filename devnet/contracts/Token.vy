# pragma version ~=0.4.3
"""
@title Devnet ERC-20 token ("Tether USD"-like)
@notice A plain ERC-20 (EIP-20) used twice by the devnet: once as "USDT" (6 decimals) and once,
        at another address, as a look-alike with the same name, symbol and Transfer event.
        A deposit watcher must tell them apart by contract address, never by symbol.
        Like mainnet USDT, transferFrom does not emit Approval; unlike it, transfer returns bool
        (the standard), so callers can check it.
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


@deploy
def __init__(_name: String[32], _symbol: String[16], _decimals: uint8, _supply: uint256):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals
    self.totalSupply = _supply
    self.balanceOf[msg.sender] = _supply
    log Transfer(sender=empty(address), receiver=msg.sender, value=_supply)


@internal
def _move(_from: address, _to: address, _value: uint256):
    assert self.balanceOf[_from] >= _value, "insufficient balance"
    self.balanceOf[_from] -= _value
    self.balanceOf[_to] += _value
    log Transfer(sender=_from, receiver=_to, value=_value)


@external
def transfer(_to: address, _value: uint256) -> bool:
    self._move(msg.sender, _to, _value)
    return True


@external
def transferFrom(_from: address, _to: address, _value: uint256) -> bool:
    allowed: uint256 = self.allowance[_from][msg.sender]
    assert allowed >= _value, "insufficient allowance"
    # An unlimited approval stays unlimited, as in OpenZeppelin and mainnet USDT.
    if allowed != max_value(uint256):
        self.allowance[_from][msg.sender] = allowed - _value
    self._move(_from, _to, _value)
    return True


@external
def approve(_spender: address, _value: uint256) -> bool:
    self.allowance[msg.sender][_spender] = _value
    log Approval(owner=msg.sender, spender=_spender, value=_value)
    return True
