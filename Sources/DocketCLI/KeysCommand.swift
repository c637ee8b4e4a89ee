import ArgumentParser
import Docket
import Foundation

/// `docket keys rotate`: add a new JWT signing key, keeping old ones to verify tokens already issued.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage JWT signing keys.", subcommands: [Rotate.self])

    /// Adds a signing key.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new signing key; earlier keys stay for verification. Restart (or roll) every node afterwards.")

        func run() async throws {
            let config = try loadConfigOrExit()
            do {
                let kid = try AdminTasks.rotateKeys(config: config)
                print("new signing key \(kid) in \(config.keysFilePath)")
            } catch {
                throw failAndExit("cannot rotate keys", error)
            }
        }
    }
}
