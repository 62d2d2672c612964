// Addresses per second for AddressDeriver on one thread, and (if GATEWAY_PYTHON names a
// python with bip_utils) the same count through the oracle script, for comparison.
//
//   swift run -c release EthBench [COUNT]      (COUNT defaults to 20,000)
//
// Both wall-clock and this thread's CPU time are printed: CPU time stays meaningful when
// another build shares the cores, wall time does not.
import Ethereum
import Foundation

let xpubString =
    "xpub6EF8jXqFeFEW5bwMU7RpQtHkzE4KJxcqJtvkCjJumzW8CPpacXkb92ek4WzLQXjL93HycJwTPUAcuNxCqFPKKU5m5Z2Vq4nCyh5CyPeBFFr"
let count = CommandLine.arguments.dropFirst().first.flatMap { UInt32($0) } ?? 20_000
let maxCount: UInt32 = 10_000_000  // bound the run: ~10 minutes at the slowest plausible rate
guard count > 0, count <= maxCount else {
    print("COUNT must be in 1...\(maxCount)")
    exit(2)
}

func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

let deriver = try AddressDeriver(externalChain: ExtendedPublicKey(xpubString))
var sink: UInt64 = 0  // folds every address in, so the optimizer cannot drop the work
for index in 0..<UInt32(1_000) { sink &+= UInt64(bitPattern: Int64(try deriver.address(at: index).hashValue)) }  // warm-up

let wallStart = ContinuousClock.now
let cpuStart = threadCPUSeconds()
for index in 0..<count {
    sink &+= UInt64(bitPattern: Int64(try deriver.address(at: index).hashValue))
}
let cpu = threadCPUSeconds() - cpuStart
let wall = ContinuousClock.now - wallStart
let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18

func report(_ name: String, _ n: Double, cpu: Double, wall: Double) {
    let cpuRate = Int(n / cpu), wallRate = Int(n / wall)
    print("\(name): \(Int(n)) addresses, \(cpuRate) addr/s CPU (\(String(format: "%.3f", cpu)) s), "
        + "\(wallRate) addr/s wall (\(String(format: "%.3f", wall)) s)")
}
report("swift AddressDeriver", Double(count), cpu: cpu, wall: wallSeconds)
print("(checksum \(sink & 0xFFFF))")

guard let python = ProcessInfo.processInfo.environment["GATEWAY_PYTHON"] else {
    print("python bip_utils: skipped (set GATEWAY_PYTHON to a python with bip_utils)")
    exit(0)
}
// The script sits in the package's Tests/oracles; #filePath is this file in Sources/EthBench.
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Tests/oracles/derive_addresses.py").path
let process = Process()
process.executableURL = URL(fileURLWithPath: python)
process.arguments = [script, "--bench", xpubString, String(count)]
let pipe = Pipe()
process.standardOutput = pipe
try process.run()
let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
process.waitUntilExit()
let fields = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
guard process.terminationStatus == 0, fields.count == 3 else {
    print("python bip_utils: oracle failed (exit \(process.terminationStatus)): \(output)")
    exit(1)
}
report("python bip_utils (coincurve)", fields[0], cpu: fields[1], wall: fields[2])
print(String(format: "swift / python (CPU time): %.1fx", (Double(count) / cpu) / (fields[0] / fields[1])))
