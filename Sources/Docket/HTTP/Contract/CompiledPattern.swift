import Foundation

/// A schema's `pattern`, compiled once; like JSON Schema, it matches anywhere in the string unless anchored.
struct CompiledPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and safe to share once built.
    private let expression: NSRegularExpression
    let source: String

    init(_ source: String) throws {
        self.source = source
        // Only `\n` ends a line, so `$` means what it means to the ECMA and Python validators clients use.
        self.expression = try NSRegularExpression(pattern: source, options: [.useUnixLineSeparators])
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// What a client is told when a value does not match.
    var explanation: String { "must match the pattern \(source)" }
}
