/// Why an operator command could not do what it was asked; the CLI maps `kind` to its exit code.
public struct OperatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Refused: nothing changed (exit 1).
        case refused
        /// Bad usage or configuration (exit 2).
        case usage
        /// A service the command needs did not answer (exit 3).
        case unreachable
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
