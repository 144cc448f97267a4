import ArgumentParser

/// Every subcommand, in `--help` order. Each lives in its own file under Commands/.
enum QFluxSubcommands {
    static let all: [any ParsableCommand.Type] = [
        StreamCommand.self,
        DecodeCommand.self,
        ReplayCommand.self,
        CollectCommand.self,
        ExportCommand.self,
        LsCommand.self,
        VerifyCommand.self,
        ArchiveNodeCommand.self,
        IndicatorsCommand.self,
        BacktestCommand.self,
        SignalsCommand.self,
    ]

    /// The names users may type: each command's name and aliases.
    static var names: [String] {
        all.flatMap { [$0.configuration.commandName].compactMap { $0 } + $0.configuration.aliases }
    }

    /// The name of `command` when it is one of ours (nil for the root and the built-in `help`).
    static func name(of command: any ParsableCommand) -> String? {
        let type = ObjectIdentifier(Swift.type(of: command))
        return all.first { ObjectIdentifier($0) == type }?.configuration.commandName
    }

    /// The topic of `qflux help TOPIC` when it names no command (swift-argument-parser would show
    /// the root help and exit 0 for it).
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help",
            let topic = arguments.dropFirst().first(where: { !$0.hasPrefix("-") })
        else { return nil }
        return topic == "help" || names.contains(topic) ? nil : topic
    }

    /// Errors swift-argument-parser reports itself (help, explicit exit codes, usage errors).
    static func isParserError(_ error: any Error) -> Bool {
        error is ExitCode || error is CleanExit || error is ValidationError
    }
}
