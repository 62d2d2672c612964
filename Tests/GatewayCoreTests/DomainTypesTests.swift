import GatewayCore
import Testing

@Suite struct DomainTypesTests {
    @Test(arguments: ["a", "acct_1", "A-b_9", String(repeating: "x", count: 64)])
    func validAccountIDs(_ raw: String) throws {
        #expect(try AccountID(raw).rawValue == raw)
    }

    @Test(arguments: ["", "has space", "semi;colon", "ünï", "a/b", String(repeating: "x", count: 65), "0x\u{0}"])
    func invalidAccountIDs(_ raw: String) {
        #expect(throws: DomainError.self) { try AccountID(raw) }
    }

    @Test func centsArithmeticIsChecked() throws {
        #expect(try (Cents(150) + Cents(-50)).value == 100)
        #expect(throws: DomainError.self) { try Cents(.max) + Cents(1) }
        #expect(throws: DomainError.self) { try Cents(.min) - Cents(1) }
        #expect(throws: DomainError.self) { try Cents(.min).negated() }
        #expect(Cents(-105).description == "-1.05")
        #expect(Cents(7).description == "0.07")
        #expect(throws: DomainError.self) { try PositiveCents(0) }
        #expect(throws: DomainError.self) { try PositiveCents(-1) }
    }

    @Test func tokenAmountsAreExact() throws {
        let wei = try TokenAmount(unitsText: "1500000000000000001", asset: .eth)
        #expect(wei.description == "1.500000000000000001 ETH")
        #expect(TokenAmount(1_000_000, .usdt).description == "1 USDT")
        #expect(TokenAmount(1, .usdt).description == "0.000001 USDT")
        let big = try TokenAmount(unitsText: Substring(String(UInt128.max)), asset: .eth)
        #expect(throws: DomainError.self) { try big + TokenAmount(1, .eth) }
        #expect(throws: DomainError.self) { try TokenAmount(unitsText: "1.5", asset: .eth) }
        #expect(throws: DomainError.self) { try TokenAmount(unitsText: "-1", asset: .eth) }
        #expect(throws: DomainError.self) { try TokenAmount(unitsText: Substring(String(UInt128.max) + "0"), asset: .eth) }
    }

    @Test func idempotencyKeys() throws {
        #expect(try IdempotencyKey.nativeDeposit(chainID: 1, txHash: "0xABC", logIndex: -1).rawValue == "eth:1:0xabc:-1")
        #expect(try IdempotencyKey.stripeDispute("dp_1", reversal: true).rawValue == "stripe:dp_1:reversal")
        #expect(throws: DomainError.self) { try IdempotencyKey("has space") }
        #expect(throws: DomainError.self) { try IdempotencyKey("") }
        #expect(throws: DomainError.self) { try IdempotencyKey(String(repeating: "k", count: 201)) }
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(951_782_400_123), "2000-02-29T00:00:00.123Z"),
        (Int64(1_795_379_560_000), "2026-11-22T20:32:40.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
    ])
    func timestamps(millis: Int64, expected: String) {
        #expect(Timestamp.rfc3339(millis: millis) == expected)
    }

    @Test func balanceRule() throws {
        func post(_ direction: Direction, _ cents: Int64, allowNegative: Bool = false) throws -> LedgerPost {
            LedgerPost(account: try AccountID("a"), key: try IdempotencyKey("k"), direction: direction, amount: try PositiveCents(cents),
                       kind: .usage, reference: "", description: "", detailsJSON: "{}", allowNegative: allowNegative, requestHash: "h")
        }
        #expect(try BalanceRule.apply(post(.credit, 5), to: Money(1, .usd)) == .success(Money(6, .usd)))
        #expect(try BalanceRule.apply(post(.debit, 5), to: Money(5, .usd)) == .success(Money(0, .usd)))
        #expect(try BalanceRule.apply(post(.debit, 6), to: Money(5, .usd)) == .failure(.insufficientFunds))
        #expect(try BalanceRule.apply(post(.debit, 6, allowNegative: true), to: Money(5, .usd)) == .success(Money(-1, .usd)))
        #expect(try BalanceRule.apply(post(.credit, .max), to: Money(1, .usd)) == .failure(.overflow))
    }

    @Test func aPostInAnotherCurrencyIsRefused() throws {
        let post = LedgerPost(account: try AccountID("a"), key: try IdempotencyKey("k"), direction: .credit, amount: try PositiveCents(5),
                              currency: .eur, kind: .usage, reference: "", description: "", detailsJSON: "{}", allowNegative: false, requestHash: "h")
        #expect(BalanceRule.apply(post, to: Money(1, .usd)) == .failure(.currencyMismatch))
        #expect(BalanceRule.apply(post, to: Money(1, .eur)) == .success(Money(6, .eur)))
    }

    @Test func moneyNeverMixesCurrencies() throws {
        #expect(throws: DomainError.self) { try Money(1, .usd) + Money(1, .eur) }
        #expect(try Money(1, .eur) + Money(2, .eur) == Money(3, .eur))
        #expect(throws: DomainError.self) { try Money(.max, .eur) + Money(1, .eur) }
    }

    @Test(arguments: [
        ("usd", "USD", 2, Int64(1234), "12.34"), ("EUR", "EUR", 2, Int64(-5), "-0.05"), ("jpy", "JPY", 0, Int64(1234), "1234"),
        ("KWD", "KWD", 3, Int64(1234), "1.234"), ("CLF", "CLF", 4, Int64(1), "0.0001"),
    ])
    func currencies(raw: String, code: String, units: Int, minor: Int64, shown: String) throws {
        let currency = try Currency(raw)
        #expect(currency.code == code && currency.minorUnits == units && currency.format(minor) == shown)
    }

    @Test(arguments: ["", "US", "USDT", "XYZ", "usd "])
    func notCurrencies(raw: String) {
        #expect(throws: DomainError.self) { try Currency(raw) }
    }
}
