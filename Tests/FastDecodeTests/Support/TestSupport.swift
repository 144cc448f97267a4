import Foundation
import Testing
import TextWriters

@testable import FastDecode

/// Fixture files copied from real, scrubbed PocketOption captures.
enum Fixture {
    static let sessions = ["pocketoption-20250903_003350", "pocketoption-20250903_012215"]

    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!
    }

    static func lines(_ name: String) -> [String] {
        let text = try! String(contentsOf: url(name), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// A seeded SplitMix64 generator: the same seed gives the same test data on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A tick with its asset spelled out, for comparisons across decoders.
struct NamedTick: Equatable, CustomStringConvertible {
    var asset: String
    var time: Double
    var price: Double
    var description: String { "\(asset) \(time) \(price)" }
}

/// Decodes lines and collects the events, resolving asset names.
func decodeAll(_ lines: [String], decoder: MarketDecoder? = nil) -> (
    events: [DecodedEvent], ticks: [NamedTick], decoder: MarketDecoder
) {
    let d = try! decoder ?? MarketDecoder()
    var events: [DecodedEvent] = []
    for line in lines {
        d.decode(line: line) { events.append($0) }
    }
    let ticks = events.compactMap { e -> NamedTick? in
        if case let .tick(t) = e { return NamedTick(asset: d.assets.name(of: t.asset), time: t.time, price: t.price) }
        return nil
    }
    return (events, ticks, d)
}

/// Events with asset ids replaced by names, so two decoders' outputs compare.
func named(_ events: [DecodedEvent], _ assets: AssetDirectory) -> [String] {
    events.map { e in
        var w = JSONWriter()
        w.event(e, assets: assets)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
