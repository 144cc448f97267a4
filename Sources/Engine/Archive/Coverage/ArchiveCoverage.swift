import Foundation

/// What an archive holds per asset and candle timeframe, and where its gaps are – what
/// `qflux ls DIR --coverage` prints and `qflux collect --fill-gaps` re-visits.
///
/// A gap is a run of missing candle starts between the first and the last candle of a series
/// (every period counts: OTC assets trade around the clock; a calendar for assets that close at
/// weekends is not applied). Ticks are not covered.
package struct ArchiveCoverage: Sendable {
    /// A run of missing candles: starts `from`, `from + period`, …, `to` (epoch seconds).
    package struct Gap: Sendable, Equatable {
        /// First missing start.
        package var from: Int64
        /// Last missing start.
        package var to: Int64
        /// Missing candles in the run.
        package var missing: Int
    }

    /// One asset × timeframe.
    package struct Series: Sendable {
        /// The broker's asset name.
        package var asset: String
        /// Candle period, seconds.
        package var timeframeSeconds: Int
        /// Oldest and newest candle start (epoch seconds).
        package var first: Int64
        package var last: Int64
        /// Distinct candles archived.
        package var count: Int
        /// Missing runs, oldest first.
        package var gaps: [Gap]
        /// Missing candles in all gaps.
        package var missing: Int { gaps.reduce(0) { $0 + $1.missing } }
    }

    /// Every candle series, by asset then timeframe.
    package var series: [Series]
    /// Chunks that could not be read (path, error).
    package var unreadable: [(path: String, error: ArchiveError)]

    /// Reads every candle chunk under `directory`.
    package static func scan(directory: String) throws(ArchiveError) -> ArchiveCoverage {
        let index = try ArchiveIndex.scan(directory: directory)
        let reader = try ArchiveReader()
        var out: [Series] = []
        var unreadable = index.unreadable
        for s in index.series where s.kind == .candles && s.timeframeSeconds > 0 {
            var starts = Set<Int64>()
            for chunk in s.chunks {
                do {
                    // Only plausible starts: Int64.min and .max overflow the gap arithmetic.
                    _ = try reader.scan(
                        chunk.path, ticks: { _ in }, candles: { if $0.isPlausible { starts.insert($0.start) } })
                } catch {
                    unreadable.append((chunk.path, error))
                }
            }
            guard !starts.isEmpty else { continue }
            out.append(series(asset: s.asset, timeframeSeconds: s.timeframeSeconds, starts: starts))
        }
        return ArchiveCoverage(series: out, unreadable: unreadable)
    }

    /// The coverage of one series given its candle starts.
    package static func series(asset: String, timeframeSeconds: Int, starts: Set<Int64>) -> Series {
        let sorted = starts.sorted()
        let period = Int64(timeframeSeconds)
        var gaps: [Gap] = []
        for (a, b) in zip(sorted, sorted.dropFirst()) where b - a > period {
            gaps.append(Gap(from: a + period, to: b - period, missing: Int((b - a) / period) - 1))
        }
        return Series(
            asset: asset, timeframeSeconds: timeframeSeconds, first: sorted.first ?? 0, last: sorted.last ?? 0,
            count: sorted.count, gaps: gaps)
    }
}
