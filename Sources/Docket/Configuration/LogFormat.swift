/// How log lines are written.
public enum LogFormat: String, Sendable {
    case json
    case text
}
