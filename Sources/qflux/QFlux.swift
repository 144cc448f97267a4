import ArgumentParser
import Foundation

/// The `qflux` command: live PocketOption market data from Chrome, candles, archives, export.
///
/// Synchronous on purpose: every subcommand is a plain `ParsableCommand`, and an `async` main would
/// start Swift concurrency's executor threads and hop onto one of them before parsing a single
/// argument (~1 ms of CPU and a thread wake-up on every command).
@main
struct QFlux: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qflux",
        abstract: "Live market data from a broker web app in your own Chrome: decode, candles, archives, streaming.",
        discussion: """
            qflux reads the WebSocket frames of PocketOption's web app – live from Chrome's DevTools \
            protocol, or from recorded CDP / Selenium performance-log JSONL files – decodes ticks and \
            history, forms candles and archives them as LZ4 chunks that the `lz4` CLI and Python read.

            Raw frames are never printed, logged or archived: they carry your session.

            \(QFluxExit.helpTable)
            """,
        version: "0.1.0",
        subcommands: QFluxSubcommands.all
    )

    /// Parses, runs, and turns every failure into its exit status (see ``QFluxExit``): runtime
    /// failures of a subcommand become one line `qflux <command>: <what went wrong>` on standard
    /// error and status 1; usage errors, help and version go to swift-argument-parser.
    static func main() {
        StopSignals.unblockAll()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = QFluxSubcommands.unknownHelpTopic(arguments) {
            StandardStreams.err(
                "qflux help: no command named '\(unknown)' (commands: \(QFluxSubcommands.names.joined(separator: ", ")))"
            )
            Foundation.exit(QFluxExit.usage.rawValue)
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        let name = QFluxSubcommands.name(of: command)
        do {
            try command.run()
        } catch {
            guard let name, !QFluxSubcommands.isParserError(error) else { exit(withError: error) }
            fail(name, error as? CommandFailure ?? CommandFailure(nil, error))
        }
        if let name, let failure = StandardStreams.outputFailure {
            fail(name, failure)
        }
    }

    /// Prints `qflux <command>: <message>` on standard error and exits with the failure's status.
    private static func fail(_ command: String, _ failure: CommandFailure) -> Never {
        StandardStreams.err("qflux \(command): \(failure.message)")
        Foundation.exit(failure.code.rawValue)
    }
}
