import ArgumentParser
import Foundation

/// Checks of values the command line can judge before anything is sent: a bad one is a usage error (exit 64), as
/// the README promises, not a request the server refuses (exit 65).
enum ArgumentChecks {
    /// `text` must be a real calendar date written `YYYY-MM-DD` (as the API takes it).
    static func date(_ text: String?, option: String) throws {
        guard let text else { return }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), day >= 1,
            day <= daysIn(month: month, year: year)
        else { throw ValidationError("\(option) must be a calendar date written YYYY-MM-DD, got \(text)") }
    }

    /// `text` must be a task id (a UUID).
    static func taskID(_ text: String) throws {
        guard UUID(uuidString: text) != nil else { throw ValidationError("the task id must be a UUID, got \(text)") }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
