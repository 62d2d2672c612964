import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The hash-chained log of operator actions.",
        subcommands: [List.self, Verify.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries, oldest first.")
        @Option(help: "Show entries after this sequence number.") var after: Int64 = 0
        @Option(help: "Entries to show (1–10000).") var limit = 200
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard (1...10_000).contains(limit) else {
                CommandSupport.printError("gateway: --limit must be 1–10000")
                throw Exit.configuration
            }
            try await CommandSupport.withGateway { gateway in
                let rows = try await AuditLog.list(gateway.database, afterSeq: after, limit: limit)
                if output.json {
                    print(JSONValue.array(rows.map(AuditLog.json)).canonicalText)
                    return
                }
                print(AuditViews.table(rows).render())
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every entry's hash and link; exit 1 at the first break."
        )
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await CommandSupport.withGateway { gateway in
                let (checked, broken) = try await AuditLog.verify(gateway.database)
                if output.json {
                    print(JSONValue.object([
                        "checked": .int(Int64(checked)),
                        "first_break": broken.map { .object(["seq": .int($0.seq), "problem": .string($0.problem)]) } ?? .null,
                    ]).canonicalText)
                } else if let broken {
                    print("BROKEN at entry \(broken.seq): \(broken.problem)")
                    print("\(checked) entr\(checked == 1 ? "y" : "ies") before it verified; restore the log from a backup and compare")
                } else {
                    print("ok: \(checked) entr\(checked == 1 ? "y" : "ies"), every hash and link verified")
                }
                if broken != nil { throw Exit.failure }
            }
        }
    }
}
