/// An ISO 4217 currency: its three-letter code and how many minor units make one major unit.
///
/// Parsed once at the edge, case-insensitively (Stripe writes `usd`, people write `USD`), and
/// kept uppercase. Only codes in the standard's active table parse, each with its own minor
/// units, so a JPY wallet (0 decimals) or a KWD one (3) needs no code change.
public struct Currency: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let code: String
    /// Digits after the decimal point: 2 for USD and EUR, 0 for JPY, 3 for KWD.
    public let minorUnits: Int

    public static let usd = Currency(known: "USD")
    public static let eur = Currency(known: "EUR")

    public init(_ raw: String) throws(DomainError) {
        let code = raw.uppercased()
        guard code.utf8.count == 3, let units = Self.table[code] else {
            throw DomainError(.invalidCurrency, "currency must be an ISO 4217 code such as USD or EUR, got \(raw.prefix(16).debugDescription)")
        }
        self.code = code
        self.minorUnits = units
    }

    private init(known code: String) {
        self.code = code
        self.minorUnits = Self.table[code] ?? 2
    }

    /// Stripe's spelling (`usd`).
    public var stripeCode: String { code.lowercased() }
    public var description: String { code }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.code < rhs.code }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { self = try Currency(raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    /// `"12.34"` for 1234 minor units of a 2-decimal currency, `"1234"` for JPY; for humans.
    public func format(_ minor: Int64) -> String {
        guard minorUnits > 0 else { return String(minor) }
        let magnitude = minor.magnitude
        var scale: UInt64 = 1
        for _ in 0..<minorUnits { scale *= 10 }
        let fraction = String(magnitude % scale)
        let padded = String(repeating: "0", count: minorUnits - fraction.count) + fraction
        return "\(minor < 0 ? "-" : "")\(magnitude / scale).\(padded)"
    }

    /// Active ISO 4217 codes and their minor units (the standard's list one, as published by
    /// SIX). Kept in code rather than read from the system: ICU's data differs between
    /// platforms and versions (e.g. for ISK and HUF), and money must not.
    static let table: [String: Int] = {
        var table: [String: Int] = [:]
        let twoDecimals = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD \
            CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS \
            GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL \
            MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK \
            PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB \
            TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VES WST XCD YER ZAR ZMW ZWL
            """
        for code in twoDecimals.split(separator: " ") { table[String(code)] = 2 }
        for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(separator: " ") {
            table[String(code)] = 0
        }
        for code in "BHD IQD JOD KWD LYD OMR TND".split(separator: " ") { table[String(code)] = 3 }
        for code in "CLF UYW".split(separator: " ") { table[String(code)] = 4 }
        return table
    }()
}
