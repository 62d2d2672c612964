// Watcher benchmarks: catch-up speed over the synthetic fixture chain, and the memory the
// address book takes. Figures, never assertions.
//
//   GATEWAY_PYTHON=.venv/bin/python swift run -c release WatchBench catchup [BLOCKS] [ADDRESSES] [ethereum|tron]
//   swift run -c release WatchBench memory [ADDRESSES] [ethereum|tron]
//
// On Tron the fixture chain serves Tron's chain id and number-prefixed block hashes, and the
// Tron watcher (USDT-TRC20 only) follows it.
import Ethereum
import Foundation

/// glibc's: hands freed heap memory back to the kernel. Resident size right after the load
/// includes the freed pages of its transient rows, which glibc keeps for reuse; after a trim
/// it is what is live.
@_silgen_name("malloc_trim") func malloc_trim(_ pad: Int) -> Int32
import GatewayApp
import GatewayCore
import Logging
import Store

let xpub = "xpub6EF8jXqFeFEW5bwMU7RpQtHkzE4KJxcqJtvkCjJumzW8CPpacXkb92ek4WzLQXjL93HycJwTPUAcuNxCqFPKKU5m5Z2Vq4nCyh5CyPeBFFr"
let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "catchup"

func residentMB() -> Double {
    // /proc/self/statm: resident pages is the second field.
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = Double(text.split(separator: " ")[1]) ?? 0
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

/// Registers `count` accounts with consecutive derived addresses, in large transactions.
func seedAddresses(_ gateway: Gateway, count: Int, key: DepositKey, chain: Chain = .ethereum) async throws -> [String] {
    var addresses: [String] = []
    addresses.reserveCapacity(count)
    for index in 0..<count { addresses.append(try key.address(at: UInt32(index))?.lowercaseHex ?? "") }
    let chunk = 2_000
    for start in stride(from: 0, to: count, by: chunk) {
        let slice = Array(addresses[start..<min(start + chunk, count)].enumerated())
        try await gateway.database.transaction { db in
            for (offset, address) in slice {
                let index = start + offset
                try await db.query("INSERT INTO accounts (id, currency, balance_cents, created_at) VALUES ($1, 'USD', 0, 0)", [.text("b\(index)")])
                try await db.query(
                    "INSERT INTO deposit_addresses (account_id, chain, key_id, address_index, address, created_at) VALUES ($1, $2, $3, $4, $5, 0)",
                    [.text("b\(index)"), .text(chain.rawValue), .text(key.keyID), .int(Int64(index)), .text(address)]
                )
            }
        }
    }
    return addresses
}

func openGateway(_ environment: [String: String]) async throws -> Gateway {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("watchbench-\(UUID().uuidString)").path
    var env = environment
    env["DATABASE_URL"] = "sqlite:\(directory)/bench.sqlite"
    env["ETH_XPUB"] = xpub
    // Any external-chain xpub serves for Tron's addresses too: the same 20 bytes, written T….
    env["TRON_XPUB"] = xpub
    env["GATEWAY_INTERNAL_TOKENS"] = "bench-token-0123456789abcdef"
    let (config, _) = try GatewayConfig.load(environment: env)
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return try await Gateway.open(config: config, logger: logger)
}

switch mode {
case "memory":
    let count = min(Int(arguments.dropFirst().first ?? "1000000") ?? 1_000_000, 5_000_000)
    let chain = arguments.dropFirst(2).first.flatMap(Chain.init(rawValue:)) ?? .ethereum
    let gateway = try await openGateway([:])
    guard let key = gateway.depositKeys[chain] else { fatalError("no deposit key") }
    _ = try await seedAddresses(gateway, count: count, key: key, chain: chain)
    let before = residentMB()
    let book = AddressBook(store: gateway.depositAddresses, chain: chain)
    let started = ContinuousClock.now
    try await book.refresh()
    let loaded = ContinuousClock.now - started
    let after = residentMB()
    _ = malloc_trim(0)
    let live = residentMB()
    print("address book (\(chain.rawValue)): \(book.count) addresses loaded in \(loaded); resident \(String(format: "%.1f", before)) MB → \(String(format: "%.1f", after)) MB (+\(String(format: "%.1f", after - before)) MB); \(String(format: "%.1f", live)) MB after malloc_trim")
    await gateway.close()

default:
    let blocks = min(Int(arguments.dropFirst().first ?? "10000") ?? 10_000, 100_000)
    let watchedCount = min(Int(arguments.dropFirst(2).first ?? "100000") ?? 100_000, 2_000_000)
    let chain = arguments.dropFirst(3).first.flatMap(Chain.init(rawValue:)) ?? .ethereum
    guard let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"] else {
        print("set GATEWAY_PYTHON to the project venv's python (it serves the fixture chain)")
        exit(2)
    }
    // Derive the watched addresses first, so the fixture chain pays deposits to them.
    let probe = try await openGateway([:])
    guard let key = probe.depositKey else { fatalError("no deposit key") }
    var watched: [String] = []
    for index in 0..<watchedCount { watched.append(try key.address(at: UInt32(index))?.lowercaseHex ?? "") }
    await probe.close()
    let watchedFile = FileManager.default.temporaryDirectory.appendingPathComponent("watched-\(UUID().uuidString).txt").path
    try watched.joined(separator: "\n").write(toFile: watchedFile, atomically: true, encoding: .utf8)
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString).out").path
    FileManager.default.createFile(atPath: output, contents: nil)
    let fixture = Process()
    fixture.executableURL = URL(fileURLWithPath: python)
    fixture.arguments = ["devnet/fixture_chain.py", "--port", "0", "--blocks", "\(blocks)", "--watched-file", watchedFile, "--prewarm"]
        + (chain == .tron ? ["--tron"] : [])
    fixture.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    fixture.standardError = FileHandle.nullDevice
    try fixture.run()
    defer { kill(fixture.processIdentifier, SIGKILL) }
    print("fixture chain: rendering \(blocks) blocks (prewarm)…")
    var info: [String: Any] = [:]
    while info.isEmpty {
        try await Task.sleep(for: .milliseconds(200))
        if let text = try? String(contentsOfFile: output, encoding: .utf8), let line = text.split(separator: "\n").first,
           let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { info = object }
        guard fixture.isRunning else { fatalError("fixture chain exited") }
    }
    let rpc = info["rpc_url"] as? String ?? ""
    let usdt = info["usdt"] as? String ?? "0xdAC17F958D2ee523a2206206994597C13D831ec7"
    let chainID = info["chain_id"] as? Int ?? 1
    let gateway = try await openGateway(chain == .tron ? [
        "TRON_RPC_URL": rpc, "TRON_CHAIN_ID": "\(chainID)", "TRON_USDT_CONTRACT": "41" + usdt.dropFirst(2), "TRON_START_BLOCK": "1",
        "ETH_SCAN_BATCH_BLOCKS": "100", "ETH_LOGS_MAX_RANGE": "1000",
    ] : [
        "ETH_RPC_URL": rpc, "ETH_CHAIN_ID": "\(chainID)", "ETH_USDT_CONTRACT": usdt, "ETH_START_BLOCK": "1",
        "ETH_SCAN_BATCH_BLOCKS": "100", "ETH_LOGS_MAX_RANGE": "1000",
    ])
    _ = try await seedAddresses(gateway, count: watchedCount, key: key, chain: chain)
    let watcher = gateway.makeChainWatcher(chain: chain)
    try await watcher.addressBook.refresh()
    print("watching \(watcher.addressBook.count) addresses; resident \(String(format: "%.0f", residentMB())) MB")
    let started = ContinuousClock.now
    var cursor: UInt64 = 0
    var head: UInt64 = 1
    while cursor < head {
        let report = try await watcher.pollOnce()
        cursor = report.cursor
        head = report.head
    }
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let counts = try await gateway.database.transaction { db in try await DepositStore.countsByStatus(db) }
    print(String(format: "catch-up (\(chain.rawValue)): %d blocks in %.2f s = %.0f blocks/s; deposits by status: %@", blocks, seconds, Double(blocks) / seconds, "\(counts)"))
    await gateway.close()
}
