import BigInt
import Foundation
import GatewayCore
import Rates
import Testing

@Suite("Exact conversion")
struct ConversionTests {
    static func rate(_ price: String, _ pair: RatePair = .ethUSD) -> Rate {
        Rate(pair: pair, field: "last", price: DecimalPrice(price)!, fetchedAtMillis: 0, source: "test")
    }

    @Test func decimalPriceParsing() {
        #expect(DecimalPrice("3012.45")?.description == "3012.45")
        #expect(DecimalPrice("0.000001")?.description == "0.000001")
        #expect(DecimalPrice("17420")?.description == "17420")
        for bad in ["", ".5", "5.", "-1", "+1", "1e5", "1,5", " 1", "0x10", "1.2.3", String(repeating: "9", count: 41)] {
            #expect(DecimalPrice(bad) == nil, "\(bad)")
        }
        #expect(DecimalPrice("1.50")! == DecimalPrice("1.5")!)
        #expect(DecimalPrice("1.49")! < DecimalPrice("1.5")!)
    }

    /// Worked cases; the expected values were computed with Python's `decimal` at 100 digits.
    /// The exact product keeps every digit of units × price at scale decimals + price scale.
    @Test(arguments: [
        // 1 wei × 3000 = 3e-15 USD → 0 cents, exact product kept.
        ("1", Asset.eth, "3000", Int64(0), "0.000000000000003000"),
        // 1 ETH × 3012.45 = 3012.45 → 301245 cents exactly (a cent boundary).
        ("1000000000000000000", .eth, "3012.45", 301_245, "3012.45000000000000000000"),
        // 0.123456789 ETH × 2999.99 = 370.36913243211 → 37036 cents (rounded down).
        ("123456789000000000", .eth, "2999.99", 37_036, "370.36913243211000000000"),
        // A whale beyond 2^64 wei: 2^70 wei (≈1180.59 ETH) × 3000.5 = 3542365.15796… → 354236515 cents.
        ("1180591620717411303424", .eth, "3000.5", 354_236_515, "3542365.1579625926159237120"),
        // 12.345678 USDT × 0.99985 = 12.3438261483 → 1234 cents.
        ("12345678", .usdt, "0.99985", 1_234, "12.34382614830"),
        // 1 USDT unit (0.000001) × 1 = 0.000001 → 0 cents.
        ("1", .usdt, "1", 0, "0.000001"),
        // 10.00 USDT × 1 = exactly 1000 cents.
        ("10000000", .usdt, "1", 1_000, "10.000000"),
        // A price with many decimals: 2 ETH × 1234.567890123456789 = 2469.135780246913578 → 246913 cents.
        ("2000000000000000000", .eth, "1234.567890123456789", 246_913, "2469.135780246913578000000000000000000"),
    ])
    func handWorked(units: String, asset: Asset, price: String, cents: Int64, exact: String) throws {
        let amount = try TokenAmount(unitsText: Substring(units), asset: asset)
        let conversion = try Conversion.convert(amount, at: Self.rate(price, RatePair(asset: asset)))
        #expect(conversion.amount.minor == cents)
        #expect(conversion.exact == exact)
    }

    @Test func overflowIsRefusedNotWrapped() throws {
        let amount = TokenAmount(UInt128.max, .eth)
        #expect(throws: DomainError.self) { try Conversion.convert(amount, at: Self.rate("99999999999")) }
    }

    /// Random cases against Python's `decimal` at 100 digits of precision, when the test venv is there.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GATEWAY_PYTHON"] != nil, "GATEWAY_PYTHON unset: the decimal oracle is skipped"))
    func randomCasesMatchPythonDecimal() throws {
        var generator = SystemRandomNumberGenerator()
        var lines: [String] = []
        var cases: [(TokenAmount, String)] = []
        for _ in 0..<300 {
            let asset: Asset = Bool.random(using: &generator) ? .eth : .usdt
            let units = UInt128(UInt64.random(in: 1...UInt64.max, using: &generator)) * UInt128(UInt64.random(in: 1...1000, using: &generator))
            let whole = Int.random(in: 0...99_999, using: &generator)
            let fraction = String(UInt64.random(in: 0...UInt64.max, using: &generator)).prefix(Int.random(in: 1...18, using: &generator))
            let price = "\(whole).\(fraction)"
            cases.append((TokenAmount(units, asset), price))
            lines.append("\(units) \(asset.decimals) \(price)")
        }
        let script = """
        import sys
        from decimal import Decimal, getcontext, ROUND_FLOOR
        getcontext().prec = 100
        for line in sys.stdin:
            units, decimals, price = line.split()
            value = Decimal(units) / (Decimal(10) ** int(decimals)) * Decimal(price)
            print((value * 100).to_integral_value(rounding=ROUND_FLOOR))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["GATEWAY_PYTHON"]!)
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let expected = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        process.waitUntilExit()
        #expect(expected.count == cases.count)
        for ((amount, price), want) in zip(cases, expected) {
            let got = try? Conversion.convert(amount, at: Self.rate(price, RatePair(asset: amount.asset)))
            if let wantCents = Int64(want) {
                #expect(got?.amount.minor == wantCents, "\(amount.units) \(amount.asset) × \(price)")
            } else {
                #expect(got == nil, "beyond 64-bit cents must be refused: \(want)")
            }
        }
    }
}
