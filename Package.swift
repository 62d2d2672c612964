// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gateway", targets: ["gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"4.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.0"),
    ],
    targets: [
        // Pure domain: money, ids, state machines, store protocol. Depends on nothing.
        .target(name: "GatewayCore"),
        // Debian's libsecp256k1-dev (0.2.0), found through pkg-config.
        .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
        // Debian's libsqlite3-dev, used through a thin synchronous handle with a statement cache
        // (Store/Database/SQLiteHandle.swift says why not sqlite-nio or GRDB).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Keccak-256, BIP32 public derivation, EIP-55 addresses; later the JSON-RPC client.
        .target(name: "Ethereum", dependencies: [
            "CSecp256k1",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Stripe-Signature verification and lenient event decoding (knows nothing of wallets).
        .target(name: "Stripe", dependencies: [
            "GatewayCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // cex.io prices, the rate book (staleness, deviation guard) and exact conversion.
        .target(name: "Rates", dependencies: [
            "GatewayCore",
            .product(name: "BigInt", package: "BigInt"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // SQLite and PostgreSQL behind one SQL interface, plus migrations.
        .target(name: "Store", dependencies: [
            "GatewayCore", "CSQLite",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Composition root: config, HTTP, workers, operator logic.
        .target(name: "GatewayApp", dependencies: [
            "GatewayCore", "Store", "Ethereum", "Stripe", "Rates",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "BigInt", package: "BigInt"),
        ]),
        .executableTarget(name: "gateway", dependencies: [
            "GatewayApp", "Store", "Ethereum", "GatewayCore", "Stripe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Fixtures, backends, process and HTTP helpers shared by the test targets.
        .target(name: "GatewayTestSupport", dependencies: [
            "GatewayApp", "Store", "GatewayCore", "Stripe",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/GatewayTestSupport"),
        // Benchmarks print figures; they never assert timings.
        .executableTarget(name: "EthBench", dependencies: ["Ethereum"], path: "Sources/EthBench"),
        .executableTarget(name: "StripeLoad", dependencies: [
            "Stripe",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "WatchBench", dependencies: [
            "GatewayApp", "Ethereum", "Store", "GatewayCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GatewayCoreTests", dependencies: ["GatewayCore"]),
        // CSecp256k1 only to mint random test keys; the library never holds secrets.
        .testTarget(name: "EthereumTests", dependencies: ["Ethereum", "CSecp256k1"]),
        .testTarget(name: "StripeTests", dependencies: ["Stripe", "GatewayCore"]),
        .testTarget(name: "RatesTests", dependencies: ["Rates", "GatewayCore", .product(name: "BigInt", package: "BigInt")]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "GatewayCore", "GatewayTestSupport"]),
        .testTarget(name: "GatewayAppTests", dependencies: [
            "GatewayApp", "GatewayTestSupport", "Store", "GatewayCore", "Rates", "Ethereum", "Stripe",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "BigInt", package: "BigInt"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
