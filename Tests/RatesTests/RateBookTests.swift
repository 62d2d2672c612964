import GatewayCore
import Rates
import Testing

@Suite("Rate book: staleness and the deviation guard, on a fake clock")
struct RateBookTests {
    static let settings = RateBook.Settings(
        maxAgeMillis: 120_000, maxDeviationPercent: DecimalPrice("10")!, deviationWindowMillis: 600_000
    )

    static func rate(_ price: String, at seconds: Int64, _ pair: RatePair = .ethUSD) -> Rate {
        Rate(pair: pair, field: "last", price: DecimalPrice(price)!, fetchedAtMillis: seconds * 1000, source: "test")
    }

    @Test func staleRatesAreNotUsable() {
        var book = RateBook(settings: Self.settings)
        #expect(book.usable(.ethUSD, now: 0) == nil)
        #expect(book.offer(Self.rate("3000", at: 100)) == .accepted)
        #expect(book.usable(.ethUSD, now: 100_000)?.price == DecimalPrice("3000"))
        #expect(book.usable(.ethUSD, now: 220_000) != nil, "exactly the limit is still usable")
        #expect(book.usable(.ethUSD, now: 220_001) == nil)
        #expect(book.usable(.usdtUSD, now: 100_000) == nil)
    }

    @Test func aJumpIsHeldUntilConfirmed() {
        var book = RateBook(settings: Self.settings)
        _ = book.offer(Self.rate("3000", at: 0))
        #expect(book.offer(Self.rate("3300", at: 30)) == .accepted, "exactly 10% is allowed")
        #expect(book.offer(Self.rate("3700", at: 60)) == .held(previous: DecimalPrice("3300")!))
        #expect(book.usable(.ethUSD, now: 60_000)?.price == DecimalPrice("3300"), "conversions keep the last accepted price")
        #expect(book.offer(Self.rate("3710", at: 90)) == .confirmed)
        #expect(book.usable(.ethUSD, now: 90_000)?.price == DecimalPrice("3710"))
    }

    @Test func aSpikeThatRevertsIsNeverAccepted() {
        var book = RateBook(settings: Self.settings)
        _ = book.offer(Self.rate("3000", at: 0))
        #expect(book.offer(Self.rate("30000", at: 30)) == .held(previous: DecimalPrice("3000")!))
        #expect(book.offer(Self.rate("3010", at: 60)) == .accepted)
        #expect(book.pairs[.ethUSD]?.held == nil)
        #expect(book.usable(.ethUSD, now: 60_000)?.price == DecimalPrice("3010"))
    }

    @Test func twoDifferentJumpsDoNotConfirmEachOther() {
        var book = RateBook(settings: Self.settings)
        _ = book.offer(Self.rate("3000", at: 0))
        #expect(book.offer(Self.rate("4000", at: 30)) != .accepted)
        #expect(book.offer(Self.rate("5000", at: 60)) == .held(previous: DecimalPrice("3000")!))
        #expect(book.offer(Self.rate("5050", at: 90)) == .confirmed)
    }

    @Test func afterAnOutageTheFirstPriceIsHeldUntilASecondAgrees() {
        var book = RateBook(settings: Self.settings)
        _ = book.offer(Self.rate("3000", at: 0))
        // Longer than the deviation window: nothing recent to check the first price against.
        #expect(book.offer(Self.rate("4500", at: 601)) == .heldAfterOutage)
        #expect(book.usable(.ethUSD, now: 601_000) == nil, "the old price is stale and the new one unconfirmed")
        #expect(book.offer(Self.rate("9000", at: 631)) == .heldAfterOutage, "a second price that disagrees confirms nothing")
        #expect(book.offer(Self.rate("9050", at: 661)) == .confirmed)
        #expect(book.usable(.ethUSD, now: 661_000)?.price == DecimalPrice("9050"))
        // Even a price equal to the old one is held after an outage.
        var quiet = RateBook(settings: Self.settings)
        _ = quiet.offer(Self.rate("3000", at: 0))
        #expect(quiet.offer(Self.rate("3000", at: 700)) == .heldAfterOutage)
        #expect(quiet.offer(Self.rate("3001", at: 730)) == .confirmed)
    }

    /// The awaiting_rate path: while cex.io is down a confirmed deposit waits; the first fresh
    /// rate converts it, once.
    @Test func depositWaitsForAFreshRateThenConverts() throws {
        var book = RateBook(settings: Self.settings)
        let deposit = try TokenAmount(unitsText: "500000000000000000", asset: .eth)  // 0.5 ETH
        _ = book.offer(Self.rate("3000", at: 0))
        book.failed(.ethUSD, error: "cex.io timed out", at: 200_000)
        guard case .awaitRate(let reason) = DepositConversionDecision.decide(deposit, into: .usd, book: book, now: 200_000) else {
            Issue.record("a 200 s old rate must not convert")
            return
        }
        #expect(reason.contains("timed out"))
        _ = book.offer(Self.rate("3002.50", at: 230))
        #expect(DepositConversionDecision.decide(deposit, into: .usd, book: book, now: 230_000)
            == .convert(try Conversion.convert(deposit, at: Self.rate("3002.50", at: 230))))
        if case .convert(let conversion) = DepositConversionDecision.decide(deposit, into: .usd, book: book, now: 230_000) {
            #expect(conversion.amount.minor == 150_125)
        }
    }
}
