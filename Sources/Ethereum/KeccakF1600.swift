// Keccak-f[1600]. Round constants and rotation offsets: the Keccak reference (keccak.team),
// FIPS 202 §3.2. Lane (x, y) is index x + 5y of the state.

@inline(__always)
private func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
    (value &<< count) | (value &>> (64 &- count))
}

/// Iota's constant for each of the 24 rounds.
private let roundConstants: [UInt64] = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]

/// Permutes the 25-lane state in place. The lanes stay in locals for all 24 rounds and one
/// round is written out in full (no index tables, no bounds checks): that is what makes it
/// cheap enough for one call per derived address.
func keccakF1600(_ state: UnsafeMutablePointer<UInt64>) {
    var a00 = state[0], a01 = state[1], a02 = state[2], a03 = state[3], a04 = state[4]
    var a05 = state[5], a06 = state[6], a07 = state[7], a08 = state[8], a09 = state[9]
    var a10 = state[10], a11 = state[11], a12 = state[12], a13 = state[13], a14 = state[14]
    var a15 = state[15], a16 = state[16], a17 = state[17], a18 = state[18], a19 = state[19]
    var a20 = state[20], a21 = state[21], a22 = state[22], a23 = state[23], a24 = state[24]
    for constant in roundConstants {
        // theta: XOR every lane with the parities of two neighbouring columns.
        let c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
        let c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
        let c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
        let c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
        let c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
        let d0 = c4 ^ rotl(c1, 1)
        let d1 = c0 ^ rotl(c2, 1)
        let d2 = c1 ^ rotl(c3, 1)
        let d3 = c2 ^ rotl(c4, 1)
        let d4 = c3 ^ rotl(c0, 1)
        // rho + pi, with theta's XOR folded in: B[y, 2x+3y] = rotl(A[x, y] ^ D[x], r[x, y]).
        let b00 = a00 ^ d0
        let b01 = rotl(a06 ^ d1, 44)
        let b02 = rotl(a12 ^ d2, 43)
        let b03 = rotl(a18 ^ d3, 21)
        let b04 = rotl(a24 ^ d4, 14)
        let b05 = rotl(a03 ^ d3, 28)
        let b06 = rotl(a09 ^ d4, 20)
        let b07 = rotl(a10 ^ d0, 3)
        let b08 = rotl(a16 ^ d1, 45)
        let b09 = rotl(a22 ^ d2, 61)
        let b10 = rotl(a01 ^ d1, 1)
        let b11 = rotl(a07 ^ d2, 6)
        let b12 = rotl(a13 ^ d3, 25)
        let b13 = rotl(a19 ^ d4, 8)
        let b14 = rotl(a20 ^ d0, 18)
        let b15 = rotl(a04 ^ d4, 27)
        let b16 = rotl(a05 ^ d0, 36)
        let b17 = rotl(a11 ^ d1, 10)
        let b18 = rotl(a17 ^ d2, 15)
        let b19 = rotl(a23 ^ d3, 56)
        let b20 = rotl(a02 ^ d2, 62)
        let b21 = rotl(a08 ^ d3, 55)
        let b22 = rotl(a14 ^ d4, 39)
        let b23 = rotl(a15 ^ d0, 41)
        let b24 = rotl(a21 ^ d1, 2)
        // chi along each row: A[x] = B[x] ^ (~B[x+1] & B[x+2]); iota on lane 0.
        a00 = b00 ^ (~b01 & b02) ^ constant
        a01 = b01 ^ (~b02 & b03)
        a02 = b02 ^ (~b03 & b04)
        a03 = b03 ^ (~b04 & b00)
        a04 = b04 ^ (~b00 & b01)
        a05 = b05 ^ (~b06 & b07)
        a06 = b06 ^ (~b07 & b08)
        a07 = b07 ^ (~b08 & b09)
        a08 = b08 ^ (~b09 & b05)
        a09 = b09 ^ (~b05 & b06)
        a10 = b10 ^ (~b11 & b12)
        a11 = b11 ^ (~b12 & b13)
        a12 = b12 ^ (~b13 & b14)
        a13 = b13 ^ (~b14 & b10)
        a14 = b14 ^ (~b10 & b11)
        a15 = b15 ^ (~b16 & b17)
        a16 = b16 ^ (~b17 & b18)
        a17 = b17 ^ (~b18 & b19)
        a18 = b18 ^ (~b19 & b15)
        a19 = b19 ^ (~b15 & b16)
        a20 = b20 ^ (~b21 & b22)
        a21 = b21 ^ (~b22 & b23)
        a22 = b22 ^ (~b23 & b24)
        a23 = b23 ^ (~b24 & b20)
        a24 = b24 ^ (~b20 & b21)
    }
    state[0] = a00; state[1] = a01; state[2] = a02; state[3] = a03; state[4] = a04
    state[5] = a05; state[6] = a06; state[7] = a07; state[8] = a08; state[9] = a09
    state[10] = a10; state[11] = a11; state[12] = a12; state[13] = a13; state[14] = a14
    state[15] = a15; state[16] = a16; state[17] = a17; state[18] = a18; state[19] = a19
    state[20] = a20; state[21] = a21; state[22] = a22; state[23] = a23; state[24] = a24
}
