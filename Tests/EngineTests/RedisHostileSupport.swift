import FastDecode
import Foundation
import MarketSource
import Testing

@testable import RedisBridge

/// Appends `XADD key * fields…` for every entry, pipelined 1,000 at a time; an error reply throws.
/// Returns the entry ids Redis gave.
@discardableResult
func publishEntries(_ c: RedisConnection, _ key: String, _ entries: [[String]]) throws -> [StreamID] {
    var ids: [StreamID] = []
    var start = 0
    while start < entries.count {
        let round = entries[start..<min(start + 1000, entries.count)]
        for fields in round { try c.append(["XADD", key, "*"] + fields) }
        for _ in round {
            let reply = try c.reply()
            if case let .error(message) = reply { throw RedisError(.server, message) }
            ids.append(try #require(reply.text.flatMap(StreamID.init)))
        }
        start += round.count
    }
    return ids
}

/// Appends every entry of every stream in one `MULTI`/`EXEC`: readers see all of them at once.
func publishAtomically(_ c: RedisConnection, _ streams: [(key: String, entries: [[String]])]) throws {
    try c.append(["MULTI"])
    var queued = 0
    for (key, entries) in streams {
        for fields in entries { try c.append(["XADD", key, "*"] + fields) }
        queued += entries.count
    }
    try c.append(["EXEC"])
    for _ in 0..<(queued + 1) {
        if case let .error(message) = try c.reply() { throw RedisError(.server, message) }
    }
    let results = try c.reply().elements ?? []
    try #require(results.count == queued && results.allSatisfy { $0.text != nil }, "EXEC: \(results.prefix(3))")
}

/// A plain tick entry as the publisher writes it.
func tickFields(_ time: Double, _ price: Double) -> [String] { ["time", time.description, "price", price.description] }

/// Tick entries of every hostile kind mixed with good ones: what a reader must refuse (and
/// count), and the good ticks it must keep, in order.
struct HostileTicks {
    var entries: [[String]] = []
    var good: [PricePoint] = []
    var malformed = 0
    var absurd = 0

    /// `rounds` × (3 good ticks and 17 hostile entries), times from `start` in 0.25 s steps.
    init(rounds: Int, start: Double = 1_700_000_000) {
        var t = start
        func goodTick() {
            t += 0.25
            // 1.1, 1.1001, …: as a broker quotes
            let p = PricePoint(time: t, price: Double(11_000 + good.count % 97) / 10_000)
            good.append(p)
            entries.append(tickFields(p.time, p.price))
        }
        let now = start.description
        let malformedKinds: [[String]] = [
            ["time", now, "price", "nan"], ["time", now, "price", "NaN"], ["time", now, "price", "inf"],
            ["time", now, "price", "-inf"], ["time", now, "price", "Infinity"],
            ["time", "0x1p30", "price", "1.1"],  // 2^30: a sane time if hex floats were read
            ["time", now, "price", "0x1.2p0"],  // 1.125: a sane price if hex floats were read
            ["time", "+1700000000", "price", "1.1"],
            ["time", now, "price", "1.1" + String(repeating: "0", count: 40)],  // 43 bytes
            ["time", now],  // no price
            ["price", "1.1", "note", "x"],  // no time
        ]
        let absurdKinds: [[String]] = [
            ["time", "1e308", "price", "1.1"], ["time", "-1e308", "price", "1.1"], ["time", now, "price", "1e308"],
            ["time", now, "price", "1e999"], ["time", now, "price", "-1.5"], ["time", "1e11", "price", "1.1"],
        ]
        for _ in 0..<rounds {
            goodTick()
            entries += malformedKinds[..<5]
            goodTick()
            entries += malformedKinds[5...] + absurdKinds[..<3]
            goodTick()
            entries += absurdKinds[3...]
            malformed += malformedKinds.count
            absurd += absurdKinds.count
        }
    }
}

/// A ``FrameFeeder`` that keeps what a source feeds it (any thread).
final class CollectingFeeder: FrameFeeder, @unchecked Sendable {
    let assets = AssetDirectory()
    private let lock = NSLock()
    private var events: [DecodedEvent] = []

    func feed(line: UnsafeRawBufferPointer, readable: Int) { Issue.record("a Redis source fed a raw line") }

    func feed(events: some Sequence<DecodedEvent>) {
        lock.lock()
        self.events.append(contentsOf: events)
        lock.unlock()
    }

    /// Live ticks fed so far, as points, per asset name.
    func ticks(_ asset: String) -> [PricePoint] {
        guard let id = assets.lookup(asset) else { return [] }
        lock.lock()
        defer { lock.unlock() }
        return events.compactMap {
            if case let .tick(t) = $0, t.asset == id { return PricePoint(time: t.time, price: t.price) }
            return nil
        }
    }

    /// History snapshots fed so far for `asset`.
    func history(_ asset: String) -> [HistorySnapshot] {
        guard let id = assets.lookup(asset) else { return [] }
        lock.lock()
        defer { lock.unlock() }
        return events.compactMap {
            if case let .history(h) = $0, h.asset == id { return h }
            return nil
        }
    }
}

/// Entries of `key` still pending in `group` (XPENDING's count).
func pendingCount(_ c: RedisConnection, _ key: String, group: String = RedisStreamLayout.defaultGroup) throws -> Int {
    Int(try c.command(["XPENDING", key, group]).elements?.first?.integer ?? -1)
}

/// The number after `label` in `text` ("… 12 ticks archived …" → `number(before: " ticks archived")`).
func number(in text: String, before label: String) -> Int? {
    guard let r = text.range(of: label) else { return nil }
    let digits = text[..<r.lowerBound].reversed().prefix { $0.isNumber }
    return Int(String(digits.reversed()))
}

/// Ticks of `qflux export DIR --format jsonl` (every row's time and price, in file order).
func exportedTicks(_ qflux: String, _ directory: String) throws -> [String: [PricePoint]] {
    let (status, output) = try ArchiveTestData.run(qflux, ["export", directory, "--format", "jsonl", "--quiet"])
    try #require(status == 0, "qflux export: \(output.suffix(600))")
    var out: [String: [PricePoint]] = [:]
    for line in output.split(separator: "\n") {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        let asset = try #require(object["asset"] as? String)
        let time = try #require((object["time"] as? NSNumber)?.doubleValue)
        let price = try #require((object["price"] as? NSNumber)?.doubleValue)
        out[asset, default: []].append(PricePoint(time: time, price: price))
    }
    return out
}
