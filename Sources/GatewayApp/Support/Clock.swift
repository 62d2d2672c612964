import Foundation

/// Wall-clock time in milliseconds since the Unix epoch, injected so tests can move it.
public struct WallClock: Sendable {
    public let nowMillis: @Sendable () -> Int64

    public init(nowMillis: @escaping @Sendable () -> Int64) { self.nowMillis = nowMillis }

    public static let system = WallClock { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public var nowSeconds: Int64 { nowMillis() / 1000 }
}
