import FastDecode
import Foundation
import Logging

@testable import Archive
@testable import Demo
@testable import Engine

/// Seeded random numbers (the engine's SplitMix64) so failures reproduce.
typealias SeededRNG = SplitMix64

/// A temporary directory removed when the value is dropped.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "qflux-archive-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Every chunk file under the directory, sorted.
    func chunks(openOnly: Bool = false) -> [String] {
        let e = FileManager.default.enumerator(atPath: path)
        var out: [String] = []
        while let f = e?.nextObject() as? String {
            if openOnly ? f.hasSuffix(ChunkNaming.openSuffix) : ChunkNaming.isChunk(f) { out.append(path + "/" + f) }
        }
        return out.sorted()
    }
}

enum ArchiveTestData {
    static let logger = Logger(label: "test.archive")

    /// A random-walk tick stream over several assets: ms times with irregular gaps, 5-decimal prices.
    static func randomWalk(assets: [AssetID], count: Int, seed: UInt64, decimals: Int = 5) -> [Tick] {
        var rng = SeededRNG(seed: seed)
        var prices = assets.map { _ in Double(Int.random(in: 50_000...200_000, using: &rng)) }
        var ms = Int64(1_756_866_774_962)
        let scale = pow(10.0, Double(decimals))
        var out: [Tick] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let a = i % assets.count
            if a == 0 { ms += Int64.random(in: 420...560, using: &rng) }
            prices[a] += Double(Int.random(in: -25...25, using: &rng))
            out.append(Tick(asset: assets[a], time: Double(ms + Int64(a / 5)) / 1000, price: prices[a] / scale))
        }
        return out
    }

    /// Odd values that must survive exactly.
    static let oddDoubles: [Double] = [
        0.1 + 0.2, 1e-9, 123456.789, 42, 0, 1, 0.87654, 1.0 / 3.0, .pi,
        Double.leastNonzeroMagnitude, 2.2250738585072014e-308, 1e300, 1.7976931348623157e308,
        -0.0, -1.5, .infinity, -.infinity, 9_007_199_254_740_992,  // 2^53 + 1 is not a Double: it rounds to 2^53
        Double(bitPattern: 0x7FF8_0000_0000_1234),
    ]

    /// Runs a program; returns exit status and combined output.
    static func run(_ path: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
