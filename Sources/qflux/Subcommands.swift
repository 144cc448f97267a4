import ArgumentParser

/// Every subcommand, in `--help` order. Each lives in its own file under Commands/.
enum QFluxSubcommands {
    static let all: [any ParsableCommand.Type] = [
        StreamCommand.self,
        DecodeCommand.self,
        ReplayCommand.self,
        ExportCommand.self,
        LsCommand.self,
        VerifyCommand.self,
    ]
}
