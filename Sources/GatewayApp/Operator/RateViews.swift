import GatewayCore
import Rates

/// `gateway rates show`: each pair's accepted price, field, when it was fetched, its age, and
/// whether a conversion may use it now.
public enum RateViews {
    public static func json(_ book: RateBook, pairs: [RatePair], now: Int64) -> JSONValue {
        .array(pairs.map { pair in
            let state = book.pairs[pair]
            var fields: [String: JSONValue] = ["pair": .string(pair.rawValue), "usable": .bool(book.usable(pair, now: now) != nil)]
            if let rate = state?.accepted {
                fields["price"] = .string(rate.price.description)
                fields["field"] = .string(rate.field)
                fields["source"] = .string(rate.source)
                fields["fetched_at"] = .string(Timestamp.rfc3339(millis: rate.fetchedAtMillis))
                fields["age_seconds"] = .int(rate.ageMillis(now: now) / 1000)
            }
            if let held = state?.held { fields["held_price"] = .string(held.price.description) }
            if let error = state?.lastError { fields["last_error"] = .string(error) }
            return .object(fields)
        })
    }

    public static func table(_ book: RateBook, pairs: [RatePair], now: Int64) -> TextTable {
        var table = TextTable("PAIR", "PRICE", "FIELD", "FETCHED", "AGE", "USABLE", "SOURCE", "NOTE")
        for pair in pairs {
            let state = book.pairs[pair]
            let rate = state?.accepted
            var note = state?.lastError ?? ""
            if let held = state?.held { note = "holding \(held.price) for confirmation" + (note.isEmpty ? "" : "; \(note)") }
            table.add(
                pair.rawValue, rate?.price.description ?? "-", rate?.field ?? "-",
                rate.map { Timestamp.rfc3339(millis: $0.fetchedAtMillis) } ?? "-",
                rate.map { "\($0.ageMillis(now: now) / 1000)s" } ?? "-",
                book.usable(pair, now: now) != nil ? "yes" : "no", rate?.source ?? "-", note
            )
        }
        return table
    }
}
