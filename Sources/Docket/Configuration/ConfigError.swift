import Foundation

/// A configuration value that cannot be used; its description is the one line printed before exiting.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The variable at fault.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    /// Names a variable and what is wrong with it.
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}
