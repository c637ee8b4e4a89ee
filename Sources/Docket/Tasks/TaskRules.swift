import Foundation

/// Field rules for tasks; each failure names its field with a JSON pointer.
enum TaskRules {
    /// The trimmed title: at most 200 code points (so at most 800 bytes of UTF-8), no NUL, not only white space.
    static func title(_ raw: String, into errors: inout [FieldError]) -> String {
        if raw.unicodeScalars.count > 200 || !TextPatterns.titleRule.matches(raw) {
            errors.append(FieldError(pointer: "/title", message: "must be 1 to 200 characters, not blank, without NUL"))
        }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A description of at most 10,000 code points (so at most 40,000 bytes of UTF-8), without NUL.
    static func description(_ raw: String?, into errors: inout [FieldError]) -> String? {
        guard let raw else { return nil }
        if raw.unicodeScalars.count > 10_000 || !TextPatterns.descriptionRule.matches(raw) {
            errors.append(FieldError(pointer: "/description", message: "must be at most 10000 characters, without NUL"))
        }
        return raw
    }

    /// A real calendar date written `YYYY-MM-DD`.
    static func dueDate(_ raw: String?, pointer: String = "/due_date", into errors: inout [FieldError]) -> String? {
        guard let raw else { return nil }
        guard isCalendarDate(raw) else {
            errors.append(FieldError(pointer: pointer, message: "must be a calendar date written YYYY-MM-DD"))
            return nil
        }
        return raw
    }

    static func isCalendarDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
        let digits = bytes.enumerated().filter { $0.offset != 4 && $0.offset != 7 }.map(\.element)
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        let number = { (range: Range<Int>) in range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        let year = number(0..<4)
        let month = number(5..<7)
        let day = number(8..<10)
        guard year >= 1, (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
