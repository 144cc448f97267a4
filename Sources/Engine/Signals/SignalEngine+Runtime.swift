import Indicators

/// Specs added and removed while the engine runs (on-demand evaluations of `subscribe_signals`):
/// same thread as ``SignalEngine/candleClosed(asset:name:timeframe:start:open:high:low:close:)``.
extension SignalEngine {
    /// Specs evaluated now (``specs`` less the retired ones).
    package var activeSpecCount: Int { specs.count - retired.count }

    /// Adds `spec` (its label and timeframe not yet evaluated): every stream of its timeframe
    /// gets an evaluation (counted against ``SignalLimits/maxEvaluations`` like new streams;
    /// refusals in ``Counters/refusedEvaluations``), and streams made later have one too.
    /// Returns its slot in ``specs``. Throws when ``SignalLimits/maxSpecs`` are evaluated.
    @discardableResult
    package func addSpec(_ spec: SignalSpec) throws(SignalSpecError) -> Int {
        guard activeSpecCount < limits.maxSpecs else {
            throw SignalSpecError("too many signal specs: \(activeSpecCount) evaluated (at most \(limits.maxSpecs))")
        }
        let slot: Int
        if let free = retired.min() {
            retired.remove(free)
            specs[free] = spec
            slot = free
        } else {
            specs.append(spec)
            slot = specs.count - 1
        }
        for (key, stream) in streams where spec.timeframe == nil || spec.timeframe == key.timeframe {
            if counters.evaluations >= limits.maxEvaluations {
                counters.refusedEvaluations += 1
                continue
            }
            stream.evaluations.append((slot, spec.makeEvaluator(window: window)))
            counters.evaluations += 1
        }
        return slot
    }

    /// Stops the spec labelled `label` on `timeframe` (nil: every timeframe): its evaluations end
    /// and its pending signals are dropped unscored (nobody waits for them). False when no such
    /// spec is evaluated.
    @discardableResult
    package func removeSpec(label: String, timeframe: Int?) -> Bool {
        guard
            let slot = specs.indices.first(where: {
                !retired.contains($0) && specs[$0].label == label && specs[$0].timeframe == timeframe
            })
        else { return false }
        retired.insert(slot)
        for (_, stream) in streams {
            let before = stream.evaluations.count
            stream.evaluations.removeAll { $0.spec == slot }
            counters.evaluations -= before - stream.evaluations.count
            guard stream.pendingHead < stream.pending.count else { continue }
            let waiting = stream.pending[stream.pendingHead...]
            let kept = waiting.filter { !($0.strategy == label && (timeframe == nil || $0.timeframe == timeframe)) }
            if kept.count != waiting.count {
                counters.pending -= waiting.count - kept.count
                stream.pending = Array(kept)
                stream.pendingHead = 0
            }
        }
        return true
    }

    /// Seeds the evaluation of spec `slot` on `asset` × `timeframe` with closed candles the engine
    /// did not evaluate (history, oldest first) so that it decides from the next closed candle
    /// instead of after a full warm-up. No signal comes from them. Candles up to the stream's
    /// last one go to that evaluation only; newer ones advance the whole stream (as
    /// ``candleClosed(asset:name:timeframe:start:open:high:low:close:)`` would, without signals).
    package func seed(
        spec slot: Int, asset: UInt32, name: @autoclosure () -> String, timeframe: Int, candles: [AnalysisCandle]
    ) {
        guard !retired.contains(slot), specs.indices.contains(slot) else { return }
        let key = StreamKey(asset: asset, timeframe: timeframe)
        let stream = streams[key] ?? makeStream(key, name: name())
        for c in candles {
            let start = Int64(c.timestamp)
            if start > stream.lastStart {
                settle(stream, end: start + Int64(timeframe), close: c.close)
                stream.lastStart = start
                stream.lastClose = c.close
                if stream.evaluations.isEmpty { continue }
                if limits.keptCandles > 0 { stream.keep(c, limit: limits.keptCandles) }
                for e in stream.evaluations { _ = e.evaluator.push(c) }
            } else {
                for e in stream.evaluations where e.spec == slot { _ = e.evaluator.push(c) }
            }
        }
    }
}
