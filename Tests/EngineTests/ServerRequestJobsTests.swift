import Candles
import Dispatch
import FastDecode
import Synchronization
import Testing

@testable import SocketIOServer

/// History jobs and the shared listing (``RequestJobs``) without a server: jobs bounded per
/// client and shared per key, the listing shared and rate-bounded per client.
@Suite("Server request jobs (limits)")
struct ServerRequestJobsTests {
    private struct Fixture {
        let jobs: RequestJobs
        let sessions: ServerSessions
        let counters: ServerCounters
        let inbox: ServerInbox
        let worker: DispatchQueue
        let source: CountingDataSource

        /// A connected client.
        func client() -> ClientSession {
            let s = sessions.open(transport: .polling, address: "10.0.0.1")
            s.socketConnected = true
            return s
        }

        /// What the worker posted, once it is idle.
        func posted() -> [ServerInput] {
            worker.sync {}
            var out: [ServerInput] = []
            inbox.takeInputs(&out)
            return out
        }
    }

    private func fixture(_ change: (inout StreamServerConfig) -> Void = { _ in }) -> Fixture {
        var config = StreamServerConfig()
        change(&config)
        let counters = ServerCounters(), inbox = ServerInbox(capacity: 16)
        let sessions = ServerSessions(config: config, counters: counters)
        let worker = DispatchQueue(label: "test.jobs"), source = CountingDataSource(historyDelay: 0)
        let jobs = RequestJobs(
            config: config, counters: counters, sessions: sessions, dataSource: source,
            directory: AssetDirectory(), inbox: inbox, worker: worker)
        return Fixture(jobs: jobs, sessions: sessions, counters: counters, inbox: inbox, worker: worker, source: source)
    }

    @Test("history: one job per key shared by its clients, a per-client bound with a backlog, repeats merged")
    func history() {
        let f = fixture { $0.maxHistoryJobsPerClient = 1 }
        let a = f.client(), b = f.client()
        let one = AssetID(rawValue: 1), two = AssetID(rawValue: 2)
        f.jobs.scheduleHistory(a, asset: one, timeframe: .oneMinute)
        f.jobs.scheduleHistory(a, asset: two, timeframe: .oneMinute)  // over a's bound: its backlog
        f.jobs.scheduleHistory(a, asset: two, timeframe: .oneMinute)  // asked already: merged
        f.jobs.scheduleHistory(b, asset: one, timeframe: .oneMinute)  // joins a's job
        #expect(f.jobs.historyJobs.count == 1 && f.jobs.historyBacklog == 1)
        #expect(f.counters.historyMerged.load(ordering: .relaxed) == 2)
        #expect(f.counters.historyBacklog.load(ordering: .relaxed) == 1)
        let done = f.posted()
        #expect(f.source.historyCalls.load(ordering: .relaxed) == 1)
        guard case .historyDone(let key, _)? = done.first else {
            Issue.record("no historyDone posted: \(done.count) inputs")
            return
        }
        var sent: [UInt64] = []
        f.jobs.historyDone(key) { sent.append($0.id) }
        #expect(sent == [a.id, b.id])
        #expect(f.jobs.historyBacklog == 0 && f.jobs.historyJobs.count == 1)  // a's backlog key started
        #expect(f.posted().count == 1 && f.source.historyCalls.load(ordering: .relaxed) == 2)
    }

    @Test("a leaving client's backlog is dropped from the gauge")
    func dropBacklog() {
        let f = fixture { $0.maxHistoryJobsPerClient = 1 }
        let a = f.client()
        for raw in 1...4 { f.jobs.scheduleHistory(a, asset: AssetID(rawValue: UInt32(raw)), timeframe: .oneMinute) }
        #expect(f.jobs.historyBacklog == 3)
        f.jobs.dropHistoryBacklog(a)
        #expect(f.jobs.historyBacklog == 0 && a.requests.backlogCount == 0)
        #expect(f.counters.historyBacklog.load(ordering: .relaxed) == 0)
        _ = f.posted()
    }

    @Test("the listing: one in progress shared, one request per client at a time, then cached")
    func listing() {
        let f = fixture {
            $0.availableDataInterval = 60; $0.availableDataCacheSeconds = 60
        }
        let a = f.client(), b = f.client(), c = f.client()
        #expect(f.jobs.requestListing(a, ack: 7, now: 1) == .pending)
        guard case .refused(let busy) = f.jobs.requestListing(a, ack: nil, now: 2) else {
            Issue.record("a second request while pending was not refused")
            return
        }
        #expect(busy.contains("still being answered"))
        #expect(f.jobs.requestListing(b, ack: nil, now: 3) == .pending)
        #expect(f.jobs.listingInFlight)
        let done = f.posted()
        #expect(f.source.listingCalls.load(ordering: .relaxed) == 1)
        guard case .listingDone(let event, let payload)? = done.first else {
            Issue.record("no listingDone posted")
            return
        }
        var sent: [(UInt64, Int?)] = []
        f.jobs.listingDone(event: event, payload: payload, now: 10) { s, _, ack in sent.append((s.id, ack)) }
        #expect(sent.map(\.0) == [a.id, b.id] && sent.map(\.1) == [7, nil])
        guard case .refused(let tooSoon) = f.jobs.requestListing(a, ack: nil, now: 11) else {
            Issue.record("a request within the interval was not refused")
            return
        }
        #expect(tooSoon.contains("at most one request per"))
        guard case .cached(_, let cachedPayload) = f.jobs.requestListing(c, ack: nil, now: 12) else {
            Issue.record("a fresh listing was not reused")
            return
        }
        #expect(cachedPayload == payload)
        #expect(f.counters.listingRefused.load(ordering: .relaxed) == 2)
        #expect(f.counters.listingCacheHits.load(ordering: .relaxed) == 1)
    }
}
