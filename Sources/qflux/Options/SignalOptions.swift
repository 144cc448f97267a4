import ArgumentParser
import Engine
import FastDecode
import Foundation
import Signals

/// `--signals`, `--signal-expiry`, `--payout`: the screener of `replay` and `stream`.
struct SignalOptions: ParsableArguments {
    @Option(
        name: .customLong("signals"),
        help: ArgumentHelp(
            "Run strategies on every asset × formed timeframe and journal their signals under --data-dir (signals.journal/): quantum_flux, quantum_flux_ta or rules:FILE, each optionally @TIMEFRAME, comma-separated (e.g. quantum_flux,rules:my.rules@1m). At most 16 specs and 16,384 evaluations (asset × timeframe × strategy); 65,536 signals pending at once. `qflux stream` (with or without --signals) also starts quantum_flux or quantum_flux_ta on demand for a subscribe_signals client, within the same limits, without journaling it.",
            valueName: "spec[,spec]"))
    var signals: String?

    @Option(
        name: .customLong("signal-expiry"),
        help: ArgumentHelp("Signal expiry in candles of the signal's timeframe.", valueName: "candles"))
    var signalExpiry: Int = 1

    @Option(
        help:
            "Profit on a won signal when no payout is in force (0.8 = 80 %); the payout in force is the broker's latest updateAssets list for the asset."
    )
    var payout: Double = 0.8

    /// The specs, or nil without --signals; a bad spec is a usage error.
    func specs() throws -> [SignalSpec]? {
        guard let signals else { return nil }
        do {
            return try SignalSpec.parseList(signals)
        } catch {
            throw CommandFailure("--signals: \(error.description)", code: QFluxExit.usage)
        }
    }

    /// The screener for the pipeline's assets, journaling under `dataDirectory`, each signal
    /// carrying the payout in force on `payouts` (the pipeline's board); nil without --signals.
    func screener(assets: AssetDirectory, payouts: PayoutBoard, dataDirectory: String) throws -> SignalScreener? {
        guard let specs = try specs() else { return nil }
        do {
            return try SignalScreener(
                specs: specs, assets: assets, dataDirectory: dataDirectory, expiryCandles: signalExpiry,
                defaultPayout: payout, payoutInForce: payouts.payoutInForce(assets: assets))
        } catch {
            throw CommandFailure("--signals: \(error.description)", code: QFluxExit.usage)
        }
    }

    /// A screener with no spec and no journal (`qflux stream` without --signals): it runs only
    /// the evaluations `subscribe_signals` starts, with --signal-expiry and --payout.
    func onDemandScreener(assets: AssetDirectory, payouts: PayoutBoard) throws -> SignalScreener {
        do {
            return try SignalScreener(
                specs: [], assets: assets, dataDirectory: nil, expiryCandles: signalExpiry, defaultPayout: payout,
                payoutInForce: payouts.payoutInForce(assets: assets))
        } catch {
            throw CommandFailure("--signals: \(error.description)", code: QFluxExit.usage)
        }
    }

    /// The summary line of a run.
    static func summary(_ screener: SignalScreener, directory: String) -> String {
        let c = screener.engine.counters
        let rate = c.results > 0 ? Double(c.wins) / Double(c.results) * 100 : 0
        return
            "  signals: \(c.signals) signals, \(c.results) scored (\(c.wins) won, \(String(format: "%.1f", rate)) %), \(c.pending) pending, \(c.evaluations) evaluations\(c.refusedEvaluations > 0 ? ", \(c.refusedEvaluations) refused (limit)" : "")\(c.droppedSignals > 0 ? ", \(c.droppedSignals) dropped (limit)" : "")\(screener.journalErrors > 0 ? ", \(screener.journalErrors) JOURNAL ERRORS" : "") → journal in \(directory)"
    }
}
