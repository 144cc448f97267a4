import Archive
import ArgumentParser

/// `qflux verify`: checks every chunk; non-zero exit on damage.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every archive chunk (LZ4 block and content checksums, header, records).",
        discussion: """
            Prints each damaged chunk with the reason and how many records are readable before the \
            damage. Chunks still named `.open` that end early (being written, or orphaned by a crash) \
            are listed as notes, not damage: they are readable up to their last complete block.

            Exit status: 0 when no chunk is damaged; \(QFluxExit.damaged.rawValue) when any is (the \
            report on standard output, one line `qflux verify: N of M chunks damaged` on standard \
            error); \(QFluxExit.failure.rawValue) also when DIR cannot be read (one line on standard \
            error); \(QFluxExit.usage.rawValue) for a usage error.
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
            throw CommandFailure(nil, error)
        }
        var text = ""
        for p in report.damaged { text += "DAMAGED \(p.path): \(p.reason)\n" }
        if !quiet {
            for s in report.truncatedOpen {
                text += "open    \(s.path): ends early (being written or orphaned), \(s.records) records readable\n"
            }
            text +=
                "\(report.chunks) chunks, \(report.records) records readable, \(report.damaged.count) damaged, \(report.truncatedOpen.count) open\n"
        }
        StandardStreams.out(Array(text.utf8))
        if !report.damaged.isEmpty {
            throw CommandFailure(
                "\(report.damaged.count) of \(report.chunks) chunks damaged in \(directory)", code: QFluxExit.damaged)
        }
    }
}
