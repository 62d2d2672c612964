/// The store's closed set of failures. Callers map them to HTTP or exit codes at their edge.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be reached or opened.
    case unavailable(String)
    /// A unique constraint refused the write.
    case uniqueViolation(String)
    /// A row did not have the shape the code expects: a bug or a foreign schema.
    case decoding(String)
    /// The schema in the database is newer than this binary knows.
    case schemaTooNew(database: Int, binary: Int)
    /// The schema is older than this binary needs and migrations were not run.
    case schemaBehind(database: Int, binary: Int)
    /// Any other database error, with the driver's message.
    case database(String)
    /// A `DATABASE_URL` that names no supported backend.
    case invalidURL(String)
    /// A compare-and-set found the row changed by someone else; the transaction rolls back and
    /// the caller's next step reads it again.
    case conflict(String)

    public var description: String {
        switch self {
        case .unavailable(let message): "database unavailable: \(message)"
        case .uniqueViolation(let message): "unique constraint violated: \(message)"
        case .decoding(let message): "unexpected row shape: \(message)"
        case .schemaTooNew(let database, let binary):
            "database schema version \(database) is newer than this binary knows (\(binary)); upgrade the gateway binary before running it against this database"
        case .schemaBehind(let database, let binary):
            "database schema version \(database) is behind this binary (\(binary)); run `gateway migrate`"
        case .database(let message): "database error: \(message)"
        case .invalidURL(let message): "invalid DATABASE_URL: \(message)"
        case .conflict(let message): "concurrent change: \(message)"
        }
    }
}
