/// What a merge patch does to one field: leaves it alone (absent), clears it (JSON `null`), or sets it.
enum FieldChange<Value: Sendable>: Sendable {
    case keep
    case clear
    case set(Value)

    /// The change for a decoded value and whether its key was sent with a value (true), as `null` (false) or not at all (nil).
    init(_ value: Value?, present: Bool?) {
        if let value {
            self = .set(value)
        } else {
            self = present == false ? .clear : .keep
        }
    }

    /// The value being set, if any.
    var newValue: Value? {
        if case .set(let value) = self { return value }
        return nil
    }

    /// Whether the field is being cleared.
    var isClear: Bool {
        if case .clear = self { return true }
        return false
    }
}
