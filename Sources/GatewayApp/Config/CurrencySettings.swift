import Foundation
import GatewayCore

/// `WALLET_CURRENCIES` and `CARD_TOPUP_LIMITS`, parsed once.
public struct CurrencySettings: Sendable, Equatable {
    /// What an account may hold.
    public var walletCurrencies: Set<Currency>
    /// Card top-up bounds per currency, in minor units, inclusive. A wallet currency without an
    /// entry takes no card top-ups.
    public var topupLimits: [Currency: ClosedRange<Int64>]

    /// Stripe's minimum charge per currency, in minor units (docs.stripe.com/currencies,
    /// "Minimum and maximum charge amounts"). A top-up limit below it would create sessions
    /// Stripe refuses to charge. Currencies missing here cannot have card top-ups until added.
    static let stripeMinimumCharge: [String: Int64] = [
        "USD": 50, "EUR": 50, "GBP": 30, "AUD": 50, "CAD": 50, "CHF": 50, "NZD": 50, "SGD": 50, "BRL": 50, "INR": 50,
        "AED": 200, "BGN": 100, "CZK": 1500, "DKK": 250, "HKD": 400, "HUF": 17500, "JPY": 50, "MXN": 1000,
        "MYR": 200, "NOK": 300, "PLN": 200, "RON": 200, "SEK": 300, "THB": 1000,
    ]

    /// Currencies whose amounts Stripe writes with other decimals than ISO 4217's (ISK: Stripe
    /// two, ISO none; MGA: Stripe none, ISO two): a card payment in one would be credited 100×
    /// off, so no wallet may hold them until the conversion is written.
    static let stripeExponentDiffers: Set<String> = ["ISK", "MGA"]

    /// Stripe's largest amount: eight digits of minor units (docs.stripe.com/currencies).
    static let stripeMaximumCharge: Int64 = 99_999_999

    public init(walletCurrencies: Set<Currency> = [.usd], topupLimits: [Currency: ClosedRange<Int64>] = [:]) {
        self.walletCurrencies = walletCurrencies
        self.topupLimits = topupLimits
    }

    init(walletText: String, limitsText: String) throws(ConfigError) {
        var currencies: Set<Currency> = []
        for part in walletText.split(separator: ",", omittingEmptySubsequences: false) {
            let code = part.trimmingCharacters(in: .whitespaces)
            let currency: Currency
            do { currency = try Currency(code) } catch { throw ConfigError(key: "WALLET_CURRENCIES", problem: error.message) }
            guard !Self.stripeExponentDiffers.contains(currency.code) else {
                throw ConfigError(key: "WALLET_CURRENCIES", problem: "Stripe writes \(currency) amounts with other decimals than ISO 4217; not supported")
            }
            currencies.insert(currency)
        }
        guard !currencies.isEmpty else { throw ConfigError(key: "WALLET_CURRENCIES", problem: "name at least one currency") }
        var limits: [Currency: ClosedRange<Int64>] = [:]
        for part in limitsText.split(separator: ",") {
            let entry = part.trimmingCharacters(in: .whitespaces)
            let fields = entry.split(separator: ":")
            let bounds = fields.count == 2 ? fields[1].split(separator: "-") : []
            guard fields.count == 2, bounds.count == 2, let low = Int64(bounds[0]), let high = Int64(bounds[1]), low <= high else {
                throw ConfigError(key: "CARD_TOPUP_LIMITS", problem: "'\(entry)' is not CURRENCY:MIN-MAX in minor units (e.g. USD:500-1000000)")
            }
            let currency: Currency
            do { currency = try Currency(String(fields[0])) } catch { throw ConfigError(key: "CARD_TOPUP_LIMITS", problem: error.message) }
            // Limits for a currency no account can hold would never apply; dropping them quietly
            // lets the default (USD and EUR) stand while only USD is on.
            guard currencies.contains(currency) else { continue }
            guard let minimum = Self.stripeMinimumCharge[currency.code] else {
                throw ConfigError(key: "CARD_TOPUP_LIMITS", problem: "Stripe's minimum charge for \(currency) is not known to the gateway")
            }
            guard low >= minimum else {
                throw ConfigError(key: "CARD_TOPUP_LIMITS", problem: "\(currency) minimum \(low) is below Stripe's minimum charge of \(minimum)")
            }
            guard high <= Self.stripeMaximumCharge else {
                throw ConfigError(key: "CARD_TOPUP_LIMITS", problem: "\(currency) maximum \(high) is above Stripe's largest amount, \(Self.stripeMaximumCharge)")
            }
            limits[currency] = low...high
        }
        self.init(walletCurrencies: currencies, topupLimits: limits)
    }
}
