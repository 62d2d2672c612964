# pragma version ~=0.4.3
"""
@title ETH forwarder (produces an "internal transaction")
@notice Forwards the attached ETH to `to` with a CALL from this contract. The recipient's
        balance grows, but no top-level transaction has `to` as its recipient: a watcher that
        only scans blocks' transactions cannot see this deposit (exchanges' hot wallets, Safe
        multisigs and routers pay this way). Reverts, with the whole transaction, if the
        recipient rejects the ETH.
"""


@external
@payable
def forward(to: address):
    raw_call(to, b"", value=msg.value)
