#!/usr/bin/env python3
"""Independent oracle for the Swift Ethereum module: BIP32 CKDpub + EIP-55 (or Tron's
Base58Check) via bip_utils.

usage:
  derive_addresses.py [--tron] XPUB START COUNT
      prints the EIP-55 address (with --tron, the T… address) of XPUB/i for i in
      START..START+COUNT-1, one per line
  derive_addresses.py --bench XPUB COUNT
      derives COUNT addresses and prints "COUNT CPU_SECONDS WALL_SECONDS" (derivation only,
      interpreter start-up and imports excluded) so EthBench can compare like with like
"""
import sys
import time

from bip_utils import Bip32Slip10Secp256k1, EthAddrEncoder, TrxAddrEncoder

MAX_COUNT = 10_000_000  # a bound on work, far above what any test or benchmark asks for


def addresses(xpub: str, start: int, count: int, encoder=EthAddrEncoder):
    parent = Bip32Slip10Secp256k1.FromExtendedKey(xpub)
    for index in range(start, start + count):
        child = parent.ChildKey(index)  # non-hardened: index < 2**31
        yield encoder.EncodeKey(child.PublicKey().KeyObject())


def main(argv):
    encoder = EthAddrEncoder
    if len(argv) > 1 and argv[1] == "--tron":
        encoder, argv = TrxAddrEncoder, argv[:1] + argv[2:]
    if len(argv) == 4 and argv[1] == "--bench":
        xpub, count = argv[2], int(argv[3])
        assert 0 < count <= MAX_COUNT
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in addresses(xpub, 0, count):
            pass
        print(count, time.process_time() - cpu0, time.perf_counter() - wall0)
        return 0
    if len(argv) == 4:
        xpub, start, count = argv[1], int(argv[2]), int(argv[3])
        assert 0 <= start and 0 < count <= MAX_COUNT and start + count <= 2**31
        sys.stdout.write("".join(a + "\n" for a in addresses(xpub, start, count, encoder)))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
