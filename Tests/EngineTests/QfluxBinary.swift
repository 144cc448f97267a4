import Archive
import Foundation
import Testing

/// The `qflux` executable built with these tests: next to the test bundle (same scratch path and
/// configuration, so sanitizer runs test a sanitized binary), else the package's `.build/debug`.
/// `swift build --build-tests` builds it.
func qfluxBinaryPath() -> String? {
    var candidates: [String] = []
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        var dir = (exe as NSString).deletingLastPathComponent
        // …/debug/qfluxPackageTests.xctest (Linux) or …/debug/X.xctest/Contents/MacOS/X
        while dir.count > 1, !FileManager.default.fileExists(atPath: dir + "/qflux") {
            guard dir.hasSuffix(".xctest") || dir.contains(".xctest/") else { break }
            dir = (dir as NSString).deletingLastPathComponent
        }
        candidates.append(dir + "/qflux")
    }
    let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates.append(package.appendingPathComponent(".build/debug/qflux").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// ``qfluxBinaryPath()``, recording a test issue when there is none.
func builtQflux() -> String? {
    if let found = qfluxBinaryPath() { return found }
    Issue.record("no built qflux binary next to the tests or in .build/debug: run swift build --build-tests first")
    return nil
}
