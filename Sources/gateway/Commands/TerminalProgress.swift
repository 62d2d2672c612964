import Foundation
import GatewayApp
#if canImport(Glibc)
import Glibc
#endif

/// A progress bar with an ETA on stderr, drawn only when stdout is a terminal (so JSON piped to
/// a file or `jq` never mixes with it). Redraws at most every `minInterval`.
final class TerminalProgress: @unchecked Sendable {
    static let minInterval = 0.2
    static let barWidth = 30

    private let label: String
    private let start = Date()
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) { self.label = label }

    /// A bar, or nil when stdout is not a terminal.
    static func make(_ label: String) -> TerminalProgress? {
        isatty(STDOUT_FILENO) == 1 ? TerminalProgress(label: label) : nil
    }

    var callback: ProgressCallback { { [self] done, total in update(done: done, total: total) } }

    func update(done: Int, total: Int?) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let finished = total.map { done >= $0 } ?? false
        guard finished || now.timeIntervalSince(lastDraw) >= Self.minInterval else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * Double(Self.barWidth))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: Self.barWidth - filled) + "]"
            line += " \(Int(fraction * 100))% \(done)/\(total)"
            if done > 0, !finished {
                let remaining = elapsed / Double(done) * Double(total - done)
                line += " ETA \(Self.duration(remaining))"
            }
        } else {
            line += "\(done) done, \(Self.duration(elapsed)) elapsed"
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K" + (finished ? "\n" : "")).utf8))
        drawn = !finished
    }

    /// Ends an unfinished bar's line so the report starts on a fresh one.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
    }
}
