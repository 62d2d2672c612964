/// A secret value. Its description never shows the value, so it cannot leak through string
/// interpolation into logs.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// Constant-time comparison: the time taken depends on lengths only, never on where the
    /// first differing byte is.
    public func matches(_ candidate: some Collection<UInt8>) -> Bool {
        constantTimeEquals(Array(value.utf8), Array(candidate))
    }
}

/// Compares two byte strings in time that depends only on their lengths.
public func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
    // Walk the candidate's full length whatever happens, comparing against the secret cyclically.
    guard !lhs.isEmpty else { return rhs.isEmpty }
    for index in rhs.indices {
        difference |= lhs[index % lhs.count] ^ rhs[index]
    }
    return difference == 0
}
