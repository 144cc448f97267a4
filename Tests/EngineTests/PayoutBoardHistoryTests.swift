import FastDecode
import Testing

@testable import Engine

/// The board's per-asset changes: what the screener pays a signal (``PayoutBoard/payoutInForce(assets:)``).
@Suite("Payout board: the payout in force at a time")
struct PayoutBoardHistoryTests {
    @Test("the latest change at or before a time, changes only, the last 32 kept per asset; as a fraction by name")
    func inForceAtTime() {
        let assets = AssetDirectory()
        let eur = assets.register("EURUSD_otc"), gbp = assets.register("GBPUSD_otc")
        let board = PayoutBoard()
        func list(_ time: Double, _ rows: [(AssetID, Double)]) {
            board.record(
                PayoutSnapshot(time: time, payouts: rows.map { AssetPayout(asset: $0.0, percent: $0.1) }), time: time)
        }
        list(100, [(eur, 86), (gbp, 80)])
        list(200, [(eur, 86), (gbp, 75)])  // EURUSD unchanged: no new change
        list(300, [(eur, 83)])
        #expect(board.current.changes[eur]?.map(\.time) == [100, 300])
        #expect(board.percent(of: eur, at: 99.9) == nil)
        #expect(board.percent(of: eur, at: 100) == 86)
        #expect(board.percent(of: eur, at: 299) == 86)
        #expect(board.percent(of: eur, at: 300) == 83)
        #expect(board.percent(of: gbp, at: 250) == 75)
        #expect(board.percent(of: eur) == 83)  // "now"

        let inForce = board.payoutInForce(assets: assets)
        #expect(inForce("EURUSD_otc", 150) == 0.86)
        #expect(inForce("eurusd otc", 400) == 0.83)
        #expect(inForce("EURUSD_otc", 50) == nil)
        #expect(inForce("AUDCAD_otc", 400) == nil)

        // Bounded: 40 more changes keep the last 32.
        for i in 0..<40 { list(1000 + Double(i), [(eur, 50 + Double(i))]) }
        let kept = board.current.changes[eur] ?? []
        #expect(kept.count == PayoutBoard.changesKept)
        #expect(kept.first?.time == 1008 && kept.last?.percent == 89)
        #expect(board.percent(of: eur, at: 1007) == nil)  // older than the oldest kept
        #expect(board.percent(of: eur, at: 1020) == 70)
    }
}
