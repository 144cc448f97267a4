import Archive
import ArgumentParser
import ChromeCDP
import Demo
import FastDecode
import SocketIOServer

/// The exit statuses of every qflux command, as `qflux --help` documents them.
enum QFluxExit {
    /// Done; also after `--help`, `--version`, and `qflux stream` stopped by Ctrl-C, SIGTERM or SIGHUP.
    static let success = ExitCode.success
    /// A runtime failure: input not readable, archive not writable, port busy, archive error…
    static let failure = ExitCode.failure
    /// A usage error: unknown option or subcommand, missing argument, bad option value
    /// (EX_USAGE, what swift-argument-parser exits with for a `ValidationError`).
    static let usage = ExitCode.validationFailure
    /// `qflux verify` found damaged chunks (the checks themselves ran).
    static let damaged = ExitCode.failure

    /// The table printed in the root command's `--help` (lines under 80 columns: not re-wrapped).
    static let helpTable = """
        Exit status:
          \(pad(success))done; also after --help, and when Ctrl-C, SIGTERM or SIGHUP stops `qflux stream`
          \(pad(failure))runtime failure: an input not readable, --data-dir not writable, the
              port busy or the address not of this machine, an archive error, output
              not writable; one line `qflux <command>: <what went wrong>` on stderr.
              `qflux verify` also exits \(damaged.rawValue) when it finds damaged chunks.
          \(pad(usage))usage error: unknown option or subcommand, missing argument, bad value
        """

    private static func pad(_ code: ExitCode) -> String {
        let text = String(code.rawValue)
        return text + String(repeating: " ", count: max(1, 4 - text.count))
    }
}

/// A command that failed at run time: `qflux main` prints `qflux <command>: <message>` as the
/// one line on standard error and exits with `code`. Errors of the engine that reach
/// `qflux main` unwrapped are reported the same way, through ``CommandFailure/describe(_:)``.
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong, without the `qflux <command>:` prefix.
    var message: String
    /// The exit status.
    var code: ExitCode

    init(_ message: String, code: ExitCode = QFluxExit.failure) {
        self.message = message
        self.code = code
    }

    /// `context: <the error's one-line text>` (just the text when `context` is nil).
    init(_ context: String?, _ error: any Error, code: ExitCode = QFluxExit.failure) {
        let text = Self.describe(error)
        self.init(context.map { "\($0): \(text)" } ?? text, code: code)
    }

    var description: String { message }

    /// One line for any error a command may meet, without type names or prefixes of the engine.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let failure as CommandFailure: failure.message
        case let archive as ArchiveError: ArchiveMessages.line(archive)
        case let server as StreamServerError: server.cause
        case let chrome as ChromeError: chrome.cause
        case let demo as DemoError: demo.message
        case let decode as DecodeError: decode.description
        default: "\(error)"
        }
    }
}
