import Foundation
import Testing

/// docs/architecture.md must name every target Package.swift declares and every source folder, so
/// the target graph cannot silently fall behind the package again (issue 26, item 7).
@Suite("Architecture doc")
struct ArchitectureDocTests {
    /// The package root: three levels above this file (Tests/EngineTests/…).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Names declared in Package.swift: `.target(name:`, `.executableTarget(name:`,
    /// `.testTarget(name:` and the `concept("Name", …)` and `cLibrary("Name", …)` helpers.
    static func targetNames(in manifest: String) throws -> [String] {
        let patterns = [
            #"\.(?:target|executableTarget|testTarget)\(\s*name:\s*"([^"]+)""#,
            #"\bconcept\(\s*"([^"]+)""#,
            #"\bcLibrary\(\s*"([^"]+)""#,
        ]
        var names: [String] = []
        for pattern in patterns {
            let regex = try NSRegularExpression(pattern: pattern)
            let range = NSRange(manifest.startIndex..., in: manifest)
            for match in regex.matches(in: manifest, range: range) {
                if let r = Range(match.range(at: 1), in: manifest), !names.contains(String(manifest[r])) {
                    names.append(String(manifest[r]))
                }
            }
        }
        return names
    }

    /// Folder names directly under `relativePath`.
    static func folders(under relativePath: String) throws -> [String] {
        let url = root.appendingPathComponent(relativePath)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// True when `name` appears in `text` in backticks or as a whole word (not inside a longer
    /// name: letters, digits, `_` and `-` on either side do not count as a boundary).
    static func names(_ name: String, in text: String) -> Bool {
        if text.contains("`\(name)`") { return true }
        let escaped = NSRegularExpression.escapedPattern(for: name)
        guard let regex = try? NSRegularExpression(pattern: #"(?<![A-Za-z0-9_-])"# + escaped + #"(?![A-Za-z0-9_-])"#)
        else {
            return false
        }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test("every Package.swift target is named in docs/architecture.md")
    func everyTargetIsNamed() throws {
        let targets = try Self.targetNames(in: Self.read("Package.swift"))
        // The manifest's shape changed if this finds next to nothing: fix the patterns above.
        #expect(targets.count >= 18, "found only \(targets.count) targets in Package.swift: \(targets)")
        #expect(
            targets.contains("CDecodeShim") && targets.contains("CLibWebSockets") && targets.contains("Engine")
                && targets.contains("EngineTests"))
        let doc = try Self.read("docs/architecture.md")
        let missing = targets.filter { !Self.names($0, in: doc) }
        #expect(
            missing.isEmpty,
            "docs/architecture.md does not name these Package.swift targets: \(missing.joined(separator: ", "))")
    }

    @Test("every Sources/, Sources/Engine/ and Sources/CSupport/ folder is named in docs/architecture.md")
    func everySourceFolderIsNamed() throws {
        let folders =
            try Self.folders(under: "Sources") + Self.folders(under: "Sources/Engine")
            + Self.folders(under: "Sources/CSupport")
        #expect(folders.count >= 10, "found only \(folders.count) folders under Sources/")
        let doc = try Self.read("docs/architecture.md")
        let missing = Array(Set(folders.filter { !Self.names($0, in: doc) })).sorted()
        #expect(
            missing.isEmpty,
            "docs/architecture.md does not name these source folders: \(missing.joined(separator: ", "))")
    }

    @Test("the name check needs a whole word")
    func wholeWordCheck() {
        #expect(Self.names("Ring", in: "the `Ring` target"))
        #expect(Self.names("Ring", in: "Ring, Metrics"))
        #expect(!Self.names("Ring", in: "SPSCRing only"))
        #expect(!Self.names("qflux", in: "qflux-bench only"))
        #expect(Self.names("qflux-bench", in: "│ qflux-bench │"))
    }
}
