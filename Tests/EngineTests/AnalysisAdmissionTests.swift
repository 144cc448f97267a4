import Testing

@testable import SocketIOServer

/// Analysis admission (``AnalysisAdmission``): the server-wide, per-client and per-address shares.
@Suite("Analysis admission")
struct AnalysisAdmissionTests {
    @Test("a client's share, then its address's share, then the server's queue refuse")
    func shares() {
        var a = AnalysisAdmission(maxPending: 4, maxPerClient: 2, maxPerAddress: 3)
        #expect(a.refusal(client: 1, address: "x") == nil)
        a.admit(client: 1, address: "x")
        a.admit(client: 1, address: "x")
        #expect(a.refusal(client: 1, address: "x")?.contains("of this client") == true)
        #expect(a.refusal(client: 2, address: "x") == nil)
        a.admit(client: 2, address: "x")
        #expect(a.refusal(client: 3, address: "x")?.contains("from this address") == true)
        #expect(a.refusal(client: 3, address: "y") == nil)
        a.admit(client: 3, address: "y")
        #expect(a.refusal(client: 4, address: "z")?.hasPrefix("server busy: 4 analysis requests queued") == true)
    }

    @Test("a finished request frees its slots and leaves no empty entries")
    func done() {
        var a = AnalysisAdmission(maxPending: 8, maxPerClient: 2, maxPerAddress: 4)
        a.admit(client: 1, address: "x")
        a.admit(client: 1, address: "x")
        a.done(client: 1, address: "x")
        #expect(a.pending == 1 && a.byClient[1] == 1 && a.byAddress["x"] == 1)
        a.done(client: 1, address: "x")
        #expect(a.pending == 0 && a.byClient.isEmpty && a.byAddress.isEmpty)
    }

    @Test("an address share of 0 still admits one request")
    func addressAtLeastOne() {
        var a = AnalysisAdmission(maxPending: 8, maxPerClient: 8, maxPerAddress: 0)
        #expect(a.refusal(client: 1, address: "x") == nil)
        a.admit(client: 1, address: "x")
        #expect(a.refusal(client: 2, address: "x") != nil)
    }

    @Test("reply names and the reply bound")
    func replies() {
        #expect(AnalysisAdmission.replies("run_backtest") == ("backtest_complete", "backtest_error"))
        #expect(AnalysisAdmission.replies("calculate_indicators") == ("indicators_calculated", "indicators_error"))
        #expect(AnalysisAdmission.overBound([[1, 2], [3]], maxBytes: 3) == nil)
        #expect(AnalysisAdmission.overBound([[1, 2], [3, 4]], maxBytes: 3) == 4)
        let why = AnalysisAdmission.tooLarge(3 << 20, max: 2 << 20, backtest: true)
        #expect(why.contains("3.0 MB") && why.contains("2.0 MB") && why.contains("backtest a shorter series"))
        #expect(AnalysisAdmission.tooLarge(1500, max: 1024, backtest: false).contains("2 KB"))
    }
}
