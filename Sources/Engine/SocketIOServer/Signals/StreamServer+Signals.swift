extension StreamServer {
    /// The strategies the screener runs (before ``start()`` or at once after): what
    /// `subscribe_signals` accepts.
    package func screenSignals(_ specs: [ScreenedSignalSpec]) {
        inbox.post(.screenedSignals(specs))
    }

    /// Lets `subscribe_signals` start evaluations the screener does not run (before ``start()``
    /// or at once after): `control` runs them on the engine thread, shared by every subscriber
    /// of the same strategy and timeframe, until the last one leaves.
    package func controlSignals(_ control: any SignalEvaluationControl) {
        inbox.post(.signalControl(control))
    }

    /// Hands a screener event to the network thread (engine thread; once per signal or result,
    /// never per candle): it goes to each matching subscriber's outbound queue.
    package func publishSignal(_ delivery: SignalDelivery) {
        inbox.post(.signal(delivery))
    }
}
