import Archive
import ArgumentParser
import ChromeCDP
import Engine

/// `qflux verify`: checks every chunk; non-zero exit on damage.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every archive chunk (LZ4 block and content checksums, header, records).",
        discussion: """
        Prints each damaged chunk with the reason and how many records are readable before the \
        damage, and exits with status 1 when any chunk is damaged. Chunks still named `.open` that \
        end early (being written, or orphaned by a crash) are listed as notes, not damage: they \
        are readable up to their last complete block.
        """
    )

    @Argument(help: "The data directory.")
    var directory: String

    @Flag(name: .shortAndLong, help: "Print only damaged chunks.")
    var quiet = false

    func run() throws {
        let report: ArchiveVerifier.Report
        do {
            report = try ArchiveVerifier.verify(directory: directory)
        } catch {
            throw ArchiveCommandError(error)
        }
        var text = ""
        for p in report.damaged { text += "DAMAGED \(p.path): \(p.reason)\n" }
        if !quiet {
            for s in report.truncatedOpen { text += "open    \(s.path): ends early (being written or orphaned), \(s.records) records readable\n" }
            text += "\(report.chunks) chunks, \(report.records) records readable, \(report.damaged.count) damaged, \(report.truncatedOpen.count) open\n"
        }
        StandardStreams.out(Array(text.utf8))
        if !report.damaged.isEmpty { throw ExitCode(1) }
    }
}
