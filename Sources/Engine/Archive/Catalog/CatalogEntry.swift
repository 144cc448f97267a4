/// One file of the CSV API's listing (`/api/available-csv-files`, `get_available_data`): a whole
/// archived series (one asset × ticks or one candle timeframe, every chunk of it), or a CSV file
/// in the original tool's layout found under the data directory.
package struct CatalogEntry: Sendable, Equatable {
    /// Where the CSV comes from.
    package enum Source: Sendable, Equatable {
        /// An archived series: the chunks in the folder ``CatalogEntry/path`` names, exported to
        /// CSV on the fly (`qflux export`'s code).
        case archive(kind: ArchiveKind, timeframeSeconds: Int)
        /// A CSV file already in the original's layout, served as it is.
        case csv(kind: ArchiveKind)
    }

    /// The name `/api/csv-data/<filename>` takes; ends in `.csv`, only URL-safe characters for
    /// archive entries (`EURUSD_otc_1m.csv`, `~23AAPL_tick.csv` for `#AAPL`).
    package var filename: String
    /// The real asset name (`#AAPL`, not its escaped folder name).
    package var asset: String
    /// `tick`, or a candle timeframe as the original named them (`1m`, `5m`, `1h`, `4h`…).
    package var timeframe: String
    /// Relative to the data directory, never `..` or absolute: the series folder
    /// (`EURUSD_otc/candles_1m`) or the CSV file (`data_collect/1M_candles/EURUSD_otc_1m_x.csv`).
    /// `run_backtest {file_path}` takes it (or ``filename``).
    package var path: String
    /// Bytes of the CSV: exact for a CSV file; for an archived series an estimate (see
    /// ``CatalogSizeEstimate``); nil when it could not be estimated.
    package var size: Int?
    /// Where the CSV comes from.
    package var source: Source
    /// Chunk files of an archived series (`.open` ones included); 0 for a CSV file.
    package var chunks: Int

    /// Whether the entry holds ticks (`timestamp,asset,price`) rather than candles.
    package var isTicks: Bool {
        switch source {
        case let .archive(kind, _), let .csv(kind): kind == .ticks
        }
    }
}

/// What a listing found.
package struct CatalogListing: Sendable {
    /// One entry per archived series, then the CSV files, each group sorted by path.
    package var entries: [CatalogEntry]
    /// Things under the data directory that look like data but were left out, with why
    /// (an asset folder whose name is not one qflux writes, a CSV without the original's
    /// columns, a file name listed twice, a symbolic link).
    package var skipped: [(path: String, reason: String)]
}

/// A catalog request that cannot be served, with the message for the client.
package struct CatalogError: Error, Sendable, CustomStringConvertible, Equatable {
    /// One line for the client; names paths relative to the data directory only.
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
