import GatewayCore

/// One disagreement between our records and another source of truth, with what to do about it.
public struct Discrepancy: Sendable, Equatable {
    /// A stable, machine-readable name (e.g. `missing_credit`, `surplus`).
    public let kind: String
    /// The id the discrepancy is about: an idempotency key, a tx hash, an address.
    public let subject: String
    public let account: String?
    /// What disagrees, in a sentence with the figures.
    public let detail: String
    /// What an operator should do (or what `--fix` does).
    public var action: String
    /// Whether `--fix` repaired it in this run.
    public var fixed: Bool

    public init(kind: String, subject: String, account: String?, detail: String, action: String, fixed: Bool = false) {
        self.kind = kind
        self.subject = subject
        self.account = account
        self.detail = detail
        self.action = action
        self.fixed = fixed
    }
}

/// The result of one reconciliation: what was compared, and every disagreement.
public struct ReconcileReport: Sendable {
    public let scope: String
    /// Counts of what was compared, in display order.
    public var checked: [(String, Int)] = []
    public var discrepancies: [Discrepancy] = []
    /// Context that is not a discrepancy (e.g. credits still in flight).
    public var notes: [String] = []

    public init(scope: String) { self.scope = scope }

    public var agrees: Bool { discrepancies.isEmpty }

    public var json: JSONValue {
        .object([
            "scope": .string(scope),
            "agrees": .bool(agrees),
            "checked": .object(Dictionary(checked.map { ($0.0, JSONValue.int(Int64($0.1))) }, uniquingKeysWith: { $1 })),
            "discrepancies": .array(discrepancies.map { item in
                .object([
                    "kind": .string(item.kind), "subject": .string(item.subject),
                    "account_id": item.account.map(JSONValue.string) ?? .null, "detail": .string(item.detail),
                    "action": .string(item.action), "fixed": .bool(item.fixed),
                ])
            }),
            "notes": .array(notes.map(JSONValue.string)),
        ])
    }

    /// A report read back from `json` (a rescan the watcher carried out).
    public init?(json: JSONValue) {
        guard let scope = json["scope"]?.stringValue else { return nil }
        self.scope = scope
        if case .object(let checked)? = json["checked"] {
            self.checked = checked.keys.sorted().map { ($0, Int(checked[$0]?.intValue ?? 0)) }
        }
        if case .array(let items)? = json["discrepancies"] {
            discrepancies = items.map { item in
                Discrepancy(
                    kind: item["kind"]?.stringValue ?? "", subject: item["subject"]?.stringValue ?? "",
                    account: item["account_id"]?.stringValue, detail: item["detail"]?.stringValue ?? "",
                    action: item["action"]?.stringValue ?? "", fixed: item["fixed"]?.boolValue ?? false
                )
            }
        }
        if case .array(let notes)? = json["notes"] { self.notes = notes.compactMap(\.stringValue) }
    }

    public var text: String {
        var lines: [String] = []
        lines.append("reconcile \(scope): checked " + checked.map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        for note in notes { lines.append("note: \(note)") }
        if discrepancies.isEmpty {
            lines.append("ok: no discrepancies")
        } else {
            var table = TextTable("KIND", "SUBJECT", "ACCOUNT", "DETAIL", "WHAT TO DO", "FIXED")
            for item in discrepancies {
                table.add(item.kind, item.subject, item.account ?? "-", item.detail, item.action, item.fixed ? "yes" : "no")
            }
            lines.append(table.render())
            let fixed = discrepancies.filter(\.fixed).count
            lines.append("\(discrepancies.count) discrepanc\(discrepancies.count == 1 ? "y" : "ies")" + (fixed > 0 ? ", \(fixed) fixed by --fix" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// Progress of a long scan: items done and, when known, the total. Called from the scanning
/// task; the CLI draws a bar on a terminal, tests pass nothing.
public typealias ProgressCallback = @Sendable (_ done: Int, _ total: Int?) -> Void
