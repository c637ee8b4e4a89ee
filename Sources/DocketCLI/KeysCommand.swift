import ArgumentParser
import Docket
import Foundation

/// `docket keys rotate`: add a new JWT signing key, keeping old ones to verify tokens already issued.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage JWT signing keys.", subcommands: [Rotate.self, List.self, Retire.self])

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

    /// Removes an old key.
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an old verification key once every token it signed has expired (refused before that).",
            discussion: "Tokens live DOCKET_ACCESS_TOKEN_TTL seconds; a key stops signing when the next one is added with `docket keys rotate`. "
                + "Restart (or roll) every node afterwards so none still accepts the retired key.")

        @Argument(help: "The kid of the key to retire (see `docket keys list`).") var kid: String

        func run() async throws {
            let config = try loadConfigOrExit()
            do {
                try AdminTasks.retireKey(kid, config: config)
                print("retired \(kid) from \(config.keysFilePath)")
            } catch {
                throw failAndExit("cannot retire \(kid)", error)
            }
        }
    }

    /// Lists keys.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys in the key file (never their private parts).")

        func run() async throws {
            let config = try loadConfigOrExit()
            do {
                for key in try AdminTasks.listKeys(config: config) {
                    print("\(key.kid)  \(key.signing ? "signing" : "verify ")  \(key.created.map { ISO8601DateFormatter().string(from: $0) } ?? "-")")
                }
            } catch {
                throw failAndExit("cannot read \(config.keysFilePath)", error)
            }
        }
    }
}
