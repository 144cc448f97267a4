/// The tables qflux writes (docs/postgres.md is the reference for SQL users). Created when
/// absent; existing tables (the original tool's `historical_ticks` on Supabase) are used as they are.
///
/// - `historical_ticks`: the original tool's table and index. `timestamp` holds epoch
///   **milliseconds** (the original truncated to seconds, which merged ticks).
/// - `candles`: closed (or revised: the last version wins) candles, `timestamp` the start in
///   epoch milliseconds, `timeframe` in seconds.
/// - `qflux_stream_offsets`: the archiver's last committed Redis stream id per consumer group
///   and stream, written in the same transaction as the rows.
/// - `qflux_loaded_chunks`: archive chunks `qflux export --to` has loaded, and how many of their
///   records, written in the same transaction as the rows.
package enum PostgresSchema {
    /// Longest asset name the original's `pair varchar(20)` holds.
    package static let pairLength = 20

    /// Every `CREATE … IF NOT EXISTS`, one transaction.
    package static let create = """
        BEGIN;
        CREATE TABLE IF NOT EXISTS historical_ticks (
            id bigserial PRIMARY KEY,
            pair varchar(20) NOT NULL,
            price decimal(20,10) NOT NULL,
            timestamp bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS idx_historical_ticks_pair_timestamp ON historical_ticks (pair, timestamp DESC);
        CREATE TABLE IF NOT EXISTS candles (
            pair varchar(20) NOT NULL,
            timeframe integer NOT NULL,
            timestamp bigint NOT NULL,
            open decimal(20,10) NOT NULL,
            high decimal(20,10) NOT NULL,
            low decimal(20,10) NOT NULL,
            close decimal(20,10) NOT NULL,
            volume double precision NOT NULL DEFAULT 0,
            PRIMARY KEY (pair, timeframe, timestamp)
        );
        CREATE TABLE IF NOT EXISTS qflux_stream_offsets (
            consumer_group text NOT NULL,
            stream text NOT NULL,
            last_id text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer_group, stream)
        );
        CREATE TABLE IF NOT EXISTS qflux_loaded_chunks (
            chunk text PRIMARY KEY,
            pair text NOT NULL,
            kind text NOT NULL,
            records bigint NOT NULL,
            loaded_at timestamptz NOT NULL DEFAULT now()
        );
        COMMIT;
        """

    /// Creates what is missing. Two processes creating at once may race on the catalog
    /// (`unique_violation` / `duplicate_object`): then it is tried once more.
    package static func ensure(_ connection: PostgresConnection) throws(PostgresError) {
        do throws(PostgresError) {
            try connection.execute(create)
        } catch  where error.sqlState == "23505" || error.sqlState == "42P07" || error.sqlState == "42710" {
            try? connection.execute("ROLLBACK")
            try connection.execute(create)
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// `epoch seconds` → the tables' epoch milliseconds (rounded to the nearest).
    @inlinable package static func milliseconds(_ seconds: Double) -> Int64 {
        Int64((seconds * 1000).rounded())
    }
}
